//! How messaging's records are kept at rest: the outbox, and the index of
//! the history (the list, threads, wraps opened, read markers).
//!
//! An outbox record names every recipient (a gift wrap's `p` tag), and the
//! index who the user talks with, so neither reaches storage in the clear.
//! With a passphrase, they are the vault's secrets. A profile whose key is
//! in a NIP-07 extension has no passphrase, hence no vault key: they are
//! sealed under a key of its own, kept among the vault's public records
//! encrypted (NIP-44) by the extension to the user's own key, so only the
//! extension gives it back. Without that, each unlock would ask the
//! extension to open the whole history again.
//!
//! Outboxes kept before this are a public record in the clear: read once,
//! then kept the new way and deleted.

use bitcoin::hex::{DisplayHex, FromHex};
use nostr::signer::SignerError;
use nostr::{NostrSigner, PublicKey};
use zeroize::Zeroizing;

use crate::vault::seal::{self, Key};
use crate::vault::{Vault, VaultError, VaultState, VaultStore};

/// The outbox: a secret under the vault's key, or a public record sealed
/// under the profile's own outbox key.
const OUTBOX: &str = "messaging/outbox";
/// The profile's own outbox key, NIP-44 encrypted to the user by the
/// extension (public).
const OWN_KEY: &str = "messaging/outbox-key";
/// What the outbox is sealed under with the profile's own key (public).
const SEALED_OUTBOX: &str = "messaging/outbox-sealed";

/// Why the outbox cannot be read or kept.
#[derive(Debug, thiserror::Error)]
pub enum AtRestError {
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// The signer would not encrypt or decrypt the outbox key.
    #[error(
        "the signer did not give the outbox's key ({0}): undelivered messages wait until it does"
    )]
    Signer(String),
    /// The outbox key or the sealed outbox does not open.
    #[error("the kept outbox is damaged ({0})")]
    Damaged(String),
}

/// Where a record sealed under the profile's own key is kept (public).
fn sealed_name(name: &str) -> String {
    format!("sealed/{name}")
}

/// What the profile's messaging records are kept under this session.
#[derive(Clone)]
pub enum AtRestKey {
    /// The vault's data key: the outbox is a secret.
    Vault,
    /// The profile's own outbox key.
    Own(Key),
}

/// The outbox as kept: the record, and whether an outbox from before (in
/// the clear) is still there to be moved.
pub struct Kept {
    pub record: Option<Zeroizing<Vec<u8>>>,
    pub in_the_clear: Option<Vec<u8>>,
}

/// Where this profile's outbox key comes from.
pub enum KeySource {
    /// The vault has a key.
    Vault,
    /// The profile's own key: wrapped, or not made yet.
    Own(Option<String>),
}

impl KeySource {
    /// What `vault` says.
    pub async fn of<S: VaultStore>(vault: &Vault<S>) -> Result<KeySource, AtRestError> {
        if vault.state() == VaultState::Unlocked {
            return Ok(KeySource::Vault);
        }
        let wrapped = vault
            .public(OWN_KEY)
            .await?
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
        Ok(KeySource::Own(wrapped))
    }

    /// The key, unwrapped by `signer` for the user `me` (or made, and then
    /// returned wrapped too, to keep with
    /// [`AtRestKey::keep_wrapped`]). Asks the signer outside the vault's
    /// lock: an extension may wait for the user.
    pub async fn key(
        self,
        signer: &dyn NostrSigner,
        me: &PublicKey,
    ) -> Result<(AtRestKey, Option<String>), AtRestError> {
        let signer_error = |error: SignerError| AtRestError::Signer(error.to_string());
        match self {
            KeySource::Vault => Ok((AtRestKey::Vault, None)),
            KeySource::Own(Some(wrapped)) => {
                let hex = Zeroizing::new(
                    signer
                        .nip44_decrypt(me, &wrapped)
                        .await
                        .map_err(signer_error)?,
                );
                let key = <[u8; 32]>::from_hex(&hex)
                    .map(Zeroizing::new)
                    .map_err(|_| AtRestError::Damaged("its key is not a key".to_owned()))?;
                Ok((AtRestKey::Own(key), None))
            }
            KeySource::Own(None) => {
                let key =
                    seal::random_key().map_err(|error| AtRestError::Damaged(error.to_string()))?;
                let hex = Zeroizing::new(key.to_lower_hex_string());
                let wrapped = signer.nip44_encrypt(me, &hex).await.map_err(signer_error)?;
                Ok((AtRestKey::Own(key), Some(wrapped)))
            }
        }
    }
}

impl AtRestKey {
    /// Keeps a new own key's wrapped form.
    pub async fn keep_wrapped<S: VaultStore>(
        vault: &mut Vault<S>,
        wrapped: &str,
    ) -> Result<(), AtRestError> {
        Ok(vault.put_public(OWN_KEY, wrapped.as_bytes()).await?)
    }

    /// The outbox as `vault` keeps it.
    pub async fn read<S: VaultStore>(&self, vault: &Vault<S>) -> Result<Kept, AtRestError> {
        let record = match self {
            AtRestKey::Vault => vault.secret(OUTBOX).await?,
            AtRestKey::Own(key) => match vault.public(SEALED_OUTBOX).await? {
                Some(sealed) => Some(
                    seal::open(key, SEALED_OUTBOX, &sealed)
                        .map_err(|error| AtRestError::Damaged(error.to_string()))?,
                ),
                None => None,
            },
        };
        Ok(Kept {
            record,
            in_the_clear: vault.public(OUTBOX).await?,
        })
    }

    /// The record `name`, if there is one.
    pub async fn record<S: VaultStore>(
        &self,
        vault: &Vault<S>,
        name: &str,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, AtRestError> {
        match self {
            AtRestKey::Vault => Ok(vault.secret(name).await?),
            AtRestKey::Own(key) => {
                let name = sealed_name(name);
                let Some(sealed) = vault.public(&name).await? else {
                    return Ok(None);
                };
                seal::open(key, &name, &sealed)
                    .map(Some)
                    .map_err(|error| AtRestError::Damaged(error.to_string()))
            }
        }
    }

    /// Keeps the records of `batch`: all of them or none.
    pub async fn put_records<S: VaultStore>(
        &self,
        vault: &mut Vault<S>,
        batch: &[(&str, &[u8])],
    ) -> Result<(), AtRestError> {
        match self {
            AtRestKey::Vault => Ok(vault.put_secrets(batch).await?),
            AtRestKey::Own(key) => {
                let mut sealed = Vec::with_capacity(batch.len());
                for (name, record) in batch {
                    let name = sealed_name(name);
                    let record = seal::seal(key, &name, record)
                        .map_err(|error| AtRestError::Damaged(error.to_string()))?;
                    sealed.push((name, record));
                }
                let sealed: Vec<(&str, &[u8])> = sealed
                    .iter()
                    .map(|(name, record)| (name.as_str(), record.as_slice()))
                    .collect();
                Ok(vault.put_publics(&sealed).await?)
            }
        }
    }

    /// Deletes the record `name`.
    pub async fn delete_record<S: VaultStore>(
        &self,
        vault: &mut Vault<S>,
        name: &str,
    ) -> Result<(), AtRestError> {
        match self {
            AtRestKey::Vault => Ok(vault.delete_secret(name).await?),
            AtRestKey::Own(_) => Ok(vault.delete_public(&sealed_name(name)).await?),
        }
    }

    /// Keeps `record` as the outbox, and deletes one from before, in the
    /// clear, once this one is kept.
    pub async fn write<S: VaultStore>(
        &self,
        vault: &mut Vault<S>,
        record: &[u8],
        in_the_clear: bool,
    ) -> Result<(), AtRestError> {
        match self {
            AtRestKey::Vault => vault.put_secret(OUTBOX, record).await?,
            AtRestKey::Own(key) => {
                let sealed = seal::seal(key, SEALED_OUTBOX, record)
                    .map_err(|error| AtRestError::Damaged(error.to_string()))?;
                vault.put_public(SEALED_OUTBOX, &sealed).await?;
            }
        }
        if in_the_clear {
            vault.delete_public(OUTBOX).await?;
        }
        Ok(())
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::vault::{KdfParams, MemoryStore};
    use futures::executor::block_on;

    #[test]
    fn an_outbox_kept_in_the_clear_is_read_then_kept_sealed_and_deleted() {
        block_on(async {
            let mut vault = Vault::open(MemoryStore::new()).await.unwrap();
            vault
                .create("a passphrase", KdfParams::for_tests().unwrap())
                .await
                .unwrap();
            vault.put_public(OUTBOX, b"[\"before\"]").await.unwrap();
            let KeySource::Vault = KeySource::of(&vault).await.unwrap() else {
                panic!("an unlocked vault keeps the outbox as a secret");
            };
            let key = AtRestKey::Vault;
            let kept = key.read(&vault).await.unwrap();
            assert!(kept.record.is_none());
            assert_eq!(kept.in_the_clear.as_deref(), Some(&b"[\"before\"]"[..]));

            key.write(&mut vault, b"[\"after\"]", true).await.unwrap();
            let kept = key.read(&vault).await.unwrap();
            assert_eq!(
                kept.record.as_deref().map(Vec::as_slice),
                Some(&b"[\"after\"]"[..])
            );
            assert!(kept.in_the_clear.is_none());
            for (_, value) in vault.store().snapshot() {
                assert!(!String::from_utf8_lossy(&value).contains("after"));
            }
        });
    }
}
