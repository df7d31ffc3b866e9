//! The eCash wallet (Cashu): mints, balances, quotes, tokens and its
//! history.

use serde::{Deserialize, Serialize};

/// The eCash wallet at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EcashWallet {
    pub mints: Vec<MintView>,
    /// Spendable sat across every mint.
    pub total: u64,
    /// Sat in tokens sent but not yet redeemed, or in payments in flight.
    pub pending: u64,
    pub default_mint: Option<String>,
    /// Mints suggested when the user has none (the dev mint in `--dev`).
    pub suggested_mints: Vec<String>,
    /// What went wrong while finishing interrupted operations, if anything:
    /// the money stays safe and is retried next time.
    pub problems: Vec<String>,
}

/// A trusted mint: what it says about itself (NUT-06), and the balance held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MintView {
    pub url: String,
    pub name: Option<String>,
    pub description: Option<String>,
    /// How to reach its operator (`method: info`).
    pub contact: Vec<String>,
    /// The NUT numbers it supports.
    pub nuts: Vec<u8>,
    pub units: Vec<String>,
    pub balance: u64,
    pub pending: u64,
}

/// A Lightning invoice that turns into eCash once paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MintQuote {
    pub id: String,
    pub mint: String,
    pub amount: u64,
    pub invoice: String,
    /// Seconds since the Unix epoch after which the invoice is void.
    pub expiry: u64,
}

/// What paying an invoice costs, before the user confirms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeltQuote {
    pub id: String,
    pub mint: String,
    pub amount: u64,
    /// The most the Lightning fee can be; what is not used comes back.
    pub fee_reserve: u64,
    pub expiry: u64,
}

/// A token read before it is accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenPreview {
    pub mint: String,
    pub amount: u64,
    pub unit: String,
    pub memo: Option<String>,
    /// Whether the user already trusts its mint.
    pub known_mint: bool,
    /// Locked to a public key (NUT-11): only its holder can receive it.
    pub locked: bool,
}

/// One line of the eCash history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EcashEntry {
    pub id: String,
    pub mint: String,
    pub kind: EcashKind,
    pub amount: u64,
    pub fee: u64,
    /// Seconds since the Unix epoch.
    pub time: u64,
    pub state: EcashState,
    pub memo: Option<String>,
    /// For a token sent and not yet redeemed: what
    /// [`Command::ReclaimToken`](crate::Command::ReclaimToken) takes back
    /// and [`Command::ShowSentToken`](crate::Command::ShowSentToken) shows
    /// again.
    pub reclaim: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EcashKind {
    /// Lightning in (a paid mint quote).
    Mint,
    /// Lightning out (a paid invoice).
    Melt,
    Send,
    Receive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EcashState {
    Pending,
    Done,
    Failed,
}
