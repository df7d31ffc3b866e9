//! The names under which the vault keeps its records, and the formats of its
//! own (non-secret) records.
//!
//! ```text
//! schema_version    public   JSON number: the layout of the records below
//! key               public   JSON: KDF parameters + data key sealed by the passphrase key
//! unlock_failures   public   JSON: the wrong-passphrase counter (see `throttle`)
//! secret/<name>     sealed   a secret, sealed by the data key
//! public/<name>     public   data the caller declared public
//! ```

use serde::{Deserialize, Serialize};

use super::seal::KdfParams;

/// The layout version of the records; see `migrate`.
pub const SCHEMA_VERSION_RECORD: &str = "schema_version";
/// The wrapped data key and how to derive the key that unwraps it.
pub const KEY_RECORD: &str = "key";
/// The wrong-passphrase counter.
pub const THROTTLE_RECORD: &str = "unlock_failures";
/// Prefix of sealed secrets.
pub const SECRET_PREFIX: &str = "secret/";
/// Prefix of public records.
pub const PUBLIC_PREFIX: &str = "public/";

/// Longest name a caller may give a secret or a public record.
pub const MAX_NAME_LEN: usize = 200;

/// The data key, sealed under the key derived from the passphrase.
///
/// Changing the passphrase rewrites only this record, in one write: the
/// profile opens with either the old or the new passphrase, never neither.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    pub kdf: KdfParams,
    #[serde(with = "crate::vault::base64_bytes")]
    pub wrapped_key: Vec<u8>,
}

/// The store name of a caller's secret.
pub fn secret_name(name: &str) -> String {
    format!("{SECRET_PREFIX}{name}")
}

/// The store name of a caller's public record.
pub fn public_name(name: &str) -> String {
    format!("{PUBLIC_PREFIX}{name}")
}
