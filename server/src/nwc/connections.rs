//! The apps a user connected: `POST /api/nwc/connections` connects one by
//! its public key (the user's app made its secret and keeps it, for the
//! connection URI it shows), `GET` lists them with what each spent in its
//! budget's period, `POST …/{pubkey}/revoke` ends one at once.

use axum::{
    extract::{rejection::JsonRejection, Path, State},
    http::StatusCode,
    Extension, Json,
};
use nostr::PublicKey;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{
    budget::{self, Renewal},
    methods::SUPPORTED,
    Nwc,
};
use crate::{
    accounts::{AccountId, LedgerError},
    api::ApiError,
    auth::Signer,
    database,
};

/// The longest name of a connection, in characters.
pub const MAX_NAME_LEN: usize = 64;
/// The most connections an account has at once (revoked ones not counted).
pub const MAX_CONNECTIONS: i64 = 50;
/// The largest budget: every bitcoin there will be.
pub const MAX_BUDGET_SAT: u64 = 2_100_000_000_000_000;

/// Why a connection was refused or not found.
#[derive(Debug, thiserror::Error)]
pub enum NwcError {
    #[error("{0:?} is not a NOSTR public key (64 hex characters)")]
    BadPubkey(String),
    #[error("a connection's name is 1 to {MAX_NAME_LEN} characters")]
    Name,
    #[error("{0:?} is not a method this wallet offers ({list})", list = SUPPORTED.join(", "))]
    Method(String),
    #[error("a connection needs at least one method")]
    NoMethods,
    #[error("the budget must be between 1 and {max_sat} sat, or none")]
    Budget { max_sat: u64 },
    #[error("the expiry must be in the future")]
    Expiry,
    #[error("this key is connected already: make a new one for each app")]
    Taken,
    #[error("at most {MAX_CONNECTIONS} connections at once: revoke one first")]
    TooMany,
    #[error("no connection {0} of this account")]
    Unknown(String),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

impl From<sqlx::Error> for NwcError {
    fn from(err: sqlx::Error) -> Self {
        Self::Ledger(err.into())
    }
}

impl NwcError {
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::Taken | Self::TooMany => StatusCode::CONFLICT,
            Self::Unknown(_) => StatusCode::NOT_FOUND,
            Self::Ledger(LedgerError::Database(_)) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    pub(crate) fn code(&self) -> &'static str {
        match self {
            Self::BadPubkey(_) => "pubkey_invalid",
            Self::Name => "name_invalid",
            Self::Method(_) | Self::NoMethods => "methods_invalid",
            Self::Budget { .. } => "budget_invalid",
            Self::Expiry => "expiry_invalid",
            Self::Taken => "pubkey_taken",
            Self::TooMany => "too_many_connections",
            Self::Unknown(_) => "not_found",
            Self::Ledger(_) => "unavailable",
        }
    }
}

/// The body of `POST /api/nwc/connections`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateConnection {
    /// The public key (hex) of the secret the connection URI carries.
    pub pubkey: String,
    /// What the user calls the app.
    pub name: String,
    /// The NIP-47 methods it may call.
    pub methods: Vec<String>,
    /// What it may spend per period (amounts and fees); absent: no limit.
    pub budget_sat: Option<u64>,
    /// When the budget starts again [default: never].
    #[serde(default = "never")]
    pub budget_renewal: Renewal,
    /// When the connection ends by itself (seconds since the epoch).
    pub expires_at: Option<i64>,
}

fn never() -> Renewal {
    Renewal::Never
}

/// A connection as its owner sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConnectionView {
    pub pubkey: String,
    pub name: String,
    pub methods: Vec<String>,
    pub budget_sat: Option<u64>,
    pub budget_renewal: Renewal,
    /// Spent in the budget's current period (pending payments count their
    /// fee reserve).
    pub spent_msat: i64,
    pub expires_at: Option<i64>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// The wallet service a connection URI names.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Service {
    /// The wallet service's public key (hex): the URI's path.
    pub wallet_pubkey: String,
    /// Its relays: the URI's `relay` parameters.
    pub relays: Vec<String>,
}

/// The answer to a new connection.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Created {
    #[serde(flatten)]
    pub service: Service,
    pub connection: ConnectionView,
}

/// The account's connections, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Connections {
    #[serde(flatten)]
    pub service: Service,
    pub connections: Vec<ConnectionView>,
}

fn service(nwc: &Nwc) -> Service {
    Service {
        wallet_pubkey: nwc.pubkey().to_hex(),
        relays: nwc.relays.iter().map(ToString::to_string).collect(),
    }
}

/// `POST /api/nwc/connections`: connects an app to the signer's account.
#[utoipa::path(
    post,
    path = "/api/nwc/connections",
    tag = "nwc",
    security(("nostr" = [])),
    request_body = CreateConnection,
    responses(
        (status = 201, body = Created),
        (status = 400, description = "Refused, with the reason (`error` says which)", body = crate::api::ErrorBody),
        (status = 401, description = "No valid NIP-98 signature", body = crate::api::ErrorBody),
        (status = 409, description = "The key is connected already, or too many connections", body = crate::api::ErrorBody),
        (status = 429, description = "Over a rate limit (see `Retry-After`)", body = crate::api::ErrorBody),
    )
)]
pub(crate) async fn create_route(
    State(nwc): State<Nwc>,
    Extension(Signer(owner)): Extension<Signer>,
    body: Result<Json<CreateConnection>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let Json(request) = body?;
    let account = AccountId::user(&owner.to_hex());
    let connection = create(&nwc, &account, request).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            service: service(&nwc),
            connection,
        }),
    ))
}

/// `GET /api/nwc/connections`: the signer's connections, revoked ones too.
#[utoipa::path(
    get,
    path = "/api/nwc/connections",
    tag = "nwc",
    security(("nostr" = [])),
    responses(
        (status = 200, body = Connections),
        (status = 401, description = "No valid NIP-98 signature", body = crate::api::ErrorBody),
        (status = 429, description = "Over a rate limit (see `Retry-After`)", body = crate::api::ErrorBody),
    )
)]
pub(crate) async fn list_route(
    State(nwc): State<Nwc>,
    Extension(Signer(owner)): Extension<Signer>,
) -> Result<Json<Connections>, ApiError> {
    let account = AccountId::user(&owner.to_hex());
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM nwc_connections WHERE account_id = $1 \
         ORDER BY created_at DESC, client_pubkey LIMIT 1000"
    ))
    .bind(account.as_str())
    .fetch_all(nwc.accounts.ledger.db().pool())
    .await
    .map_err(NwcError::from)?;
    let mut connections = Vec::with_capacity(rows.len());
    for row in &rows {
        connections.push(view(&nwc, row).await.map_err(NwcError::from)?);
    }
    Ok(Json(Connections {
        service: service(&nwc),
        connections,
    }))
}

/// `POST /api/nwc/connections/{pubkey}/revoke`: the app is refused from now
/// on (a payment it started goes on). Revoking twice changes nothing.
#[utoipa::path(
    post,
    path = "/api/nwc/connections/{pubkey}/revoke",
    tag = "nwc",
    security(("nostr" = [])),
    params(("pubkey" = String, Path, description = "The connection's public key")),
    responses(
        (status = 200, body = ConnectionView),
        (status = 401, description = "No valid NIP-98 signature", body = crate::api::ErrorBody),
        (status = 404, description = "No such connection of this account", body = crate::api::ErrorBody),
        (status = 429, description = "Over a rate limit (see `Retry-After`)", body = crate::api::ErrorBody),
    )
)]
pub(crate) async fn revoke_route(
    State(nwc): State<Nwc>,
    Extension(Signer(owner)): Extension<Signer>,
    Path(pubkey): Path<String>,
) -> Result<Json<ConnectionView>, ApiError> {
    let account = AccountId::user(&owner.to_hex());
    let mut tx = nwc
        .accounts
        .ledger
        .db()
        .begin_write()
        .await
        .map_err(NwcError::from)?;
    sqlx::query(
        "UPDATE nwc_connections SET revoked_at = $1 \
         WHERE client_pubkey = $2 AND account_id = $3 AND revoked_at IS NULL",
    )
    .bind(database::now())
    .bind(&pubkey)
    .bind(account.as_str())
    .execute(&mut *tx)
    .await
    .map_err(NwcError::from)?;
    tx.commit().await.map_err(NwcError::from)?;
    let connection = find(&nwc, &pubkey).await?;
    match connection {
        Some((owner, connection)) if owner == account => Ok(Json(connection)),
        _ => Err(NwcError::Unknown(pubkey).into()),
    }
}

const COLUMNS: &str = "client_pubkey, account_id, name, methods, budget_msat, budget_renewal, \
                       expires_at, created_at, revoked_at";

async fn view(nwc: &Nwc, row: &sqlx::any::AnyRow) -> Result<ConnectionView, sqlx::Error> {
    let pubkey: String = row.try_get("client_pubkey")?;
    let renewal = Renewal::from_stored(&row.try_get::<String, _>("budget_renewal")?);
    let since = renewal.period_start(database::now());
    let spent_msat = budget::spent_msat(nwc.accounts.ledger.db().pool(), &pubkey, since).await?;
    let methods: String = row.try_get("methods")?;
    let budget_msat: Option<i64> = row.try_get("budget_msat")?;
    Ok(ConnectionView {
        pubkey,
        name: row.try_get("name")?,
        methods: methods.split(' ').map(str::to_owned).collect(),
        budget_sat: budget_msat.and_then(|msat| u64::try_from(msat / 1000).ok()),
        budget_renewal: renewal,
        spent_msat,
        expires_at: row.try_get("expires_at")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

/// The connection of `pubkey`, with its account.
pub async fn find(
    nwc: &Nwc,
    pubkey: &str,
) -> Result<Option<(AccountId, ConnectionView)>, NwcError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM nwc_connections WHERE client_pubkey = $1"
    ))
    .bind(pubkey)
    .fetch_optional(nwc.accounts.ledger.db().pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let account = AccountId::from_stored(row.try_get("account_id")?);
    Ok(Some((account, view(nwc, &row).await?)))
}

/// Checks and writes a new connection of `account`.
pub async fn create(
    nwc: &Nwc,
    account: &AccountId,
    request: CreateConnection,
) -> Result<ConnectionView, NwcError> {
    let pubkey = PublicKey::from_hex(&request.pubkey)
        .map_err(|_| NwcError::BadPubkey(request.pubkey.clone()))?
        .to_hex();
    let name = request.name.trim().to_owned();
    if !(1..=MAX_NAME_LEN).contains(&name.chars().count()) {
        return Err(NwcError::Name);
    }
    let mut methods: Vec<String> = Vec::new();
    for method in request.methods {
        if !SUPPORTED.contains(&method.as_str()) {
            return Err(NwcError::Method(method));
        }
        if !methods.contains(&method) {
            methods.push(method);
        }
    }
    if methods.is_empty() {
        return Err(NwcError::NoMethods);
    }
    let budget_msat = match request.budget_sat {
        None => None,
        Some(sat) if (1..=MAX_BUDGET_SAT).contains(&sat) => i64::try_from(sat * 1000).ok(),
        Some(_) => {
            return Err(NwcError::Budget {
                max_sat: MAX_BUDGET_SAT,
            })
        }
    };
    let now = database::now();
    if request.expires_at.is_some_and(|at| at <= now) {
        return Err(NwcError::Expiry);
    }
    nwc.accounts.ledger.create_account(account).await?;
    let mut tx = nwc.accounts.ledger.db().begin_write().await?;
    // A write first, so SQLite takes its write lock at once; the count then
    // sees every connection written before.
    let inserted = sqlx::query(
        "INSERT INTO nwc_connections (client_pubkey, account_id, name, methods, budget_msat, \
         budget_renewal, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&pubkey)
    .bind(account.as_str())
    .bind(&name)
    .bind(methods.join(" "))
    .bind(budget_msat)
    .bind(request.budget_renewal.as_str())
    .bind(request.expires_at)
    .bind(now)
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => {}
        Err(sqlx::Error::Database(err)) if err.is_unique_violation() => {
            return Err(NwcError::Taken);
        }
        Err(err) => return Err(err.into()),
    }
    let live: i64 = sqlx::query(
        "SELECT COUNT(*) FROM nwc_connections WHERE account_id = $1 AND revoked_at IS NULL",
    )
    .bind(account.as_str())
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    if live > MAX_CONNECTIONS {
        tx.rollback().await?;
        return Err(NwcError::TooMany);
    }
    tx.commit().await?;
    Ok(ConnectionView {
        pubkey,
        name,
        methods,
        budget_sat: request.budget_sat,
        budget_renewal: request.budget_renewal,
        spent_msat: 0,
        expires_at: request.expires_at,
        created_at: now,
        revoked_at: None,
    })
}
