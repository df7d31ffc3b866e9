//! Everything `server --dev` runs for a newcomer, and nothing the server
//! needs without it: a NOSTR relay ([`DevRelay`]), a Cashu mint at `/mint`
//! on a Lightning network shared with the accounts ([`DevLightning`]), and the
//! endpoints under `/api/dev`, among them the document that tells
//! the app where the services are ([`DevConfig`]).
//!
//! [`DevServices`] is the one way in: [`DevServices::start`] brings the
//! services up, `DevServices::router` gives the routes the server adds, and
//! [`DevServices::shutdown`] (or dropping them) stops them.

mod config;
mod endpoints;
mod lightning;
mod relay;

use std::net::SocketAddr;

use axum::Router;
use flash_dev::DevMint;
use tempfile::TempDir;

use crate::{api, Config, StartError};

pub use config::{DevConfig, DEV_NETWORK};
pub use lightning::{DevLightning, DevLightningError};
pub use relay::{DevRelay, RelayError};

/// Where the dev mint's API is nested in the server's own routes: same
/// origin as the app, so neither the CSP nor CORS stands in its way.
const MINT_PATH: &str = "/mint";

/// The local development services.
#[derive(Debug)]
pub struct DevServices {
    relay: DevRelay,
    mint: DevMint,
    lightning: DevLightning,
    // The mint's database and seed, and the dev accounts database; removed
    // when the services are dropped.
    dir: TempDir,
}

impl DevServices {
    /// Starts every development service `config` asks for.
    ///
    /// The mint is served by the server itself at `http://<config.listen>/mint`:
    /// `config.listen` must be the address actually bound (not port 0). It
    /// issues eCash for nothing, so unless `config.dev_public` says so,
    /// `config.listen` must be a loopback address, or nothing starts.
    pub async fn start(config: &Config) -> Result<Self, StartError> {
        if !config.dev_public && !is_loopback(config.listen) {
            return Err(StartError::PublicDev {
                listen: config.listen,
            });
        }
        let relay = DevRelay::start(config.dev_relay_port).await?;
        let mint_dir = tempfile::Builder::new()
            .prefix("flash-dev-mint-")
            .tempdir()
            .map_err(StartError::MintDir)?;
        let mint_url = format!("http://{}{MINT_PATH}", config.listen);
        let lightning = DevLightning::start().await?;
        let mint =
            DevMint::on_network(&mint_url, mint_dir.path(), lightning.mint().clone()).await?;
        Ok(Self {
            relay,
            mint,
            lightning,
            dir: mint_dir,
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

    /// The dev Lightning network: the server's node, the mint's and the
    /// outside world.
    pub fn lightning(&self) -> &DevLightning {
        &self.lightning
    }

    /// The accounts database when the operator names none: a SQLite file
    /// beside the mint's, gone with the dev services.
    pub fn database_url(&self) -> String {
        format!(
            "sqlite://{}",
            self.dir.path().join("accounts.sqlite3").display()
        )
    }

    /// What `GET /api/dev/config` tells the app.
    pub fn config(&self) -> DevConfig {
        DevConfig {
            relays: vec![self.relay.url()],
            mints: vec![self.mint.url().to_string()],
            network: DEV_NETWORK.to_owned(),
        }
    }

    /// The routes dev mode adds to the server's: `/api/dev/*` and the mint.
    pub(crate) fn router(&self) -> Router {
        // A path the mint does not know is a JSON 404, not the app's page.
        let mint = self.mint.router().fallback(api::not_found);
        Router::new()
            .nest(
                "/api/dev",
                endpoints::routes(self.config(), self.lightning.outside().clone()),
            )
            .nest(MINT_PATH, mint)
    }

    /// Stops the relay. The mint is served by the server's own listener, so
    /// it stops with the server; dropping the services stops its background
    /// task and removes its files.
    pub fn shutdown(&self) {
        self.relay.shutdown();
    }
}

/// Whether only this machine can reach `addr`: 127.0.0.0/8 or ::1, also
/// written as an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`).
fn is_loopback(addr: SocketAddr) -> bool {
    addr.ip().to_canonical().is_loopback()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_127_0_0_0_slash_8_and_ipv6_1() {
        for addr in [
            "127.0.0.1:8080",
            "127.1.2.3:0",
            "[::1]:8080",
            "[::ffff:127.0.0.1]:80",
        ] {
            let addr: SocketAddr = addr.parse().expect("an address");
            assert!(is_loopback(addr), "{addr}");
        }
        for addr in [
            "0.0.0.0:8080",
            "[::]:8080",
            "192.168.1.2:80",
            "[::ffff:10.0.0.1]:80",
        ] {
            let addr: SocketAddr = addr.parse().expect("an address");
            assert!(!is_loopback(addr), "{addr}");
        }
    }
}
