//! The `/api` namespace.
//!
//! Routes added here are mounted under `/api`. The JSON fallback makes sure a
//! client calling an endpoint that does not exist gets a machine-readable
//! 404, instead of the SPA's `index.html`.

mod config;
mod error;
mod openapi;

use std::time::Duration;

use axum::{extract::OriginalUri, http::StatusCode, middleware, routing::get, Router};
use tower_http::timeout::TimeoutLayer;

use crate::limits::RateLimits;

pub use config::Offered;
pub(crate) use error::{ApiError, ErrorBody};

/// The router to nest at `/api`. Dev mode adds its endpoints beside it
/// (see [`crate::dev`]); without dev mode they are the JSON 404 like any
/// unknown path.
///
/// Every request is counted against its client address's rate limit first,
/// and given [`TIMEOUT`] to answer (a stream's body may last longer).
pub(crate) fn router(
    offered: Offered,
    accounts: Option<crate::accounts::Accounts>,
    limits: RateLimits,
) -> Router {
    let mut router = Router::new()
        .route("/config", get(config::config).with_state(offered))
        .route("/openapi.json", get(openapi::document))
        .fallback(not_found);
    if let Some(accounts) = accounts {
        router = router.nest(
            "/account",
            crate::accounts::router(accounts, limits.clone()),
        );
    }
    router
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            TIMEOUT,
        ))
        .layer(middleware::from_fn_with_state(
            limits,
            RateLimits::per_address,
        ))
}

/// The longest any API request may take to answer.
pub const TIMEOUT: Duration = Duration::from_secs(30);

// `OriginalUri` rather than `Uri`: inside the nested router the `/api` prefix
// has been stripped, but the message should name the path the client asked for.
pub(crate) async fn not_found(OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::NotFound {
        path: uri.path().to_owned(),
    }
}
