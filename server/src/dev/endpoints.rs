//! The endpoints under `/api/dev`, served in dev mode only.

use axum::{
    extract::{
        rejection::{JsonRejection, QueryRejection},
        Query, State,
    },
    routing::{get, post},
    Json, Router,
};
use flash_dev::lightning::{InvoiceTerms, Node, PaymentStatus};
use serde::{Deserialize, Serialize};

use super::DevConfig;
use crate::api::ApiError;

/// The routes to nest at `/api/dev`; `config` is what `/api/dev/config`
/// says, `outside` the dev Lightning network's node for the rest of the
/// world.
pub(super) fn routes(config: DevConfig, outside: Node) -> Router {
    Router::new()
        .route(
            "/config",
            get(move || {
                let config = config.clone();
                async move { Json(config) }
            }),
        )
        .route("/invoice", get(someone_elses_invoice))
        .route("/lightning/invoice", get(outside_invoice))
        .route("/lightning/pay", post(outside_pays))
        .route("/lightning/hold", post(outside_holds))
        .route("/lightning/release", post(outside_releases))
        .with_state(outside)
}

/// `GET /api/dev/lightning/invoice?sat=N`: an invoice of the outside world
/// on the dev Lightning network, for an account to pay.
async fn outside_invoice(
    State(outside): State<Node>,
    request: Result<Query<InvoiceRequest>, QueryRejection>,
) -> Result<Json<Invoice>, ApiError> {
    let Query(request) = request?;
    let amount_msat = request
        .sat
        .checked_mul(1000)
        .filter(|msat| *msat > 0)
        .ok_or_else(|| ApiError::BadRequest("sat must be more than 0".to_owned()))?;
    let invoice = outside
        .add_invoice(InvoiceTerms::new(
            amount_msat,
            "Someone else (dev Lightning network)",
        ))
        .map_err(|err| ApiError::BadRequest(err.to_string()))?;
    Ok(Json(Invoice {
        invoice: invoice.bolt11,
    }))
}

/// The body of `POST /api/dev/lightning/pay`.
#[derive(Deserialize)]
struct PayRequest {
    invoice: String,
    /// Only for an invoice without an amount.
    sat: Option<u64>,
}

/// What the outside world's payment did.
#[derive(Serialize)]
struct Paid {
    /// succeeded, failed or in_flight (the payee holds it).
    status: &'static str,
}

/// `POST /api/dev/lightning/pay`: the outside world pays an invoice (an
/// account's), as a newcomer's friend would.
async fn outside_pays(
    State(outside): State<Node>,
    body: Result<Json<PayRequest>, JsonRejection>,
) -> Result<Json<Paid>, ApiError> {
    let Json(request) = body.map_err(|err| ApiError::BadRequest(err.body_text()))?;
    let amount_msat = request.sat.map(|sat| sat.saturating_mul(1000));
    let payment = outside
        .pay(request.invoice.trim(), amount_msat, 1_000_000)
        .map_err(|err| ApiError::BadRequest(err.to_string()))?;
    let status = match payment.status {
        PaymentStatus::Succeeded => "succeeded",
        PaymentStatus::Failed => "failed",
        PaymentStatus::InFlight => "in_flight",
    };
    Ok(Json(Paid { status }))
}

/// The body of `POST /api/dev/lightning/hold`.
#[derive(Deserialize, Serialize)]
struct HoldRequest {
    hold: bool,
}

/// `POST /api/dev/lightning/hold`: while `hold`, the outside world is an
/// offline payee: payments to its invoices stay in flight until released.
async fn outside_holds(
    State(outside): State<Node>,
    body: Result<Json<HoldRequest>, JsonRejection>,
) -> Result<Json<HoldRequest>, ApiError> {
    let Json(request) = body.map_err(|err| ApiError::BadRequest(err.body_text()))?;
    outside.hold_payments(request.hold);
    Ok(Json(request))
}

/// The body of `POST /api/dev/lightning/release`.
#[derive(Deserialize)]
struct ReleaseRequest {
    /// Settle the held payments (true) or fail them (false).
    settle: bool,
}

/// What `POST /api/dev/lightning/release` did.
#[derive(Serialize)]
struct Released {
    released: usize,
}

/// `POST /api/dev/lightning/release`: the outside world settles, or fails,
/// every payment it holds.
async fn outside_releases(
    State(outside): State<Node>,
    body: Result<Json<ReleaseRequest>, JsonRejection>,
) -> Result<Json<Released>, ApiError> {
    let Json(request) = body.map_err(|err| ApiError::BadRequest(err.body_text()))?;
    let released = if request.settle {
        outside.settle_held()
    } else {
        outside.fail_held()
    }
    .map_err(|err| ApiError::BadRequest(err.to_string()))?;
    Ok(Json(Released { released }))
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
        let outside = flash_dev::lightning::Network::new()
            .add_node("outside")
            .expect("a node");
        let response = routes(config, outside)
            .oneshot(request)
            .await
            .expect("infallible");
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
