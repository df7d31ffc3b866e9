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
pub mod limits;
pub mod nwc;
pub mod spa;

mod api;
mod health;
mod security;

use std::{net::SocketAddr, sync::Arc};

use axum::{
    error_handling::HandleErrorLayer,
    http::{header, HeaderValue},
    middleware,
    routing::get,
    BoxError, Router,
};
use tower::{limit::GlobalConcurrencyLimitLayer, ServiceBuilder};
use tower_http::set_header::SetResponseHeaderLayer;

pub use api::Offered;
pub use config::Config;
pub use database::{Database, DatabaseError};
pub use dev::{DevConfig, DevLightningError, DevServices, RelayError};
pub use flash_dev::DevMintError;
pub use spa::SpaError;

/// Builds the HTTP application: health check, `/api`, and the SPA for
/// everything else, all under the concurrency limit and wrapped in the
/// security headers.
///
/// This starts no services, so it never serves the dev endpoints, whatever
/// `config.dev` says: [`App::start`] does that.
///
/// Fails when `config.dist` holds no built app (see [`SpaError`]).
pub fn router(config: &Config) -> Result<Router, SpaError> {
    let spa = spa::Spa::load(&config.dist, config.dev)?;
    Ok(assemble(spa, None, None, None, config))
}

fn assemble(
    spa: spa::Spa,
    dev: Option<&DevServices>,
    accounts: Option<accounts::Accounts>,
    nwc: Option<nwc::Nwc>,
    config: &Config,
) -> Router {
    let offered = Offered {
        accounts: accounts.is_some(),
        lightning: accounts
            .as_ref()
            .is_some_and(|accounts| accounts.node.is_some()),
        dev: dev.is_some(),
        nwc: nwc.is_some(),
    };
    let content_security_policy = spa.content_security_policy().clone();

    let limits = limits::RateLimits::new(config.rates);
    // Counted against the client's address like the API.
    let well_known = accounts.clone().map(|accounts| {
        accounts::well_known_router(accounts).layer(middleware::from_fn_with_state(
            limits.clone(),
            limits::RateLimits::per_address,
        ))
    });
    let mut dynamic = Router::new().route("/healthz", get(health::healthz)).nest(
        "/api",
        api::router(offered, accounts, nwc, limits, config.request_timeout),
    );
    if let Some(well_known) = well_known {
        dynamic = dynamic.merge(well_known);
    }
    if let Some(dev) = dev {
        dynamic = dynamic.merge(dev.router());
    }
    // Dynamic answers describe the server's state right now, so no cache
    // (browser, proxy or service worker) may keep them.
    let dynamic = dynamic.layer(SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    ));

    // Past the limit a request is answered at once (503 and Retry-After)
    // rather than queued. One limit for every route: each request holds a
    // permit until its answer's head is ready, so an event stream, once
    // open, holds none.
    let app = dynamic.merge(spa.into_router()).layer(
        ServiceBuilder::new()
            .layer(HandleErrorLayer::new(|err: BoxError| async move {
                api::ApiError::shed(err)
            }))
            .load_shed()
            .layer(GlobalConcurrencyLimitLayer::new(
                config.max_concurrent_requests,
            )),
    );
    let hsts = security::served_over_https(config);
    security::with_security_headers(app, content_security_policy, hsts)
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
    #[error(transparent)]
    DevLightning(#[from] DevLightningError),
    #[error("could not read {}", path.display())]
    LndFile {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("could not use LND")]
    Lnd(#[from] lightning::LightningError),
    #[error("LND is configured but no --database: the accounts it serves need one")]
    LndWithoutDatabase,
    #[error("no randomness for the background work's identity")]
    Random(#[from] getrandom::Error),
    #[error("could not read the zapper's key file {}", path.display())]
    ZapperKeyFile {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    // Never the file's contents: they are the secret.
    #[error("{} holds no NOSTR secret key (hex or nsec) for the zapper", path.display())]
    ZapperKey { path: std::path::PathBuf },
    #[error("could not read the Nostr Wallet Connect key file {}", path.display())]
    NwcKey {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    // Never the file's contents: they are the key.
    #[error("{} holds no secret key (64 hex characters, or nsec…)", path.display())]
    NwcKeyInvalid { path: std::path::PathBuf },
    #[error("--nwc-relay {url:?} is not a ws:// or wss:// relay URL")]
    NwcRelay { url: String },
}

/// The running application: its router and, in dev mode, the services it
/// advertises. Dropping it stops those services too.
#[derive(Debug)]
pub struct App {
    router: Router,
    // Dropped before the dev services, whose LND stand-in it talks to.
    worker: Option<accounts::Worker>,
    // Dropped before the dev services, whose relay it listens on.
    listener: Option<nwc::Listener>,
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
        let spa = spa::Spa::load(&config.dist, config.dev)?;
        let dev = if config.dev {
            Some(DevServices::start(config).await?)
        } else {
            None
        };
        let lnd = match (&config.lnd, &dev) {
            (Some(files), _) => Some(lnd_config(files).await?),
            (None, Some(dev)) => Some(dev.lightning().lnd_config()),
            (None, None) => None,
        };
        let node = match lnd {
            Some(lnd) => {
                let lnd: Arc<dyn lightning::Lightning> = Arc::new(lightning::Lnd::new(lnd)?);
                Some(accounts::Node::connect(lnd).await?)
            }
            None => None,
        };
        let accounts = match (&config.database, &dev) {
            (Some(url), _) => Some(open_accounts(config, url, node).await?),
            (None, Some(dev)) => Some(open_accounts(config, &dev.database_url(), node).await?),
            (None, None) if node.is_some() => return Err(StartError::LndWithoutDatabase),
            (None, None) => None,
        };
        let worker = match &accounts {
            Some(accounts) if accounts.node.is_some() => {
                Some(accounts::Worker::spawn(accounts.clone())?)
            }
            _ => None,
        };
        let nwc = match &accounts {
            Some(accounts) if accounts.node.is_some() => {
                wallet_service(config, dev.as_ref(), accounts).await?
            }
            _ => None,
        };
        let listener = nwc.clone().map(nwc::Listener::spawn).transpose()?;
        let router = assemble(spa, dev.as_ref(), accounts, nwc, config);
        Ok(Self {
            router,
            worker,
            listener,
            dev,
        })
    }

    /// The HTTP application, to serve or to call in tests.
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// The development services, in dev mode.
    pub fn dev(&self) -> Option<&DevServices> {
        self.dev.as_ref()
    }

    /// Stops the background work and the development services, if any.
    pub fn shutdown(mut self) {
        drop(self.worker.take());
        drop(self.listener.take());
        if let Some(dev) = &self.dev {
            dev.shutdown();
        }
    }
}

/// The Nostr Wallet Connect service, when the operator configured one, or
/// with `--dev`, which makes a key of its own (for this run) and uses its
/// relay.
async fn wallet_service(
    config: &Config,
    dev: Option<&DevServices>,
    accounts: &accounts::Accounts,
) -> Result<Option<nwc::Nwc>, StartError> {
    let keys = match (&config.nwc_key_file, dev) {
        (Some(path), _) => {
            let text =
                tokio::fs::read_to_string(path)
                    .await
                    .map_err(|source| StartError::NwcKey {
                        path: path.clone(),
                        source,
                    })?;
            let secret = nostr::SecretKey::parse(text.trim())
                .map_err(|_| StartError::NwcKeyInvalid { path: path.clone() })?;
            nostr::Keys::new(secret)
        }
        (None, Some(_)) => nostr::Keys::generate(),
        (None, None) => return Ok(None),
    };
    let relays = match (config.nwc_relays.is_empty(), dev) {
        (true, Some(dev)) => vec![dev.relay().url()],
        _ => config.nwc_relays.clone(),
    };
    let relays = relays
        .into_iter()
        .map(|url| nostr::RelayUrl::parse(&url).map_err(|_| StartError::NwcRelay { url }))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(nwc::Nwc::new(accounts.clone(), keys, relays)))
}

/// LND's settings from the operator's files.
async fn lnd_config(files: &config::LndFiles) -> Result<lightning::LndConfig, StartError> {
    let read = |path: &std::path::Path| {
        let path = path.to_owned();
        async move {
            tokio::fs::read(&path)
                .await
                .map_err(|source| StartError::LndFile { path, source })
        }
    };
    Ok(lightning::LndConfig {
        url: files.url.clone(),
        macaroon: read(&files.macaroon).await?,
        certificate: read(&files.certificate).await?,
    })
}

async fn open_accounts(
    config: &Config,
    url: &str,
    node: Option<accounts::Node>,
) -> Result<accounts::Accounts, StartError> {
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
        node,
        limits: accounts::Limits {
            max_amount_msat: config
                .max_amount_sat
                .map_or(accounts::Limits::default().max_amount_msat, |sat| {
                    sat.saturating_mul(1000)
                }),
        },
        zapper: zapper(config).await?,
    })
}

/// The zapper of the operator's key file; in dev mode without one, a key
/// made up for this run (its receipts go to the dev relay, gone with it).
async fn zapper(config: &Config) -> Result<Option<accounts::Zapper>, StartError> {
    let private_relays = config.dev || config.zap_private_relays;
    let keys = match &config.zapper_key_file {
        Some(path) => {
            let text = tokio::fs::read_to_string(path).await.map_err(|source| {
                StartError::ZapperKeyFile {
                    path: path.clone(),
                    source,
                }
            })?;
            nostr::Keys::parse(text.trim())
                .map_err(|_| StartError::ZapperKey { path: path.clone() })?
        }
        None if config.dev => nostr::Keys::generate(),
        None => return Ok(None),
    };
    Ok(Some(accounts::Zapper::new(keys, private_relays)))
}
