//! The backup file: the whole profile as stored, in one JSON document.
//!
//! Secrets stay sealed by the data key and the data key stays wrapped by the
//! passphrase key, so the file is as safe as the profile at rest — and as
//! weak as its passphrase. Public records are in it in the clear, like they
//! are at rest.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::VaultError;
use super::records::KeyRecord;

/// What the `format` field must say.
pub const BACKUP_FORMAT: &str = "flash-vault-backup";
/// The version of this file format; a newer one is refused, not misread.
pub const BACKUP_VERSION: u32 = 1;

/// Bytes written as base64 in JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Bytes(#[serde(with = "crate::vault::base64_bytes")] pub Vec<u8>);

/// A backup of one profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backup {
    pub format: String,
    pub version: u32,
    /// The record layout of `records`; older layouts are migrated on import.
    pub schema_version: u32,
    /// KDF parameters and the wrapped data key.
    pub key: KeyRecord,
    /// Every other record as stored: `secret/…` sealed, `public/…` clear.
    pub records: BTreeMap<String, Bytes>,
}

impl Backup {
    pub fn to_bytes(&self) -> Result<Vec<u8>, VaultError> {
        serde_json::to_vec_pretty(self).map_err(|e| VaultError::BadBackup {
            reason: e.to_string(),
        })
    }

    /// Reads a backup file, refusing anything that is not one this version
    /// understands.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VaultError> {
        #[derive(Deserialize)]
        struct Header {
            format: Option<String>,
            version: Option<u32>,
        }
        let header: Header = serde_json::from_slice(bytes).map_err(|_| VaultError::BadBackup {
            reason: "it is not a JSON document".to_owned(),
        })?;
        if header.format.as_deref() != Some(BACKUP_FORMAT) {
            return Err(VaultError::BadBackup {
                reason: "it is not a Flash vault backup".to_owned(),
            });
        }
        match header.version {
            Some(v) if v > BACKUP_VERSION => {
                return Err(VaultError::BadBackup {
                    reason: format!(
                        "it was made by a newer version of Flash (backup format {v}); update Flash"
                    ),
                })
            }
            Some(_) => {}
            None => {
                return Err(VaultError::BadBackup {
                    reason: "it has no format version".to_owned(),
                })
            }
        }
        serde_json::from_slice(bytes).map_err(|e| VaultError::BadBackup {
            reason: format!("it is damaged ({e})"),
        })
    }
}
