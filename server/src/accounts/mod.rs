//! Lightning accounts: one per NOSTR public key, created on its first signed
//! request, its money in the [`ledger`].

pub mod ledger;

use axum::{extract::State, middleware, routing::get, Extension, Json, Router};
use serde::Serialize;

use crate::{
    api::ApiError,
    auth::{Nip98, Signer},
};
pub use ledger::{AccountId, Ledger, LedgerError};

/// What the account routes share.
#[derive(Debug, Clone)]
pub struct Accounts {
    pub ledger: Ledger,
    pub auth: Nip98,
}

/// The router to nest at `/api/account`: every route is NIP-98 signed.
pub fn router(accounts: Accounts) -> Router {
    Router::new()
        .route("/", get(account))
        .route_layer(middleware::from_fn_with_state(
            accounts.auth.clone(),
            Nip98::require,
        ))
        .with_state(accounts)
}

/// The signed-in user's account.
#[derive(Debug, Serialize)]
struct AccountView {
    pubkey: String,
    balance_msat: i64,
}

async fn account(
    State(accounts): State<Accounts>,
    Extension(Signer(pubkey)): Extension<Signer>,
) -> Result<Json<AccountView>, ApiError> {
    let pubkey = pubkey.to_hex();
    let id = AccountId::user(&pubkey);
    // Read first: only a user's first request pays for a write.
    let balance_msat = match accounts.ledger.balance(&id).await {
        Err(LedgerError::UnknownAccount(_)) => {
            accounts.ledger.create_account(&id).await?;
            accounts.ledger.balance(&id).await?
        }
        balance => balance?,
    };
    Ok(Json(AccountView {
        pubkey,
        balance_msat,
    }))
}
