//! Lightning accounts: one per NOSTR public key, created on its first signed
//! request, its money in the [`ledger`], received by [`invoices`] and sent by
//! [`payments`] through the server's Lightning [`Node`], with the background
//! work (crediting, finishing payments, publishing zap receipts) in
//! [`worker`]. Users' [`names`] are Lightning addresses ([`lnurl`]) that
//! take zaps ([`zap_requests`], [`zap_receipts`]).

pub mod events;
pub mod history;
pub mod invoices;
pub mod ledger;
pub mod lnurl;
pub mod names;
pub mod payments;
pub mod worker;
pub mod zap_receipts;
pub mod zap_requests;

use std::sync::Arc;

use axum::{
    extract::State,
    middleware,
    routing::{get, post},
    Extension, Json, Router,
};
use bitcoin::secp256k1::PublicKey;
use lightning_invoice::Currency;
use serde::Serialize;

use crate::{
    api::ApiError,
    auth::{Nip98, Signer},
    lightning::{Lightning, LightningError},
    limits::RateLimits,
};
pub use invoices::InvoiceError;
pub use ledger::{AccountId, Ledger, LedgerError};
pub use names::NameError;
pub use payments::PaymentError;
pub use worker::Worker;
pub use zap_receipts::Zapper;

/// What the account routes share.
#[derive(Debug, Clone)]
pub struct Accounts {
    pub ledger: Ledger,
    pub auth: Nip98,
    /// The server's Lightning node; without one, accounts only pay each
    /// other by [`Ledger::pay_internal`].
    pub node: Option<Node>,
    pub limits: Limits,
    /// The key zap receipts are signed with; without one, the Lightning
    /// addresses take no zaps.
    pub zapper: Option<Zapper>,
}

/// What the operator allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest invoice or payment, in msat.
    pub max_amount_msat: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            // 0.01 BTC: a custodial account is for spending money.
            max_amount_msat: 1_000_000_000,
        }
    }
}

/// The server's Lightning node, as the accounts use it.
#[derive(Debug, Clone)]
pub struct Node {
    pub lightning: Arc<dyn Lightning>,
    /// Its identity key: an invoice with this payee is the server's own.
    pub pubkey: PublicKey,
    /// The chain its invoices are for.
    pub currency: Currency,
    /// The chain as LND names it (for messages).
    pub network: String,
}

impl Node {
    /// Asks `lightning` who it is.
    pub async fn connect(lightning: Arc<dyn Lightning>) -> Result<Self, LightningError> {
        let info = lightning.node_info().await?;
        let pubkey = info.pubkey.parse().map_err(|_| {
            LightningError::Protocol(format!("{:?} is not a node key", info.pubkey))
        })?;
        let currency = match info.network.as_str() {
            "mainnet" => Currency::Bitcoin,
            "testnet" | "testnet4" => Currency::BitcoinTestnet,
            "signet" => Currency::Signet,
            "regtest" => Currency::Regtest,
            "simnet" => Currency::Simnet,
            other => {
                return Err(LightningError::Protocol(format!(
                    "the node is on an unknown network {other:?}"
                )))
            }
        };
        Ok(Self {
            lightning,
            pubkey,
            currency,
            network: info.network,
        })
    }
}

/// The router to nest at `/api/account`: every route is NIP-98 signed, and
/// counted against the signer's rate limit.
pub fn router(accounts: Accounts, limits: RateLimits) -> Router {
    Router::new()
        .route("/", get(account))
        .route("/invoices", post(invoices::create))
        .route("/invoices/{id}", get(invoices::get))
        .route("/payments/quote", post(payments::quote_route))
        .route("/payments", post(payments::pay_route))
        .route("/payments/{id}", get(payments::get_route))
        .route("/events", get(events::stream_route))
        .route("/history", get(history::history_route))
        .route("/name", get(names::get_route).put(names::set_route))
        // Not DELETE: NIP-98 signs GET, POST, PUT and PATCH only.
        .route("/name/release", post(names::release_route))
        // The last layer runs first: the signature, then the signer's limit.
        .route_layer(middleware::from_fn_with_state(
            limits,
            RateLimits::per_account,
        ))
        .route_layer(middleware::from_fn_with_state(
            accounts.auth.clone(),
            Nip98::require,
        ))
        .with_state(accounts)
}

/// The routes the accounts answer for anyone (no signature): NIP-05 for
/// users' names, and LNURL-pay to them (their Lightning addresses).
pub fn well_known_router(accounts: Accounts) -> Router {
    Router::new()
        .route("/.well-known/nostr.json", get(names::nip05_route))
        .route("/.well-known/lnurlp/{name}", get(lnurl::pay_request_route))
        .route("/lnurlp/{name}/callback", get(lnurl::callback_route))
        .with_state(accounts)
}

/// The signed-in user's account.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct AccountView {
    pubkey: String,
    balance_msat: i64,
}

/// `GET /api/account`: the signer's account, opened on their first request.
#[utoipa::path(
    get,
    path = "/api/account",
    tag = "account",
    security(("nostr" = [])),
    responses(
        (status = 200, body = AccountView),
        (status = 400, description = "Refused, with the reason (`error` says which)", body = crate::api::ErrorBody),
        (status = 401, description = "No valid NIP-98 signature", body = crate::api::ErrorBody),
        (status = 429, description = "Over a rate limit (see `Retry-After`)", body = crate::api::ErrorBody),
    )
)]
pub(crate) async fn account(
    State(accounts): State<Accounts>,
    Extension(Signer(pubkey)): Extension<Signer>,
) -> Result<Json<AccountView>, ApiError> {
    let pubkey = pubkey.to_hex();
    let id = AccountId::user(&pubkey);
    accounts.ledger.create_account(&id).await?;
    let balance_msat = accounts.ledger.balance(&id).await?;
    Ok(Json(AccountView {
        pubkey,
        balance_msat,
    }))
}
