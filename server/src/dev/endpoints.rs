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
        // The older name, kept for what already uses it.
        .route("/invoice", get(outside_invoice))
        .route("/lightning/invoice", get(outside_invoice))
        .route("/pay", post(outside_pays))
        .route("/lightning/pay", post(outside_pays))
        .route("/lightning/hold", post(outside_holds))
        .route("/lightning/release", post(outside_releases))
        .route("/lightning/held", get(outside_held))
        .with_state(outside)
}

/// `GET /api/dev/lightning/invoice?sat=N` (or `/api/dev/invoice`): an
/// invoice of the outside world on the dev Lightning network, for an account
/// to pay or eCash to melt to; without `sat`, the payer chooses the amount.
// The query as a `Result`, so a missing or malformed `sat` is the API's JSON
// error rather than axum's plain-text rejection.
async fn outside_invoice(
    State(outside): State<Node>,
    request: Result<Query<InvoiceRequest>, QueryRejection>,
) -> Result<Json<Invoice>, ApiError> {
    let Query(request) = request?;
    let amount_msat = match request.sat {
        None => 0,
        Some(sat) => sat
            .checked_mul(1000)
            .filter(|msat| *msat > 0)
            .ok_or_else(|| ApiError::BadRequest("sat must be more than 0".to_owned()))?,
    };
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

/// `POST /api/dev/lightning/pay` (or `/api/dev/pay`): the outside world
/// pays an invoice (an account's), as a newcomer's friend would.
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

/// What `GET /api/dev/lightning/held` says.
#[derive(Serialize)]
struct Held {
    held: usize,
}

/// `GET /api/dev/lightning/held`: how many payments the outside world
/// holds now, so a test knows a payment reached it.
async fn outside_held(State(outside): State<Node>) -> Json<Held> {
    Json(Held {
        held: outside.held(),
    })
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

#[derive(Deserialize)]
struct InvoiceRequest {
    /// Absent: an invoice that leaves the amount to the payer.
    sat: Option<u64>,
}

/// The body of `GET /api/dev/lightning/invoice`.
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
    use bitcoin::hashes::Hash;
    use serde_json::Value;
    use tower::ServiceExt;

    use super::*;

    async fn get(outside: &Node, path: &str) -> (StatusCode, Value) {
        let config = DevConfig {
            relays: Vec::new(),
            mints: Vec::new(),
            network: crate::dev::DEV_NETWORK.to_owned(),
        };
        let request = Request::get(path).body(Body::empty()).expect("request");
        let response = routes(config, outside.clone())
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("read body");
        (status, serde_json::from_slice(&body).expect("JSON body"))
    }

    fn outside() -> Node {
        flash_dev::lightning::Network::new()
            .add_node("outside")
            .expect("a node")
    }

    #[tokio::test]
    async fn both_invoice_routes_give_a_regtest_invoice_of_the_outside_node() {
        let outside = outside();
        for path in ["/invoice?sat=30", "/lightning/invoice?sat=30"] {
            let (status, body) = get(&outside, path).await;
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
            let invoice: lightning_invoice::Bolt11Invoice = body["invoice"]
                .as_str()
                .and_then(|invoice| invoice.parse().ok())
                .unwrap_or_else(|| panic!("{path}: not an invoice: {body}"));
            assert_eq!(invoice.currency(), lightning_invoice::Currency::Regtest);
            assert_eq!(invoice.amount_milli_satoshis(), Some(30_000), "{path}");
            let hash = invoice.payment_hash().to_byte_array();
            assert!(
                outside.lookup_invoice(&hash).is_some(),
                "{path}: not the outside node's"
            );
        }
    }

    #[tokio::test]
    async fn without_an_amount_the_payer_chooses_it() {
        let (status, body) = get(&outside(), "/invoice").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let invoice: lightning_invoice::Bolt11Invoice = body["invoice"]
            .as_str()
            .and_then(|invoice| invoice.parse().ok())
            .unwrap_or_else(|| panic!("not an invoice: {body}"));
        assert_eq!(invoice.amount_milli_satoshis(), None);
    }

    #[tokio::test]
    async fn the_config_names_the_regtest_chain() {
        let (status, body) = get(&outside(), "/config").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["network"], "regtest", "{body}");
    }

    #[tokio::test]
    async fn a_malformed_or_zero_amount_is_a_json_bad_request() {
        let outside = outside();
        for query in ["?sat=lots", "?sat=0"] {
            let (status, body) = get(&outside, &format!("/invoice{query}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
            assert_eq!(body["error"], "bad_request", "{query}: {body}");
            let message = body["message"].as_str().unwrap_or_default();
            assert!(message.contains("sat"), "{query}: {body}");
        }
    }
}
