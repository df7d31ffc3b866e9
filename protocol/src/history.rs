//! One history of both wallets: the account's and the eCash wallet's
//! movements merged.

use serde::{Deserialize, Serialize};

use crate::{EcashKind, EcashState};

/// The most movements one [`Command::History`](crate::Command::History) reads.
pub const HISTORY_MAX: u32 = 1000;

/// One movement of money, in the account or in eCash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub id: String,
    pub wallet: WalletKind,
    pub kind: MovementKind,
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

/// Which way a movement went, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    /// An invoice paid to the user (to the account, or a mint's quote).
    LightningIn,
    /// An invoice the user paid.
    LightningOut,
    /// An eCash token received.
    TokenIn,
    /// An eCash token sent.
    TokenOut,
}

impl From<EcashKind> for MovementKind {
    fn from(kind: EcashKind) -> Self {
        match kind {
            EcashKind::Mint => Self::LightningIn,
            EcashKind::Melt => Self::LightningOut,
            EcashKind::Receive => Self::TokenIn,
            EcashKind::Send => Self::TokenOut,
        }
    }
}

/// Where a movement's money was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "wallet")]
pub enum WalletKind {
    /// The Lightning account at this server.
    Account,
    /// eCash of this mint.
    Ecash { mint: String },
}
