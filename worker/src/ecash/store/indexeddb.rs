//! The eCash store's records in the profile's IndexedDB database (see
//! `storage::schema`), object store `cashu`: each record under a keyed hash
//! of its key, its value sealed as a `Uint8Array`.
//!
//! The keys are hashed because they are not all harmless: a mint quote's id
//! is a bearer credential at a mint without NUT-20 (whoever has it can take
//! what was paid), and a mint's URL or a proof's Y tells where the money is.
//! The hash is an HMAC-SHA256 under a key derived from the store's key, so
//! no one without it can test a guess. A record's own key is inside its
//! value, read back on load. Records kept before the keys were hashed (under
//! their key in the clear: it holds a `/`, a hash never does) are moved to
//! their hash the first time the store is opened.
//!
//! Sealing is the vault's (XChaCha20-Poly1305, `vault::seal`) under the
//! 32-byte key the engine passes in, bound to the name `cashu/<stored key>`:
//! a value copied to another key, or a vault record sealed under the same
//! key, fails to open instead of being read as something it is not. A
//! proof's secret is the money itself, so nothing of a record reaches
//! IndexedDB unsealed.

use async_trait::async_trait;
use bitcoin::hashes::hmac::{Hmac, HmacEngine};
use bitcoin::hashes::{sha256, Hash, HashEngine};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use js_sys::Uint8Array;
use send_wrapper::SendWrapper;
use wasm_bindgen::{JsCast, JsValue};
use zeroize::Zeroizing;

use super::record::{decode, encode};
use super::{Change, Persistence, Record};
use crate::storage::indexeddb::{commit, store_error, Connection};
use crate::storage::schema::CASHU as OBJECT_STORE;
use crate::storage::StoreError;
use crate::vault::seal::{self, Key, SealError};

/// The name a record's value is sealed under, by the key it is stored at.
fn sealed_name(stored_key: &str) -> String {
    format!("cashu/{stored_key}")
}

/// What the key of the stored keys' HMAC is derived with, from the store's
/// key: the two keys serve different purposes.
const NAMES_KEY_LABEL: &[u8] = b"flash-web cashu stored keys";

/// Keys stored in the clear, before they were hashed, hold a `/`.
fn is_clear(stored_key: &str) -> bool {
    stored_key.contains('/')
}

/// A profile's eCash records in IndexedDB. Dropping it closes its connection.
pub struct IndexedDbPersistence {
    /// cdk takes its database as `Send + Sync`, which a JavaScript object is
    /// not. A wasm32 worker has a single thread, so the connection never
    /// leaves it; `SendWrapper` checks that rather than assuming it.
    connection: SendWrapper<Connection>,
    key: Key,
    /// The key of the stored keys' HMAC.
    names: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for IndexedDbPersistence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexedDbPersistence")
            .finish_non_exhaustive()
    }
}

impl IndexedDbPersistence {
    /// Opens (creating or upgrading if needed) the database of `profile_id`;
    /// records are sealed and opened with `key`.
    pub async fn open(profile_id: &str, key: Key) -> Result<Self, StoreError> {
        let names = Zeroizing::new(hmac(&key[..], NAMES_KEY_LABEL));
        Ok(Self {
            connection: SendWrapper::new(Connection::open_profile(profile_id).await?),
            key,
            names,
        })
    }

    /// Where the record `key` is stored.
    fn stored_key(&self, key: &str) -> String {
        let hash = hmac(&self.names[..], key.as_bytes());
        hash.iter().map(|byte| format!("{byte:02x}")).collect()
    }

    /// The record `key`'s value, sealed for `stored_key`.
    fn seal(&self, key: &str, stored_key: &str, record: &Record) -> Result<JsValue, StoreError> {
        let plain = encode(key, record)?;
        let sealed = seal::seal(&self.key, &sealed_name(stored_key), &plain).map_err(|error| {
            StoreError::Failed {
                reason: error.to_string(),
            }
        })?;
        Ok(Uint8Array::from(sealed.as_slice()).into())
    }

    /// The record stored at `stored_key`.
    fn open_sealed(&self, stored_key: &str, value: JsValue) -> Result<Record, StoreError> {
        let malformed = || StoreError::Malformed {
            name: stored_key.to_owned(),
        };
        let sealed = value.dyn_into::<Uint8Array>().map_err(|_| malformed())?;
        let plain =
            seal::open(&self.key, &sealed_name(stored_key), &sealed.to_vec()).map_err(|error| {
                match error {
                    SealError::Random(reason) => StoreError::Failed { reason },
                    _ => malformed(),
                }
            })?;
        decode(stored_key, &plain)
    }

    /// Moves records kept under their key in the clear to its hash, in one
    /// transaction: all of them or none, so a failure leaves them readable.
    async fn hash_clear_keys(&self, clear: &[(String, Record)]) -> Result<(), StoreError> {
        let tx = self
            .connection
            .transaction(OBJECT_STORE, TransactionMode::Readwrite)?;
        let store = tx.object_store(OBJECT_STORE).map_err(store_error)?;
        for (old, record) in clear {
            let key = record.key();
            let stored_key = self.stored_key(&key);
            let _put = store
                .put(self.seal(&key, &stored_key, record)?)
                .with_key(stored_key.as_str())
                .without_key_type()
                .primitive()
                .map_err(store_error)?;
            let _delete = store
                .delete::<&str, _>(old.as_str())
                .primitive()
                .map_err(store_error)?;
        }
        commit(tx).await
    }
}

/// HMAC-SHA256 of `data` under `key`.
fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut engine = HmacEngine::<sha256::Hash>::new(key);
    engine.input(data);
    Hmac::<sha256::Hash>::from_engine(engine).to_byte_array()
}

#[async_trait(?Send)]
impl Persistence for IndexedDbPersistence {
    async fn load(&self) -> Result<Vec<(String, Record)>, StoreError> {
        let tx = self
            .connection
            .transaction(OBJECT_STORE, TransactionMode::Readonly)?;
        let store = tx.object_store(OBJECT_STORE).map_err(store_error)?;
        // Both requests run in one transaction, so they see the same records,
        // each in key order.
        let keys = store
            .get_all_keys::<JsValue>()
            .primitive()
            .map_err(store_error)?;
        let values = store
            .get_all::<JsValue>()
            .primitive()
            .map_err(store_error)?;
        let keys = keys.await.map_err(store_error)?;
        let values = values.await.map_err(store_error)?;
        let mut records = Vec::new();
        let mut clear = Vec::new();
        for (stored_key, value) in keys.zip(values) {
            let stored_key = stored_key.map_err(store_error)?;
            let stored_key = stored_key
                .as_string()
                .ok_or_else(|| StoreError::Malformed {
                    name: format!("{stored_key:?}"),
                })?;
            let record = self.open_sealed(&stored_key, value.map_err(store_error)?)?;
            if is_clear(&stored_key) {
                clear.push((stored_key, record.clone()));
            }
            records.push((record.key(), record));
        }
        drop(store);
        drop(tx);
        if !clear.is_empty() {
            self.hash_clear_keys(&clear).await?;
        }
        Ok(records)
    }

    async fn apply(&self, changes: &[Change]) -> Result<(), StoreError> {
        let tx = self
            .connection
            .transaction(OBJECT_STORE, TransactionMode::Readwrite)?;
        let store = tx.object_store(OBJECT_STORE).map_err(store_error)?;
        // Every request is issued at once, and only the commit awaited: a
        // request that fails aborts the transaction (the browser's default
        // for an unhandled request error), which `commit` then reports, and
        // an early return here drops the transaction, which aborts it. Either
        // way nothing of the batch is kept. Not awaiting each request spares
        // a round trip through the event loop per record.
        for (key, change) in changes {
            let stored_key = self.stored_key(key);
            let _issued = match change {
                Some(record) => store
                    .put(self.seal(key, &stored_key, record)?)
                    .with_key(stored_key.as_str())
                    .without_key_type()
                    .primitive(),
                None => store.delete::<&str, _>(stored_key.as_str()).primitive(),
            }
            .map_err(store_error)?;
        }
        commit(tx).await
    }
}
