//! Receiving: invoices of the server's node for a user, written down before
//! the node is asked for them, and credited exactly once when paid (by the
//! node's invoice subscription, or by another user inside the ledger, after
//! which the node's invoice is cancelled so no one outside pays it again).

use axum::{
    extract::{rejection::JsonRejection, Path, State},
    http::StatusCode,
    Extension, Json,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{
    ledger::{self, Entry, EntryKind, Line},
    zap_receipts,
    zap_requests::ZapRequest,
    AccountId, Accounts, LedgerError,
};
use crate::{
    api::ApiError,
    auth::Signer,
    database,
    lightning::{Description, Invoice, InvoiceState, LightningError, NewInvoice, PaymentHash},
};

/// BOLT11 allows 639 bytes of description; wallets show far less.
pub const MAX_DESCRIPTION_BYTES: usize = 320;
/// What an invoice lasts unless the user asks otherwise.
pub const DEFAULT_EXPIRY_SECS: u64 = 3_600;
/// The longest an invoice may last: a week.
pub const MAX_EXPIRY_SECS: u64 = 7 * 86_400;

/// Why an invoice could not be created or read.
#[derive(Debug, thiserror::Error)]
pub enum InvoiceError {
    #[error("the description is over {MAX_DESCRIPTION_BYTES} bytes")]
    DescriptionTooLong,
    #[error("the expiry must be between 60 and {MAX_EXPIRY_SECS} seconds")]
    ExpiryOutOfRange,
    #[error("the amount must be at most {max_msat} msat")]
    AmountTooLarge { max_msat: u64 },
    #[error("this server has no Lightning node")]
    NoNode,
    #[error(transparent)]
    Node(#[from] LightningError),
    #[error("no invoice {0} of this account")]
    Unknown(String),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

impl From<sqlx::Error> for InvoiceError {
    fn from(err: sqlx::Error) -> Self {
        Self::Ledger(err.into())
    }
}

/// An invoice as its owner sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InvoiceView {
    pub id: String,
    pub payment_hash: String,
    /// `None` only when the node failed to create it.
    pub bolt11: Option<String>,
    /// 0: any amount.
    pub amount_msat: i64,
    pub description: String,
    /// open, settled or expired.
    pub state: &'static str,
    pub received_msat: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub settled_at: Option<i64>,
}

/// The body of `POST /api/account/invoices`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInvoice {
    /// 0 or absent: the payer chooses.
    #[serde(default)]
    pub amount_msat: u64,
    #[serde(default)]
    pub description: String,
    pub expiry_secs: Option<u64>,
}

/// `POST /api/account/invoices`: a new invoice of the node for the signer.
#[utoipa::path(
    post,
    path = "/api/account/invoices",
    tag = "account",
    security(("nostr" = [])),
    request_body = CreateInvoice,
    responses(
        (status = 201, body = InvoiceView),
        (status = 400, description = "Refused, with the reason (`error` says which)", body = crate::api::ErrorBody),
        (status = 401, description = "No valid NIP-98 signature", body = crate::api::ErrorBody),
        (status = 429, description = "Over a rate limit (see `Retry-After`)", body = crate::api::ErrorBody),
        (status = 503, description = "No Lightning node, or it failed", body = crate::api::ErrorBody),
    )
)]
pub(crate) async fn create(
    State(accounts): State<Accounts>,
    Extension(Signer(pubkey)): Extension<Signer>,
    body: Result<Json<CreateInvoice>, JsonRejection>,
) -> Result<(StatusCode, Json<InvoiceView>), ApiError> {
    let Json(request) = body?;
    let account = AccountId::user(&pubkey.to_hex());
    let invoice = create_invoice(&accounts, &account, request).await?;
    Ok((StatusCode::CREATED, Json(invoice)))
}

/// `GET /api/account/invoices/{id}`: one of the signer's invoices, as it stands.
#[utoipa::path(
    get,
    path = "/api/account/invoices/{id}",
    tag = "account",
    security(("nostr" = [])),
    params(("id" = String, Path, description = "The invoice's id")),
    responses(
        (status = 200, body = InvoiceView),
        (status = 400, description = "Refused, with the reason (`error` says which)", body = crate::api::ErrorBody),
        (status = 401, description = "No valid NIP-98 signature", body = crate::api::ErrorBody),
        (status = 429, description = "Over a rate limit (see `Retry-After`)", body = crate::api::ErrorBody),
        (status = 404, description = "No such invoice of this account", body = crate::api::ErrorBody),
    )
)]
pub(crate) async fn get(
    State(accounts): State<Accounts>,
    Extension(Signer(pubkey)): Extension<Signer>,
    Path(id): Path<String>,
) -> Result<Json<InvoiceView>, ApiError> {
    let account = AccountId::user(&pubkey.to_hex());
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM account_invoices WHERE id = $1 AND account_id = $2"
    ))
    .bind(&id)
    .bind(account.as_str())
    .fetch_optional(accounts.ledger.db().pool())
    .await
    .map_err(InvoiceError::from)?;
    match row {
        Some(row) => Ok(Json(view(&row).map_err(InvoiceError::from)?)),
        None => Err(InvoiceError::Unknown(id).into()),
    }
}

const COLUMNS: &str = "id, payment_hash, bolt11, amount_msat, description, state, \
                       received_msat, created_at, expires_at, settled_at";

fn view(row: &sqlx::any::AnyRow) -> Result<InvoiceView, sqlx::Error> {
    let state: String = row.try_get("state")?;
    let expires_at: i64 = row.try_get("expires_at")?;
    let state = match state.as_str() {
        "settled" => "settled",
        _ if expires_at <= database::now() => "expired",
        _ => "open",
    };
    Ok(InvoiceView {
        id: row.try_get("id")?,
        payment_hash: row.try_get("payment_hash")?,
        bolt11: row.try_get("bolt11")?,
        amount_msat: row.try_get("amount_msat")?,
        description: row.try_get("description")?,
        state,
        received_msat: row.try_get("received_msat")?,
        created_at: row.try_get("created_at")?,
        expires_at,
        settled_at: row.try_get("settled_at")?,
    })
}

/// Writes the invoice down, then asks the node for it. A node that fails
/// leaves the row without a BOLT11 (never deleted: if the node did create
/// it after all, a payment to it still finds its owner).
pub async fn create_invoice(
    accounts: &Accounts,
    account: &AccountId,
    request: CreateInvoice,
) -> Result<InvoiceView, InvoiceError> {
    if request.description.len() > MAX_DESCRIPTION_BYTES {
        return Err(InvoiceError::DescriptionTooLong);
    }
    let expiry_secs = request.expiry_secs.unwrap_or(DEFAULT_EXPIRY_SECS);
    if !(60..=MAX_EXPIRY_SECS).contains(&expiry_secs) {
        return Err(InvoiceError::ExpiryOutOfRange);
    }
    let description = Description::Memo(request.description.clone());
    add_invoice(
        accounts,
        account,
        request.amount_msat,
        description,
        request.description,
        expiry_secs,
        None,
    )
    .await
}

/// Writes down an invoice of `amount_msat` for `account`, described to the
/// payer by `description` and to the user by `shown`, then asks the node
/// for it (see [`create_invoice`]). A zap's invoice keeps its `zap` request,
/// for the receipt its payment earns.
pub async fn add_invoice(
    accounts: &Accounts,
    account: &AccountId,
    amount_msat: u64,
    description: Description,
    shown: String,
    expiry_secs: u64,
    zap: Option<&ZapRequest>,
) -> Result<InvoiceView, InvoiceError> {
    let node = accounts.node.as_ref().ok_or(InvoiceError::NoNode)?;
    let max_msat = accounts.limits.max_amount_msat;
    if amount_msat > max_msat {
        return Err(InvoiceError::AmountTooLarge { max_msat });
    }
    let requested_msat = amount_msat;
    let amount_msat =
        i64::try_from(amount_msat).map_err(|_| InvoiceError::AmountTooLarge { max_msat })?;

    let mut preimage = [0u8; 32];
    getrandom::fill(&mut preimage).map_err(LedgerError::from)?;
    let payment_hash = PaymentHash::of_preimage(&preimage);
    let id = database::random_id().map_err(LedgerError::from)?;
    let now = database::now();
    let expires_at = now.saturating_add(i64::try_from(expiry_secs).unwrap_or(i64::MAX));
    accounts.ledger.create_account(account).await?;
    let mut tx = accounts.ledger.begin().await?;
    sqlx::query(
        "INSERT INTO account_invoices (id, payment_hash, account_id, amount_msat, description, \
         state, created_at, expires_at, zap_request, zap_sender) \
         VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(payment_hash.to_string())
    .bind(account.as_str())
    .bind(amount_msat)
    .bind(&shown)
    .bind(now)
    .bind(expires_at)
    .bind(zap.map(ZapRequest::json))
    .bind(zap.map(|zap| zap.sender().to_hex()))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;

    let added = node
        .lightning
        .add_invoice(NewInvoice {
            amount_msat: requested_msat,
            description,
            expiry_secs,
            preimage,
        })
        .await?;
    if added.payment_hash != payment_hash {
        return Err(LightningError::Protocol(
            "the node's invoice is not for the preimage it was given".to_owned(),
        )
        .into());
    }
    let mut tx = accounts.ledger.begin().await?;
    sqlx::query("UPDATE account_invoices SET bolt11 = $1 WHERE id = $2")
        .bind(&added.bolt11)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(InvoiceView {
        id,
        payment_hash: payment_hash.to_string(),
        bolt11: Some(added.bolt11),
        amount_msat,
        description: shown,
        state: "open",
        received_msat: 0,
        created_at: now,
        expires_at,
        settled_at: None,
    })
}

/// What [`credit`] did with a settled invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credited {
    /// Credited to this account now.
    Now {
        account: AccountId,
        amount_msat: i64,
    },
    /// Credited before, or not a user's invoice: nothing moved.
    Nothing,
}

/// Credits a payment the node settled to the invoice's owner, once, and
/// moves the subscription's cursor past it, in one transaction (with the
/// zap receipt it owes, if it was a zap's). An invoice
/// another user already paid inside the ledger is credited again: whoever
/// paid it through the node (before [`cancel_at_node`] could) paid the
/// owner too.
pub async fn credit(accounts: &Accounts, invoice: &Invoice) -> Result<Credited, InvoiceError> {
    if invoice.state != InvoiceState::Settled {
        return Ok(Credited::Nothing);
    }
    let amount_msat = i64::try_from(invoice.amount_paid_msat)
        .map_err(|_| LightningError::Protocol("an amount beyond any ledger".to_owned()))?;
    let settle_index = i64::try_from(invoice.settle_index).unwrap_or(i64::MAX);
    let hash = invoice.payment_hash.to_string();
    let mut tx = accounts.ledger.begin().await?;
    // A write first, so SQLite takes its write lock at once.
    sqlx::query(
        "UPDATE lightning_cursors SET position = $1 WHERE name = 'invoices' AND position < $1",
    )
    .bind(settle_index)
    .execute(&mut *tx)
    .await?;
    let row = sqlx::query("SELECT id, account_id FROM account_invoices WHERE payment_hash = $1")
        .bind(&hash)
        .fetch_optional(&mut *tx)
        .await?;
    let mut credited = Credited::Nothing;
    let mut receipt = false;
    if let (Some(row), true) = (row, amount_msat > 0) {
        let (id, account): (String, String) = (row.try_get(0)?, row.try_get(1)?);
        let account = AccountId::from_stored(account);
        let entry = ledger::write(
            &mut tx,
            Entry {
                initiator: account.clone(),
                idempotency_key: format!("received-{id}"),
                kind: EntryKind::Received,
                lines: vec![
                    Line {
                        account: AccountId::liquidity(),
                        amount_msat: -amount_msat,
                    },
                    Line {
                        account: account.clone(),
                        amount_msat,
                    },
                ],
            },
        )
        .await?;
        if entry.is_some() {
            let now = database::now();
            sqlx::query(
                "UPDATE account_invoices SET state = 'settled', \
                 received_msat = received_msat + $1, settled_at = COALESCE(settled_at, $2) \
                 WHERE id = $3",
            )
            .bind(amount_msat)
            .bind(now)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
            receipt = zap_receipts::write(&mut tx, accounts.zapper.as_ref(), &hash, now).await?;
            credited = Credited::Now {
                account,
                amount_msat,
            };
        }
    }
    tx.commit().await?;
    if let (true, Some(zapper)) = (receipt, &accounts.zapper) {
        zapper.wake();
    }
    Ok(credited)
}

/// Cancels at the node the invoice of `hash`, which another user paid
/// inside the ledger, so no one outside pays it again; then notes that
/// nothing is left to do for it. An invoice the node has settled (paid from
/// outside first: [`credit`] credits that too) or cancelled already, or no
/// longer knows, is left as it is and noted done as well.
pub async fn cancel_at_node(accounts: &Accounts, hash: PaymentHash) -> Result<(), InvoiceError> {
    let node = accounts.node.as_ref().ok_or(InvoiceError::NoNode)?;
    if let Err(err) = node.lightning.cancel_invoice(hash).await {
        let over = match node.lightning.lookup_invoice(hash).await {
            Ok(None) => true,
            Ok(Some(invoice)) => {
                matches!(
                    invoice.state,
                    InvoiceState::Settled | InvoiceState::Canceled
                )
            }
            Err(_) => false,
        };
        if !over {
            return Err(err.into());
        }
    }
    sqlx::query("UPDATE account_invoices SET cancel_at_node = 0 WHERE payment_hash = $1")
        .bind(hash.to_string())
        .execute(accounts.ledger.db().pool())
        .await?;
    Ok(())
}

/// [`cancel_at_node`] for every unexpired invoice paid inside the ledger
/// that the node may still have open (its cancel failed, or the server
/// stopped before it): each is cancelled again, which changes nothing for
/// one cancelled already. Stops at a node that cannot be reached. Returns
/// how many are done with.
pub async fn cancel_paid_inside(accounts: &Accounts) -> Result<usize, InvoiceError> {
    // A minute's grace for the node's clock, which decides when it expires.
    let rows = sqlx::query(
        "SELECT payment_hash FROM account_invoices \
         WHERE cancel_at_node = 1 AND expires_at > $1 ORDER BY expires_at LIMIT 1000",
    )
    .bind(database::now() - 60)
    .fetch_all(accounts.ledger.db().pool())
    .await?;
    let mut done = 0;
    for row in rows {
        let hash: String = row.try_get(0)?;
        let hash = hash.parse::<PaymentHash>()?;
        match cancel_at_node(accounts, hash).await {
            Ok(()) => done += 1,
            Err(err @ InvoiceError::Node(LightningError::Unreachable(_))) => return Err(err),
            Err(err) => tracing::warn!(%hash, "cancelling an invoice paid inside: {err}"),
        }
    }
    Ok(done)
}

/// The node's settle index the subscription has credited up to.
pub async fn cursor(accounts: &Accounts) -> Result<u64, InvoiceError> {
    let position: i64 =
        sqlx::query("SELECT position FROM lightning_cursors WHERE name = 'invoices'")
            .fetch_one(accounts.ledger.db().pool())
            .await?
            .try_get(0)?;
    Ok(u64::try_from(position).unwrap_or(0))
}

/// Credits the open invoices the node has settled: those a subscription
/// cannot deliver (settled before the first one opened, whose backlog
/// starts after settle index 0, or before a cursor a crash left ahead).
/// Run once a subscription is open, so nothing falls between the two.
pub async fn reconcile(accounts: &Accounts) -> Result<usize, InvoiceError> {
    let node = accounts.node.as_ref().ok_or(InvoiceError::NoNode)?;
    // An invoice expired a day ago can no longer be paid; older ones were
    // reconciled by an earlier start.
    let rows = sqlx::query(
        "SELECT payment_hash FROM account_invoices \
         WHERE state = 'open' AND expires_at > $1 ORDER BY created_at LIMIT 1000",
    )
    .bind(database::now() - 86_400)
    .fetch_all(accounts.ledger.db().pool())
    .await?;
    let mut credited = 0;
    for row in rows {
        let hash: String = row.try_get(0)?;
        let hash = hash.parse::<PaymentHash>()?;
        if let Some(invoice) = node.lightning.lookup_invoice(hash).await? {
            if let Credited::Now { .. } = credit(accounts, &invoice).await? {
                credited += 1;
            }
        }
    }
    Ok(credited)
}
