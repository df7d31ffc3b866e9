//! Flash Web's thin server.
//!
//! For now it serves the single-page app that Trunk builds into `dist/`, plus a
//! health check. Everything is assembled by [`router`], so tests can drive the
//! whole app with `tower::ServiceExt::oneshot` without opening a socket.

pub mod config;
pub mod spa;

mod api;
mod health;
mod security;

use axum::{
    http::{header, HeaderValue},
    routing::get,
    Router,
};
use tower_http::set_header::SetResponseHeaderLayer;

pub use config::Config;
pub use spa::SpaError;

/// Builds the complete application: health check, `/api`, and the SPA for
/// everything else, all wrapped in the security headers.
///
/// Fails when `config.dist` holds no built app (see [`SpaError`]).
pub fn router(config: &Config) -> Result<Router, SpaError> {
    let spa = spa::Spa::load(&config.dist)?;
    let content_security_policy = spa.content_security_policy().clone();

    // Dynamic answers describe the server's state right now, so no cache
    // (browser, proxy or service worker) may keep them.
    let dynamic = Router::new()
        .route("/healthz", get(health::healthz))
        .nest("/api", api::router())
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));

    let app = dynamic.merge(spa.into_router());
    Ok(security::with_security_headers(
        app,
        content_security_policy,
    ))
}
