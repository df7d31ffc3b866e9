//! The vault: every secret of a profile encrypted at rest.
//!
//! Key hierarchy:
//!
//! ```text
//! passphrase ──Argon2id(KdfParams)──▶ key-encryption key
//!                                         │ seals (record "key")
//!                                         ▼
//!                                     data key (random, 32 bytes)
//!                                         │ seals
//!                                         ▼
//!                                     every secret (records "secret/<name>")
//! ```
//!
//! Changing the passphrase rewrites one record — the wrapped data key — in
//! one write, so it is atomic by construction: an interrupted change leaves
//! the profile opening with exactly the old or the new passphrase.
//!
//! The store sees only sealed secrets, the wrapped data key, and public
//! records. Record *names* are stored in the clear: name secrets by what
//! they are for ("seed", "nostr"), never by their content.

pub mod auto_lock;
pub mod backup;
pub(crate) mod base64_bytes;
pub mod error;
pub mod migrate;
pub mod records;
pub mod seal;
pub mod store;
pub mod throttle;

use std::collections::BTreeMap;
use std::fmt;

use zeroize::Zeroizing;

pub use auto_lock::{AutoLock, DEFAULT_AUTO_LOCK_MINUTES};
pub use error::VaultError;
pub use seal::KdfParams;
#[cfg(target_arch = "wasm32")]
pub use store::indexeddb::IndexedDbStore;
pub use store::memory::MemoryStore;
pub use store::VaultStore;

use auto_lock::AUTO_LOCK_RECORD;
use backup::{Backup, Bytes, BACKUP_FORMAT, BACKUP_VERSION};
use migrate::{decode_version, encode_version, migrate, MIGRATIONS, SCHEMA_VERSION};
use records::{
    public_name, secret_name, KeyRecord, KEY_RECORD, MAX_NAME_LEN, PUBLIC_PREFIX,
    SCHEMA_VERSION_RECORD, SECRET_PREFIX, THROTTLE_RECORD,
};
use seal::{Key, SealError, KEY_LEN};
use throttle::Throttle;

/// Where the vault stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VaultState {
    /// No passphrase was ever set: [`Vault::create`] is next.
    Empty,
    /// Secrets exist; the data key is not in memory.
    Locked,
    /// The data key is in memory: secrets can be read and written.
    Unlocked,
}

/// The data key when unlocked; nothing otherwise.
enum Keys {
    Empty,
    Locked,
    Unlocked(Key),
}

/// A profile's vault over a store `S`.
pub struct Vault<S: VaultStore> {
    store: S,
    keys: Keys,
}

impl<S: VaultStore> fmt::Debug for Vault<S> {
    /// Shows the state, never the key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

impl<S: VaultStore> Vault<S> {
    /// Opens the vault kept in `store`, bringing an older record layout up to
    /// date. A vault that has a passphrase opens [`VaultState::Locked`].
    pub async fn open(store: S) -> Result<Self, VaultError> {
        let version = store.get(SCHEMA_VERSION_RECORD).await?;
        let has_key = store.get(KEY_RECORD).await?.is_some();
        match version {
            None if has_key => {
                return Err(VaultError::Damaged {
                    name: SCHEMA_VERSION_RECORD.to_owned(),
                })
            }
            None => {}
            Some(bytes) => {
                let version = decode_version(&bytes)?;
                if version != SCHEMA_VERSION {
                    let mut records = read_all(&store).await?;
                    let batch = migrate(&mut records, version, MIGRATIONS)?;
                    if !batch.is_empty() {
                        store.put_all(batch).await?;
                    }
                }
            }
        }
        let keys = if has_key { Keys::Locked } else { Keys::Empty };
        Ok(Self { store, keys })
    }

    pub fn state(&self) -> VaultState {
        match self.keys {
            Keys::Empty => VaultState::Empty,
            Keys::Locked => VaultState::Locked,
            Keys::Unlocked(_) => VaultState::Unlocked,
        }
    }

    /// The store, e.g. to inspect what is at rest.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Gives the store back; the data key is wiped.
    pub fn into_store(self) -> S {
        self.store
    }

    /// Protects a new profile with `passphrase`: draws a data key, wraps it,
    /// and leaves the vault unlocked. Any non-empty passphrase is accepted;
    /// strength advice belongs to the interface.
    pub async fn create(&mut self, passphrase: &str, kdf: KdfParams) -> Result<(), VaultError> {
        if !matches!(self.keys, Keys::Empty) || self.store.get(KEY_RECORD).await?.is_some() {
            return Err(VaultError::AlreadyCreated);
        }
        if passphrase.is_empty() {
            return Err(VaultError::EmptyPassphrase);
        }
        let data_key = seal::random_key().map_err(|e| VaultError::from_seal(e, KEY_RECORD))?;
        let key_record = wrap(&data_key, passphrase, kdf)?;
        self.store
            .put_all(vec![
                (
                    SCHEMA_VERSION_RECORD.to_owned(),
                    encode_version(SCHEMA_VERSION),
                ),
                (KEY_RECORD.to_owned(), key_record),
                (
                    THROTTLE_RECORD.to_owned(),
                    encode_throttle(&Throttle::default()),
                ),
            ])
            .await?;
        self.keys = Keys::Unlocked(data_key);
        Ok(())
    }

    /// Unlocks with `passphrase` at time `now_ms` (milliseconds, any epoch
    /// as long as it is the same across calls, e.g. `Date.now()`).
    ///
    /// A wrong passphrase changes nothing but the persisted failure counter
    /// and returns [`VaultError::WrongPassphrase`]; after
    /// [`throttle::FREE_FAILURES`] of them each attempt must wait longer, and
    /// an attempt made too early returns [`VaultError::TooSoon`] without
    /// running Argon2id. Success resets the counter.
    pub async fn unlock(&mut self, passphrase: &str, now_ms: u64) -> Result<(), VaultError> {
        let data_key = self.check_passphrase(passphrase, now_ms).await?;
        self.keys = Keys::Unlocked(data_key);
        Ok(())
    }

    /// Wipes the data key from memory. Does nothing unless unlocked.
    pub fn lock(&mut self) {
        if matches!(self.keys, Keys::Unlocked(_)) {
            // Dropping the `Zeroizing` key wipes it.
            self.keys = Keys::Locked;
        }
    }

    /// Checks `passphrase` without changing the state, e.g. before an export.
    /// Wrong guesses count towards the same delay as [`Self::unlock`].
    pub async fn verify_passphrase(&self, passphrase: &str, now_ms: u64) -> Result<(), VaultError> {
        self.check_passphrase(passphrase, now_ms).await.map(drop)
    }

    /// Replaces the passphrase, and the KDF parameters with `kdf` (pass a
    /// fresh salt: [`KdfParams::recommended`] draws one). `old` is checked
    /// like an unlock attempt. Only the wrapped data key is rewritten, in one
    /// write; the state is unchanged.
    pub async fn change_passphrase(
        &mut self,
        old: &str,
        new: &str,
        kdf: KdfParams,
        now_ms: u64,
    ) -> Result<(), VaultError> {
        if new.is_empty() {
            return Err(VaultError::EmptyPassphrase);
        }
        kdf.check()
            .map_err(|e| VaultError::from_seal(e, KEY_RECORD))?;
        let data_key = self.check_passphrase(old, now_ms).await?;
        let key_record = wrap(&data_key, new, kdf)?;
        self.store
            .put_all(vec![(KEY_RECORD.to_owned(), key_record)])
            .await?;
        Ok(())
    }

    /// Seals and stores one secret, replacing any of the same name.
    pub async fn put_secret(&mut self, name: &str, secret: &[u8]) -> Result<(), VaultError> {
        self.put_secrets(&[(name, secret)]).await
    }

    /// Seals and stores several secrets at once: all of them or none.
    pub async fn put_secrets(&mut self, batch: &[(&str, &[u8])]) -> Result<(), VaultError> {
        let key = self.data_key()?;
        let mut records = Vec::with_capacity(batch.len());
        for (name, secret) in batch {
            check_name(name)?;
            let stored_name = secret_name(name);
            let sealed = seal::seal(key, &stored_name, secret)
                .map_err(|e| VaultError::from_seal(e, &stored_name))?;
            records.push((stored_name, sealed));
        }
        self.store.put_all(records).await?;
        Ok(())
    }

    /// The secret `name`, if there is one. A record that does not open with
    /// the data key (altered, or moved from another name) is reported as
    /// [`VaultError::Damaged`].
    pub async fn secret(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, VaultError> {
        let key = self.data_key()?;
        check_name(name)?;
        let stored_name = secret_name(name);
        let Some(sealed) = self.store.get(&stored_name).await? else {
            return Ok(None);
        };
        seal::open(key, &stored_name, &sealed)
            .map(Some)
            .map_err(|e| VaultError::from_seal(e, &stored_name))
    }

    /// Deletes the secret `name`; needs the vault unlocked.
    pub async fn delete_secret(&mut self, name: &str) -> Result<(), VaultError> {
        self.data_key()?;
        check_name(name)?;
        self.store.delete(&secret_name(name)).await?;
        Ok(())
    }

    /// The names of the stored secrets (names are not encrypted).
    pub async fn secret_names(&self) -> Result<Vec<String>, VaultError> {
        Ok(self
            .store
            .names()
            .await?
            .into_iter()
            .filter_map(|n| n.strip_prefix(SECRET_PREFIX).map(str::to_owned))
            .collect())
    }

    /// Stores `bytes` UNENCRYPTED under `name`, in any state.
    ///
    /// Only for data that may be read by anyone with access to the device:
    /// public keys (an npub), settings such as the auto-lock delay. Never a
    /// seed, a private key, a token or anything derived from them.
    pub async fn put_public(&mut self, name: &str, bytes: &[u8]) -> Result<(), VaultError> {
        self.put_publics(&[(name, bytes)]).await
    }

    /// Stores several public records at once: all of them or none (see
    /// [`Vault::put_public`]).
    pub async fn put_publics(&mut self, records: &[(&str, &[u8])]) -> Result<(), VaultError> {
        let mut batch = Vec::with_capacity(records.len() + 1);
        for (name, bytes) in records {
            check_name(name)?;
            batch.push((public_name(name), bytes.to_vec()));
        }
        if matches!(self.keys, Keys::Empty) {
            // Records written before `create` must still carry the layout
            // version, so a later version knows how to migrate them.
            batch.push((
                SCHEMA_VERSION_RECORD.to_owned(),
                encode_version(SCHEMA_VERSION),
            ));
        }
        self.store.put_all(batch).await?;
        Ok(())
    }

    /// The public record `name`, in any state.
    pub async fn public(&self, name: &str) -> Result<Option<Vec<u8>>, VaultError> {
        check_name(name)?;
        Ok(self.store.get(&public_name(name)).await?)
    }

    /// Deletes the public record `name`.
    pub async fn delete_public(&mut self, name: &str) -> Result<(), VaultError> {
        check_name(name)?;
        self.store.delete(&public_name(name)).await?;
        Ok(())
    }

    /// The auto-lock delay the user chose, in minutes (0 = never); the
    /// default if none was chosen or the setting cannot be read.
    pub async fn auto_lock_minutes(&self) -> Result<u32, VaultError> {
        Ok(self
            .public(AUTO_LOCK_RECORD)
            .await?
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or(DEFAULT_AUTO_LOCK_MINUTES))
    }

    /// Persists the auto-lock delay in minutes (0 = never).
    pub async fn set_auto_lock_minutes(&mut self, minutes: u32) -> Result<(), VaultError> {
        self.put_public(AUTO_LOCK_RECORD, minutes.to_string().as_bytes())
            .await
    }

    /// A backup of the whole profile: every record as stored (secrets still
    /// sealed), the wrapped data key and its KDF parameters, as JSON. Needs
    /// the vault unlocked; ask for the passphrase again with
    /// [`Self::verify_passphrase`] before offering the file.
    pub async fn export_backup(&self) -> Result<Vec<u8>, VaultError> {
        self.data_key()?;
        let mut records = read_all(&self.store).await?;
        let key = records
            .remove(KEY_RECORD)
            .ok_or(VaultError::NoVault)
            .and_then(|bytes| decode_key_record(&bytes))?;
        records.remove(SCHEMA_VERSION_RECORD);
        records.remove(THROTTLE_RECORD);
        Backup {
            format: BACKUP_FORMAT.to_owned(),
            version: BACKUP_VERSION,
            schema_version: SCHEMA_VERSION,
            key,
            records: records
                .into_iter()
                .map(|(name, bytes)| (name, Bytes(bytes)))
                .collect(),
        }
        .to_bytes()
    }

    /// Restores a backup into an empty `store`. Nothing is written unless
    /// `passphrase` opens the backup and every secret in it opens; then every
    /// record is written in one batch and the vault is returned unlocked.
    pub async fn import_backup(
        store: S,
        bytes: &[u8],
        passphrase: &str,
    ) -> Result<Vault<S>, VaultError> {
        let backup = Backup::from_bytes(bytes)?;
        if passphrase.is_empty() {
            return Err(VaultError::EmptyPassphrase);
        }
        let data_key = unwrap(&backup.key, passphrase).map_err(|e| match e {
            Unwrap::WrongPassphrase => VaultError::WrongPassphrase { retry_in_ms: 0 },
            Unwrap::Damaged(reason) => VaultError::BadBackup {
                reason: format!("its key is damaged ({reason})"),
            },
        })?;
        for (name, Bytes(sealed)) in &backup.records {
            let known_kind = name.starts_with(SECRET_PREFIX) || name.starts_with(PUBLIC_PREFIX);
            if !known_kind && backup.schema_version == SCHEMA_VERSION {
                return Err(VaultError::BadBackup {
                    reason: format!("it holds an unknown record \"{name}\""),
                });
            }
            if name.starts_with(SECRET_PREFIX) && seal::open(&data_key, name, sealed).is_err() {
                return Err(VaultError::BadBackup {
                    reason: format!("the secret \"{name}\" in it is damaged"),
                });
            }
        }
        if !store.names().await?.is_empty() {
            return Err(VaultError::NotEmpty);
        }
        let mut records: BTreeMap<String, Vec<u8>> = backup
            .records
            .into_iter()
            .map(|(name, Bytes(bytes))| (name, bytes))
            .collect();
        records.insert(KEY_RECORD.to_owned(), encode_key_record(&backup.key)?);
        records.insert(
            SCHEMA_VERSION_RECORD.to_owned(),
            encode_version(backup.schema_version),
        );
        migrate(&mut records, backup.schema_version, MIGRATIONS)?;
        records.insert(
            THROTTLE_RECORD.to_owned(),
            encode_throttle(&Throttle::default()),
        );
        store.put_all(records.into_iter().collect()).await?;
        Ok(Vault {
            store,
            keys: Keys::Unlocked(data_key),
        })
    }

    fn data_key(&self) -> Result<&Key, VaultError> {
        match &self.keys {
            Keys::Unlocked(key) => Ok(key),
            Keys::Locked => Err(VaultError::Locked),
            Keys::Empty => Err(VaultError::NoVault),
        }
    }

    /// Unwraps the data key with `passphrase`, enforcing and updating the
    /// wrong-passphrase delay.
    async fn check_passphrase(&self, passphrase: &str, now_ms: u64) -> Result<Key, VaultError> {
        let Some(key_bytes) = self.store.get(KEY_RECORD).await? else {
            return Err(VaultError::NoVault);
        };
        if passphrase.is_empty() {
            return Err(VaultError::EmptyPassphrase);
        }
        let key_record = decode_key_record(&key_bytes)?;
        // Read each time rather than cached: another tab may have failed too.
        let throttle = self.load_throttle().await?;
        let wait = throttle.wait_ms(now_ms);
        if wait > 0 {
            return Err(VaultError::TooSoon { retry_in_ms: wait });
        }
        match unwrap(&key_record, passphrase) {
            Ok(data_key) => {
                if throttle != Throttle::default() {
                    // Best effort: failing to reset the counter (e.g. a full
                    // disk) must not keep the owner out of their wallet.
                    let _ = self.save_throttle(&Throttle::default()).await;
                }
                Ok(data_key)
            }
            Err(Unwrap::WrongPassphrase) => {
                let failed = throttle.failed(now_ms);
                // Best effort too: if the counter cannot be saved (full
                // disk), "wrong passphrase" is still what the user must hear.
                // Someone able to fill the disk could as well delete it.
                let _ = self.save_throttle(&failed).await;
                Err(VaultError::WrongPassphrase {
                    retry_in_ms: Throttle::delay_after(failed.failures),
                })
            }
            Err(Unwrap::Damaged(_)) => Err(VaultError::Damaged {
                name: KEY_RECORD.to_owned(),
            }),
        }
    }

    async fn load_throttle(&self) -> Result<Throttle, VaultError> {
        // An unreadable counter restarts from zero: anyone able to alter it
        // could as well delete it, and refusing to unlock would only hurt
        // the owner.
        Ok(self
            .store
            .get(THROTTLE_RECORD)
            .await?
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default())
    }

    async fn save_throttle(&self, throttle: &Throttle) -> Result<(), VaultError> {
        self.store
            .put_all(vec![(
                THROTTLE_RECORD.to_owned(),
                encode_throttle(throttle),
            )])
            .await?;
        Ok(())
    }
}

/// Why the data key could not be unwrapped.
enum Unwrap {
    WrongPassphrase,
    Damaged(String),
}

/// Seals `data_key` under the key derived from `passphrase`; returns the
/// encoded key record.
fn wrap(data_key: &Key, passphrase: &str, kdf: KdfParams) -> Result<Vec<u8>, VaultError> {
    let kek =
        seal::derive_key(passphrase, &kdf).map_err(|e| VaultError::from_seal(e, KEY_RECORD))?;
    let wrapped_key = seal::seal(&kek, KEY_RECORD, data_key.as_ref())
        .map_err(|e| VaultError::from_seal(e, KEY_RECORD))?;
    encode_key_record(&KeyRecord { kdf, wrapped_key })
}

fn unwrap(record: &KeyRecord, passphrase: &str) -> Result<Key, Unwrap> {
    let kek =
        seal::derive_key(passphrase, &record.kdf).map_err(|e| Unwrap::Damaged(e.to_string()))?;
    let opened = seal::open(&kek, KEY_RECORD, &record.wrapped_key).map_err(|e| match e {
        // A wrong passphrase and an altered key record are
        // indistinguishable: both fail authentication.
        SealError::Open => Unwrap::WrongPassphrase,
        other => Unwrap::Damaged(other.to_string()),
    })?;
    let mut data_key = Zeroizing::new([0u8; KEY_LEN]);
    if opened.len() != KEY_LEN {
        return Err(Unwrap::Damaged(
            "the data key has the wrong length".to_owned(),
        ));
    }
    data_key.copy_from_slice(&opened);
    Ok(data_key)
}

fn encode_key_record(record: &KeyRecord) -> Result<Vec<u8>, VaultError> {
    serde_json::to_vec(record).map_err(|_| VaultError::Damaged {
        name: KEY_RECORD.to_owned(),
    })
}

fn decode_key_record(bytes: &[u8]) -> Result<KeyRecord, VaultError> {
    serde_json::from_slice(bytes).map_err(|_| VaultError::Damaged {
        name: KEY_RECORD.to_owned(),
    })
}

fn encode_throttle(throttle: &Throttle) -> Vec<u8> {
    // Two integers: serialising cannot fail.
    serde_json::to_vec(throttle).unwrap_or_default()
}

fn check_name(name: &str) -> Result<(), VaultError> {
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(VaultError::InvalidName {
            name: name.chars().take(MAX_NAME_LEN).collect(),
            max: MAX_NAME_LEN,
        });
    }
    Ok(())
}

async fn read_all<S: VaultStore>(store: &S) -> Result<BTreeMap<String, Vec<u8>>, VaultError> {
    let mut records = BTreeMap::new();
    for name in store.names().await? {
        if let Some(bytes) = store.get(&name).await? {
            records.insert(name, bytes);
        }
    }
    Ok(records)
}
