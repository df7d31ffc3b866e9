//! The `/api` namespace.
//!
//! Routes added here are mounted under `/api`. The JSON fallback makes sure a
//! client calling an endpoint that does not exist gets a machine-readable
//! 404, instead of the SPA's `index.html`.

use axum::{
    extract::OriginalUri,
    http::StatusCode,
    response::{IntoResponse, Response},
    Json, Router,
};
use serde::Serialize;

use crate::dev::{self, DevConfig};

/// `dev` is `Some` in dev mode only: without it the dev endpoints are the
/// JSON 404 like any unknown path.
pub(crate) fn router(dev: Option<DevConfig>) -> Router {
    let router = match dev {
        Some(config) => dev::api_routes(config),
        None => Router::new(),
    };
    router.fallback(not_found)
}

/// The error body every API failure uses, so clients can branch on `error`
/// and show `message` to a developer.
#[derive(Debug, Serialize)]
pub(crate) struct ApiError {
    error: &'static str,
    message: String,
}

impl ApiError {
    /// A request the endpoint cannot answer as asked: 400.
    pub(crate) fn bad_request(message: impl Into<String>) -> Response {
        let body = Self {
            error: "bad_request",
            message: message.into(),
        };
        (StatusCode::BAD_REQUEST, Json(body)).into_response()
    }
}

// `OriginalUri` rather than `Uri`: inside the nested router the `/api` prefix
// has been stripped, but the message should name the path the client asked for.
pub(crate) async fn not_found(OriginalUri(uri): OriginalUri) -> Response {
    let body = ApiError {
        error: "not_found",
        message: format!("no API endpoint at {}", uri.path()),
    };
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}
