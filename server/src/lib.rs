//! Flash Web's thin server.
//!
//! It serves the single-page app that Trunk builds into `dist/`, plus a
//! health check and `/api`. With `--dev` it also runs the services a newcomer
//! needs locally (see [`dev`]: a NOSTR relay, and a Cashu mint at `/mint`)
//! and advertises them at `/api/dev/config`.
//!
//! [`App::start`] starts everything; [`router`] assembles the HTTP side alone,
//! so tests can drive the whole app with `tower::ServiceExt::oneshot` without
//! opening a socket.

pub mod accounts;
pub mod auth;
pub mod config;
pub mod database;
pub mod dev;
pub mod lightning;
pub mod spa;

mod api;
mod health;
mod security;

use std::net::SocketAddr;

use axum::{
    http::{header, HeaderValue},
    routing::get,
    Router,
};
use tower_http::set_header::SetResponseHeaderLayer;

pub use api::Offered;
pub use config::Config;
pub use database::{Database, DatabaseError};
pub use dev::{DevConfig, DevServices, RelayError};
pub use flash_dev::DevMintError;
pub use spa::SpaError;

/// Builds the HTTP application: health check, `/api`, and the SPA for
/// everything else, all wrapped in the security headers.
///
/// This starts no services, so it never serves the dev endpoints, whatever
/// `config.dev` says: [`App::start`] does that.
///
/// Fails when `config.dist` holds no built app (see [`SpaError`]).
pub fn router(config: &Config) -> Result<Router, SpaError> {
    let spa = spa::Spa::load(&config.dist)?;
    Ok(assemble(spa, None, None))
}

fn assemble(
    spa: spa::Spa,
    dev: Option<&DevServices>,
    accounts: Option<accounts::Accounts>,
) -> Router {
    let offered = Offered {
        accounts: accounts.is_some(),
        dev: dev.is_some(),
    };
    let content_security_policy = spa.content_security_policy().clone();

    let mut dynamic = Router::new()
        .route("/healthz", get(health::healthz))
        .nest("/api", api::router(offered, accounts));
    if let Some(dev) = dev {
        dynamic = dynamic.merge(dev.router());
    }
    // Dynamic answers describe the server's state right now, so no cache
    // (browser, proxy or service worker) may keep them.
    let dynamic = dynamic.layer(SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    ));

    let app = dynamic.merge(spa.into_router());
    security::with_security_headers(app, content_security_policy)
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Spa(#[from] SpaError),
    #[error(
        "--dev will not listen on {listen}: its mint issues free eCash to anyone who can reach it, \
         so it listens on loopback only (127.0.0.0/8 or ::1)\n\
         Listen on 127.0.0.1, or pass --dev-public (FLASH_DEV_PUBLIC, dev_public in the config file) \
         to serve it to other machines on purpose."
    )]
    PublicDev { listen: SocketAddr },
    #[error(transparent)]
    Relay(#[from] RelayError),
    #[error("could not create a temporary directory for the dev mint")]
    MintDir(#[source] std::io::Error),
    #[error(transparent)]
    Mint(#[from] DevMintError),
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error("could not open the accounts ledger")]
    Ledger(#[from] accounts::LedgerError),
    #[error("--public-url {url:?} is not an absolute http(s) URL")]
    PublicUrl { url: String },
}

/// The running application: its router and, in dev mode, the services it
/// advertises. Dropping it stops those services too.
#[derive(Debug)]
pub struct App {
    router: Router,
    dev: Option<DevServices>,
}

impl App {
    /// Loads the app from `config.dist` and, when `config.dev` is set, starts
    /// the development services and serves `/api/dev/config` and the dev mint.
    ///
    /// The dev mint's URL names `config.listen`: bind first and pass the
    /// address actually bound. Dev mode refuses an address that is not
    /// loopback unless `config.dev_public` is set ([`StartError::PublicDev`]).
    pub async fn start(config: &Config) -> Result<Self, StartError> {
        // Check the app is built before starting anything.
        let spa = spa::Spa::load(&config.dist)?;
        let dev = if config.dev {
            Some(DevServices::start(config).await?)
        } else {
            None
        };
        let accounts = match (&config.database, &dev) {
            (Some(url), _) => Some(open_accounts(config, url).await?),
            (None, Some(dev)) => Some(open_accounts(config, &dev.database_url()).await?),
            (None, None) => None,
        };
        let router = assemble(spa, dev.as_ref(), accounts);
        Ok(Self { router, dev })
    }

    /// The HTTP application, to serve or to call in tests.
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// The development services, in dev mode.
    pub fn dev(&self) -> Option<&DevServices> {
        self.dev.as_ref()
    }

    /// Stops the development services, if any.
    pub fn shutdown(self) {
        if let Some(dev) = &self.dev {
            dev.shutdown();
        }
    }
}

async fn open_accounts(config: &Config, url: &str) -> Result<accounts::Accounts, StartError> {
    let origin = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", config.listen));
    let origin = nostr::Url::parse(&origin)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .ok_or(StartError::PublicUrl { url: origin })?;
    let db = Database::open(url).await?;
    Ok(accounts::Accounts {
        ledger: accounts::Ledger::open(db.clone()).await?,
        auth: auth::Nip98::new(origin, db),
    })
}
