//! The NIP-46 exchange with one remote signer: requests out, answers in.
//!
//! `nostr-connect` 0.44's client reads every kind 24133 event sent to the
//! app key as an answer: it takes it from any author, and one it cannot
//! decrypt ends the request waiting for the real answer, so anyone who knows
//! the app key can make every signature fail. It also returns signed events
//! unchecked. [`RemoteSigner`] speaks the same protocol with `nostr`'s NIP-46
//! messages over a relay pool of its own, and takes an answer only when it
//! is from the remote signer, decrypts, parses and names the request; an
//! event it signs is returned only when it is the event asked for, by the
//! user, with a valid signature.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use nostr::nips::nip44;
use nostr::nips::nip46::{NostrConnectMessage, NostrConnectRequest, ResponseResult};
use nostr::prelude::{BoxedFuture, SignerBackend, SignerError};
use nostr::{
    Event, EventBuilder, EventId, Filter, JsonUtil, Keys, Kind, NostrSigner, PublicKey, RelayUrl,
    UnsignedEvent,
};
use nostr_relay_pool::{
    RelayOptions, RelayPool, RelayPoolNotification, RelayStatus, SubscribeOptions,
};
use tokio::sync::broadcast;
use zeroize::Zeroizing;

use super::bunker::{npub, quote, relay_status, timed_out, BunkerError};

/// A NIP-46 client for one remote signer, a [`NostrSigner`] for the user's
/// key once [`user`](Self::user) has been asked. Its clones share one relay
/// connection.
#[derive(Clone)]
pub struct RemoteSigner(Arc<Inner>);

struct Inner {
    pool: RelayPool,
    app_keys: Keys,
    /// The remote signer's own key: the only author of answers.
    remote_signer: PublicKey,
    /// The user's key, learned once by `get_public_key`.
    user: OnceLock<PublicKey>,
    /// The bound of each request.
    timeout: Duration,
}

impl fmt::Debug for RemoteSigner {
    /// Public parts only: never the app key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteSigner")
            .field("app", &self.0.app_keys.public_key())
            .field("remote_signer", &self.0.remote_signer)
            .field("user", &self.0.user.get())
            .finish_non_exhaustive()
    }
}

impl RemoteSigner {
    /// Joins `relays` and listens there for `remote_signer`'s answers to
    /// `app_keys`. Nothing is asked yet.
    pub async fn open(
        relays: &[RelayUrl],
        remote_signer: PublicKey,
        app_keys: Keys,
        timeout: Duration,
    ) -> Result<RemoteSigner, BunkerError> {
        let pool = RelayPool::default();
        for relay in relays {
            pool.add_relay(relay, RelayOptions::default())
                .await
                .map_err(relay_error)?;
        }
        pool.connect().await;
        let answers = Filter::new()
            .kind(Kind::NostrConnect)
            .pubkey(app_keys.public_key())
            .author(remote_signer)
            .limit(0);
        if let Err(error) = pool.subscribe(answers, SubscribeOptions::default()).await {
            pool.shutdown().await;
            return Err(relay_error(error));
        }
        Ok(RemoteSigner(Arc::new(Inner {
            pool,
            app_keys,
            remote_signer,
            user: OnceLock::new(),
            timeout,
        })))
    }

    /// The key this app talks to the remote signer with: secret.
    pub fn app_keys(&self) -> &Keys {
        &self.0.app_keys
    }

    /// The remote signer's own key.
    pub fn remote_signer(&self) -> PublicKey {
        self.0.remote_signer
    }

    /// NIP-46 `connect`, for a `bunker://` link only: its one-time `secret`
    /// is spent here and never sent again. Signers answer "ack", or echo
    /// the secret.
    pub async fn connect(&self, secret: Option<&str>) -> Result<(), BunkerError> {
        let request = NostrConnectRequest::Connect {
            remote_signer_public_key: self.0.remote_signer,
            secret: secret.map(str::to_owned),
        };
        let result = self.ask_text(request).await?;
        if result.as_str() == "ack" || secret.is_some_and(|secret| secret == result.as_str()) {
            return Ok(());
        }
        Err(BunkerError::Protocol {
            reason: "it did not acknowledge the connection".to_owned(),
        })
    }

    /// The user's key, asked of the remote signer the first time.
    pub async fn user(&self) -> Result<PublicKey, BunkerError> {
        if let Some(user) = self.0.user.get() {
            return Ok(*user);
        }
        let user = self
            .ask(NostrConnectRequest::GetPublicKey)
            .await?
            .to_get_public_key()
            .map_err(unusable)?;
        Ok(*self.0.user.get_or_init(|| user))
    }

    /// Has the remote signer sign `unsigned`, which must be authored by the
    /// user's key; returns the event only if it is the one asked, signed.
    pub async fn sign(&self, unsigned: UnsignedEvent) -> Result<Event, BunkerError> {
        let user = self.user().await?;
        if unsigned.pubkey != user {
            return Err(BunkerError::WrongAuthor { user: npub(&user) });
        }
        let expected = EventId::new(
            &unsigned.pubkey,
            &unsigned.created_at,
            &unsigned.kind,
            &unsigned.tags,
            &unsigned.content,
        );
        let event = self
            .ask(NostrConnectRequest::SignEvent(unsigned))
            .await?
            .to_sign_event()
            .map_err(unusable)?;
        if event.id != expected || event.pubkey != user || event.verify().is_err() {
            return Err(BunkerError::Protocol {
                reason: "its signature is not for the event it was asked to sign".to_owned(),
            });
        }
        Ok(event)
    }

    /// Each relay's connection state.
    pub(super) async fn status(&self) -> HashMap<RelayUrl, RelayStatus> {
        relay_status(&self.0.pool).await
    }

    /// Closes the relay connections.
    pub async fn shutdown(&self) {
        self.0.pool.shutdown().await;
    }

    /// Sends `request` and reads the answer as its method's result.
    async fn ask(&self, request: NostrConnectRequest) -> Result<ResponseResult, BunkerError> {
        let method = request.method();
        let result = self.ask_text(request).await?;
        ResponseResult::parse(method, result.as_str()).map_err(unusable)
    }

    /// Sends `request` and waits, up to the timeout, for the remote
    /// signer's answer to it, its result as sent; anything else on the way
    /// is passed over.
    async fn ask_text(
        &self,
        request: NostrConnectRequest,
    ) -> Result<Zeroizing<String>, BunkerError> {
        let message = NostrConnectMessage::request(&request);
        let id = message.id().to_owned();
        let event = EventBuilder::nostr_connect(&self.0.app_keys, self.0.remote_signer, message)
            .and_then(|builder| builder.sign_with_keys(&self.0.app_keys))
            .map_err(unusable)?;
        // Listening before sending: an answer may come before `send_event`
        // returns.
        let mut notifications = self.0.pool.notifications();
        self.0.pool.send_event(&event).await.map_err(relay_error)?;
        let answered = async {
            loop {
                match notifications.recv().await {
                    Ok(RelayPoolNotification::Event { event, .. }) => {
                        if let Some(answer) = self.answer_to(&id, &event) {
                            return answer;
                        }
                    }
                    Ok(RelayPoolNotification::Shutdown)
                    | Err(broadcast::error::RecvError::Closed) => {
                        return Err(BunkerError::Relay {
                            reason: "the connection closed".to_owned(),
                        })
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                }
            }
        };
        match async_utility::time::timeout(Some(self.0.timeout), answered).await {
            Some(answer) => answer,
            None => Err(timed_out(&self.status().await, self.0.timeout)),
        }
    }

    /// `event` as the answer to the request `id`, or `None` when it is not
    /// that answer: another author's, unreadable, another request's, or an
    /// `auth_url` challenge (the real answer follows it).
    fn answer_to(&self, id: &str, event: &Event) -> Option<Result<Zeroizing<String>, BunkerError>> {
        if event.kind != Kind::NostrConnect
            || event.pubkey != self.0.remote_signer
            || event.verify().is_err()
        {
            return None;
        }
        let json = Zeroizing::new(
            nip44::decrypt(self.0.app_keys.secret_key(), &event.pubkey, &event.content).ok()?,
        );
        match NostrConnectMessage::from_json(json.as_str()).ok()? {
            NostrConnectMessage::Response {
                id: answered,
                result,
                error,
            } if answered == id && result.as_deref() != Some("auth_url") => {
                Some(match (error, result) {
                    (Some(error), _) => Err(BunkerError::Refused {
                        reason: quote(&error),
                    }),
                    (None, Some(result)) => Ok(Zeroizing::new(result)),
                    (None, None) => Err(BunkerError::Protocol {
                        reason: "it answered with neither a result nor an error".to_owned(),
                    }),
                })
            }
            _ => None,
        }
    }

    /// A request of `nostr`'s signer interface, its error in words.
    async fn signer_request<T>(
        &self,
        request: impl Future<Output = Result<T, BunkerError>>,
    ) -> Result<T, SignerError> {
        request.await.map_err(SignerError::backend)
    }

    /// An encryption or decryption: its result is the text itself.
    pub(super) async fn crypt(&self, request: NostrConnectRequest) -> Result<String, BunkerError> {
        let mut text = self.ask_text(request).await?;
        Ok(std::mem::take(&mut *text))
    }
}

impl NostrSigner for RemoteSigner {
    fn backend(&self) -> SignerBackend<'_> {
        SignerBackend::NostrConnect
    }

    fn get_public_key(&self) -> BoxedFuture<'_, Result<PublicKey, SignerError>> {
        Box::pin(self.signer_request(self.user()))
    }

    fn sign_event(&self, unsigned: UnsignedEvent) -> BoxedFuture<'_, Result<Event, SignerError>> {
        Box::pin(self.signer_request(self.sign(unsigned)))
    }

    fn nip04_encrypt<'a>(
        &'a self,
        public_key: &'a PublicKey,
        content: &'a str,
    ) -> BoxedFuture<'a, Result<String, SignerError>> {
        Box::pin(
            self.signer_request(self.crypt(NostrConnectRequest::Nip04Encrypt {
                public_key: *public_key,
                text: content.to_owned(),
            })),
        )
    }

    fn nip04_decrypt<'a>(
        &'a self,
        public_key: &'a PublicKey,
        encrypted_content: &'a str,
    ) -> BoxedFuture<'a, Result<String, SignerError>> {
        Box::pin(
            self.signer_request(self.crypt(NostrConnectRequest::Nip04Decrypt {
                public_key: *public_key,
                ciphertext: encrypted_content.to_owned(),
            })),
        )
    }

    fn nip44_encrypt<'a>(
        &'a self,
        public_key: &'a PublicKey,
        content: &'a str,
    ) -> BoxedFuture<'a, Result<String, SignerError>> {
        Box::pin(
            self.signer_request(self.crypt(NostrConnectRequest::Nip44Encrypt {
                public_key: *public_key,
                text: content.to_owned(),
            })),
        )
    }

    fn nip44_decrypt<'a>(
        &'a self,
        public_key: &'a PublicKey,
        payload: &'a str,
    ) -> BoxedFuture<'a, Result<String, SignerError>> {
        Box::pin(
            self.signer_request(self.crypt(NostrConnectRequest::Nip44Decrypt {
                public_key: *public_key,
                ciphertext: payload.to_owned(),
            })),
        )
    }
}

fn relay_error(error: impl fmt::Display) -> BunkerError {
    BunkerError::Relay {
        reason: quote(&error.to_string()),
    }
}

/// What the remote signer sent cannot be read as the answer asked for.
fn unusable(error: impl fmt::Display) -> BunkerError {
    BunkerError::Protocol {
        reason: quote(&error.to_string()),
    }
}
