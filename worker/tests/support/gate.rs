//! A dev mint whose requests a test can hold: requests whose path starts
//! with the held prefix wait, as if the network were slow, until the test
//! lets them go. A test uses it to be sure where an operation stands when
//! something (a lock, another tab) cuts it short.

use std::future::IntoFuture;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use flash_dev::DevMint;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

/// A dev mint served behind a [`Gate`].
pub struct GatedMint {
    pub url: String,
    pub gate: Gate,
    server: JoinHandle<std::io::Result<()>>,
    // Kept while served; dropped after the server stops.
    _mint: DevMint,
    _dir: tempfile::TempDir,
}

/// What the test holds and lets go.
#[derive(Clone)]
pub struct Gate {
    held: Arc<watch::Sender<Option<&'static str>>>,
    arrived: Arc<Notify>,
    /// Whether what is let go is refused instead of reaching the mint.
    refusing: Arc<AtomicBool>,
}

impl GatedMint {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("mint dir");
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("port");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let mint = DevMint::new(&url, dir.path()).await.expect("dev mint");
        let gate = Gate {
            held: Arc::new(watch::Sender::new(None)),
            arrived: Arc::new(Notify::new()),
            refusing: Arc::new(AtomicBool::new(false)),
        };
        let router = mint
            .router()
            .layer(middleware::from_fn_with_state(gate.clone(), hold));
        let server = tokio::spawn(axum::serve(listener, router).into_future());
        Self {
            url,
            gate,
            server,
            _mint: mint,
            _dir: dir,
        }
    }
}

impl Drop for GatedMint {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Gate {
    /// Holds every request whose path starts with `prefix` from now on.
    pub fn hold(&self, prefix: &'static str) {
        self.held.send_replace(Some(prefix));
    }

    /// Lets held requests (and later ones) through.
    pub fn open(&self) {
        self.refusing.store(false, Ordering::SeqCst);
        self.held.send_replace(None);
    }

    /// Answers held requests with an error, as if they had never reached
    /// the mint, and lets later ones through.
    pub fn refuse_held(&self) {
        self.refusing.store(true, Ordering::SeqCst);
        self.held.send_replace(None);
    }

    /// Waits until a request is being held.
    pub async fn holding(&self) {
        self.arrived.notified().await;
    }
}

fn is_held(held: &Option<&'static str>, path: &str) -> bool {
    held.is_some_and(|prefix| path.starts_with(prefix))
}

async fn hold(State(gate): State<Gate>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut held = gate.held.subscribe();
    if is_held(&held.borrow(), &path) {
        // Stored if nobody waits yet: `holding` returns at once then.
        gate.arrived.notify_one();
        let _ = held.wait_for(|held| !is_held(held, &path)).await;
        if gate.refusing.load(Ordering::SeqCst) {
            return StatusCode::BAD_GATEWAY.into_response();
        }
    }
    next.run(request).await
}
