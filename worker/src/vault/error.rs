//! What the vault can fail with, worded for the person using the app.

use super::seal::SealError;
use crate::storage::StoreError;

/// Why a vault operation failed. Every message says what to do next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    #[error(transparent)]
    Store(#[from] StoreError),

    #[error("The passphrase is empty: choose a passphrase to protect this profile.")]
    EmptyPassphrase,

    /// Nothing changed but the wrong-passphrase counter.
    #[error("Wrong passphrase.{}", wait_hint(*retry_in_ms))]
    WrongPassphrase { retry_in_ms: u64 },

    /// Refused without trying the passphrase.
    #[error("Too many wrong passphrases.{}", wait_hint(*retry_in_ms))]
    TooSoon { retry_in_ms: u64 },

    #[error("The profile is locked: unlock it with your passphrase first.")]
    Locked,

    #[error("This profile has no vault yet: create one with a passphrase first.")]
    NoVault,

    #[error("This profile already has a vault: unlock it, or change its passphrase.")]
    AlreadyCreated,

    #[error(
        "The stored record \"{name}\" is damaged or was altered, so it cannot be read. \
         Restore this profile from a backup."
    )]
    Damaged { name: String },

    #[error(
        "This profile was saved by a newer version of Flash (format {found}; this version \
         reads up to {supported}). Update Flash to open it."
    )]
    NewerSchema { found: u32, supported: u32 },

    #[error("This file is not a usable Flash backup: {reason}.")]
    BadBackup { reason: String },

    #[error("This profile already holds data: restore the backup into a new, empty profile.")]
    NotEmpty,

    #[error("\"{name}\" is not a valid record name: use 1 to {max} bytes.")]
    InvalidName { name: String, max: usize },

    #[error("The key-derivation settings are not usable: {0}.")]
    KdfParams(String),

    #[error("The browser could not provide secure random numbers ({0}); try another browser.")]
    Random(String),
}

fn wait_hint(retry_in_ms: u64) -> String {
    if retry_in_ms == 0 {
        String::new()
    } else {
        format!(
            " Wait {} s before trying again.",
            retry_in_ms.div_ceil(1_000)
        )
    }
}

impl VaultError {
    /// Maps a failure to seal or open a record named `name`.
    pub(crate) fn from_seal(error: SealError, name: &str) -> Self {
        match error {
            SealError::Random(reason) => Self::Random(reason),
            SealError::KdfParams(reason) => Self::KdfParams(reason),
            SealError::Open | SealError::Malformed(_) => Self::Damaged {
                name: name.to_owned(),
            },
        }
    }
}
