//! The Lightning account at this server: its balance, invoices and
//! payments, the user's name there, and the apps connected to it by Nostr
//! Wallet Connect (NIP-47).

use serde::{Deserialize, Serialize};

use crate::EcashState;

/// The user's Lightning account at this server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LightningAccount {
    /// Spendable sat (whole sats: a fraction of one is not spendable).
    pub balance: u64,
    /// Whether it pays and receives Lightning beyond this server (the
    /// server has a node); without, only other users of the server.
    pub lightning: bool,
}

/// An invoice that pays into the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInvoice {
    pub id: String,
    /// BOLT11.
    pub invoice: String,
    /// 0: the payer chooses.
    pub amount: u64,
    /// Seconds since the Unix epoch after which it cannot be paid.
    pub expiry: u64,
}

/// What paying an invoice from the account costs, before the user confirms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountQuote {
    pub invoice: String,
    pub amount: u64,
    /// The most the fee can be; what is not used comes back. 0 for another
    /// user of this server.
    pub fee_reserve: u64,
    /// Another user of this server: instant, no fee.
    pub internal: bool,
    pub description: Option<String>,
}

/// A payment from the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountPayment {
    pub id: String,
    pub amount: u64,
    /// The fee paid (0 while pending).
    pub fee: u64,
    pub state: EcashState,
    /// Why it failed, when it did (the money is back in the account).
    pub failure: Option<String>,
}

/// The user's name at this server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountName {
    pub name: String,
    /// `name@host`: their Lightning address (LUD-16) and NOSTR address
    /// (NIP-05).
    pub address: String,
}

/// An app connected to the account by Nostr Wallet Connect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletConnection {
    /// The connection's public key (hex).
    pub pubkey: String,
    pub name: String,
    pub methods: Vec<String>,
    /// `None`: no limit.
    pub budget_sat: Option<u64>,
    /// daily, weekly, monthly or never.
    pub budget_renewal: String,
    /// Spent in the budget's current period, fees included.
    pub spent_sat: u64,
    pub expires_at: Option<i64>,
    pub created_at: i64,
    pub revoked: bool,
}
