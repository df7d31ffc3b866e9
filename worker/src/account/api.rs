//! What the server's account API answers, as it answers it (msat, its
//! names), read strictly enough that a garbled answer is refused rather
//! than shown as money.

use serde::Deserialize;

/// `GET /api/config`.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Offered {
    #[serde(default)]
    pub accounts: bool,
    #[serde(default)]
    pub lightning: bool,
}

/// `GET /api/account`.
#[derive(Debug, Clone, Deserialize)]
pub struct Account {
    pub balance_msat: i64,
}

/// `GET`/`PUT /api/account/name`.
#[derive(Debug, Clone, Deserialize)]
pub struct Name {
    pub name: String,
}

/// A wallet connection (`/api/nwc/connections`).
#[derive(Debug, Clone, Deserialize)]
pub struct WalletConnection {
    pub pubkey: String,
    pub name: String,
    pub methods: Vec<String>,
    pub budget_sat: Option<u64>,
    pub budget_renewal: String,
    pub spent_msat: i64,
    pub expires_at: Option<i64>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// `GET /api/nwc/connections`.
#[derive(Debug, Clone, Deserialize)]
pub struct WalletConnections {
    pub wallet_pubkey: String,
    pub relays: Vec<String>,
    pub connections: Vec<WalletConnection>,
}

/// `POST /api/nwc/connections`.
#[derive(Debug, Clone, Deserialize)]
pub struct WalletConnected {
    pub wallet_pubkey: String,
    pub relays: Vec<String>,
    pub connection: WalletConnection,
}

/// An invoice of the account.
#[derive(Debug, Clone, Deserialize)]
pub struct Invoice {
    pub id: String,
    pub bolt11: Option<String>,
    pub amount_msat: i64,
    /// open, settled or expired.
    pub state: String,
    pub received_msat: i64,
    pub expires_at: i64,
}

/// `POST /api/account/payments/quote`.
#[derive(Debug, Clone, Deserialize)]
pub struct Quote {
    /// internal or lightning.
    pub route: String,
    pub amount_msat: i64,
    pub fee_reserve_msat: i64,
    pub description: Option<String>,
}

/// A payment, as its sender sees it.
#[derive(Debug, Clone, Deserialize)]
pub struct Payment {
    pub id: String,
    pub amount_msat: i64,
    pub fee_msat: i64,
    /// pending, succeeded or failed.
    pub state: String,
    pub failure: Option<String>,
}

/// `GET /api/account/history`.
#[derive(Debug, Clone, Deserialize)]
pub struct History {
    pub movements: Vec<Movement>,
    pub next: Option<String>,
}

/// One movement of the account.
#[derive(Debug, Clone, Deserialize)]
pub struct Movement {
    /// received or sent.
    pub kind: String,
    pub id: String,
    pub amount_msat: i64,
    pub fee_msat: i64,
    /// settled (received); pending, succeeded or failed (sent).
    pub state: String,
    pub description: Option<String>,
    /// Who zapped (hex key), for a zap received; the server checked the
    /// zap request's signature.
    #[serde(default)]
    pub zapper: Option<String>,
    pub at: i64,
}

/// One `account` event of `GET /api/account/events`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Changed {
    pub balance_msat: i64,
    pub version: i64,
}

/// Every error answer: `error` is the code.
#[derive(Debug, Clone, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    #[serde(default)]
    pub message: String,
}

/// Whole sats of `msat` (a negative amount, which the server never sends,
/// reads as 0).
pub fn sat(msat: i64) -> u64 {
    u64::try_from(msat).unwrap_or(0) / 1000
}

/// Whole sats of `msat`, rounded up: what a fee costs the user.
pub fn sat_up(msat: i64) -> u64 {
    u64::try_from(msat).unwrap_or(0).div_ceil(1000)
}
