//! Reading what the user pastes: tokens, and whom to lock a token to.

use std::str::FromStr;

use cdk::nuts::{PublicKey, Token};

/// Why pasted text is not a token or a recipient. Shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("nothing was pasted")]
    Empty,
    #[error("this is not a Cashu token: a token starts with \"cashuA\" or \"cashuB\"")]
    NotAToken,
    #[error("this Cashu token is damaged ({0}): ask the sender to copy it again")]
    Damaged(String),
    #[error("this token holds tokens from several mints; receive them one mint at a time")]
    SeveralMints,
    #[error("this token is in {0}, and this wallet holds only sat")]
    WrongUnit(String),
    #[error("\"{0}\" is not an npub or a public key to lock the token to")]
    BadRecipient(String),
}

/// Parses a token as pasted or scanned: surrounding spaces, line breaks
/// inside it and a `cashu:` URI prefix are all forgiven.
pub fn parse(text: &str) -> Result<Token, TokenError> {
    let compact: String = text.split_whitespace().collect();
    let body = compact
        .strip_prefix("cashu:")
        .or_else(|| compact.strip_prefix("CASHU:"))
        .unwrap_or(&compact);
    if body.is_empty() {
        return Err(TokenError::Empty);
    }
    if !(body.starts_with("cashuA") || body.starts_with("cashuB")) {
        return Err(TokenError::NotAToken);
    }
    let token = Token::from_str(body).map_err(|error| TokenError::Damaged(error.to_string()))?;
    if let Token::TokenV3(v3) = &token {
        if v3.is_multi_mint() {
            return Err(TokenError::SeveralMints);
        }
    }
    // A token must say which mint and how much before anything else.
    token
        .mint_url()
        .map_err(|error| TokenError::Damaged(error.to_string()))?;
    token
        .value()
        .map_err(|error| TokenError::Damaged(error.to_string()))?;
    match token.unit() {
        None | Some(cdk::nuts::CurrencyUnit::Sat) => Ok(token),
        Some(unit) => Err(TokenError::WrongUnit(unit.to_string())),
    }
}

/// The key a token is locked to (NUT-11): an npub, or a public key in hex
/// (33-byte compressed, or a 32-byte NOSTR x-only key, taken as even, the
/// convention Cashu wallets follow for NOSTR keys).
pub fn recipient(text: &str) -> Result<PublicKey, TokenError> {
    let text = text.trim();
    let bad = || TokenError::BadRecipient(text.to_owned());
    let x_only = if text.starts_with("npub1") {
        nostr::PublicKey::parse(text).map_err(|_| bad())?.to_hex()
    } else {
        text.to_ascii_lowercase()
    };
    let compressed = match x_only.len() {
        64 => format!("02{x_only}"),
        66 => x_only,
        _ => return Err(bad()),
    };
    PublicKey::from_hex(&compressed).map_err(|_| bad())
}
