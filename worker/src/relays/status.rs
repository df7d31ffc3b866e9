//! How each of the user's relays is doing, in the user's terms.
//!
//! nostr-sdk reports a relay's status (connecting, connected, …) but keeps
//! why a connection failed to its log. The WebSocket transport is where
//! that reason is at hand, so [`RecordingTransport`] wraps the one messaging
//! uses and notes each relay's last connection error until it connects.
//! Whether a relay asked for NIP-42 authentication and got it is told on
//! each relay's own notification channel, which [`RelayWatch`] reads.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nostr_sdk::pool::transport::error::TransportError;
use nostr_sdk::pool::transport::websocket::{WebSocketSink, WebSocketStream, WebSocketTransport};
use nostr_sdk::pool::ConnectionMode;
use nostr_sdk::prelude::{BoxedFuture, Relay, RelayNotification, RelayStatus, Url};
use tokio::sync::broadcast::{self, error::TryRecvError};

use super::RelayEntry;
use crate::protocol::{RelayAuth, RelayConnection, RelayView};

/// Each relay's last connection error, by address, until it connects.
#[derive(Debug, Default)]
pub struct Failures(Mutex<HashMap<String, String>>);

impl Failures {
    /// Why the relay at `url` could not be reached last time, if it could not.
    pub fn reason(&self, url: &str) -> Option<String> {
        self.0.lock().ok()?.get(url.trim_end_matches('/')).cloned()
    }

    fn record(&self, url: &Url, outcome: Result<(), String>) {
        let Ok(mut failures) = self.0.lock() else {
            return;
        };
        let url = url.as_str().trim_end_matches('/').to_owned();
        match outcome {
            Ok(()) => failures.remove(&url),
            Err(reason) => failures.insert(url, reason),
        };
    }
}

/// A WebSocket transport that records in [`Failures`] how each connection
/// attempt ended.
#[derive(Debug)]
pub struct RecordingTransport<T> {
    pub inner: T,
    pub failures: Arc<Failures>,
}

impl<T: WebSocketTransport> WebSocketTransport for RecordingTransport<T> {
    fn support_ping(&self) -> bool {
        self.inner.support_ping()
    }

    fn connect<'a>(
        &'a self,
        url: &'a Url,
        mode: &'a ConnectionMode,
        timeout: Duration,
    ) -> BoxedFuture<'a, Result<(WebSocketSink, WebSocketStream), TransportError>> {
        Box::pin(async move {
            let connected = self.inner.connect(url, mode, timeout).await;
            let outcome = match &connected {
                Ok(_) => Ok(()),
                Err(error) => Err(error.to_string()),
            };
            self.failures.record(url, outcome);
            connected
        })
    }
}

/// The connection as the user sees it: a relay that failed and is being
/// retried shows why it failed until it connects.
pub fn connection(status: RelayStatus, failure: Option<String>) -> RelayConnection {
    match (status, failure) {
        (RelayStatus::Connected, _) => RelayConnection::Connected,
        (RelayStatus::Terminated | RelayStatus::Banned | RelayStatus::Sleeping, _) => {
            RelayConnection::Disconnected
        }
        (_, Some(reason)) => RelayConnection::Failed { reason },
        (RelayStatus::Disconnected, None) => RelayConnection::Disconnected,
        (RelayStatus::Initialized | RelayStatus::Pending | RelayStatus::Connecting, None) => {
            RelayConnection::Connecting
        }
    }
}

/// One of the user's relays in the pool, followed: its status, and its
/// NIP-42 authentications, read as they are needed from its notification
/// channel, which keeps what the relay told since the last look.
pub struct RelayWatch {
    relay: Relay,
    notifications: broadcast::Receiver<RelayNotification>,
    auth: RelayAuth,
}

impl RelayWatch {
    pub fn new(relay: Relay) -> Self {
        Self {
            notifications: relay.notifications(),
            relay,
            auth: RelayAuth::NotAsked,
        }
    }

    /// How the relay is doing now, with the connection failure in
    /// `failures` if there is one.
    pub fn view(&mut self, entry: &RelayEntry, failures: &Failures) -> RelayView {
        RelayView {
            url: entry.url.to_string(),
            read: entry.read,
            write: entry.write,
            connection: connection(self.relay.status(), failures.reason(entry.url.as_str())),
            auth: self.auth(),
        }
    }

    /// Whether the relay asked for authentication, and how that went last.
    fn auth(&mut self) -> RelayAuth {
        loop {
            match self.notifications.try_recv() {
                Ok(RelayNotification::Authenticated) => self.auth = RelayAuth::Authenticated,
                Ok(RelayNotification::AuthenticationFailed) => self.auth = RelayAuth::Failed,
                // Authentication holds for one connection.
                Ok(RelayNotification::RelayStatus {
                    status: RelayStatus::Disconnected | RelayStatus::Terminated,
                }) => self.auth = RelayAuth::NotAsked,
                Ok(_) | Err(TryRecvError::Lagged(_)) => {}
                Err(TryRecvError::Empty | TryRecvError::Closed) => return self.auth,
            }
        }
    }
}
