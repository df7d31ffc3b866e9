//! Counting what relays send that nostr-sdk throws away.
//!
//! nostr-sdk verifies every event a relay sends (id and signature) and
//! drops the bad ones, as well as expired or unreadable ones and those
//! that match no filter of their request, with a log line and nothing
//! else; the admission policy refuses those dated in the future. To tell
//! the user a relay misbehaves, two counters bracket those checks without
//! repeating them: the transport counts the frames that carry an event (a
//! prefix test, no parsing), and the admission policy, which nostr-sdk
//! consults only for events that passed verification, counts the ones it
//! admits. The difference is what was dropped. A relay's frames are
//! handled one after another, so the count is exact whenever no frame is
//! being handled, and at most one per relay ahead while one is.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use nostr_sdk::pool::transport::error::TransportError;
use nostr_sdk::pool::transport::websocket::{
    DefaultWebsocketTransport, WebSocketSink, WebSocketStream, WebSocketTransport,
};
use nostr_sdk::pool::ConnectionMode;
use nostr_sdk::prelude::{
    AdmitPolicy, AdmitStatus, BoxedFuture, Event, PolicyError, RelayUrl, SubscriptionId, Url,
};

use crate::events::checked::{self, Clock};

/// Events received and events admitted, across the relays of a session.
#[derive(Debug, Default)]
pub struct Drops {
    received: AtomicU64,
    admitted: AtomicU64,
}

impl Drops {
    /// How many events the relays sent that were thrown away.
    pub fn count(&self) -> u64 {
        let admitted = self.admitted.load(Ordering::Relaxed);
        self.received
            .load(Ordering::Relaxed)
            .saturating_sub(admitted)
    }
}

/// nostr-sdk's WebSocket transport, counting the frames that carry events.
#[derive(Debug)]
pub struct CountingTransport(pub Arc<Drops>);

impl WebSocketTransport for CountingTransport {
    fn support_ping(&self) -> bool {
        DefaultWebsocketTransport.support_ping()
    }

    fn connect<'a>(
        &'a self,
        url: &'a Url,
        mode: &'a ConnectionMode,
        timeout: Duration,
    ) -> BoxedFuture<'a, Result<(WebSocketSink, WebSocketStream), TransportError>> {
        Box::pin(async move {
            let (sink, stream) = DefaultWebsocketTransport
                .connect(url, mode, timeout)
                .await?;
            let drops = Arc::clone(&self.0);
            let stream = stream.inspect(move |frame| {
                let text = frame.as_ref().ok().and_then(|message| message.as_text());
                if text.is_some_and(carries_event) {
                    drops.received.fetch_add(1, Ordering::Relaxed);
                }
            });
            Ok((sink, Box::pin(stream) as WebSocketStream))
        })
    }
}

/// Admits every event not dated ahead of the engine's clock (beyond
/// [`checked::CLOCK_SKEW`]), counting those admitted: nostr-sdk asks only
/// about events whose id and signature it verified and that match their
/// request's filter. One dated ahead is refused, so never stored: a gift
/// wrap from 2100 kept as the newest message would start every later
/// subscription in 2100, and a replaceable event from then would replace
/// every real one.
pub struct CountingPolicy {
    pub drops: Arc<Drops>,
    pub clock: Clock,
}

impl std::fmt::Debug for CountingPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CountingPolicy")
            .field("drops", &self.drops)
            .finish_non_exhaustive()
    }
}

impl AdmitPolicy for CountingPolicy {
    fn admit_event<'a>(
        &'a self,
        _relay_url: &'a RelayUrl,
        _subscription_id: &'a SubscriptionId,
        event: &'a Event,
    ) -> BoxedFuture<'a, Result<AdmitStatus, PolicyError>> {
        let status = if checked::not_ahead(event, checked::now(&self.clock)) {
            self.drops.admitted.fetch_add(1, Ordering::Relaxed);
            AdmitStatus::Success
        } else {
            AdmitStatus::rejected("dated in the future")
        };
        Box::pin(async { Ok(status) })
    }
}

/// Whether a relay message is an `EVENT` (`["EVENT", …`), judged from its
/// start alone: whether it is a *valid* one is nostr-sdk's to decide.
fn carries_event(frame: &str) -> bool {
    frame
        .trim_start()
        .strip_prefix('[')
        .is_some_and(|rest| rest.trim_start().starts_with("\"EVENT\""))
}

#[cfg(test)]
mod tests {
    use super::carries_event;

    #[test]
    fn event_frames_are_told_from_other_messages_by_their_start() {
        assert!(carries_event(r#"["EVENT","sub",{"id":"…"}]"#));
        assert!(carries_event(" [ \"EVENT\" , \"sub\", {}]"));
        assert!(carries_event(r#"["EVENT","sub",{"garbage"#));
        assert!(!carries_event(r#"["EOSE","sub"]"#));
        assert!(!carries_event(r#"["OK","id",true,""]"#));
        assert!(!carries_event("EVENT"));
        assert!(!carries_event("not json at all"));
    }
}
