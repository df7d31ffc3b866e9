//! The Lightning account this server holds for the user: a client of the
//! server's `/api/account` (see `server/src/accounts/`), every request
//! signed by NIP-98 with whichever signer the user has.
//!
//! The server keeps the ledger; the engine keeps only what it must not
//! lose: a payment the user confirmed, written down before the server hears
//! of it ([`pending`]), so an answer lost to a closed tab is asked for again
//! under the same idempotency key instead of paying twice.

pub mod api;
pub mod changes;
pub mod client;
pub mod nip98;
pub mod pending;

pub use client::AccountClient;

use crate::fetch::FetchError;

/// The code of [`AccountError::NotOffered`].
pub const NOT_OFFERED: &str = "not_offered";

/// Why the account could not do what was asked. Every variant leaves the
/// money where it was: the server moves it only in its own transactions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("this server offers no Lightning account")]
    NotOffered,
    #[error("the server could not be reached ({0}): nothing moved; try again")]
    Unreachable(String),
    #[error("the server did not answer in time: nothing moved unless the history says so")]
    TimedOut,
    /// The server refused, with its machine-readable `code`.
    #[error("{message}")]
    Refused { code: String, message: String },
    #[error("the server answered something that is not its account API: {0}")]
    BadAnswer(String),
    #[error("your signer did not sign the request: {0}")]
    Signer(String),
}

/// A fetch's limits in the account's words: past its deadline the server
/// did not answer in time, past its size it answered no API.
impl From<FetchError> for AccountError {
    fn from(error: FetchError) -> Self {
        match error {
            FetchError::TimedOut(_) => Self::TimedOut,
            FetchError::TooLarge(max) => Self::BadAnswer(format!("an answer over {max} bytes")),
            other => Self::Unreachable(other.to_string()),
        }
    }
}

impl AccountError {
    /// What the app branches on.
    pub fn code(&self) -> &str {
        match self {
            Self::NotOffered => NOT_OFFERED,
            Self::Unreachable(_) => "unreachable",
            Self::TimedOut => "timed_out",
            Self::Refused { code, .. } => code,
            Self::BadAnswer(_) => "bad_answer",
            Self::Signer(_) => "signer",
        }
    }

    /// A refusal in the user's words: the server's `message` is for
    /// developers.
    pub(crate) fn refused(code: &str, server_message: &str) -> Self {
        let message = match code {
            "insufficient_balance" => "not enough in your account for this payment and its fee",
            "invoice_invalid" => "this is not a Lightning invoice",
            "invoice_wrong_network" => {
                "this invoice is for another Bitcoin network than this server's"
            }
            "invoice_expired" => "this invoice has expired: ask for a new one",
            "amount_required" => "this invoice has no amount: say how much to pay",
            "amount_mismatch" => "this invoice names its own amount: pay it as it is",
            "amount_out_of_range" => "this amount is outside what this server allows",
            "own_invoice" => "this is your own invoice",
            "invoice_not_payable" => "this invoice of this server is paid already, or expired",
            "invoice_already_paid" => "this invoice is already paid",
            "lightning_unavailable" => "this server's Lightning node is not available right now",
            "payment_failed" => "the payment failed, and its money is back in your account",
            "rate_limited" => "too many requests: wait a moment and try again",
            "auth_stale" => {
                "the server did not accept your signature's time: check your device's clock"
            }
            "auth_bad_signature" | "auth_wrong_request" | "auth_wrong_payload" => {
                "the server did not accept your signature"
            }
            "unavailable" => "the server is having trouble: try again in a moment",
            "payload_too_large" => "this request is larger than the server takes",
            _ => server_message,
        };
        Self::Refused {
            code: code.to_owned(),
            message: format!("{message} (nothing moved)"),
        }
    }
}
