//! A user's name: `name@<this server>` as their NOSTR address (NIP-05) and,
//! as the next step builds, their Lightning address (LUD-16). One per
//! account, unique, changeable; its rules are the ones both specs allow
//! (NIP-05 and LUD-16 local parts: `a-z0-9-_.`), lower case.
//!
//! The user says which relays find them; `/.well-known/nostr.json` answers
//! them with the key, as NIP-05 recommends. Only a name asked for is
//! answered: the server never lists its users.

use std::collections::BTreeMap;

use axum::{
    extract::{rejection::JsonRejection, Query, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Extension, Json,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{AccountId, Accounts, LedgerError};
use crate::{api::ApiError, auth::Signer, database};

pub const MIN_LEN: usize = 2;
pub const MAX_LEN: usize = 32;
/// The most relays a name names.
pub const MAX_RELAYS: usize = 8;
/// The longest relay address kept.
pub const MAX_RELAY_LEN: usize = 200;

/// Names no user may take: they read as the server's own, or as its staff.
const RESERVED: &[&str] = &[
    "_",
    "abuse",
    "admin",
    "administrator",
    "api",
    "billing",
    "flash",
    "help",
    "info",
    "lnurl",
    "mail",
    "moderator",
    "no-reply",
    "noreply",
    "nostr",
    "official",
    "postmaster",
    "root",
    "security",
    "staff",
    "support",
    "system",
    "team",
    "wallet",
    "webmaster",
    "www",
];

/// Why a name was refused.
#[derive(Debug, thiserror::Error)]
pub enum NameError {
    #[error("a name is {MIN_LEN} to {MAX_LEN} characters long")]
    Length,
    #[error(
        "a name uses only the letters a–z, the digits 0–9, '-', '_' and '.', and starts and \
         ends with a letter or a digit"
    )]
    Characters,
    #[error("\"{0}\" is reserved: choose another name")]
    Reserved(String),
    #[error("\"{0}\" is taken: choose another name")]
    Taken(String),
    #[error(
        "at most {MAX_RELAYS} relays, each a wss:// address of at most {MAX_RELAY_LEN} characters"
    )]
    Relays,
    #[error("this account has no name")]
    NoName,
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

impl From<sqlx::Error> for NameError {
    fn from(err: sqlx::Error) -> Self {
        Self::Ledger(err.into())
    }
}

impl NameError {
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::Taken(_) => StatusCode::CONFLICT,
            Self::NoName => StatusCode::NOT_FOUND,
            Self::Ledger(LedgerError::Database(_)) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    pub(crate) fn code(&self) -> &'static str {
        match self {
            Self::Length | Self::Characters => "name_invalid",
            Self::Reserved(_) => "name_reserved",
            Self::Taken(_) => "name_taken",
            Self::Relays => "relays_invalid",
            Self::NoName => "not_found",
            Self::Ledger(_) => "unavailable",
        }
    }
}

/// `name` as it is kept (lower case, trimmed), if it may be a name.
pub fn check(name: &str) -> Result<String, NameError> {
    let name = name.trim().to_lowercase();
    if !(MIN_LEN..=MAX_LEN).contains(&name.chars().count()) {
        return Err(NameError::Length);
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c);
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !name.chars().all(allowed) || !edge(name.chars().next()) || !edge(name.chars().last()) {
        return Err(NameError::Characters);
    }
    if RESERVED.contains(&name.as_str()) {
        return Err(NameError::Reserved(name));
    }
    Ok(name)
}

fn check_relays(relays: &[String]) -> Result<(), NameError> {
    let usable = |relay: &String| {
        relay.len() <= MAX_RELAY_LEN
            && nostr::Url::parse(relay)
                .is_ok_and(|url| url.scheme() == "wss" && url.host().is_some())
    };
    if relays.len() > MAX_RELAYS || !relays.iter().all(usable) {
        return Err(NameError::Relays);
    }
    Ok(())
}

/// The body of `PUT /api/account/name`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetName {
    pub name: String,
    /// Where others find the user (wss://), answered with their key.
    #[serde(default)]
    pub relays: Vec<String>,
}

/// An account's name, as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NameView {
    pub name: String,
    pub relays: Vec<String>,
}

/// Gives `account` the name `name` (replacing the one it had), naming
/// `relays`.
pub async fn set(
    accounts: &Accounts,
    account: &AccountId,
    request: SetName,
) -> Result<NameView, NameError> {
    let name = check(&request.name)?;
    check_relays(&request.relays)?;
    let relays = serde_json::to_string(&request.relays).unwrap_or_else(|_| "[]".to_owned());
    accounts.ledger.create_account(account).await?;
    let written = sqlx::query(
        "INSERT INTO account_names (account_id, name, relays, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id) DO UPDATE SET name = excluded.name, relays = excluded.relays, \
         updated_at = excluded.updated_at",
    )
    .bind(account.as_str())
    .bind(&name)
    .bind(&relays)
    .bind(database::now())
    .execute(accounts.ledger.db().pool())
    .await;
    match written {
        Ok(_) => Ok(NameView {
            name,
            relays: request.relays,
        }),
        Err(sqlx::Error::Database(err)) if err.is_unique_violation() => Err(NameError::Taken(name)),
        Err(err) => Err(err.into()),
    }
}

/// `account`'s name, if it has one.
pub async fn of(accounts: &Accounts, account: &AccountId) -> Result<Option<NameView>, NameError> {
    let row = sqlx::query("SELECT name, relays FROM account_names WHERE account_id = $1")
        .bind(account.as_str())
        .fetch_optional(accounts.ledger.db().pool())
        .await?;
    row.map(|row| {
        Ok(NameView {
            name: row.try_get("name")?,
            relays: relays_of(&row)?,
        })
    })
    .transpose()
}

/// Who holds `name` (their public key, hex) and their relays.
pub async fn holder(
    accounts: &Accounts,
    name: &str,
) -> Result<Option<(String, Vec<String>)>, NameError> {
    let Ok(name) = check(name) else {
        return Ok(None);
    };
    let row = sqlx::query("SELECT account_id, relays FROM account_names WHERE name = $1")
        .bind(&name)
        .fetch_optional(accounts.ledger.db().pool())
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let account: String = row.try_get("account_id")?;
    let relays = relays_of(&row)?;
    Ok(AccountId::pubkey_of(&account).map(|pubkey| (pubkey.to_owned(), relays)))
}

fn relays_of(row: &sqlx::any::AnyRow) -> Result<Vec<String>, sqlx::Error> {
    let relays: String = row.try_get("relays")?;
    Ok(serde_json::from_str(&relays).unwrap_or_default())
}

/// `GET /api/account/name`: the signer's name.
#[utoipa::path(
    get,
    path = "/api/account/name",
    tag = "account",
    security(("nostr" = [])),
    responses(
        (status = 200, body = NameView),
        (status = 401, description = "No valid NIP-98 signature", body = crate::api::ErrorBody),
        (status = 404, description = "The account has no name", body = crate::api::ErrorBody),
    )
)]
pub(crate) async fn get_route(
    State(accounts): State<Accounts>,
    Extension(Signer(pubkey)): Extension<Signer>,
) -> Result<Json<NameView>, ApiError> {
    let account = AccountId::user(&pubkey.to_hex());
    Ok(Json(
        of(&accounts, &account).await?.ok_or(NameError::NoName)?,
    ))
}

/// `PUT /api/account/name`: the signer's name from now on.
#[utoipa::path(
    put,
    path = "/api/account/name",
    tag = "account",
    security(("nostr" = [])),
    request_body = SetName,
    responses(
        (status = 200, body = NameView),
        (status = 400, description = "Not a name (`name_invalid`), reserved (`name_reserved`), or bad relays (`relays_invalid`)", body = crate::api::ErrorBody),
        (status = 401, description = "No valid NIP-98 signature", body = crate::api::ErrorBody),
        (status = 409, description = "Another account has it (`name_taken`)", body = crate::api::ErrorBody),
    )
)]
pub(crate) async fn set_route(
    State(accounts): State<Accounts>,
    Extension(Signer(pubkey)): Extension<Signer>,
    body: Result<Json<SetName>, JsonRejection>,
) -> Result<Json<NameView>, ApiError> {
    let Json(request) = body?;
    let account = AccountId::user(&pubkey.to_hex());
    Ok(Json(set(&accounts, &account, request).await?))
}

/// `POST /api/account/name/release`: the signer gives up their name
/// (anyone may take it then).
#[utoipa::path(
    post,
    path = "/api/account/name/release",
    tag = "account",
    security(("nostr" = [])),
    responses(
        (status = 204, description = "The account has no name now"),
        (status = 401, description = "No valid NIP-98 signature", body = crate::api::ErrorBody),
    )
)]
pub(crate) async fn release_route(
    State(accounts): State<Accounts>,
    Extension(Signer(pubkey)): Extension<Signer>,
) -> Result<StatusCode, ApiError> {
    let account = AccountId::user(&pubkey.to_hex());
    sqlx::query("DELETE FROM account_names WHERE account_id = $1")
        .bind(account.as_str())
        .execute(accounts.ledger.db().pool())
        .await
        .map_err(NameError::from)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The query of `/.well-known/nostr.json`.
#[derive(Debug, Deserialize)]
pub(crate) struct Nip05Query {
    name: Option<String>,
}

/// NIP-05's answer.
#[derive(Debug, Default, Serialize)]
struct Nip05 {
    names: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    relays: BTreeMap<String, Vec<String>>,
}

/// `GET /.well-known/nostr.json?name=…`: the key (and relays) of the name
/// asked for; no names for an unknown one. Readable from any origin, as
/// NIP-05 asks, so web clients can check it.
pub(crate) async fn nip05_route(
    State(accounts): State<Accounts>,
    Query(query): Query<Nip05Query>,
) -> Response {
    let mut answer = Nip05::default();
    if let Some(name) = query.name {
        match holder(&accounts, &name).await {
            Ok(Some((pubkey, relays))) => {
                answer
                    .names
                    .insert(name.trim().to_lowercase(), pubkey.clone());
                if !relays.is_empty() {
                    answer.relays.insert(pubkey, relays);
                }
            }
            Ok(None) => {}
            Err(err) => return ApiError::from(err).into_response(),
        }
    }
    let mut response = Json(answer).into_response();
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}
