//! An LND REST stand-in for one dev node: the subset of LND's REST API the
//! server uses, answering exactly as `shared/contracts/lnd` specifies (64-bit
//! integers as strings, bytes as base64, streams as newline-delimited
//! `{"result": …}` or `{"error": …}` objects), over TLS with its own
//! self-signed certificate, and only to requests carrying its macaroon in
//! `Grpc-Metadata-macaroon`.
//!
//! It is a stand-in: the tests validate each of its answers against the
//! contract's schemas, so the server's LND client, which they drive against
//! it, speaks what LND speaks. It can also be [taken down](LndStandIn::set_down)
//! for a while, as a node that restarts is.

use std::{
    convert::Infallible,
    net::{Ipv4Addr, SocketAddr},
    sync::Arc,
};

use axum::{
    body::{Body, Bytes},
    extract::{Path, Query, Request, State},
    http::{HeaderMap, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use base64::{
    engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD},
    Engine,
};
use bitcoin::hex::{DisplayHex, FromHex};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::{
    net::TcpListener,
    sync::{broadcast, mpsc, watch},
    task::{JoinHandle, JoinSet},
};

use super::network::{
    FailureReason, Invoice, InvoiceState, InvoiceTerms, NetworkError, Node, Payment, PaymentStatus,
    Update,
};

/// gRPC status codes LND answers with (and the HTTP status grpc-gateway
/// maps each to).
const UNKNOWN: (i32, StatusCode) = (2, StatusCode::INTERNAL_SERVER_ERROR);
const INVALID_ARGUMENT: (i32, StatusCode) = (3, StatusCode::BAD_REQUEST);
const NOT_FOUND: (i32, StatusCode) = (5, StatusCode::NOT_FOUND);
const ALREADY_EXISTS: (i32, StatusCode) = (6, StatusCode::CONFLICT);
const UNAUTHENTICATED: (i32, StatusCode) = (16, StatusCode::UNAUTHORIZED);

/// Why the stand-in could not start.
#[derive(Debug, thiserror::Error)]
pub enum LndStandInError {
    #[error("could not listen for the LND stand-in")]
    Listen(#[from] std::io::Error),
    #[error("could not make the LND stand-in's certificate")]
    Certificate(#[from] rcgen::Error),
    #[error("could not configure the LND stand-in's TLS")]
    Tls(#[from] rustls::Error),
    #[error("no randomness for the LND stand-in's macaroon")]
    Random(#[from] getrandom::Error),
}

/// A running LND REST stand-in. Dropping it stops it.
#[derive(Debug)]
pub struct LndStandIn {
    url: String,
    macaroon_hex: String,
    certificate_der: Vec<u8>,
    up: watch::Sender<bool>,
    server: JoinHandle<()>,
}

impl LndStandIn {
    /// Serves `node` on an ephemeral port of 127.0.0.1, over TLS.
    pub async fn spawn(node: Node) -> Result<Self, LndStandInError> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let certified = rcgen::generate_simple_self_signed(vec![
            "localhost".to_owned(),
            addr.ip().to_string(),
        ])?;
        let certificate_der = certified.cert.der().to_vec();
        let key = rustls::pki_types::PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der());
        let tls = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![certificate_der.clone().into()], key.into())?;

        let mut macaroon = [0u8; 32];
        getrandom::fill(&mut macaroon)?;
        let macaroon_hex = hex(&macaroon);
        let router = router(node, macaroon_hex.clone());
        let (up, is_up) = watch::channel(true);
        let server = tokio::spawn(serve_tls(
            listener,
            tokio_rustls::TlsAcceptor::from(Arc::new(tls)),
            router,
            is_up,
        ));
        Ok(Self {
            url: format!("https://{addr}"),
            macaroon_hex,
            certificate_der,
            up,
            server,
        })
    }

    /// `https://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The macaroon to send, hex-encoded as LND's REST clients send it.
    pub fn macaroon_hex(&self) -> &str {
        &self.macaroon_hex
    }

    /// The stand-in's TLS certificate (DER), to pin.
    pub fn certificate_der(&self) -> &[u8] {
        &self.certificate_der
    }

    /// The certificate as PEM, as LND writes `tls.cert`.
    pub fn certificate_pem(&self) -> String {
        let body = STANDARD.encode(&self.certificate_der);
        let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
        for line in body.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(line));
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
        pem
    }

    pub fn addr(&self) -> Option<SocketAddr> {
        self.url.strip_prefix("https://")?.parse().ok()
    }

    /// While `down`, the stand-in answers nothing: it closes the
    /// connections it has and every new one at once, as a node that
    /// stopped (or a network that dropped) does. Back up, it answers again
    /// at the same address.
    pub fn set_down(&self, down: bool) {
        self.up.send_replace(!down);
    }
}

impl Drop for LndStandIn {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn serve_tls(
    listener: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    router: Router,
    mut up: watch::Receiver<bool>,
) {
    // Dropping the set (when the stand-in stops) closes every connection.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((tcp, _)) = accepted else { return };
                if !*up.borrow() {
                    continue; // dropped: closed at once
                }
                let acceptor = acceptor.clone();
                let service = hyper_util::service::TowerToHyperService::new(router.clone());
                connections.spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let builder = hyper_util::server::conn::auto::Builder::new(
                        hyper_util::rt::TokioExecutor::new(),
                    );
                    let _ = builder
                        .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                        .await;
                });
            }
            changed = up.changed() => {
                if changed.is_err() {
                    return;
                }
                if !*up.borrow_and_update() {
                    connections.abort_all();
                }
            }
            Some(_) = connections.join_next() => {}
        }
    }
}

#[derive(Clone)]
struct Stand {
    node: Node,
    macaroon_hex: Arc<str>,
}

fn router(node: Node, macaroon_hex: String) -> Router {
    let stand = Stand {
        node,
        macaroon_hex: macaroon_hex.into(),
    };
    Router::new()
        .route("/v1/getinfo", get(get_info))
        .route("/v1/invoices", post(add_invoice))
        .route("/v1/invoice/{r_hash_str}", get(lookup_invoice))
        .route("/v1/invoices/subscribe", get(subscribe_invoices))
        .route("/v2/invoices/cancel", post(cancel_invoice))
        .route("/v2/router/send", post(send_payment))
        .route("/v2/router/track/{payment_hash}", get(track_payment))
        .route_layer(middleware::from_fn_with_state(stand.clone(), macaroon))
        .fallback(|| async { rpc_error(NOT_FOUND, "Not Found") })
        .with_state(stand)
}

async fn macaroon(
    State(stand): State<Stand>,
    headers: HeaderMap,
    request: Request,
    next: Next,
) -> Response {
    let given = headers
        .get("grpc-metadata-macaroon")
        .and_then(|value| value.to_str().ok());
    match given {
        Some(given) if given == &*stand.macaroon_hex => next.run(request).await,
        Some(_) => rpc_error(
            UNAUTHENTICATED,
            "verification failed: signature mismatch after caveat verification",
        ),
        None => rpc_error(UNAUTHENTICATED, "expected 1 macaroon, got 0"),
    }
}

async fn get_info(State(stand): State<Stand>) -> Json<Value> {
    Json(json!({
        "version": "0.21.2-beta flash-dev-stand-in",
        "identity_pubkey": stand.node.pubkey().to_string(),
        "alias": stand.node.name(),
        "synced_to_chain": true,
        "synced_to_graph": true,
        "chains": [{ "chain": "bitcoin", "network": "regtest" }],
    }))
}

/// The fields of `lnrpcInvoice` that `POST /v1/invoices` reads.
#[derive(Deserialize)]
struct AddInvoice {
    #[serde(default)]
    memo: String,
    value: Option<String>,
    value_msat: Option<String>,
    description_hash: Option<String>,
    expiry: Option<String>,
    r_preimage: Option<String>,
}

async fn add_invoice(
    State(stand): State<Stand>,
    body: Result<Json<AddInvoice>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(request)) = body else {
        return rpc_error(INVALID_ARGUMENT, "invalid request body");
    };
    let value_msat = match (request.value_msat.as_deref(), request.value.as_deref()) {
        (Some(msat), _) => msat.parse::<u64>().ok(),
        (None, Some(sat)) => sat
            .parse::<u64>()
            .ok()
            .and_then(|sat| sat.checked_mul(1000)),
        (None, None) => Some(0),
    };
    let Some(value_msat) = value_msat else {
        return rpc_error(INVALID_ARGUMENT, "invalid value");
    };
    let description_hash = match request.description_hash.as_deref() {
        None | Some("") => None,
        Some(encoded) => match decode_bytes(encoded).and_then(|bytes| bytes.try_into().ok()) {
            Some(hash) => Some(hash),
            None => return rpc_error(INVALID_ARGUMENT, "description hash must be 32 bytes"),
        },
    };
    let expiry_secs = match request.expiry.as_deref().map(str::parse::<u64>) {
        None => 0,
        Some(Ok(secs)) => secs,
        Some(Err(_)) => return rpc_error(INVALID_ARGUMENT, "invalid expiry"),
    };
    let preimage = match request.r_preimage.as_deref() {
        None | Some("") => None,
        Some(encoded) => match decode_bytes(encoded).and_then(|bytes| bytes.try_into().ok()) {
            Some(preimage) => Some(preimage),
            None => {
                return rpc_error(
                    INVALID_ARGUMENT,
                    "payment preimage must be exactly 32 bytes",
                )
            }
        },
    };
    match stand.node.add_invoice(InvoiceTerms {
        value_msat,
        memo: request.memo,
        description_hash,
        expiry_secs,
        preimage,
    }) {
        Ok(invoice) => Json(json!({
            "r_hash": STANDARD.encode(invoice.payment_hash),
            "payment_request": invoice.bolt11,
            "add_index": invoice.add_index.to_string(),
            "payment_addr": STANDARD.encode(invoice.payment_addr),
        }))
        .into_response(),
        Err(err) => network_error(&err),
    }
}

async fn lookup_invoice(State(stand): State<Stand>, Path(r_hash_str): Path<String>) -> Response {
    let hash = parse_hex32(&r_hash_str);
    match hash.and_then(|hash| stand.node.lookup_invoice(&hash)) {
        Some(invoice) => Json(invoice_json(&invoice)).into_response(),
        None if hash.is_none() => rpc_error(INVALID_ARGUMENT, "invalid hash"),
        None => rpc_error(NOT_FOUND, "unable to locate invoice"),
    }
}

#[derive(Deserialize)]
struct SubscribeInvoices {
    settle_index: Option<String>,
}

/// Invoices settled after `settle_index` first, then each invoice of this
/// node added or settled, as it happens, as LND does (it tells this
/// subscription nothing of invoices accepted or cancelled).
async fn subscribe_invoices(
    State(stand): State<Stand>,
    Query(query): Query<SubscribeInvoices>,
) -> Response {
    let settle_index = query
        .settle_index
        .and_then(|index| index.parse::<u64>().ok())
        .unwrap_or(0);
    // Subscribe before reading the backlog, so nothing falls between them.
    let mut updates = stand.node.network().subscribe();
    let backlog = if settle_index > 0 {
        stand.node.invoices_settled_after(settle_index)
    } else {
        Vec::new()
    };
    let name = stand.node.name().to_owned();
    stream(move |lines| async move {
        for invoice in backlog {
            if !send_line(&lines, json!({ "result": invoice_json(&invoice) })).await {
                return;
            }
        }
        loop {
            match updates.recv().await {
                Ok(Update::Invoice(invoice))
                    if invoice.node == name
                        && matches!(invoice.state, InvoiceState::Open | InvoiceState::Settled) =>
                {
                    if !send_line(&lines, json!({ "result": invoice_json(&invoice) })).await {
                        return;
                    }
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    })
}

/// `invoicesrpcCancelInvoiceMsg`.
#[derive(Deserialize)]
struct CancelInvoice {
    payment_hash: Option<String>,
}

/// Cancels an open invoice; one cancelled already is success, a settled one
/// an error. LND passes its invoice registry's errors on as they are, which
/// gRPC reports as UNKNOWN (HTTP 500).
async fn cancel_invoice(
    State(stand): State<Stand>,
    body: Result<Json<CancelInvoice>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(request)) = body else {
        return rpc_error(INVALID_ARGUMENT, "invalid request body");
    };
    let Some(bytes) = decode_bytes(request.payment_hash.as_deref().unwrap_or_default()) else {
        return rpc_error(INVALID_ARGUMENT, "invalid payment hash encoding");
    };
    let Ok(hash) = <[u8; 32]>::try_from(bytes.as_slice()) else {
        let message = format!("invalid hash length of {}, want 32", bytes.len());
        return rpc_error(UNKNOWN, &message);
    };
    match stand.node.cancel_invoice(&hash) {
        Ok(_) => Json(json!({})).into_response(),
        Err(err) => rpc_error(UNKNOWN, &err.to_string()),
    }
}

/// The fields of `routerrpcSendPaymentRequest` that `POST /v2/router/send`
/// reads.
#[derive(Deserialize)]
struct SendPayment {
    payment_request: Option<String>,
    amt_msat: Option<String>,
    amt: Option<String>,
    fee_limit_msat: Option<String>,
    fee_limit_sat: Option<String>,
}

async fn send_payment(
    State(stand): State<Stand>,
    body: Result<Json<SendPayment>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(request)) = body else {
        return rpc_error(INVALID_ARGUMENT, "invalid request body");
    };
    if stand.node.is_unresponsive() {
        return std::future::pending().await;
    }
    let Some(bolt11) = request
        .payment_request
        .filter(|request| !request.is_empty())
    else {
        return rpc_error(INVALID_ARGUMENT, "a payment request is required");
    };
    let amount_msat = match (request.amt_msat.as_deref(), request.amt.as_deref()) {
        (Some(msat), _) => msat.parse::<u64>().ok().filter(|msat| *msat > 0),
        (None, Some(sat)) => sat
            .parse::<u64>()
            .ok()
            .map(|sat| sat.saturating_mul(1000))
            .filter(|msat| *msat > 0),
        (None, None) => None,
    };
    // LND refuses a payment without a fee limit rather than guess one.
    let fee_limit_msat = match (
        request.fee_limit_msat.as_deref(),
        request.fee_limit_sat.as_deref(),
    ) {
        (Some(msat), _) => msat.parse::<u64>().ok(),
        (None, Some(sat)) => sat.parse::<u64>().ok().map(|sat| sat.saturating_mul(1000)),
        (None, None) => None,
    };
    let Some(fee_limit_msat) = fee_limit_msat else {
        return rpc_error(INVALID_ARGUMENT, "a fee limit is required");
    };
    let updates = stand.node.network().subscribe();
    match stand.node.pay(&bolt11, amount_msat, fee_limit_msat) {
        Ok(payment) => payment_stream(payment, updates),
        Err(err) => network_error(&err),
    }
}

async fn track_payment(State(stand): State<Stand>, Path(payment_hash): Path<String>) -> Response {
    let Some(hash) = decode_bytes(&payment_hash).and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
    else {
        return rpc_error(INVALID_ARGUMENT, "invalid payment hash");
    };
    let updates = stand.node.network().subscribe();
    match stand.node.track_payment(&hash) {
        Some(payment) => payment_stream(payment, updates),
        None => rpc_error(NOT_FOUND, "payment isn't initiated"),
    }
}

/// `payment` now, then each change to it until it succeeds or fails.
fn payment_stream(payment: Payment, mut updates: broadcast::Receiver<Update>) -> Response {
    stream(move |lines| async move {
        let mut current = payment;
        loop {
            if !send_line(&lines, json!({ "result": payment_json(&current) })).await
                || current.status != PaymentStatus::InFlight
            {
                return;
            }
            loop {
                match updates.recv().await {
                    Ok(Update::Payment(next))
                        if next.node == current.node
                            && next.payment_hash == current.payment_hash =>
                    {
                        current = next;
                        break;
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        }
    })
}

/// A streaming response whose lines `write` sends.
fn stream<F, Fut>(write: F) -> Response
where
    F: FnOnce(mpsc::Sender<Result<Bytes, Infallible>>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (lines, body) = mpsc::channel(16);
    tokio::spawn(write(lines));
    let body = futures_util::stream::unfold(body, |mut body| async move {
        body.recv().await.map(|line| (line, body))
    });
    Response::builder()
        .header("content-type", "application/json")
        .body(Body::from_stream(body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Sends one line; false once the client has gone.
async fn send_line(lines: &mpsc::Sender<Result<Bytes, Infallible>>, value: Value) -> bool {
    let mut line = value.to_string();
    line.push('\n');
    lines.send(Ok(Bytes::from(line))).await.is_ok()
}

fn invoice_json(invoice: &Invoice) -> Value {
    let state = match invoice.state {
        InvoiceState::Open => "OPEN",
        InvoiceState::Accepted => "ACCEPTED",
        InvoiceState::Settled => "SETTLED",
        InvoiceState::Canceled => "CANCELED",
    };
    let paid = invoice.state == InvoiceState::Settled;
    let amount_paid_msat = if paid { invoice.amount_paid_msat } else { 0 };
    json!({
        "memo": invoice.memo,
        "r_preimage": STANDARD.encode(invoice.preimage),
        "r_hash": STANDARD.encode(invoice.payment_hash),
        "value": (invoice.value_msat / 1000).to_string(),
        "value_msat": invoice.value_msat.to_string(),
        "settled": paid,
        "creation_date": invoice.creation_date.to_string(),
        "settle_date": invoice.settle_date.to_string(),
        "payment_request": invoice.bolt11,
        "description_hash": invoice.description_hash.map(|hash| STANDARD.encode(hash)).unwrap_or_default(),
        "expiry": invoice.expiry_secs.to_string(),
        "cltv_expiry": "80",
        "private": false,
        "add_index": invoice.add_index.to_string(),
        "settle_index": invoice.settle_index.to_string(),
        "amt_paid": amount_paid_msat.to_string(),
        "amt_paid_sat": (amount_paid_msat / 1000).to_string(),
        "amt_paid_msat": amount_paid_msat.to_string(),
        "state": state,
        "htlcs": [],
        "features": {},
        "is_keysend": false,
        "payment_addr": STANDARD.encode(invoice.payment_addr),
        "is_amp": false,
    })
}

fn payment_json(payment: &Payment) -> Value {
    let status = match payment.status {
        PaymentStatus::InFlight => "IN_FLIGHT",
        PaymentStatus::Succeeded => "SUCCEEDED",
        PaymentStatus::Failed => "FAILED",
    };
    let failure_reason = match payment.failure_reason {
        FailureReason::None => "FAILURE_REASON_NONE",
        FailureReason::NoRoute => "FAILURE_REASON_NO_ROUTE",
        FailureReason::IncorrectPaymentDetails => "FAILURE_REASON_INCORRECT_PAYMENT_DETAILS",
        FailureReason::Timeout => "FAILURE_REASON_TIMEOUT",
    };
    json!({
        "payment_hash": hex(&payment.payment_hash),
        "value": (payment.value_msat / 1000).to_string(),
        "creation_date": (payment.creation_time_ns / 1_000_000_000).to_string(),
        "fee": (payment.fee_msat / 1000).to_string(),
        "payment_preimage": payment.preimage.map(|preimage| hex(&preimage)).unwrap_or_else(|| hex(&[0; 32])),
        "value_sat": (payment.value_msat / 1000).to_string(),
        "value_msat": payment.value_msat.to_string(),
        "payment_request": payment.bolt11,
        "status": status,
        "fee_sat": (payment.fee_msat / 1000).to_string(),
        "fee_msat": payment.fee_msat.to_string(),
        "creation_time_ns": payment.creation_time_ns.to_string(),
        "htlcs": [],
        "payment_index": payment.payment_index.to_string(),
        "failure_reason": failure_reason,
    })
}

fn network_error(err: &NetworkError) -> Response {
    let code = match err {
        NetworkError::PaymentInFlight | NetworkError::AlreadyPaid | NetworkError::InvoiceExists => {
            ALREADY_EXISTS
        }
        NetworkError::UnknownNode(_) => NOT_FOUND,
        _ => INVALID_ARGUMENT,
    };
    rpc_error(code, &err.to_string())
}

/// grpc-gateway's error body (`rpcStatus`).
fn rpc_error((code, status): (i32, StatusCode), message: &str) -> Response {
    (
        status,
        Json(json!({ "code": code, "message": message, "details": [] })),
    )
        .into_response()
}

/// Bytes in a path or body: base64url in paths, base64 in bodies; accept both.
fn decode_bytes(encoded: &str) -> Option<Vec<u8>> {
    STANDARD
        .decode(encoded)
        .or_else(|_| URL_SAFE.decode(encoded))
        .or_else(|_| URL_SAFE_NO_PAD.decode(encoded))
        .ok()
}

fn parse_hex32(text: &str) -> Option<[u8; 32]> {
    <[u8; 32]>::from_hex(text).ok()
}

fn hex(bytes: &[u8]) -> String {
    bytes.to_lower_hex_string()
}
