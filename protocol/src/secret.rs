//! A passphrase, mnemonic, key, connection secret or eCash token (bearer
//! money), or a private message's text, on its way across the protocol: it
//! never shows in `Debug`, so not in a log or in an error's words, and its
//! memory is wiped once dropped.

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

/// A secret string. On the wire it is the plain JSON string it wraps, so a
/// message reads the same as before it was typed so; in Rust only
/// [`Secret::expose`] reads it.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The secret itself, for the one place that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(secret: String) -> Self {
        Self(secret)
    }
}

impl From<&str> for Secret {
    fn from(secret: &str) -> Self {
        Self(secret.to_owned())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}
