//! `GET /api/account/events`: a server-sent event stream that tells the
//! signed-in user's app when their account changed (an invoice paid, a
//! payment ended), so it refreshes at once instead of polling every route.
//!
//! It reads the account's change counter (bumped in the transaction of every
//! change) rather than listening inside this process: the change may be
//! made by another instance (the one crediting invoices).

use std::{convert::Infallible, time::Duration};

use axum::{
    extract::State,
    response::sse::{Event, KeepAlive, Sse},
    Extension,
};
use futures_util::{stream, Stream};
use serde::Serialize;
use sqlx::Row;

use super::{AccountId, Accounts};
use crate::{api::ApiError, auth::Signer};

/// How often the stream looks for a change.
const LOOK_EVERY: Duration = Duration::from_millis(500);

/// What each event says: the account as it now is.
#[derive(Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub(crate) struct Changed {
    balance_msat: i64,
    version: i64,
}

/// The stream: one `account` event at once, then one per change.
#[utoipa::path(
    get,
    path = "/api/account/events",
    tag = "account",
    security(("nostr" = [])),
    responses(
        (status = 200, description = "Server-sent `account` events, each one's data this object", content_type = "text/event-stream", body = Changed),
        (status = 400, description = "Refused, with the reason (`error` says which)", body = crate::api::ErrorBody),
        (status = 401, description = "No valid NIP-98 signature", body = crate::api::ErrorBody),
        (status = 429, description = "Over a rate limit (see `Retry-After`)", body = crate::api::ErrorBody),
    )
)]
pub(crate) async fn stream_route(
    State(accounts): State<Accounts>,
    Extension(Signer(pubkey)): Extension<Signer>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let account = AccountId::user(&pubkey.to_hex());
    accounts.ledger.create_account(&account).await?;
    let changes = stream::unfold(
        (accounts, account, None::<i64>),
        |(accounts, account, mut seen)| async move {
            loop {
                match read(&accounts, &account).await {
                    Ok(now) if Some(now.version) != seen => {
                        seen = Some(now.version);
                        let event = Event::default()
                            .event("account")
                            .json_data(&now)
                            .unwrap_or_else(|_| Event::default().event("account"));
                        return Some((Ok(event), (accounts, account, seen)));
                    }
                    Ok(_) => {}
                    Err(err) => tracing::warn!("account events: {err}"),
                }
                tokio::time::sleep(LOOK_EVERY).await;
            }
        },
    );
    Ok(Sse::new(changes).keep_alive(KeepAlive::default()))
}

async fn read(accounts: &Accounts, account: &AccountId) -> Result<Changed, sqlx::Error> {
    let row = sqlx::query("SELECT balance_msat, version FROM ledger_accounts WHERE id = $1")
        .bind(account.as_str())
        .fetch_one(accounts.ledger.db().pool())
        .await?;
    Ok(Changed {
        balance_msat: row.try_get(0)?,
        version: row.try_get(1)?,
    })
}
