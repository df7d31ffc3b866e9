//! NIP-46 remote signing: "Connect a remote signer".
//!
//! The user's key stays in a remote signer (a "bunker": nsec.app, Amber, a
//! server of theirs…); the engine asks it over NOSTR relays to sign and to
//! encrypt. [`BunkerSigner`] is one such connection, over a
//! [`RemoteSigner`] (the requests and answers themselves):
//!
//! - [`BunkerSigner::connect`] takes the `bunker://` link the signer shows and
//!   makes a fresh app key for this connection; the link's secret is spent
//!   by its one `connect` request;
//! - [`NostrConnectOffer`] serves the other direction: a `nostrconnect://`
//!   code this app shows for the user's signer app to scan, and the wait for
//!   the signer's answer;
//! - [`BunkerSigner::to_secret_bytes`] and [`BunkerSigner::reconnect`] carry
//!   the connection across reloads: the bytes hold the app key, so the
//!   engine seals them in the vault. A reconnection sends no `connect` and
//!   no secret: the remote signer already knows the app key, and current
//!   NIP-46 lets it ignore a secret used before.
//!
//! [`NostrConnectOffer`] does the first exchange of a `nostrconnect://` code
//! with `nostr`'s NIP-46 messages, NIP-44 and a `nostr-relay-pool`
//! connection. Once the signer has answered with the code's secret, the
//! connection is the same as a `bunker://` link to that signer whose secret
//! is spent, and is kept and reconnected the same way.
//!
//! Every exchange is bounded by the timeout given when connecting. The timer
//! is `async-utility`'s: tokio natively, gloo (the browser's `setTimeout`) on
//! wasm32, chosen by target with no feature to set.

use std::collections::HashMap;
use std::fmt::{self, Write};
use std::time::Duration;

use nostr::nips::nip44;
use nostr::nips::nip46::{NostrConnectMessage, NostrConnectRequest, NostrConnectURI};
use nostr::{
    Event, Filter, JsonUtil, Keys, Kind, PublicKey, RelayMessage, RelayUrl, SecretKey, ToBech32,
    UnsignedEvent, Url,
};
use nostr_relay_pool::{
    RelayOptions, RelayPool, RelayPoolNotification, RelayStatus, SubscribeOptions,
};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use zeroize::{Zeroize, Zeroizing};

use super::remote::RemoteSigner;

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
    signer: RemoteSigner,
    relays: Vec<RelayUrl>,
    /// The user's key, for which the remote signer signs.
    user: PublicKey,
    timeout: Duration,
}

impl fmt::Debug for BunkerSigner {
    /// Public parts only: never the app key nor the link's secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BunkerSigner")
            .field("user", &self.user)
            .field("remote_signer", &self.signer.remote_signer())
            .field("relays", &self.relays)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// What [`BunkerSigner::to_secret_bytes`] keeps, as JSON. (Connections
/// saved before the link's secret was known to be one-time also hold it as
/// `secret`; it is read past and never sent again.)
#[derive(Serialize, Deserialize)]
struct Saved {
    v: u8,
    /// The remote signer's public key, hex.
    remote_signer: String,
    relays: Vec<String>,
    /// The app-side secret key, hex.
    app_key: String,
    /// The user's public key, hex.
    user: String,
}

impl Drop for Saved {
    fn drop(&mut self) {
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
        let NostrConnectURI::Bunker {
            remote_signer_public_key,
            relays,
            secret,
        } = parse_uri(uri)?
        else {
            return Err(BunkerError::BadUri {
                reason: "it should start with bunker:// — copy it again from your signer"
                    .to_owned(),
            });
        };
        let secret = secret.map(Zeroizing::new);
        let handshake = Handshake::Connect {
            secret: secret.as_ref().map(|secret| secret.as_str()),
        };
        Self::start(
            &relays,
            remote_signer_public_key,
            Keys::generate(),
            handshake,
            timeout,
        )
        .await
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
        let handshake = Handshake::Known { user };
        Self::start(
            &relays,
            remote_signer,
            Keys::new(app_key),
            handshake,
            timeout,
        )
        .await
    }

    /// What [`reconnect`](Self::reconnect) needs after a reload: the remote
    /// signer and its relays, the app's secret key and the user's public
    /// key, as JSON. Secret: seal it.
    pub fn to_secret_bytes(&self) -> Zeroizing<Vec<u8>> {
        let saved = Saved {
            v: SAVED_VERSION,
            remote_signer: self.signer.remote_signer().to_hex(),
            relays: self.relays.iter().map(ToString::to_string).collect(),
            app_key: self.signer.app_keys().secret_key().to_secret_hex(),
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

    /// The NIP-46 client, a [`NostrSigner`](nostr::NostrSigner) for the
    /// user's key (for the messaging code and nostr-sdk), which checks every
    /// answer as [`sign`](Self::sign) does. Its clones share this connection
    /// and its timeout.
    pub fn as_signer(&self) -> &RemoteSigner {
        &self.signer
    }

    /// Has the remote signer sign `unsigned`, which must be authored by the
    /// user's key; checks the signature and that the event is the one asked.
    pub async fn sign(&self, unsigned: UnsignedEvent) -> Result<Event, BunkerError> {
        self.signer.sign(unsigned).await
    }

    /// NIP-44 encrypts `plaintext` from the user to `peer`.
    pub async fn nip44_encrypt(
        &self,
        peer: &PublicKey,
        plaintext: &str,
    ) -> Result<String, BunkerError> {
        let request = NostrConnectRequest::Nip44Encrypt {
            public_key: *peer,
            text: plaintext.to_owned(),
        };
        self.signer.crypt(request).await
    }

    /// NIP-44 decrypts `payload` sent between `peer` and the user.
    pub async fn nip44_decrypt(
        &self,
        peer: &PublicKey,
        payload: &str,
    ) -> Result<String, BunkerError> {
        let request = NostrConnectRequest::Nip44Decrypt {
            public_key: *peer,
            ciphertext: payload.to_owned(),
        };
        self.signer.crypt(request).await
    }

    /// Closes the relay connections now rather than when dropped.
    pub async fn disconnect(self) {
        self.signer.shutdown().await;
    }

    /// Joins the remote signer's relays, does `handshake` and learns (or
    /// checks) the user's key, all within `timeout`.
    async fn start(
        relays: &[RelayUrl],
        remote_signer: PublicKey,
        app_keys: Keys,
        handshake: Handshake<'_>,
        timeout: Duration,
    ) -> Result<(BunkerSigner, PublicKey), BunkerError> {
        if relays.is_empty() {
            return Err(BunkerError::BadUri {
                reason: "it names no relay to reach the signer through".to_owned(),
            });
        }
        let signer = RemoteSigner::open(relays, remote_signer, app_keys, timeout).await?;
        let exchange = async {
            if let Handshake::Connect { secret } = handshake {
                signer.connect(secret).await?;
            }
            signer.user().await
        };
        let outcome = match async_utility::time::timeout(Some(timeout), exchange).await {
            Some(Ok(user)) => match handshake {
                Handshake::Known { user: before } if before != user => {
                    Err(BunkerError::DifferentUser {
                        before: npub(&before),
                        now: npub(&user),
                    })
                }
                _ => Ok(user),
            },
            Some(Err(error)) => Err(error),
            None => Err(timed_out(&signer.status().await, timeout)),
        };
        match outcome {
            Ok(user) => Ok((
                BunkerSigner {
                    signer,
                    relays: relays.to_vec(),
                    user,
                    timeout,
                },
                user,
            )),
            Err(error) => {
                signer.shutdown().await;
                Err(error)
            }
        }
    }
}

/// What a connection does first.
#[derive(Clone, Copy)]
enum Handshake<'a> {
    /// A new `bunker://` link: `connect`, with its secret if it has one.
    Connect { secret: Option<&'a str> },
    /// A `nostrconnect://` code the signer answered: already connected.
    Answered,
    /// A connection saved before a reload: already connected, for `user`.
    Known { user: PublicKey },
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
        // The answer with the secret was the connection: nothing more to send.
        BunkerSigner::start(
            &self.relays,
            remote_signer,
            self.app_keys.clone(),
            Handshake::Answered,
            timeout,
        )
        .await
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

pub(super) async fn relay_status(pool: &RelayPool) -> HashMap<RelayUrl, RelayStatus> {
    pool.relays()
        .await
        .into_iter()
        .map(|(url, relay)| (url, relay.status()))
        .collect()
}

/// An upper bound of `saved`'s JSON length: the keys and names take under
/// 300 bytes, and a character of the relays at most 6 (`\u001f`).
fn room_for(saved: &Saved) -> usize {
    let relays: usize = saved.relays.iter().map(|relay| relay.len() + 3).sum();
    300 + 6 * relays
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
pub(super) fn timed_out(status: &HashMap<RelayUrl, RelayStatus>, timeout: Duration) -> BunkerError {
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

fn bad_saved(reason: &str) -> BunkerError {
    BunkerError::BadSaved {
        reason: reason.to_owned(),
    }
}

pub(super) fn npub(key: &PublicKey) -> String {
    key.to_bech32().unwrap_or_else(|_| key.to_hex())
}

/// Text from outside, cut to a readable length.
pub(super) fn quote(text: &str) -> String {
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
            relays: vec!["wss://relay.example.com/\"\u{1f}\\é".to_owned(); 3],
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
