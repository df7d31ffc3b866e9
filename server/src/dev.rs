//! What `server --dev` runs for a newcomer, and the document that tells the
//! app about it.
//!
//! The services live as long as the server: [`DevServices::start`] brings
//! them up, [`DevServices::shutdown`] (or dropping them) stops them. The app
//! reads `GET /api/dev/config` ([`DevConfig`]) to find them.

use axum::{routing::get, Json, Router};
use serde::{Deserialize, Serialize};

use crate::{
    relay::{DevRelay, RelayError},
    Config,
};

/// The local development services.
#[derive(Debug)]
pub struct DevServices {
    relay: DevRelay,
}

impl DevServices {
    /// Starts every development service `config` asks for.
    pub async fn start(config: &Config) -> Result<Self, RelayError> {
        let relay = DevRelay::start(config.dev_relay_port).await?;
        Ok(Self { relay })
    }

    /// The development NOSTR relay.
    pub fn relay(&self) -> &DevRelay {
        &self.relay
    }

    /// What `GET /api/dev/config` tells the app.
    pub fn config(&self) -> DevConfig {
        DevConfig {
            relays: vec![self.relay.url()],
        }
    }

    /// Stops every service.
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
}

/// The routes under `/api` that exist only in dev mode.
pub(crate) fn api_routes(config: DevConfig) -> Router {
    Router::new().route(
        "/dev/config",
        get(move || {
            let config = config.clone();
            async move { Json(config) }
        }),
    )
}
