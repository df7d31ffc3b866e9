//! The development NOSTR relay that `server --dev` runs in process.
//!
//! A real relay (`nostr-relay-builder`'s [`LocalRelay`]) with an in-memory
//! database, listening on loopback only, so a newcomer can send and read
//! events without configuring any outside relay. Everything it stores is gone
//! when the server stops.
//!
//! [`LocalRelay`] answers WebSocket upgrades only, so the listener is ours
//! (see [`http`]): it upgrades WebSocket requests and hands them to the relay,
//! and answers any other request with the relay's NIP-11 information document,
//! as relays do.

mod http;

use std::{
    io,
    net::{Ipv4Addr, SocketAddr},
    sync::Arc,
};

use tokio::{net::TcpListener, sync::Notify};

use nostr_relay_builder::{
    prelude::{MemoryDatabase, MemoryDatabaseOptions},
    LocalRelay, RelayBuilder,
};

/// How many times to try another free port when the one just found was taken
/// before the relay could bind it.
const PORT_ATTEMPTS: usize = 5;

/// At most this many events are kept; the oldest are dropped beyond it.
const MAX_EVENTS: usize = 100_000;

/// Why the development relay could not start.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error(
        "could not find a free port for the dev relay on {}",
        Ipv4Addr::LOCALHOST
    )]
    NoFreePort(#[source] io::Error),

    #[error("could not start the dev relay on {addr}")]
    Start {
        addr: SocketAddr,
        #[source]
        source: nostr_relay_builder::Error,
    },
}

/// A running development relay. It stops on [`DevRelay::shutdown`], or when
/// dropped.
#[derive(Debug)]
pub struct DevRelay {
    relay: LocalRelay,
    addr: SocketAddr,
    /// Stops the listener.
    stop: Arc<Notify>,
}

impl DevRelay {
    /// Starts a relay on `127.0.0.1:port`; port 0 means any free port.
    pub async fn start(port: u16) -> Result<Self, RelayError> {
        // `LocalRelay` binds its own listener and cannot be handed one, and
        // with port 0 it would announce `ws://127.0.0.1:0`. So ask the OS for
        // a free port, release it and let the relay bind it; in the unlikely
        // case another process takes it in between, try again.
        let attempts = if port == 0 { PORT_ATTEMPTS } else { 1 };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let addr = if port == 0 {
                free_loopback_port().map_err(RelayError::NoFreePort)?
            } else {
                SocketAddr::from((Ipv4Addr::LOCALHOST, port))
            };
            match Self::start_on(addr).await {
                Ok(relay) => return Ok(relay),
                Err(err) if attempt < attempts => {
                    tracing::debug!("dev relay could not bind {addr}, trying another port: {err}");
                }
                Err(source) => return Err(RelayError::Start { addr, source }),
            }
        }
    }

    async fn start_on(addr: SocketAddr) -> Result<Self, nostr_relay_builder::Error> {
        let database = MemoryDatabase::with_opts(MemoryDatabaseOptions {
            events: true,
            max_events: Some(MAX_EVENTS),
        });
        let builder = RelayBuilder::default()
            .addr(addr.ip())
            .port(addr.port())
            .database(database);
        let listener = TcpListener::bind(addr).await?;
        let relay = LocalRelay::new(builder);
        let stop = Arc::new(Notify::new());
        tokio::spawn(http::serve(listener, relay.clone(), Arc::clone(&stop)));
        tracing::info!(%addr, "dev relay running");
        Ok(Self { relay, addr, stop })
    }

    /// The address the relay listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL clients connect to: `ws://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// Stops accepting connections and closes the open ones.
    pub fn shutdown(&self) {
        self.stop.notify_one();
        self.relay.shutdown();
        tracing::info!("dev relay stopped");
    }
}

/// The listener holds the relay: it stops with this handle.
impl Drop for DevRelay {
    fn drop(&mut self) {
        self.stop.notify_one();
    }
}

/// A port on 127.0.0.1 that was free a moment ago.
fn free_loopback_port() -> io::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    listener.local_addr()
}
