//! Lightning invoices, Lightning addresses and LNURL-pay (LUD-06/16), and
//! zaps (NIP-57): what is read before paying from either wallet.

use serde::{Deserialize, Serialize};

/// A Lightning invoice as read before paying it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceDetails {
    /// `None`: the payer chooses how much.
    pub amount: Option<u64>,
    pub description: Option<String>,
    /// Seconds since the Unix epoch after which it cannot be paid.
    pub expiry: u64,
}

/// What a Lightning address or LNURL-pay code offers, as its server said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayeeOffer {
    /// What the user gave (the address or code).
    pub payee: String,
    /// The server that answered.
    pub host: String,
    /// The payee's own words (the metadata's `text/plain`).
    pub description: String,
    /// The address the metadata names (`text/identifier`), if any.
    pub identifier: Option<String>,
    /// The least and most it takes, in sat.
    pub min: u64,
    pub max: u64,
    /// How long a comment may be, in characters (0: none taken).
    pub comment_allowed: usize,
    /// Where the invoice is asked for, and the metadata its description
    /// hash must commit to.
    pub callback: String,
    pub metadata: String,
    /// Whether its server announces payments as zaps (NIP-57's
    /// `allowsNostr`), and the key its receipts are signed with (hex).
    /// A server that says it does but names no valid key does not.
    #[serde(default)]
    pub allows_nostr: bool,
    #[serde(default)]
    pub nostr_pubkey: Option<String>,
}

/// Who (and what) a zap is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Zap {
    /// The person zapped: their NOSTR key (hex or npub).
    pub recipient: String,
    /// The event zapped, if one is (hex or note/nevent).
    #[serde(default)]
    pub event: Option<String>,
}
