//! What `server --dev` runs for a newcomer, and the document that tells the
//! app about it.
//!
//! The services live as long as the server: [`DevServices::start`] brings
//! them up, [`DevServices::shutdown`] (or dropping them) stops them. The app
//! reads `GET /api/dev/config` ([`DevConfig`]) to find them.

mod relay;

use axum::{
    extract::{rejection::QueryRejection, Query},
    routing::get,
    Json, Router,
};
use flash_dev_mint::DevMint;
use serde::{Deserialize, Serialize};
use tempfile::TempDir;

use crate::{api::ApiError, Config, StartError};

pub use relay::{DevRelay, RelayError};

/// Where the dev mint's API is nested in the server's own routes: same
/// origin as the app, so neither the CSP nor CORS stands in its way.
pub(crate) const MINT_PATH: &str = "/mint";

/// The local development services.
#[derive(Debug)]
pub struct DevServices {
    relay: DevRelay,
    mint: DevMint,
    // The mint's database and seed; removed when the services are dropped.
    _mint_dir: TempDir,
}

impl DevServices {
    /// Starts every development service `config` asks for.
    ///
    /// The mint is served by the server itself at `http://<config.listen>/mint`:
    /// `config.listen` must be the address actually bound (not port 0).
    pub async fn start(config: &Config) -> Result<Self, StartError> {
        let relay = DevRelay::start(config.dev_relay_port).await?;
        let mint_dir = tempfile::Builder::new()
            .prefix("flash-dev-mint-")
            .tempdir()
            .map_err(StartError::MintDir)?;
        let mint_url = format!("http://{}{MINT_PATH}", config.listen);
        let mint = DevMint::new(&mint_url, mint_dir.path()).await?;
        Ok(Self {
            relay,
            mint,
            _mint_dir: mint_dir,
        })
    }

    /// The development NOSTR relay.
    pub fn relay(&self) -> &DevRelay {
        &self.relay
    }

    /// The development Cashu mint.
    pub fn mint(&self) -> &DevMint {
        &self.mint
    }

    /// What `GET /api/dev/config` tells the app.
    pub fn config(&self) -> DevConfig {
        DevConfig {
            relays: vec![self.relay.url()],
            mints: vec![self.mint.url().to_string()],
        }
    }

    /// Stops the relay. The mint is served by the server's own listener, so
    /// it stops with the server; dropping the services stops its background
    /// task and removes its files.
    pub fn shutdown(&self) {
        self.relay.shutdown();
    }
}

/// The body of `GET /api/dev/config`: where the app finds the development
/// services, used instead of its production defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevConfig {
    /// NOSTR relay URLs (`ws://127.0.0.1:<port>`).
    pub relays: Vec<String>,
    /// Cashu mint URLs (`http://<server address>/mint`).
    pub mints: Vec<String>,
}

/// The routes under `/api` that exist only in dev mode.
pub(crate) fn api_routes(config: DevConfig) -> Router {
    Router::new()
        .route(
            "/dev/config",
            get(move || {
                let config = config.clone();
                async move { Json(config) }
            }),
        )
        .route("/dev/invoice", get(someone_elses_invoice))
}

/// `GET /api/dev/invoice?sat=N`: a Lightning invoice of someone else's for
/// N sat, which the dev mint's fake Lightning node "pays" when a wallet
/// melts to it, so a newcomer (and the end-to-end tests) can try paying.
// The query as a `Result`, so a missing or malformed `sat` is the API's JSON
// error rather than axum's plain-text rejection.
async fn someone_elses_invoice(
    request: Result<Query<InvoiceRequest>, QueryRejection>,
) -> Result<Json<Invoice>, ApiError> {
    let Query(request) = request?;
    if request.sat == 0 {
        return Err(ApiError::BadRequest(
            "an invoice needs an amount: sat must be more than 0".to_owned(),
        ));
    }
    Ok(Json(Invoice {
        invoice: flash_dev_mint::fake_invoice(request.sat),
    }))
}

#[derive(Deserialize)]
struct InvoiceRequest {
    sat: u64,
}

/// The body of `GET /api/dev/invoice`.
#[derive(Serialize)]
struct Invoice {
    invoice: String,
}
