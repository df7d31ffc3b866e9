//! Signers the engine can use for the user's NOSTR key.
//!
//! A NIP-07 extension lives in the page, which a worker cannot reach:
//! [`PageSigner`] sends each signing request to the app as an
//! [`Event::SignRequest`](crate::protocol::Event::SignRequest) and waits for
//! the matching [`Command::SignResult`](crate::protocol::Command::SignResult).

pub mod bunker;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::time::Duration;

use futures::channel::{mpsc, oneshot};

use crate::protocol::{Event, FromEngine};

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

/// Forwards signing requests to the page's NIP-07 extension.
pub struct PageSigner {
    events: mpsc::UnboundedSender<FromEngine>,
    next_id: Cell<u32>,
    waiting: RefCell<HashMap<u32, oneshot::Sender<Result<String, String>>>>,
}

impl PageSigner {
    pub fn new(events: mpsc::UnboundedSender<FromEngine>) -> Self {
        Self {
            events,
            next_id: Cell::new(0),
            waiting: RefCell::new(HashMap::new()),
        }
    }

    /// Asks the page to sign `unsigned` (JSON of an unsigned event) and
    /// returns the signed event's JSON, unverified: the caller verifies.
    /// An extension whose prompt is dismissed may never answer: after
    /// `timeout` the request is given up.
    pub async fn sign(
        &self,
        unsigned: String,
        timeout: Duration,
    ) -> Result<String, PageSignerError> {
        let sign_id = self.next_id.get();
        self.next_id.set(sign_id.wrapping_add(1));
        let (answer, answered) = oneshot::channel();
        self.waiting.borrow_mut().insert(sign_id, answer);
        let request = FromEngine::Event(Event::SignRequest {
            sign_id,
            event: unsigned,
        });
        if self.events.unbounded_send(request).is_err() {
            self.waiting.borrow_mut().remove(&sign_id);
            return Err(PageSignerError::Gone);
        }
        match async_utility::time::timeout(Some(timeout), answered).await {
            Some(Ok(outcome)) => outcome.map_err(PageSignerError::Refused),
            Some(Err(_)) => Err(PageSignerError::Gone),
            None => {
                self.waiting.borrow_mut().remove(&sign_id);
                Err(PageSignerError::Timeout(timeout))
            }
        }
    }

    /// Delivers the page's answer; an answer nobody waits for is dropped.
    pub fn answer(&self, sign_id: u32, outcome: Result<String, String>) {
        if let Some(waiting) = self.waiting.borrow_mut().remove(&sign_id) {
            let _ = waiting.send(outcome);
        }
    }
}
