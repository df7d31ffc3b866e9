//! NIP-46 remote signing: "Connect a remote signer".
//!
//! The user's key stays in a remote signer (a "bunker": nsec.app, Amber, a
//! server of theirs…); the engine asks it over NOSTR relays to sign and to
//! encrypt. [`BunkerSigner`] wraps `nostr-connect`'s client:
//!
//! - [`BunkerSigner::connect`] takes the `bunker://` link the signer shows and
//!   makes a fresh app key for this connection;
//! - [`NostrConnectOffer`] serves the other direction: a `nostrconnect://`
//!   code this app shows for the user's signer app to scan, and the wait for
//!   the signer's answer;
//! - [`BunkerSigner::to_secret_bytes`] and [`BunkerSigner::reconnect`] carry
//!   the connection across reloads: the bytes hold the bunker's secret and the
//!   app key, so the engine seals them in the vault.
//!
//! `nostr-connect` 0.44 follows an older NIP-46 for `nostrconnect://` (no
//! secret in the code, an "ack" answer), which current signer apps do not
//! speak, so [`NostrConnectOffer`] does that first exchange itself, with
//! `nostr`'s NIP-46 messages and NIP-44 and a `nostr-relay-pool` connection.
//! Once the signer has answered with the code's secret, the connection is
//! the same as a `bunker://` link to that signer, and is kept and reconnected
//! the same way.
//!
//! Every exchange is bounded by the timeout given when connecting. The timer
//! is `async-utility`'s: tokio natively, gloo (the browser's `setTimeout`) on
//! wasm32, chosen by target with no feature to set.

use std::collections::HashMap;
use std::fmt::{self, Write};
use std::future::Future;
use std::time::Duration;

use nostr::nips::nip44;
use nostr::nips::nip46::{NostrConnectMessage, NostrConnectURI};
use nostr::{
    Event, EventId, Filter, JsonUtil, Keys, Kind, NostrSigner, PublicKey, RelayMessage, RelayUrl,
    SecretKey, ToBech32, UnsignedEvent, Url,
};
use nostr_connect::client::NostrConnect;
use nostr_connect::error::Error as ConnectError;
use nostr_relay_pool::{
    RelayOptions, RelayPool, RelayPoolNotification, RelayStatus, SubscribeOptions,
};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use zeroize::{Zeroize, Zeroizing};

/// The longest text from a remote signer quoted in an error.
const MAX_QUOTED: usize = 200;

/// The version of [`Saved`]'s layout.
const SAVED_VERSION: u8 = 1;

/// Why the remote signer could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BunkerError {
    /// The text given is not a usable `bunker://` link, or a relay not a
    /// usable address.
    #[error("this is not a usable remote signer link: {reason}")]
    BadUri { reason: String },
    /// The relays were reached but the remote signer never answered.
    #[error(
        "the remote signer did not answer within {seconds} seconds: check that it is online \
         and approves the connection"
    )]
    Timeout { seconds: u64 },
    /// None of the link's relays could be reached.
    #[error(
        "could not reach the remote signer's relay ({relays}): check your internet connection, \
         or that the link names a working relay"
    )]
    RelayUnreachable { relays: String },
    /// The relay connection failed before anything was asked.
    #[error(
        "the connection to the remote signer's relays failed ({reason}): check your internet \
         connection and try again"
    )]
    Relay { reason: String },
    /// The remote signer answered with a refusal or an error.
    #[error("the remote signer refused: {reason}")]
    Refused { reason: String },
    /// The remote signer answered something that does not hold together.
    #[error("the remote signer answered something unusable ({reason}): try connecting it again")]
    Protocol { reason: String },
    /// The event to sign is not authored by the remote signer's key.
    #[error("this event is not written by {user}, the key the remote signer holds")]
    WrongAuthor { user: String },
    /// After a reload the remote signer speaks for another key.
    #[error(
        "the remote signer now holds {now} instead of {before}: connect it again if you meant \
         to switch accounts"
    )]
    DifferentUser { before: String, now: String },
    /// The saved connection cannot be read back.
    #[error("the saved remote signer connection is unreadable ({reason}): connect it again")]
    BadSaved { reason: String },
    /// No signer app answered the `nostrconnect://` code in time.
    #[error(
        "no signer app answered within {seconds} seconds: scan the code with your signer app \
         and approve the connection, or show a new code"
    )]
    NotScanned { seconds: u64 },
    /// Signer apps answered the `nostrconnect://` code, none with its secret.
    #[error(
        "a signer app answered without this code's secret (an older code, or an outdated app): \
         scan the code shown now"
    )]
    WrongSecret,
    /// The system gave no secure random numbers for a new code.
    #[error("secure random numbers are unavailable ({reason})")]
    NoRandomness { reason: String },
}

/// A connected NIP-46 remote signer.
///
/// Dropping it closes its relay connections.
pub struct BunkerSigner {
    client: NostrConnect,
    /// The remote signer's own key: the one it talks with, maybe not the user's.
    remote_signer: PublicKey,
    relays: Vec<RelayUrl>,
    /// The `bunker://` link's secret, sent again on every reconnection.
    secret: Option<Zeroizing<String>>,
    /// The user's key, for which the remote signer signs.
    user: PublicKey,
    timeout: Duration,
}

impl fmt::Debug for BunkerSigner {
    /// Public parts only: never the app key nor the link's secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BunkerSigner")
            .field("user", &self.user)
            .field("remote_signer", &self.remote_signer)
            .field("relays", &self.relays)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// What [`BunkerSigner::to_secret_bytes`] keeps, as JSON.
#[derive(Serialize, Deserialize)]
struct Saved {
    v: u8,
    /// The remote signer's public key, hex.
    remote_signer: String,
    relays: Vec<String>,
    /// The `bunker://` link's secret.
    secret: Option<String>,
    /// The app-side secret key, hex.
    app_key: String,
    /// The user's public key, hex.
    user: String,
}

impl Drop for Saved {
    fn drop(&mut self) {
        self.secret.zeroize();
        self.app_key.zeroize();
    }
}

impl BunkerSigner {
    /// Connects to the remote signer of a `bunker://` link with a fresh app
    /// key; returns it and the user's public key.
    ///
    /// Fails with [`BunkerError::Timeout`] (or
    /// [`BunkerError::RelayUnreachable`]) when the whole exchange, including
    /// the user approving the connection on their signer, takes longer than
    /// `timeout`; later requests get the same bound.
    pub async fn connect(
        uri: &str,
        timeout: Duration,
    ) -> Result<(BunkerSigner, PublicKey), BunkerError> {
        let uri = parse_uri(uri)?;
        Self::start(uri, Keys::generate(), None, timeout).await
    }

    /// Connects again from [`to_secret_bytes`](Self::to_secret_bytes)' bytes
    /// and checks that the remote signer still holds the same user key.
    pub async fn reconnect(
        secret: &[u8],
        timeout: Duration,
    ) -> Result<(BunkerSigner, PublicKey), BunkerError> {
        // The messages name what is damaged, never the values: they are secret.
        let saved: Saved = serde_json::from_slice(secret).map_err(|error| {
            bad_saved(match error.classify() {
                serde_json::error::Category::Data
                    if error.to_string().contains("missing field") =>
                {
                    "a part is missing"
                }
                serde_json::error::Category::Data => "a part holds the wrong kind of value",
                _ => "it is not JSON",
            })
        })?;
        if saved.v != SAVED_VERSION {
            return Err(bad_saved("it was written by another version of Flash"));
        }
        let remote_signer = PublicKey::from_hex(&saved.remote_signer)
            .map_err(|_| bad_saved("the remote signer's key is damaged"))?;
        let relays = saved
            .relays
            .iter()
            .map(|relay| RelayUrl::parse(relay).map_err(|_| bad_saved("a relay is damaged")))
            .collect::<Result<Vec<_>, _>>()?;
        if relays.is_empty() {
            return Err(bad_saved("it names no relay"));
        }
        let app_key =
            SecretKey::from_hex(&saved.app_key).map_err(|_| bad_saved("the app key is damaged"))?;
        let user =
            PublicKey::from_hex(&saved.user).map_err(|_| bad_saved("the user's key is damaged"))?;
        let uri = NostrConnectURI::Bunker {
            remote_signer_public_key: remote_signer,
            relays,
            secret: saved.secret.clone(),
        };
        Self::start(uri, Keys::new(app_key), Some(user), timeout).await
    }

    /// What [`reconnect`](Self::reconnect) needs after a reload: the bunker's
    /// link with its secret, the app's secret key and the user's public key,
    /// as JSON. Secret: seal it.
    pub fn to_secret_bytes(&self) -> Zeroizing<Vec<u8>> {
        let saved = Saved {
            v: SAVED_VERSION,
            remote_signer: self.remote_signer.to_hex(),
            relays: self.relays.iter().map(ToString::to_string).collect(),
            secret: self.secret.as_ref().map(|secret| secret.to_string()),
            app_key: self.client.local_keys().secret_key().to_secret_hex(),
            user: self.user.to_hex(),
        };
        // Room enough that the buffer never grows, leaving no copy behind.
        let room = room_for(&saved);
        let mut bytes = Zeroizing::new(Vec::with_capacity(room));
        // Writing strings to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *bytes, &saved);
        bytes
    }

    /// The user's public key.
    pub fn public_key(&self) -> PublicKey {
        self.user
    }

    /// The relays the remote signer listens on.
    pub fn relays(&self) -> &[RelayUrl] {
        &self.relays
    }

    /// The NIP-46 client, a [`NostrSigner`] for the user's key (for the
    /// messaging code and nostr-sdk). Its clones share this connection; its
    /// own requests are bounded by `nostr-connect`'s per-request timeout,
    /// which is this signer's.
    pub fn as_signer(&self) -> &NostrConnect {
        &self.client
    }

    /// Has the remote signer sign `unsigned`, which must be authored by the
    /// user's key; checks the signature and that the event is the one asked.
    pub async fn sign(&self, unsigned: UnsignedEvent) -> Result<Event, BunkerError> {
        if unsigned.pubkey != self.user {
            return Err(BunkerError::WrongAuthor {
                user: npub(&self.user),
            });
        }
        let expected = EventId::new(
            &unsigned.pubkey,
            &unsigned.created_at,
            &unsigned.kind,
            &unsigned.tags,
            &unsigned.content,
        );
        let event = self.request(self.client.sign_event(unsigned)).await?;
        if event.id != expected || event.pubkey != self.user || event.verify().is_err() {
            return Err(BunkerError::Protocol {
                reason: "its signature is not for the event it was asked to sign".to_owned(),
            });
        }
        Ok(event)
    }

    /// NIP-44 encrypts `plaintext` from the user to `peer`.
    pub async fn nip44_encrypt(
        &self,
        peer: &PublicKey,
        plaintext: &str,
    ) -> Result<String, BunkerError> {
        self.request(self.client.nip44_encrypt(peer, plaintext))
            .await
    }

    /// NIP-44 decrypts `payload` sent between `peer` and the user.
    pub async fn nip44_decrypt(
        &self,
        peer: &PublicKey,
        payload: &str,
    ) -> Result<String, BunkerError> {
        self.request(self.client.nip44_decrypt(peer, payload)).await
    }

    /// Closes the relay connections now rather than when dropped.
    pub async fn disconnect(self) {
        self.client.shutdown().await;
    }

    async fn start(
        uri: NostrConnectURI,
        app_keys: Keys,
        expected_user: Option<PublicKey>,
        timeout: Duration,
    ) -> Result<(BunkerSigner, PublicKey), BunkerError> {
        if uri.relays().is_empty() {
            return Err(BunkerError::BadUri {
                reason: "it names no relay to reach the signer through".to_owned(),
            });
        }
        let secret = uri.secret().map(|secret| Zeroizing::new(secret.to_owned()));
        let relays = uri.relays().to_vec();
        let client = NostrConnect::new(uri, app_keys, timeout, None).map_err(|error| {
            BunkerError::BadUri {
                reason: error.to_string(),
            }
        })?;
        let handshake = async {
            // Joins the relays, sends `connect` and waits for its answer.
            let bunker = client.bunker_uri().await.map_err(connect_error)?;
            let user = client
                .get_public_key()
                .await
                .map_err(|e| signer_error(&e))?;
            Ok::<_, BunkerError>((bunker, user))
        };
        let outcome = match async_utility::time::timeout(Some(timeout), handshake).await {
            Some(Ok(answer)) => Ok(answer),
            Some(Err(BunkerError::Timeout { .. })) | None => {
                Err(timed_out(&client.status().await, timeout))
            }
            Some(Err(error)) => Err(error),
        };
        let (bunker, user) = match outcome {
            Ok(answer) => answer,
            Err(error) => {
                client.shutdown().await;
                return Err(error);
            }
        };
        if let Some(before) = expected_user.filter(|before| *before != user) {
            client.shutdown().await;
            return Err(BunkerError::DifferentUser {
                before: npub(&before),
                now: npub(&user),
            });
        }
        let Some(remote_signer) = bunker.remote_signer_public_key().copied() else {
            client.shutdown().await;
            return Err(BunkerError::Protocol {
                reason: "it did not say who it is".to_owned(),
            });
        };
        let signer = BunkerSigner {
            client,
            remote_signer,
            relays,
            secret,
            user,
            timeout,
        };
        Ok((signer, user))
    }

    /// Awaits a request to the remote signer, bounded by the timeout.
    async fn request<T>(
        &self,
        request: impl Future<Output = Result<T, nostr::signer::SignerError>>,
    ) -> Result<T, BunkerError> {
        match async_utility::time::timeout(Some(self.timeout), request).await {
            Some(Ok(answer)) => Ok(answer),
            Some(Err(error)) => match signer_error(&error) {
                BunkerError::Timeout { .. } => Err(self.timed_out().await),
                other => Err(other),
            },
            None => Err(self.timed_out().await),
        }
    }

    async fn timed_out(&self) -> BunkerError {
        timed_out(&self.client.status().await, self.timeout)
    }
}

/// A `nostrconnect://` code for the user's signer app to scan (NIP-46's
/// "direct connection initiated by the client"), listened for on its relays.
///
/// The code names a fresh app key, the relays, a random secret, the app's
/// name and the permissions it asks for. The signer app that scans it
/// answers on those relays with a `connect` response carrying the secret;
/// its author is the remote signer. Answers without the secret are ignored:
/// anyone may write to the app key, only the one who saw the code knows the
/// secret.
///
/// Dropping it stops listening.
pub struct NostrConnectOffer {
    uri: String,
    app_keys: Keys,
    secret: Zeroizing<String>,
    relays: Vec<RelayUrl>,
    pool: RelayPool,
    /// Everything the relays sent since before the subscription.
    answers: broadcast::Receiver<RelayPoolNotification>,
}

impl fmt::Debug for NostrConnectOffer {
    /// Public parts only: never the app key nor the code's secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NostrConnectOffer")
            .field("app", &self.app_keys.public_key())
            .field("relays", &self.relays)
            .finish_non_exhaustive()
    }
}

/// What an event addressed to the app key says about the code.
enum Answer {
    /// A `connect` response with the code's secret, from this remote signer.
    Connected(PublicKey),
    /// A response with another result: another code's, or an outdated app's.
    WrongSecret,
    /// Anything else: not a response, not readable.
    Unrelated,
}

impl NostrConnectOffer {
    /// Makes a fresh app key and secret and the code naming them, and
    /// returns once a relay has confirmed that it passes on answers to it
    /// (an answer sent earlier would be lost: relays keep no NIP-46 event).
    ///
    /// `perms` are NIP-46 permissions (`sign_event:13`, `nip44_encrypt`…).
    /// Fails with [`BunkerError::RelayUnreachable`] when no relay confirms
    /// within `timeout`.
    pub async fn open(
        relays: &[String],
        app_name: &str,
        perms: &[&str],
        timeout: Duration,
    ) -> Result<NostrConnectOffer, BunkerError> {
        let relays = relays
            .iter()
            .map(|relay| {
                RelayUrl::parse(relay).map_err(|error| BunkerError::BadUri {
                    reason: format!(
                        "the relay {} is not a ws:// or wss:// address ({error})",
                        quote(relay)
                    ),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if relays.is_empty() {
            return Err(BunkerError::BadUri {
                reason: "it names no relay".to_owned(),
            });
        }
        let app_keys = Keys::generate();
        let secret = random_secret()?;
        let uri = nostrconnect_uri(&app_keys.public_key(), &relays, &secret, app_name, perms)?;
        let pool = RelayPool::default();
        for relay in &relays {
            pool.add_relay(relay, RelayOptions::default())
                .await
                .map_err(|error| BunkerError::Relay {
                    reason: quote(&error.to_string()),
                })?;
        }
        let answers = pool.notifications();
        pool.connect().await;
        let mut offer = NostrConnectOffer {
            uri,
            app_keys,
            secret,
            relays,
            pool,
            answers,
        };
        let listening = offer.listen(timeout).await;
        if let Err(error) = listening {
            offer.pool.shutdown().await;
            return Err(error);
        }
        Ok(offer)
    }

    /// The `nostrconnect://` code to show, as a link. It holds the secret:
    /// show it only to the user.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// Waits up to `wait` for the signer app's answer, then connects to
    /// that signer as to its `bunker://` link, with `timeout` for that and
    /// every later request; returns it and the user's public key.
    ///
    /// Fails with [`BunkerError::NotScanned`] when nothing answers in time,
    /// [`BunkerError::WrongSecret`] when only answers without the secret did.
    pub async fn accept(
        mut self,
        wait: Duration,
        timeout: Duration,
    ) -> Result<(BunkerSigner, PublicKey), BunkerError> {
        let mut wrong_secret = false;
        let answered =
            async_utility::time::timeout(Some(wait), self.answer(&mut wrong_secret)).await;
        let status = relay_status(&self.pool).await;
        // The connection below has its own relay connections.
        self.pool.shutdown().await;
        let remote_signer = match answered {
            Some(Some(remote_signer)) => remote_signer,
            _ if wrong_secret => return Err(BunkerError::WrongSecret),
            _ => {
                return Err(match timed_out(&status, wait) {
                    BunkerError::Timeout { seconds } => BunkerError::NotScanned { seconds },
                    unreachable => unreachable,
                })
            }
        };
        // The secret answered the code; per NIP-46 it is not used again.
        let uri = NostrConnectURI::Bunker {
            remote_signer_public_key: remote_signer,
            relays: self.relays.clone(),
            secret: None,
        };
        BunkerSigner::start(uri, self.app_keys.clone(), None, timeout).await
    }

    /// Subscribes to what is sent to the app key, and waits until a relay
    /// confirms (with its end of stored events).
    async fn listen(&mut self, timeout: Duration) -> Result<(), BunkerError> {
        let filter = Filter::new()
            .kind(Kind::NostrConnect)
            .pubkey(self.app_keys.public_key())
            .limit(0);
        let subscription = self
            .pool
            .subscribe(filter, SubscribeOptions::default())
            .await
            .map_err(|error| BunkerError::Relay {
                reason: quote(&error.to_string()),
            })?
            .val;
        let confirmed = async {
            loop {
                match self.answers.recv().await {
                    Ok(RelayPoolNotification::Message {
                        message: RelayMessage::EndOfStoredEvents(id),
                        ..
                    }) if *id == subscription => return true,
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return false,
                }
            }
        };
        if async_utility::time::timeout(Some(timeout), confirmed).await == Some(true) {
            return Ok(());
        }
        Err(match timed_out(&relay_status(&self.pool).await, timeout) {
            BunkerError::Timeout { .. } => BunkerError::Relay {
                reason: "the relay did not confirm it listens".to_owned(),
            },
            unreachable => unreachable,
        })
    }

    /// The remote signer of the first answer with the secret; `None` if the
    /// relays are gone. Sets `wrong_secret` on answers with another result.
    async fn answer(&mut self, wrong_secret: &mut bool) -> Option<PublicKey> {
        loop {
            match self.answers.recv().await {
                Ok(RelayPoolNotification::Event { event, .. }) => match self.read(&event) {
                    Answer::Connected(remote_signer) => return Some(remote_signer),
                    Answer::WrongSecret => *wrong_secret = true,
                    Answer::Unrelated => {}
                },
                Ok(RelayPoolNotification::Shutdown) | Err(broadcast::error::RecvError::Closed) => {
                    return None
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
            }
        }
    }

    fn read(&self, event: &Event) -> Answer {
        if event.kind != Kind::NostrConnect {
            return Answer::Unrelated;
        }
        let Ok(json) = nip44::decrypt(self.app_keys.secret_key(), &event.pubkey, &event.content)
        else {
            return Answer::Unrelated;
        };
        let json = Zeroizing::new(json);
        match NostrConnectMessage::from_json(json.as_str()) {
            Ok(NostrConnectMessage::Response {
                result: Some(result),
                ..
            }) => {
                let result = Zeroizing::new(result);
                if *result == *self.secret {
                    Answer::Connected(event.pubkey)
                } else {
                    Answer::WrongSecret
                }
            }
            _ => Answer::Unrelated,
        }
    }
}

/// The `nostrconnect://` link: form-encoded like NIP-46's example (and
/// nostr-tools' `createNostrConnectURI`).
fn nostrconnect_uri(
    app: &PublicKey,
    relays: &[RelayUrl],
    secret: &str,
    app_name: &str,
    perms: &[&str],
) -> Result<String, BunkerError> {
    let mut uri = Url::parse(&format!("nostrconnect://{}", app.to_hex())).map_err(|error| {
        BunkerError::BadUri {
            reason: error.to_string(),
        }
    })?;
    {
        let mut query = uri.query_pairs_mut();
        for relay in relays {
            query.append_pair("relay", relay.as_str_without_trailing_slash());
        }
        query.append_pair("secret", secret);
        if !perms.is_empty() {
            query.append_pair("perms", &perms.join(","));
        }
        query.append_pair("name", app_name);
    }
    Ok(uri.into())
}

/// 16 random bytes, hex: a short secret no one can guess.
fn random_secret() -> Result<Zeroizing<String>, BunkerError> {
    let mut bytes = Zeroizing::new([0u8; 16]);
    getrandom::fill(&mut *bytes).map_err(|error| BunkerError::NoRandomness {
        reason: error.to_string(),
    })?;
    let mut secret = Zeroizing::new(String::with_capacity(32));
    for byte in bytes.iter() {
        // Writing to a String cannot fail.
        let _ = write!(secret, "{byte:02x}");
    }
    Ok(secret)
}

async fn relay_status(pool: &RelayPool) -> HashMap<RelayUrl, RelayStatus> {
    pool.relays()
        .await
        .into_iter()
        .map(|(url, relay)| (url, relay.status()))
        .collect()
}

/// An upper bound of `saved`'s JSON length: the keys and names take under
/// 300 bytes, and a character of the relays or the secret at most 6 (`\u001f`).
fn room_for(saved: &Saved) -> usize {
    let relays: usize = saved.relays.iter().map(|relay| relay.len() + 3).sum();
    let secret = saved.secret.as_ref().map_or(0, String::len);
    300 + 6 * (relays + secret)
}

fn parse_uri(uri: &str) -> Result<NostrConnectURI, BunkerError> {
    let uri = uri.trim();
    if uri.starts_with("nostrconnect://") {
        return Err(BunkerError::BadUri {
            reason: "a nostrconnect:// link is for your signer to scan: paste the bunker:// \
                     link your signer shows instead"
                .to_owned(),
        });
    }
    if !uri.starts_with("bunker://") {
        return Err(BunkerError::BadUri {
            reason: "it should start with bunker:// — copy it again from your signer".to_owned(),
        });
    }
    // The parser's errors never quote the link, which may hold a secret.
    NostrConnectURI::parse(uri).map_err(|error| BunkerError::BadUri {
        reason: format!("{error} — copy it again from your signer"),
    })
}

/// A timeout, told apart from relays that could not be reached at all.
fn timed_out(status: &HashMap<RelayUrl, RelayStatus>, timeout: Duration) -> BunkerError {
    if !status.is_empty()
        && status
            .values()
            .all(|status| *status != RelayStatus::Connected)
    {
        let mut relays: Vec<String> = status.keys().map(ToString::to_string).collect();
        relays.sort();
        return BunkerError::RelayUnreachable {
            relays: relays.join(", "),
        };
    }
    BunkerError::Timeout {
        seconds: timeout
            .as_millis()
            .div_ceil(1000)
            .try_into()
            .unwrap_or(u64::MAX),
    }
}

fn connect_error(error: ConnectError) -> BunkerError {
    match error {
        ConnectError::Timeout => BunkerError::Timeout { seconds: 0 },
        ConnectError::Response(reason) => BunkerError::Refused {
            reason: quote(&reason),
        },
        ConnectError::Pool(error) => BunkerError::Relay {
            reason: quote(&error.to_string()),
        },
        other => BunkerError::Protocol {
            reason: quote(&other.to_string()),
        },
    }
}

/// `nostr-connect`'s signer errors are its own errors' text: a timeout is
/// "timeout", a refusal the remote signer's own words.
fn signer_error(error: &nostr::signer::SignerError) -> BunkerError {
    let text = error.to_string();
    if text == ConnectError::Timeout.to_string() {
        BunkerError::Timeout { seconds: 0 }
    } else {
        BunkerError::Refused {
            reason: quote(&text),
        }
    }
}

fn bad_saved(reason: &str) -> BunkerError {
    BunkerError::BadSaved {
        reason: reason.to_owned(),
    }
}

fn npub(key: &PublicKey) -> String {
    key.to_bech32().unwrap_or_else(|_| key.to_hex())
}

/// Text from outside, cut to a readable length.
fn quote(text: &str) -> String {
    match text.char_indices().nth(MAX_QUOTED) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_json_fits_in_the_room_made_for_it() {
        let key = Keys::generate();
        let saved = Saved {
            v: SAVED_VERSION,
            remote_signer: key.public_key().to_hex(),
            relays: vec!["wss://relay.example.com/\"\u{1}".to_owned(); 3],
            secret: Some("\u{1f}\"\\é".repeat(40)),
            app_key: key.secret_key().to_secret_hex(),
            user: key.public_key().to_hex(),
        };
        let json = serde_json::to_vec(&saved).unwrap_or_default();
        assert!(!json.is_empty() && json.len() <= room_for(&saved));
    }

    #[test]
    fn quote_cuts_long_text_on_a_char_boundary() {
        let long = "é".repeat(MAX_QUOTED + 10);
        assert_eq!(quote(&long).chars().count(), MAX_QUOTED + 1);
        assert_eq!(quote("short"), "short");
    }

    #[test]
    fn timeout_message_rounds_up_to_whole_seconds() {
        let error = timed_out(&HashMap::new(), Duration::from_millis(1500));
        assert_eq!(error, BunkerError::Timeout { seconds: 2 });
        assert!(error.to_string().contains("within 2 seconds"));
    }
}
