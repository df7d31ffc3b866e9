//! Why the engine could not do what was asked: one code per thing the app
//! can act on, and words for the user.

use serde::{Deserialize, Serialize};

use crate::MnemonicProblem;

/// Why the engine could not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum EngineError {
    #[error("the engine could not read a message from the app: {reason}")]
    MalformedMessage { reason: String },
    #[error("{message}")]
    BadMnemonic {
        problem: MnemonicProblem,
        message: String,
    },
    #[error("those are not the words at the positions asked: check your written copy")]
    BackupMismatch,
    #[error("wrong passphrase{}", retry_hint(*retry_in_ms))]
    WrongPassphrase { retry_in_ms: u64 },
    #[error("too many wrong passphrases: try again in {} s", retry_in_ms.div_ceil(1000))]
    TooSoon { retry_in_ms: u64 },
    #[error("the wallet is locked: unlock it first")]
    Locked,
    #[error("there is already a wallet in this browser")]
    AlreadyExists,
    #[error("there is no wallet in this browser yet")]
    NoWallet,
    #[error("the extension refused or failed: {reason}")]
    Extension { reason: String },
    #[error("{reason}")]
    RemoteSigner { reason: String },
    #[error("{reason}")]
    Messaging { reason: String },
    /// An eCash operation failed; `message` says what happened to the money
    /// (always: nothing was lost).
    #[error("{message}")]
    Ecash { message: String },
    /// The token's mint is not trusted yet: ask before receiving.
    #[error("this token is from {mint}, a mint you have not used before")]
    UnknownMint { mint: String },
    /// Not enough eCash at `mint` for what was asked: the user can fund it
    /// or ask for less.
    #[error("not enough eCash at {mint}: {available} sat available")]
    InsufficientFunds { mint: String, available: u64 },
    /// A mint could not be reached, or took too long; nothing was lost and
    /// the user can try again later.
    #[error("{message}")]
    MintUnreachable { message: String },
    /// The account's server refused or failed; `code` is what the app
    /// branches on (`insufficient_balance`, `invoice_expired`,
    /// `unreachable`, …), `message` says it in words, and what happened to
    /// the money (nothing was lost).
    #[error("{message}")]
    Account { code: String, message: String },
    /// A Lightning address or LNURL could not be paid; `code` says why
    /// (`not_a_payee`, `amount_out_of_bounds`, `comment_too_long`,
    /// `refused`, `invoice_mismatch`, `zaps_not_taken`, …). Nothing was
    /// paid.
    #[error("{message}")]
    Payee { code: String, message: String },
    /// The command's input was refused; `message` says why, and `field`,
    /// when the engine knows, which input to fix, for the app to show the
    /// reason beside it.
    #[error("{message}")]
    Invalid {
        // Left out when unknown, so the message reads as it did before
        // fields were named.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        field: Option<Field>,
        message: String,
    },
    #[error("the browser's storage failed: {message}")]
    Storage { message: String },
}

/// Which input of a command [`EngineError::Invalid`] refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// An amount of sat.
    Amount,
    /// A mint's address.
    Mint,
    /// An eCash token.
    Token,
    /// A Lightning invoice.
    Invoice,
    /// Someone named: an npub, nprofile, hex key or NOSTR address (a
    /// recipient, a contact, whom a token is locked to, an npub to watch).
    Person,
    /// What was typed into a search.
    Query,
    /// A relay's address.
    Relay,
    /// A NOSTR secret key to import (`nsec1…`, `ncryptsec1…`) or the
    /// password that opens it.
    Key,
    /// A field this app does not know of (named by a newer engine): the
    /// message still says what is wrong.
    #[serde(other)]
    Other,
}

fn retry_hint(retry_in_ms: u64) -> String {
    match retry_in_ms {
        0 => String::new(),
        ms => format!(": try again in {} s", ms.div_ceil(1000)),
    }
}
