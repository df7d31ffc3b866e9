//! Signers the engine can use for the user's NOSTR key.
//!
//! A NIP-07 extension lives in the page, which a worker cannot reach:
//! [`PageSigner`] sends each request to the app as an
//! [`Event::ExtensionRequest`](crate::protocol::Event::ExtensionRequest) and
//! waits for the matching
//! [`Command::ExtensionAnswer`](crate::protocol::Command::ExtensionAnswer);
//! [`ExtensionSigner`] is nostr-sdk's signer over it, so messaging works
//! with an extension's key as with any other.

pub mod bunker;
pub mod remote;

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures::channel::{mpsc, oneshot};
use nostr::prelude::{BoxedFuture, SignerBackend, SignerError};
use nostr::{Event, JsonUtil, NostrSigner, PublicKey, UnsignedEvent};

use crate::protocol::{Event as EngineEvent, ExtensionCall, FromEngine, Secret};

/// Why the page did not sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageSignerError {
    #[error("{0}")]
    Refused(String),
    #[error("the app closed before the extension answered")]
    Gone,
    #[error("the extension did not answer within {} s: open it and approve, or try again", .0.as_secs())]
    Timeout(Duration),
}

/// Forwards requests to the page's NIP-07 extension.
///
/// Thread-safe because nostr-sdk's signers must be, though the engine runs
/// on one thread.
pub struct PageSigner {
    events: mpsc::UnboundedSender<FromEngine>,
    next_id: AtomicU32,
    waiting: Mutex<HashMap<u32, oneshot::Sender<Result<String, String>>>>,
}

impl PageSigner {
    pub fn new(events: mpsc::UnboundedSender<FromEngine>) -> Self {
        Self {
            events,
            next_id: AtomicU32::new(0),
            waiting: Mutex::new(HashMap::new()),
        }
    }

    /// Asks the page's extension for `call` and returns its answer. An
    /// extension whose prompt is dismissed may never answer: after
    /// `timeout` the request is given up.
    pub async fn ask(
        &self,
        call: ExtensionCall,
        timeout: Duration,
    ) -> Result<String, PageSignerError> {
        let request_id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (answer, answered) = oneshot::channel();
        self.waiting().insert(request_id, answer);
        let request = FromEngine::Event(EngineEvent::ExtensionRequest { request_id, call });
        if self.events.unbounded_send(request).is_err() {
            self.waiting().remove(&request_id);
            return Err(PageSignerError::Gone);
        }
        match async_utility::time::timeout(Some(timeout), answered).await {
            Some(Ok(outcome)) => outcome.map_err(PageSignerError::Refused),
            Some(Err(_)) => Err(PageSignerError::Gone),
            None => {
                self.waiting().remove(&request_id);
                Err(PageSignerError::Timeout(timeout))
            }
        }
    }

    /// Delivers the page's answer; an answer nobody waits for is dropped.
    /// It leaves its [`Secret`] here: nostr-sdk's signers answer a plain
    /// `String`.
    pub fn answer(&self, request_id: u32, outcome: Result<Secret, String>) {
        if let Some(waiting) = self.waiting().remove(&request_id) {
            let _ = waiting.send(outcome.map(|answer| answer.expose().to_owned()));
        }
    }

    fn waiting(&self) -> MutexGuard<'_, HashMap<u32, oneshot::Sender<Result<String, String>>>> {
        // Nothing panics while holding the lock, so it is never poisoned;
        // and if it were, the map is still sound.
        self.waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The user's key in a NIP-07 extension, as a nostr-sdk signer: each
/// signature and each encryption is a request to the page.
#[derive(Clone)]
pub struct ExtensionSigner {
    page: Arc<PageSigner>,
    public_key: PublicKey,
    timeout: Duration,
}

impl ExtensionSigner {
    /// The extension's key `public_key`, each request given `timeout` (the
    /// user's approval included).
    pub fn new(page: Arc<PageSigner>, public_key: PublicKey, timeout: Duration) -> Self {
        Self {
            page,
            public_key,
            timeout,
        }
    }

    async fn ask(&self, call: ExtensionCall) -> Result<String, SignerError> {
        self.page
            .ask(call, self.timeout)
            .await
            .map_err(SignerError::backend)
    }

    /// Signs `unsigned`, and checks the extension signed that event with
    /// the user's key: an extension is code the engine does not control.
    async fn sign(&self, unsigned: UnsignedEvent) -> Result<Event, SignerError> {
        let expected = unsigned.clone().id();
        let signed = self
            .ask(ExtensionCall::SignEvent {
                event: unsigned.as_json(),
            })
            .await?;
        let event = Event::from_json(signed).map_err(SignerError::backend)?;
        if event.pubkey != self.public_key || event.id != expected || event.verify().is_err() {
            return Err(SignerError::from(
                "the extension returned an event it was not asked to sign",
            ));
        }
        Ok(event)
    }
}

impl fmt::Debug for ExtensionSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtensionSigner")
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}

impl NostrSigner for ExtensionSigner {
    fn backend(&self) -> SignerBackend<'_> {
        SignerBackend::BrowserExtension
    }

    fn get_public_key(&self) -> BoxedFuture<'_, Result<PublicKey, SignerError>> {
        Box::pin(async move { Ok(self.public_key) })
    }

    fn sign_event(&self, unsigned: UnsignedEvent) -> BoxedFuture<'_, Result<Event, SignerError>> {
        Box::pin(self.sign(unsigned))
    }

    fn nip04_encrypt<'a>(
        &'a self,
        public_key: &'a PublicKey,
        content: &'a str,
    ) -> BoxedFuture<'a, Result<String, SignerError>> {
        Box::pin(self.ask(ExtensionCall::Nip04Encrypt {
            pubkey: public_key.to_hex(),
            plaintext: content.into(),
        }))
    }

    fn nip04_decrypt<'a>(
        &'a self,
        public_key: &'a PublicKey,
        encrypted_content: &'a str,
    ) -> BoxedFuture<'a, Result<String, SignerError>> {
        Box::pin(self.ask(ExtensionCall::Nip04Decrypt {
            pubkey: public_key.to_hex(),
            ciphertext: encrypted_content.to_owned(),
        }))
    }

    fn nip44_encrypt<'a>(
        &'a self,
        public_key: &'a PublicKey,
        content: &'a str,
    ) -> BoxedFuture<'a, Result<String, SignerError>> {
        Box::pin(self.ask(ExtensionCall::Nip44Encrypt {
            pubkey: public_key.to_hex(),
            plaintext: content.into(),
        }))
    }

    fn nip44_decrypt<'a>(
        &'a self,
        public_key: &'a PublicKey,
        payload: &'a str,
    ) -> BoxedFuture<'a, Result<String, SignerError>> {
        Box::pin(self.ask(ExtensionCall::Nip44Decrypt {
            pubkey: public_key.to_hex(),
            ciphertext: payload.to_owned(),
        }))
    }
}
