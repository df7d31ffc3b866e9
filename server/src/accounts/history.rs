//! `GET /api/account/history`: the account's movements, newest first —
//! invoices paid to it and payments it sent (pending ones too) — a page at
//! a time, for the app to merge with its eCash history.

use axum::{
    extract::{rejection::QueryRejection, Query, State},
    Extension, Json,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{AccountId, Accounts};
use crate::{api::ApiError, auth::Signer};

/// The most movements one page holds.
pub const MAX_PAGE: u32 = 100;

/// The query of `GET /api/account/history`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(crate) struct HistoryQuery {
    /// How many movements, 1 to 100 [default: 50].
    limit: Option<u32>,
    /// The `next` of the page before, to read on.
    before: Option<String>,
}

/// One movement of the account.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Movement {
    /// received or sent.
    kind: String,
    /// The invoice's or the payment's id.
    id: String,
    payment_hash: String,
    amount_msat: i64,
    fee_msat: i64,
    /// settled (received); pending, succeeded or failed (sent).
    state: String,
    /// The invoice's description, for what was received (a zap's message).
    description: Option<String>,
    /// Who zapped (their NOSTR public key, hex), for a zap received.
    zapper: Option<String>,
    /// When it was received, or when the payment was made.
    at: i64,
    finished_at: Option<i64>,
}

/// A page of the history.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct History {
    movements: Vec<Movement>,
    /// Pass as `before` for the next page; absent on the last.
    next: Option<String>,
}

/// `GET /api/account/history`.
#[utoipa::path(
    get,
    path = "/api/account/history",
    tag = "account",
    security(("nostr" = [])),
    params(HistoryQuery),
    responses(
        (status = 200, body = History),
        (status = 400, description = "A malformed query", body = crate::api::ErrorBody),
        (status = 401, description = "No valid NIP-98 signature", body = crate::api::ErrorBody),
        (status = 429, description = "Over a rate limit (see `Retry-After`)", body = crate::api::ErrorBody),
    )
)]
pub(crate) async fn history_route(
    State(accounts): State<Accounts>,
    Extension(Signer(pubkey)): Extension<Signer>,
    query: Result<Query<HistoryQuery>, QueryRejection>,
) -> Result<Json<History>, ApiError> {
    let Query(query) = query?;
    let limit = query.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {MAX_PAGE}"
        )));
    }
    // The cursor is the last movement's time and id: `<at>.<id>`.
    let (before_at, before_id) = match query.before.as_deref() {
        None => (i64::MAX, String::new()),
        Some(cursor) => cursor
            .split_once('.')
            .and_then(|(at, id)| Some((at.parse::<i64>().ok()?, id.to_owned())))
            .ok_or_else(|| {
                ApiError::BadRequest("before is not a cursor this server gave".to_owned())
            })?,
    };
    let account = AccountId::user(&pubkey.to_hex());
    let rows = sqlx::query(
        "SELECT kind, id, payment_hash, amount_msat, fee_msat, state, description, zapper, at, \
                finished_at \
         FROM ( \
           SELECT 'received' AS kind, id, payment_hash, received_msat AS amount_msat, \
                  CAST(0 AS BIGINT) AS fee_msat, state, description, zap_sender AS zapper, \
                  COALESCE(settled_at, created_at) AS at, settled_at AS finished_at \
           FROM account_invoices WHERE account_id = $1 AND state = 'settled' \
           UNION ALL \
           SELECT 'sent' AS kind, id, payment_hash, amount_msat, fee_msat, state, \
                  CAST(NULL AS TEXT) AS description, CAST(NULL AS TEXT) AS zapper, \
                  created_at AS at, finished_at \
           FROM account_payments WHERE account_id = $1 \
         ) AS movements \
         WHERE at < $2 OR (at = $2 AND ($3 = '' OR id < $3)) \
         ORDER BY at DESC, id DESC LIMIT $4",
    )
    .bind(account.as_str())
    .bind(before_at)
    .bind(&before_id)
    .bind(i64::from(limit) + 1)
    .fetch_all(accounts.ledger.db().pool())
    .await
    .map_err(super::LedgerError::from)?;
    let mut movements = rows
        .iter()
        .map(|row| {
            Ok(Movement {
                kind: row.try_get("kind")?,
                id: row.try_get("id")?,
                payment_hash: row.try_get("payment_hash")?,
                amount_msat: row.try_get("amount_msat")?,
                fee_msat: row.try_get("fee_msat")?,
                state: row.try_get("state")?,
                description: row.try_get("description")?,
                zapper: row.try_get("zapper")?,
                at: row.try_get("at")?,
                finished_at: row.try_get("finished_at")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(super::LedgerError::from)?;
    let more = movements.len() > limit as usize;
    movements.truncate(limit as usize);
    let next = more
        .then(|| {
            movements
                .last()
                .map(|last| format!("{}.{}", last.at, last.id))
        })
        .flatten();
    Ok(Json(History { movements, next }))
}
