//! The endpoints under `/api/dev`, served in dev mode only.

use axum::{
    extract::{rejection::QueryRejection, Query},
    routing::get,
    Json, Router,
};
use serde::{Deserialize, Serialize};

use super::DevConfig;
use crate::api::ApiError;

/// The routes to nest at `/api/dev`; `config` is what `/api/dev/config` says.
pub(super) fn routes(config: DevConfig) -> Router {
    Router::new()
        .route(
            "/config",
            get(move || {
                let config = config.clone();
                async move { Json(config) }
            }),
        )
        .route("/invoice", get(someone_elses_invoice))
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
        invoice: flash_dev::fake_invoice(request.sat),
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

#[cfg(test)]
mod tests {
    use axum::{
        body::Body,
        http::{Request, StatusCode},
    };
    use serde_json::Value;
    use tower::ServiceExt;

    use super::*;

    async fn get_invoice(query: &str) -> (StatusCode, Value) {
        let config = DevConfig {
            relays: Vec::new(),
            mints: Vec::new(),
        };
        let request = Request::get(format!("/invoice{query}"))
            .body(Body::empty())
            .expect("request");
        let response = routes(config).oneshot(request).await.expect("infallible");
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("read body");
        (status, serde_json::from_slice(&body).expect("JSON body"))
    }

    #[tokio::test]
    async fn a_missing_or_malformed_amount_is_a_json_bad_request() {
        for query in ["", "?sat=lots"] {
            let (status, body) = get_invoice(query).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
            assert_eq!(body["error"], "bad_request", "{query}: {body}");
            let message = body["message"].as_str().unwrap_or_default();
            assert!(message.contains("sat"), "{query}: {body}");
        }
    }
}
