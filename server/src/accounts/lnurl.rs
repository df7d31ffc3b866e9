//! LNURL-pay for users' names: `name@<this server>` is a Lightning address
//! (LUD-16) whose payments go into the name's account. LUD-06's two steps:
//! `/.well-known/lnurlp/<name>` says what may be paid (and LUD-12: how long
//! a comment may be), and its callback answers an invoice of the account
//! whose description hash is the SHA-256 of that metadata, so the payer's
//! wallet can check the invoice is the one the address offered.
//!
//! With a zapper key the address also takes zaps (NIP-57): the offer says
//! `allowsNostr` with the key's `nostrPubkey`, and a callback with a zap
//! request (`nostr=`) answers an invoice whose description hash is that
//! request's, its receipt published once paid (see [`super::zap_receipts`]).
//!
//! Errors are LUD-06's `{"status": "ERROR", "reason": …}`, which wallets
//! show; nothing is written for a refused request.

use std::collections::HashMap;

use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{
    invoices::{self, InvoiceError},
    names,
    zap_requests::{ZapRequest, ZapRequestError},
    AccountId, Accounts, NameError,
};
use crate::lightning::Description;

/// The least an address takes: one sat (a wallet's amounts are in sat).
pub const MIN_SENDABLE_MSAT: u64 = 1_000;
/// The longest comment a payer may add (LUD-12).
pub const COMMENT_ALLOWED: usize = 255;
/// How long a callback's invoice lasts.
const EXPIRY_SECS: u64 = 600;

/// LUD-06's first answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PayRequest {
    tag: &'static str,
    callback: String,
    min_sendable: u64,
    max_sendable: u64,
    metadata: String,
    comment_allowed: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    allows_nostr: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nostr_pubkey: Option<String>,
}

/// LUD-06's second answer.
#[derive(Debug, Serialize)]
struct PayInvoice {
    pr: String,
    routes: [(); 0],
}

/// Why a payment to a name was refused, in LUD-06's words.
struct Refusal(StatusCode, String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "status": "ERROR", "reason": self.1 });
        readable_anywhere((self.0, Json(body)).into_response())
    }
}

impl From<NameError> for Refusal {
    fn from(err: NameError) -> Self {
        tracing::warn!("LNURL-pay: {err}");
        Self(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server cannot answer now: try again".to_owned(),
        )
    }
}

impl From<ZapRequestError> for Refusal {
    fn from(err: ZapRequestError) -> Self {
        Self(StatusCode::BAD_REQUEST, err.to_string())
    }
}

impl From<InvoiceError> for Refusal {
    fn from(err: InvoiceError) -> Self {
        match err {
            InvoiceError::AmountTooLarge { max_msat } => Self(
                StatusCode::BAD_REQUEST,
                format!("the amount must be at most {max_msat} msat"),
            ),
            InvoiceError::NoNode | InvoiceError::Node(_) => Self(
                StatusCode::SERVICE_UNAVAILABLE,
                "this server cannot receive Lightning payments now: try again later".to_owned(),
            ),
            other => {
                tracing::warn!("LNURL-pay: {other}");
                Self(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the server cannot answer now: try again".to_owned(),
                )
            }
        }
    }
}

/// LNURL is read by wallets in web pages too.
fn readable_anywhere(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// The address's metadata (LUD-06), the same text in both steps: the
/// invoice's description hash is its SHA-256.
fn metadata(name: &str, host: &str) -> String {
    let address = format!("{name}@{host}");
    serde_json::json!([
        ["text/plain", format!("Pay {address} on Flash")],
        ["text/identifier", address],
    ])
    .to_string()
}

/// The account holding `name`, and the name as kept; a refusal when none.
async fn holder(accounts: &Accounts, name: &str) -> Result<(AccountId, String), Refusal> {
    match names::holder(accounts, name).await? {
        Some((pubkey, _)) => Ok((AccountId::user(&pubkey), name.trim().to_lowercase())),
        None => Err(Refusal(
            StatusCode::NOT_FOUND,
            format!("no one here is called {name:?}"),
        )),
    }
}

fn host(accounts: &Accounts) -> String {
    let origin = accounts.auth.origin();
    match (origin.host_str(), origin.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => String::new(),
    }
}

/// `GET /.well-known/lnurlp/{name}`: what paying `name` takes.
pub(crate) async fn pay_request_route(
    State(accounts): State<Accounts>,
    Path(name): Path<String>,
) -> Response {
    let (_, name) = match holder(&accounts, &name).await {
        Ok(found) => found,
        Err(refusal) => return refusal.into_response(),
    };
    let callback = accounts
        .auth
        .origin()
        .join(&format!("/lnurlp/{name}/callback"))
        .map(String::from)
        .unwrap_or_default();
    let answer = PayRequest {
        tag: "payRequest",
        callback,
        min_sendable: MIN_SENDABLE_MSAT,
        max_sendable: accounts.limits.max_amount_msat,
        metadata: metadata(&name, &host(&accounts)),
        comment_allowed: COMMENT_ALLOWED,
        allows_nostr: accounts.zapper.as_ref().map(|_| true),
        nostr_pubkey: accounts
            .zapper
            .as_ref()
            .map(|zapper| zapper.public_key().to_hex()),
    };
    readable_anywhere(Json(answer).into_response())
}

/// `GET /lnurlp/{name}/callback?amount=<msat>&comment=…` (or `&nostr=<zap
/// request>`): an invoice for `amount` msat into `name`'s account.
pub(crate) async fn callback_route(
    State(accounts): State<Accounts>,
    Path(name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    match callback(&accounts, &name, &query).await {
        Ok(invoice) => readable_anywhere(Json(invoice).into_response()),
        Err(refusal) => refusal.into_response(),
    }
}

async fn callback(
    accounts: &Accounts,
    name: &str,
    query: &HashMap<String, String>,
) -> Result<PayInvoice, Refusal> {
    let (account, name) = holder(accounts, name).await?;
    let max = accounts.limits.max_amount_msat;
    let out_of_range = || {
        Refusal(
            StatusCode::BAD_REQUEST,
            format!("the amount must be a number of msat from {MIN_SENDABLE_MSAT} to {max}"),
        )
    };
    let amount: u64 = query
        .get("amount")
        .and_then(|amount| amount.parse().ok())
        .ok_or_else(out_of_range)?;
    if !(MIN_SENDABLE_MSAT..=max).contains(&amount) {
        return Err(out_of_range());
    }
    let comment = query
        .get("comment")
        .map(|comment| comment.trim())
        .unwrap_or_default();
    if comment.chars().count() > COMMENT_ALLOWED {
        return Err(Refusal(
            StatusCode::BAD_REQUEST,
            format!("a comment is at most {COMMENT_ALLOWED} characters"),
        ));
    }
    // A zap request is taken only where zaps are offered.
    let zap = match (query.get("nostr"), &accounts.zapper) {
        (Some(json), Some(zapper)) => {
            let recipient = AccountId::pubkey_of(account.as_str())
                .and_then(|pubkey| nostr::PublicKey::from_hex(pubkey).ok())
                .ok_or(ZapRequestError::WrongRecipient)?;
            Some(ZapRequest::check(
                json,
                amount,
                &recipient,
                zapper.private_relays(),
            )?)
        }
        _ => None,
    };
    // The invoice commits to the zap request exactly as received, or else
    // to the metadata (NIP-57 step 6, LUD-06).
    let described = match &zap {
        Some(zap) => zap.json().to_owned(),
        None => metadata(&name, &host(accounts)),
    };
    let hash: [u8; 32] = Sha256::digest(described.as_bytes()).into();
    // What the user's history shows: the payer's comment (a zap's message),
    // if any.
    let comment = match &zap {
        Some(zap) => zap.comment().trim().chars().take(COMMENT_ALLOWED).collect(),
        None => comment.to_owned(),
    };
    let shown = match (&zap, comment.is_empty()) {
        (_, false) => comment,
        (Some(_), true) => format!("Zap to {name}@{}", host(accounts)),
        (None, true) => format!("Paid to {name}@{}", host(accounts)),
    };
    let invoice = invoices::add_invoice(
        accounts,
        &account,
        amount,
        Description::Hash(hash),
        shown,
        EXPIRY_SECS,
        zap.as_ref(),
    )
    .await?;
    Ok(PayInvoice {
        pr: invoice.bolt11.unwrap_or_default(),
        routes: [],
    })
}
