//! Paying: a BOLT11 invoice from the signer's account, after a quote that
//! shows the fee.
//!
//! To another user's invoice on this server the payment settles inside the
//! ledger, at once and without fee, never through the node; the node's
//! invoice is then cancelled, so no one outside pays it again (what fails or
//! a crash interrupts, the background work cancels later). To anyone else
//! it goes through the node: the amount and a fee reserve are taken from the
//! balance and the payment written pending, in one transaction, before the
//! node hears of it; when the node says how it ended, the unused reserve
//! (or, on failure, everything) comes back. A payment the server lost track
//! of (a crash, a timeout) is finished by [`recover`].

use std::{
    collections::HashSet,
    str::FromStr,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use axum::{
    extract::{rejection::JsonRejection, Path, State},
    http::StatusCode,
    Extension, Json,
};
use bitcoin::hashes::Hash;
use futures_util::StreamExt;
use lightning_invoice::{Bolt11Invoice, Bolt11InvoiceDescriptionRef};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{
    invoices,
    ledger::{self, Entry, EntryKind, Line},
    zap_receipts, AccountId, Accounts, LedgerError, Node,
};
use crate::{
    api::ApiError,
    auth::Signer,
    database,
    lightning::{LightningError, PaymentHash, PaymentStatus, PaymentUpdates, SendPayment},
};

/// The fee reserve: 1 % of the amount, at least 2 sat.
const FEE_RESERVE_PPM: u64 = 10_000;
const MIN_FEE_RESERVE_MSAT: u64 = 2_000;
/// How long the node may try a payment before its first attempt.
const NODE_TIMEOUT_SECS: u32 = 60;
/// How long a payment request waits for the node's verdict before it
/// answers "pending" (the payment goes on; the client asks again).
const ANSWER_WITHIN: Duration = Duration::from_secs(5);
/// A pending payment is handed to the node only this soon after it was
/// written; later, [`recover`] decides its fate instead.
const SEND_DEADLINE_SECS: i64 = 5;
/// A pending payment older than this that the node never heard of was never
/// sent (its sender is past [`SEND_DEADLINE_SECS`]): it fails, refunded.
pub const RECOVERY_AGE_SECS: i64 = 15;

/// Why a payment was refused. Nothing moved in any case.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error("this is not a Lightning invoice: {0}")]
    NotAnInvoice(String),
    #[error("this invoice is for another network ({found}); this server is on {expected}")]
    WrongNetwork { expected: String, found: String },
    #[error("this invoice has expired")]
    Expired,
    #[error("this invoice has no amount: say how much to pay")]
    AmountRequired,
    #[error("this invoice is for {invoice_msat} msat: pay it without an amount of your own")]
    AmountMismatch { invoice_msat: u64 },
    #[error("the amount must be between 1 and {max_msat} msat")]
    AmountOutOfRange { max_msat: u64 },
    #[error("this invoice is your own")]
    OwnInvoice,
    #[error("this invoice of this server is paid, expired, or not a user's")]
    NotPayable,
    #[error("this invoice is paid or being paid already")]
    AlreadyPaid,
    #[error("this idempotency key was used for another payment")]
    KeyReused,
    #[error("this server has no Lightning node")]
    NoNode,
    #[error("no payment {0} of this account")]
    Unknown(String),
    #[error("over this connection's budget: {left_msat} msat left in this period")]
    OverBudget { left_msat: i64 },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// What a payment must fit besides the balance (a connected app's budget):
/// checked and charged in the transaction that writes the payment, so the
/// two stand or fall together.
#[async_trait::async_trait]
pub trait Allowance: Send + Sync {
    /// Charges payment `payment_id` (written in `tx` already) or refuses it
    /// ([`PaymentError::OverBudget`]); the caller rolls back on an error.
    async fn charge(
        &self,
        tx: &mut ledger::Transaction,
        payment_id: &str,
    ) -> Result<(), PaymentError>;
}

impl From<sqlx::Error> for PaymentError {
    fn from(err: sqlx::Error) -> Self {
        Self::Ledger(err.into())
    }
}

/// What a payment would cost, before the user confirms.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Quote {
    /// internal (another user of this server: no fee) or lightning.
    pub route: &'static str,
    pub payment_hash: String,
    pub amount_msat: u64,
    /// The most the fee can be; what is unused comes back.
    pub fee_reserve_msat: u64,
    pub description: Option<String>,
    pub expires_at: i64,
}

/// The body of a quote request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    pub bolt11: String,
    /// Only for an invoice without an amount.
    pub amount_msat: Option<u64>,
}

/// The body of a payment request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayRequest {
    pub bolt11: String,
    pub amount_msat: Option<u64>,
    /// Chosen by the client: the same key again answers with this payment
    /// instead of paying twice.
    pub idempotency_key: String,
}

/// A payment as its sender sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PaymentView {
    pub id: String,
    pub route: String,
    pub payment_hash: String,
    pub bolt11: String,
    pub amount_msat: i64,
    pub fee_reserve_msat: i64,
    pub fee_msat: i64,
    /// pending, succeeded or failed.
    pub state: String,
    pub preimage: Option<String>,
    pub failure: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

/// `POST /api/account/payments/quote`: what paying an invoice would cost.
#[utoipa::path(
    post,
    path = "/api/account/payments/quote",
    tag = "account",
    security(("nostr" = [])),
    request_body = QuoteRequest,
    responses(
        (status = 200, body = Quote),
        (status = 400, description = "Refused, with the reason (`error` says which)", body = crate::api::ErrorBody),
        (status = 401, description = "No valid NIP-98 signature", body = crate::api::ErrorBody),
        (status = 429, description = "Over a rate limit (see `Retry-After`)", body = crate::api::ErrorBody),
    )
)]
pub(crate) async fn quote_route(
    State(accounts): State<Accounts>,
    Extension(Signer(pubkey)): Extension<Signer>,
    body: Result<Json<QuoteRequest>, JsonRejection>,
) -> Result<Json<Quote>, ApiError> {
    let Json(request) = body?;
    let account = AccountId::user(&pubkey.to_hex());
    let (quote, _) = quote(&accounts, &account, &request.bolt11, request.amount_msat).await?;
    Ok(Json(quote))
}

/// `POST /api/account/payments`: pays an invoice; 200 once it ended, 202
/// while pending (ask `GET /api/account/payments/{id}`, or listen to
/// `/api/account/events`).
#[utoipa::path(
    post,
    path = "/api/account/payments",
    tag = "account",
    security(("nostr" = [])),
    request_body = PayRequest,
    responses(
        (status = 200, description = "Succeeded or failed", body = PaymentView),
        (status = 202, description = "Pending", body = PaymentView),
        (status = 400, description = "Refused, with the reason (`error` says which)", body = crate::api::ErrorBody),
        (status = 401, description = "No valid NIP-98 signature", body = crate::api::ErrorBody),
        (status = 429, description = "Over a rate limit (see `Retry-After`)", body = crate::api::ErrorBody),
        (status = 409, description = "Insufficient balance, invoice already paid, or key reused", body = crate::api::ErrorBody),
    )
)]
pub(crate) async fn pay_route(
    State(accounts): State<Accounts>,
    Extension(Signer(pubkey)): Extension<Signer>,
    body: Result<Json<PayRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<PaymentView>), ApiError> {
    let Json(request) = body?;
    let account = AccountId::user(&pubkey.to_hex());
    let payment = pay(&accounts, &account, request).await?;
    let status = if payment.state == "pending" {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(payment)))
}

/// `GET /api/account/payments/{id}`: one of the signer's payments, as it stands.
#[utoipa::path(
    get,
    path = "/api/account/payments/{id}",
    tag = "account",
    security(("nostr" = [])),
    params(("id" = String, Path, description = "The payment's id")),
    responses(
        (status = 200, body = PaymentView),
        (status = 400, description = "Refused, with the reason (`error` says which)", body = crate::api::ErrorBody),
        (status = 401, description = "No valid NIP-98 signature", body = crate::api::ErrorBody),
        (status = 429, description = "Over a rate limit (see `Retry-After`)", body = crate::api::ErrorBody),
        (status = 404, description = "No such payment of this account", body = crate::api::ErrorBody),
    )
)]
pub(crate) async fn get_route(
    State(accounts): State<Accounts>,
    Extension(Signer(pubkey)): Extension<Signer>,
    Path(id): Path<String>,
) -> Result<Json<PaymentView>, ApiError> {
    let account = AccountId::user(&pubkey.to_hex());
    let payment = by_id(&accounts, &account, &id).await?;
    Ok(Json(payment.ok_or(PaymentError::Unknown(id))?))
}

/// An invoice [`quote`] accepted, to [`pay`] as quoted.
pub struct CheckedInvoice {
    bolt11: String,
    payment_hash: PaymentHash,
    amount_msat: u64,
    /// Whether the amount is the payer's (the invoice names none): only then
    /// is it given to the node, which refuses an amount beside the invoice's.
    payer_chose_amount: bool,
    /// 0 for an internal payment.
    fee_reserve_msat: u64,
    /// The payee's account when it is a user of this server.
    internal_payee: Option<AccountId>,
}

/// Checks `bolt11` for `payer` and prices it.
pub async fn quote(
    accounts: &Accounts,
    payer: &AccountId,
    bolt11: &str,
    amount_msat: Option<u64>,
) -> Result<(Quote, CheckedInvoice), PaymentError> {
    let node = accounts.node.as_ref().ok_or(PaymentError::NoNode)?;
    let bolt11 = normalized(bolt11);
    let invoice = Bolt11Invoice::from_str(&bolt11)
        .map_err(|err| PaymentError::NotAnInvoice(err.to_string()))?;
    if invoice.currency() != node.currency {
        return Err(PaymentError::WrongNetwork {
            expected: node.network.clone(),
            found: invoice.currency().to_string(),
        });
    }
    if invoice.is_expired() {
        return Err(PaymentError::Expired);
    }
    let max_msat = accounts.limits.max_amount_msat;
    let amount_msat = match (invoice.amount_milli_satoshis(), amount_msat) {
        (Some(invoice_msat), Some(given)) if given != invoice_msat => {
            return Err(PaymentError::AmountMismatch { invoice_msat })
        }
        (Some(invoice_msat), _) => invoice_msat,
        (None, Some(given)) => given,
        (None, None) => return Err(PaymentError::AmountRequired),
    };
    if amount_msat == 0 || amount_msat > max_msat {
        return Err(PaymentError::AmountOutOfRange { max_msat });
    }
    let payment_hash = PaymentHash(invoice.payment_hash().to_byte_array());
    let internal_payee = if invoice.recover_payee_pub_key() == node.pubkey {
        let payee = invoice_owner(accounts, payment_hash).await?;
        match payee {
            Some(payee) if &payee == payer => return Err(PaymentError::OwnInvoice),
            Some(payee) => Some(payee),
            None => return Err(PaymentError::NotPayable),
        }
    } else {
        None
    };
    let fee_reserve_msat = if internal_payee.is_some() {
        0
    } else {
        fee_reserve(amount_msat)
    };
    let description = match invoice.description() {
        Bolt11InvoiceDescriptionRef::Direct(text) => Some(text.to_string()),
        Bolt11InvoiceDescriptionRef::Hash(_) => None,
    };
    let expires_at = invoice.expires_at().map_or(i64::MAX, |at| {
        i64::try_from(at.as_secs()).unwrap_or(i64::MAX)
    });
    let quote = Quote {
        route: if internal_payee.is_some() {
            "internal"
        } else {
            "lightning"
        },
        payment_hash: payment_hash.to_string(),
        amount_msat,
        fee_reserve_msat,
        description,
        expires_at,
    };
    let checked = CheckedInvoice {
        bolt11,
        payment_hash,
        amount_msat,
        payer_chose_amount: invoice.amount_milli_satoshis().is_none(),
        fee_reserve_msat,
        internal_payee,
    };
    Ok((quote, checked))
}

fn fee_reserve(amount_msat: u64) -> u64 {
    (amount_msat.saturating_mul(FEE_RESERVE_PPM) / 1_000_000).max(MIN_FEE_RESERVE_MSAT)
}

/// The user whose open invoice of this server has `payment_hash`.
async fn invoice_owner(
    accounts: &Accounts,
    payment_hash: PaymentHash,
) -> Result<Option<AccountId>, PaymentError> {
    let row = sqlx::query(
        "SELECT account_id FROM account_invoices \
         WHERE payment_hash = $1 AND state = 'open' AND expires_at > $2",
    )
    .bind(payment_hash.to_string())
    .bind(database::now())
    .fetch_optional(accounts.ledger.db().pool())
    .await?;
    row.map(|row| row.try_get(0).map(AccountId::from_stored))
        .transpose()
        .map_err(Into::into)
}

/// Pays as [`quote`] priced it. A request whose idempotency key was used
/// before answers with that payment as it stands now.
pub async fn pay(
    accounts: &Accounts,
    payer: &AccountId,
    request: PayRequest,
) -> Result<PaymentView, PaymentError> {
    pay_within(accounts, payer, request, None).await
}

/// [`pay`], charged to `allowance` too when there is one (a retry with the
/// same key is not charged again: it only reads).
pub async fn pay_within(
    accounts: &Accounts,
    payer: &AccountId,
    request: PayRequest,
    allowance: Option<&dyn Allowance>,
) -> Result<PaymentView, PaymentError> {
    ledger::check_idempotency_key(&request.idempotency_key)?;
    // The first request with this key decides; a retry only reads.
    if let Some(earlier) = by_key(accounts, payer, &request.idempotency_key).await? {
        return same_request(earlier, &request.bolt11);
    }
    let (_, checked) = quote(accounts, payer, &request.bolt11, request.amount_msat).await?;
    accounts.ledger.create_account(payer).await?;
    let id = database::random_id().map_err(LedgerError::from)?;
    let written = match &checked.internal_payee {
        Some(payee) => {
            pay_internal(accounts, payer, payee, &id, &request, &checked, allowance).await
        }
        None => reserve(accounts, payer, &id, &request, &checked, allowance).await,
    };
    match written {
        Ok(()) => {}
        // Another request with the same key got in first.
        Err(PaymentError::AlreadyPaid) => {
            if let Some(earlier) = by_key(accounts, payer, &request.idempotency_key).await? {
                return same_request(earlier, &request.bolt11);
            }
            return Err(PaymentError::AlreadyPaid);
        }
        Err(err) => return Err(err),
    }
    if checked.internal_payee.is_some() {
        // Its own task, so it goes on if the client goes away; the answer
        // waits for it only so long (what it leaves, the background work
        // finishes), and does not depend on it: the payment is done.
        let (of_payment, hash) = (accounts.clone(), checked.payment_hash);
        let cancelling = tokio::spawn(async move {
            if let Err(err) = invoices::cancel_at_node(&of_payment, hash).await {
                tracing::warn!(%hash, "cancelling at the node an invoice paid inside: {err}");
            }
        });
        let _ = tokio::time::timeout(ANSWER_WITHIN, cancelling).await;
    } else {
        let node = accounts.node.clone().ok_or(PaymentError::NoNode)?;
        let (done, verdict) = tokio::sync::oneshot::channel();
        let sending = Sending {
            accounts: accounts.clone(),
            node,
            id: id.clone(),
            bolt11: checked.bolt11.clone(),
            payment_hash: checked.payment_hash,
            amount_msat: checked.payer_chose_amount.then_some(checked.amount_msat),
            fee_limit_msat: checked.fee_reserve_msat,
        };
        // The payment goes on if the client goes away: its own task.
        tokio::spawn(async move {
            sending.run().await;
            let _ = done.send(());
        });
        let _ = tokio::time::timeout(ANSWER_WITHIN, verdict).await;
    }
    by_id(accounts, payer, &id)
        .await?
        .ok_or(PaymentError::Unknown(id))
}

/// An invoice as pasted or scanned (QR codes carry it upper-case, often
/// behind `lightning:`), as it is stored and compared.
fn normalized(bolt11: &str) -> String {
    let bolt11 = bolt11.trim().to_ascii_lowercase();
    match bolt11.strip_prefix("lightning:") {
        Some(invoice) => invoice.to_owned(),
        None => bolt11,
    }
}

fn same_request(earlier: PaymentView, bolt11: &str) -> Result<PaymentView, PaymentError> {
    if normalized(bolt11) == earlier.bolt11 {
        Ok(earlier)
    } else {
        Err(PaymentError::KeyReused)
    }
}

fn msat(amount: u64) -> Result<i64, PaymentError> {
    i64::try_from(amount).map_err(|_| PaymentError::AmountOutOfRange {
        max_msat: i64::MAX as u64,
    })
}

/// Inserts the payment row; a second live payment of the hash (or a second
/// row of the key) is [`PaymentError::AlreadyPaid`].
#[allow(clippy::too_many_arguments)]
async fn insert_payment(
    tx: &mut ledger::Transaction,
    id: &str,
    payer: &AccountId,
    request: &PayRequest,
    checked: &CheckedInvoice,
    route: &str,
    fee_reserve_msat: i64,
    state: &str,
) -> Result<(), PaymentError> {
    let now = database::now();
    let inserted = sqlx::query(
        "INSERT INTO account_payments (id, account_id, idempotency_key, route, payment_hash, \
         bolt11, amount_msat, fee_reserve_msat, state, created_at, finished_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id)
    .bind(payer.as_str())
    .bind(&request.idempotency_key)
    .bind(route)
    .bind(checked.payment_hash.to_string())
    .bind(&checked.bolt11)
    .bind(msat(checked.amount_msat)?)
    .bind(fee_reserve_msat)
    .bind(state)
    .bind(now)
    .bind((state != "pending").then_some(now))
    .execute(&mut **tx)
    .await;
    match inserted {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(err)) if err.is_unique_violation() => {
            Err(PaymentError::AlreadyPaid)
        }
        Err(err) => Err(err.into()),
    }
}

/// To another user: the invoice settles (marked to be cancelled at the
/// node), the money moves, and a zap's receipt is written, in one
/// transaction.
async fn pay_internal(
    accounts: &Accounts,
    payer: &AccountId,
    payee: &AccountId,
    id: &str,
    request: &PayRequest,
    checked: &CheckedInvoice,
    allowance: Option<&dyn Allowance>,
) -> Result<(), PaymentError> {
    let amount_msat = msat(checked.amount_msat)?;
    let mut tx = accounts.ledger.begin().await?;
    let now = database::now();
    let settled = sqlx::query(
        "UPDATE account_invoices SET state = 'settled', received_msat = $1, settled_at = $2, \
         cancel_at_node = 1 WHERE payment_hash = $3 AND state = 'open' AND expires_at > $2",
    )
    .bind(amount_msat)
    .bind(now)
    .bind(checked.payment_hash.to_string())
    .execute(&mut *tx)
    .await?;
    if settled.rows_affected() == 0 {
        tx.rollback().await?;
        return Err(PaymentError::NotPayable);
    }
    let written = async {
        insert_payment(
            &mut tx,
            id,
            payer,
            request,
            checked,
            "internal",
            0,
            "succeeded",
        )
        .await?;
        if let Some(allowance) = allowance {
            allowance.charge(&mut tx, id).await?;
        }
        ledger::write(
            &mut tx,
            Entry {
                initiator: payer.clone(),
                idempotency_key: format!("internal-{id}"),
                kind: EntryKind::InternalPayment,
                lines: vec![
                    Line {
                        account: payer.clone(),
                        amount_msat: -amount_msat,
                    },
                    Line {
                        account: payee.clone(),
                        amount_msat,
                    },
                ],
            },
        )
        .await?;
        let hash = checked.payment_hash.to_string();
        Ok::<_, PaymentError>(
            zap_receipts::write(&mut tx, accounts.zapper.as_ref(), &hash, now).await?,
        )
    }
    .await;
    let receipt = matches!(written, Ok(true));
    let written = written.map(|_| ());
    commit_or_roll_back(tx, written).await?;
    if let (true, Some(zapper)) = (receipt, &accounts.zapper) {
        zapper.wake();
    }
    Ok(())
}

/// Through the node: the payment written pending and its amount and fee
/// reserve taken, in one transaction, before the node hears of it.
async fn reserve(
    accounts: &Accounts,
    payer: &AccountId,
    id: &str,
    request: &PayRequest,
    checked: &CheckedInvoice,
    allowance: Option<&dyn Allowance>,
) -> Result<(), PaymentError> {
    let fee_reserve_msat = msat(checked.fee_reserve_msat)?;
    let held_msat = msat(checked.amount_msat)?
        .checked_add(fee_reserve_msat)
        .ok_or(PaymentError::AmountOutOfRange {
            max_msat: accounts.limits.max_amount_msat,
        })?;
    let mut tx = accounts.ledger.begin().await?;
    let written = async {
        insert_payment(
            &mut tx,
            id,
            payer,
            request,
            checked,
            "lightning",
            fee_reserve_msat,
            "pending",
        )
        .await?;
        if let Some(allowance) = allowance {
            allowance.charge(&mut tx, id).await?;
        }
        ledger::write(
            &mut tx,
            Entry {
                initiator: payer.clone(),
                idempotency_key: format!("reserve-{id}"),
                kind: EntryKind::PaymentReserved,
                lines: vec![
                    Line {
                        account: payer.clone(),
                        amount_msat: -held_msat,
                    },
                    Line {
                        account: AccountId::pending_outgoing(),
                        amount_msat: held_msat,
                    },
                ],
            },
        )
        .await?;
        Ok::<_, PaymentError>(())
    }
    .await;
    commit_or_roll_back(tx, written).await
}

async fn commit_or_roll_back(
    tx: ledger::Transaction,
    written: Result<(), PaymentError>,
) -> Result<(), PaymentError> {
    match written {
        Ok(()) => {
            tx.commit().await?;
            Ok(())
        }
        Err(err) => {
            tx.rollback().await?;
            Err(err)
        }
    }
}

/// A pending payment on its way to the node.
struct Sending {
    accounts: Accounts,
    node: Node,
    id: String,
    bolt11: String,
    payment_hash: PaymentHash,
    amount_msat: Option<u64>,
    fee_limit_msat: u64,
}

impl Sending {
    async fn run(self) {
        let written_at = match created_at(&self.accounts, &self.id).await {
            Ok(at) => at,
            Err(err) => return tracing::warn!("payment {}: {err}", self.id),
        };
        // Too late to send: `recover` owns it now.
        if database::now() - written_at > SEND_DEADLINE_SECS {
            return;
        }
        let sent = self
            .node
            .lightning
            .send_payment(SendPayment {
                bolt11: self.bolt11.clone(),
                amount_msat: self.amount_msat,
                fee_limit_msat: self.fee_limit_msat,
                timeout_secs: NODE_TIMEOUT_SECS,
            })
            .await;
        let updates = match sent {
            Ok(updates) => updates,
            // The node has a payment of this hash already: follow it.
            Err(LightningError::Refused { code: 6, .. }) => {
                match self.node.lightning.track_payment(self.payment_hash).await {
                    Ok(Some(updates)) => updates,
                    Ok(None) => return self.finish_logged(Outcome::never_started()).await,
                    Err(err) => return tracing::warn!("payment {}: {err}", self.id),
                }
            }
            // The node refused it outright: it never started.
            Err(LightningError::Refused { message, .. }) => {
                return self.finish_logged(Outcome::Failed(message)).await;
            }
            // Whether the node took it is unknown: `recover` will ask.
            Err(err) => return tracing::warn!("payment {}: {err}", self.id),
        };
        follow(&self.accounts, &self.id, updates).await;
    }

    async fn finish_logged(&self, outcome: Outcome) {
        if let Err(err) = finish(&self.accounts, &self.id, outcome).await {
            tracing::warn!("payment {}: {err}", self.id);
        }
    }
}

/// Reads `updates` until the payment ends, and finishes it.
async fn follow(accounts: &Accounts, id: &str, mut updates: PaymentUpdates) {
    while let Some(update) = updates.next().await {
        let outcome = match update {
            Ok(payment) => match payment.status {
                PaymentStatus::InFlight => continue,
                PaymentStatus::Succeeded { preimage, fee_msat } => {
                    Outcome::Succeeded { preimage, fee_msat }
                }
                PaymentStatus::Failed { reason } => Outcome::Failed(reason),
            },
            Err(err) => return tracing::warn!("payment {id}: {err}"),
        };
        if let Err(err) = finish(accounts, id, outcome).await {
            tracing::warn!("payment {id}: {err}");
        }
        return;
    }
}

async fn created_at(accounts: &Accounts, id: &str) -> Result<i64, PaymentError> {
    Ok(
        sqlx::query("SELECT created_at FROM account_payments WHERE id = $1")
            .bind(id)
            .fetch_one(accounts.ledger.db().pool())
            .await?
            .try_get(0)?,
    )
}

/// How the node says a payment ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Succeeded { preimage: String, fee_msat: u64 },
    Failed(String),
}

impl Outcome {
    fn never_started() -> Self {
        Self::Failed("the Lightning node never started this payment".to_owned())
    }
}

/// Ends a pending payment, once: the ledger entry and the row's new state
/// in one transaction. A payment already ended is left as it is.
pub async fn finish(accounts: &Accounts, id: &str, outcome: Outcome) -> Result<(), PaymentError> {
    let (state, preimage, failure, fee_msat) = match &outcome {
        Outcome::Succeeded { preimage, fee_msat } => {
            ("succeeded", Some(preimage.clone()), None, msat(*fee_msat)?)
        }
        Outcome::Failed(reason) => ("failed", None, Some(reason.clone()), 0),
    };
    let mut tx = accounts.ledger.begin().await?;
    let ended = sqlx::query(
        "UPDATE account_payments SET state = $1, preimage = $2, failure = $3, fee_msat = $4, \
         finished_at = $5 WHERE id = $6 AND state = 'pending'",
    )
    .bind(state)
    .bind(preimage)
    .bind(failure)
    .bind(fee_msat)
    .bind(database::now())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if ended.rows_affected() == 0 {
        tx.rollback().await?;
        return Ok(());
    }
    let row = sqlx::query(
        "SELECT account_id, amount_msat, fee_reserve_msat FROM account_payments WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    let payer = AccountId::from_stored(row.try_get(0)?);
    let (amount_msat, reserve_msat): (i64, i64) = (row.try_get(1)?, row.try_get(2)?);
    let held_msat = amount_msat + reserve_msat;
    let mut lines = vec![Line {
        account: AccountId::pending_outgoing(),
        amount_msat: -held_msat,
    }];
    let (kind, key) = match outcome {
        Outcome::Succeeded { .. } => {
            // A node that spent more than the reserve it was allowed broke
            // its limit: the user pays no more than the reserve, and the
            // node's liquidity bears the rest.
            let refund_msat = reserve_msat - fee_msat.min(reserve_msat);
            lines.extend([
                Line {
                    account: AccountId::fees(),
                    amount_msat: fee_msat,
                },
                Line {
                    account: payer.clone(),
                    amount_msat: refund_msat,
                },
                Line {
                    account: AccountId::liquidity(),
                    amount_msat: held_msat - fee_msat - refund_msat,
                },
            ]);
            (EntryKind::PaymentSettled, format!("settle-{id}"))
        }
        Outcome::Failed(_) => {
            lines.push(Line {
                account: payer.clone(),
                amount_msat: held_msat,
            });
            (EntryKind::PaymentRefunded, format!("refund-{id}"))
        }
    };
    lines.retain(|line| line.amount_msat != 0);
    // The payer's app hears that the payment ended even when no line of
    // theirs moved (a fee of exactly the reserve).
    sqlx::query("UPDATE ledger_accounts SET version = version + 1 WHERE id = $1")
        .bind(payer.as_str())
        .execute(&mut *tx)
        .await?;
    let written = ledger::write(
        &mut tx,
        Entry {
            initiator: payer,
            idempotency_key: key,
            kind,
            lines,
        },
    )
    .await
    .map(|_| ())
    .map_err(PaymentError::from);
    commit_or_roll_back(tx, written).await
}

/// The payments [`recover`] is following, so it follows each once.
#[derive(Debug, Clone, Default)]
pub struct Following(Arc<Mutex<HashSet<String>>>);

impl Following {
    /// Whether `id` was not followed yet (and now is).
    fn start(&self, id: &str) -> bool {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.to_owned())
    }

    fn stop(&self, id: &str) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
    }
}

/// Finishes the pending payments through the node written more than
/// [`RECOVERY_AGE_SECS`] ago: each is followed to its end where the node
/// knows it, and failed (refunded) where it never heard of it. Returns how
/// many it looked at; the followers run on.
pub async fn recover(accounts: &Accounts, following: &Following) -> Result<usize, PaymentError> {
    let node = accounts.node.clone().ok_or(PaymentError::NoNode)?;
    let rows = sqlx::query(
        "SELECT id, payment_hash FROM account_payments \
         WHERE state = 'pending' AND route = 'lightning' AND created_at < $1 \
         ORDER BY created_at LIMIT 1000",
    )
    .bind(database::now() - RECOVERY_AGE_SECS)
    .fetch_all(accounts.ledger.db().pool())
    .await?;
    let mut looked_at = 0;
    for row in rows {
        let id: String = row.try_get(0)?;
        let hash: String = row.try_get(1)?;
        let Ok(hash) = PaymentHash::from_str(&hash) else {
            continue;
        };
        if !following.start(&id) {
            continue;
        }
        looked_at += 1;
        match node.lightning.track_payment(hash).await {
            Ok(Some(updates)) => {
                let (accounts, following) = (accounts.clone(), following.clone());
                tokio::spawn(async move {
                    follow(&accounts, &id, updates).await;
                    following.stop(&id);
                });
            }
            Ok(None) => {
                let finished = finish(accounts, &id, Outcome::never_started()).await;
                following.stop(&id);
                finished?;
            }
            Err(err) => {
                following.stop(&id);
                tracing::warn!("payment {id}: {err}");
            }
        }
    }
    Ok(looked_at)
}

/// Payment `id` of `payer`, as it stands.
pub async fn by_id(
    accounts: &Accounts,
    payer: &AccountId,
    id: &str,
) -> Result<Option<PaymentView>, PaymentError> {
    find(accounts, "id = $1 AND account_id = $2", id, payer).await
}

async fn by_key(
    accounts: &Accounts,
    payer: &AccountId,
    key: &str,
) -> Result<Option<PaymentView>, PaymentError> {
    find(
        accounts,
        "idempotency_key = $1 AND account_id = $2",
        key,
        payer,
    )
    .await
}

async fn find(
    accounts: &Accounts,
    condition: &str,
    value: &str,
    payer: &AccountId,
) -> Result<Option<PaymentView>, PaymentError> {
    let row = sqlx::query(&format!(
        "SELECT id, route, payment_hash, bolt11, amount_msat, fee_reserve_msat, fee_msat, state, \
         preimage, failure, created_at, finished_at FROM account_payments WHERE {condition}"
    ))
    .bind(value)
    .bind(payer.as_str())
    .fetch_optional(accounts.ledger.db().pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(PaymentView {
        id: row.try_get("id")?,
        route: row.try_get("route")?,
        payment_hash: row.try_get("payment_hash")?,
        bolt11: row.try_get("bolt11")?,
        amount_msat: row.try_get("amount_msat")?,
        fee_reserve_msat: row.try_get("fee_reserve_msat")?,
        fee_msat: row.try_get("fee_msat")?,
        state: row.try_get("state")?,
        preimage: row.try_get("preimage")?,
        failure: row.try_get("failure")?,
        created_at: row.try_get("created_at")?,
        finished_at: row.try_get("finished_at")?,
    }))
}
