//! A relay that lies on purpose, to stand beside honest ones: it answers
//! each filter of a request with what the test makes up for it (a relay
//! list signed by another key, a forged signature, a gift wrap dated in
//! 2100), says OK to every event and keeps none, and records what the
//! engine sent it, for the test to wait on and check. And an address that
//! holds its connections until the test lets them through, so that an
//! honest relay answers after the hostile one.

use std::net::{Ipv4Addr, SocketAddr};
use std::rc::Rc;

use futures::{SinkExt, StreamExt};
use nostr::{Event, Filter, JsonUtil};
use serde_json::Value;
use tokio::sync::watch;
use tokio::task::{spawn_local, JoinHandle};
use tokio_tungstenite::tungstenite::Message;

use super::messaging::User;

/// What a hostile relay was sent, in order.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    /// Every filter of every request (`REQ`).
    pub filters: Vec<Filter>,
    /// Every event it was given (`EVENT`).
    pub given: Vec<Event>,
}

/// What the relay answers a filter with: events as JSON, to be forged.
type Lies = Rc<dyn Fn(&Filter) -> Vec<Value>>;

/// A hostile relay, running on the test's local task set.
pub struct HostileRelay {
    pub url: String,
    seen: Rc<watch::Sender<Seen>>,
    accepting: JoinHandle<()>,
}

impl Drop for HostileRelay {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

impl HostileRelay {
    /// A relay that answers each filter of a request with the events
    /// `lies` makes for it (as JSON, so they can be forged), then ends its
    /// stored events.
    pub async fn start(lies: impl Fn(&Filter) -> Vec<Value> + 'static) -> Self {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("a port");
        let address: SocketAddr = listener.local_addr().expect("an address");
        let seen = Rc::new(watch::Sender::new(Seen::default()));
        let lies: Lies = Rc::new(lies);
        let accepting = spawn_local({
            let seen = Rc::clone(&seen);
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    spawn_local(serve(stream, Rc::clone(&lies), Rc::clone(&seen)));
                }
            }
        });
        Self {
            url: format!("ws://{address}"),
            seen,
            accepting,
        }
    }

    /// What it was sent so far.
    pub fn seen(&self) -> Seen {
        self.seen.borrow().clone()
    }

    pub fn watch(&self) -> watch::Receiver<Seen> {
        self.seen.subscribe()
    }
}

async fn serve(stream: tokio::net::TcpStream, lies: Lies, seen: Rc<watch::Sender<Seen>>) {
    let Ok(mut socket) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    while let Some(Ok(received)) = socket.next().await {
        let Ok(text) = received.to_text() else {
            continue;
        };
        let Ok(Value::Array(message)) = serde_json::from_str(text) else {
            continue;
        };
        let mut frames = Vec::new();
        match message.first().and_then(Value::as_str) {
            Some("REQ") => {
                let Some(id) = message.get(1).and_then(Value::as_str) else {
                    continue;
                };
                let filters: Vec<Filter> = message[2..]
                    .iter()
                    .filter_map(|filter| Filter::from_json(filter.to_string()).ok())
                    .collect();
                for filter in &filters {
                    for lie in lies(filter) {
                        frames.push(serde_json::json!(["EVENT", id, lie]).to_string());
                    }
                }
                frames.push(serde_json::json!(["EOSE", id]).to_string());
                seen.send_modify(|seen| seen.filters.extend(filters));
            }
            // As relays without negentropy do.
            Some("NEG-OPEN") => {
                if let Some(id) = message.get(1).and_then(Value::as_str) {
                    frames.push(serde_json::json!(["NEG-ERR", id, "unsupported"]).to_string());
                }
            }
            Some("EVENT") => {
                let event = message
                    .get(1)
                    .and_then(|event| Event::from_json(event.to_string()).ok());
                if let Some(event) = event {
                    frames.push(serde_json::json!(["OK", event.id.to_hex(), true, ""]).to_string());
                    seen.send_modify(|seen| seen.given.push(event));
                }
            }
            _ => {}
        }
        for frame in frames {
            if socket.send(Message::Text(frame.into())).await.is_err() {
                return;
            }
        }
    }
}

/// An address for the relay at `url` whose connections wait, unanswered,
/// until [`Held::open`]: a relay slow to answer.
pub struct Held {
    pub url: String,
    open: Rc<watch::Sender<bool>>,
    accepting: JoinHandle<()>,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

impl Held {
    pub async fn before(url: &str) -> Self {
        let upstream: SocketAddr = url
            .trim_start_matches("ws://")
            .parse()
            .expect("a local relay's address");
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("a port");
        let address = listener.local_addr().expect("an address");
        let open = Rc::new(watch::Sender::new(false));
        let accepting = spawn_local({
            let open = Rc::clone(&open);
            async move {
                while let Ok((mut stream, _)) = listener.accept().await {
                    let mut opened = open.subscribe();
                    spawn_local(async move {
                        if opened.wait_for(|open| *open).await.is_err() {
                            return;
                        }
                        let Ok(mut relay) = tokio::net::TcpStream::connect(upstream).await else {
                            return;
                        };
                        let _ = tokio::io::copy_bidirectional(&mut stream, &mut relay).await;
                    });
                }
            }
        });
        Self {
            url: format!("ws://{address}"),
            open,
            accepting,
        }
    }

    /// Lets every connection through, held or new.
    pub fn open(&self) {
        self.open.send_replace(true);
    }
}

impl User {
    /// Until `done` holds of the user and of what `relay` was sent,
    /// checked whenever either changes.
    pub async fn until_seen(&mut self, relay: &HostileRelay, done: impl Fn(&User, &Seen) -> bool) {
        let mut seen = relay.watch();
        loop {
            if done(self, &seen.borrow_and_update()) {
                return;
            }
            tokio::select! {
                () = self.pull() => {}
                changed = seen.changed() => changed.expect("the relay runs"),
            }
        }
    }
}
