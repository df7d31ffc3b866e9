//! The `/api` namespace.
//!
//! Routes added here are mounted under `/api`. The JSON fallback makes sure a
//! client calling an endpoint that does not exist gets a machine-readable
//! 404, instead of the SPA's `index.html`.

mod config;
mod error;
mod openapi;

use std::time::Duration;

use axum::{
    body::Body,
    error_handling::HandleErrorLayer,
    extract::OriginalUri,
    http::{header, Response, StatusCode},
    middleware,
    response::IntoResponse,
    routing::get,
    BoxError, Router,
};
use tower::ServiceBuilder;
use tower_http::limit::{RequestBodyLimitLayer, ResponseBody};

use crate::limits::{RateLimits, MAX_BODY};

pub use config::Offered;
pub(crate) use error::{ApiError, ErrorBody};

/// The router to nest at `/api`. Dev mode adds its endpoints beside it
/// (see [`crate::dev`]); without dev mode they are the JSON 404 like any
/// unknown path.
///
/// Every request is counted against its client address's rate limit first,
/// refused if its body is over [`MAX_BODY`], and given `timeout` to answer
/// (a stream's body, such as the account's events, may last longer: only
/// the answer's head must come in time).
pub(crate) fn router(
    offered: Offered,
    accounts: Option<crate::accounts::Accounts>,
    nwc: Option<crate::nwc::Nwc>,
    limits: RateLimits,
    timeout: Duration,
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
    if let Some(nwc) = nwc {
        router = router.nest("/nwc", crate::nwc::router(nwc, limits.clone()));
    }
    router
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(move |err: BoxError| async move {
                    ApiError::late(err, timeout)
                }))
                .timeout(timeout),
        )
        .layer(
            ServiceBuilder::new()
                .map_response(in_json)
                .layer(RequestBodyLimitLayer::new(MAX_BODY)),
        )
        .layer(middleware::from_fn_with_state(
            limits,
            RateLimits::per_address,
        ))
}

/// The body limit refuses a body announced too long in plain text; the API
/// answers it in its own JSON, like every other error.
fn in_json(response: Response<ResponseBody<Body>>) -> axum::response::Response {
    let refused_by_limit = response.status() == StatusCode::PAYLOAD_TOO_LARGE
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|kind| kind.as_bytes().starts_with(b"text/plain"));
    if refused_by_limit {
        ApiError::PayloadTooLarge.into_response()
    } else {
        response.into_response()
    }
}

// `OriginalUri` rather than `Uri`: inside the nested router the `/api` prefix
// has been stripped, but the message should name the path the client asked for.
pub(crate) async fn not_found(OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::NotFound {
        path: uri.path().to_owned(),
    }
}
