//! The eCash store's records in the profile's IndexedDB database (see
//! `storage::schema`), object store `cashu`:
//! each record's key (a proof's Y, a quote id, a mint URL: not secret) in the
//! clear as an out-of-line string key, its value sealed as a `Uint8Array`.
//!
//! Sealing is the vault's (XChaCha20-Poly1305, `vault::seal`) under a
//! 32-byte key the engine passes in, bound to the name `cashu/<key>`: a
//! value copied to another key, or a vault record sealed under the same key,
//! fails to open instead of being read as something it is not. A proof's
//! secret is the money itself, so nothing of a record reaches IndexedDB
//! unsealed.

use async_trait::async_trait;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use js_sys::Uint8Array;
use send_wrapper::SendWrapper;
use wasm_bindgen::{JsCast, JsValue};

use super::record::{decode, encode};
use super::{Change, Persistence, Record};
use crate::storage::indexeddb::{commit, store_error, Connection};
use crate::storage::schema::CASHU as OBJECT_STORE;
use crate::storage::StoreError;
use crate::vault::seal::{self, Key, SealError};

/// The name a record's value is sealed under.
fn sealed_name(key: &str) -> String {
    format!("cashu/{key}")
}

/// A profile's eCash records in IndexedDB. Dropping it closes its connection.
pub struct IndexedDbPersistence {
    /// cdk takes its database as `Send + Sync`, which a JavaScript object is
    /// not. A wasm32 worker has a single thread, so the connection never
    /// leaves it; `SendWrapper` checks that rather than assuming it.
    connection: SendWrapper<Connection>,
    key: Key,
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
        Ok(Self {
            connection: SendWrapper::new(Connection::open_profile(profile_id).await?),
            key,
        })
    }

    fn seal(&self, key: &str, record: &Record) -> Result<JsValue, StoreError> {
        let plain = encode(key, record)?;
        let sealed = seal::seal(&self.key, &sealed_name(key), &plain).map_err(|error| {
            StoreError::Failed {
                reason: error.to_string(),
            }
        })?;
        Ok(Uint8Array::from(sealed.as_slice()).into())
    }

    fn open_sealed(&self, key: &str, value: JsValue) -> Result<Record, StoreError> {
        let malformed = || StoreError::Malformed {
            name: key.to_owned(),
        };
        let sealed = value.dyn_into::<Uint8Array>().map_err(|_| malformed())?;
        let plain = seal::open(&self.key, &sealed_name(key), &sealed.to_vec()).map_err(
            |error| match error {
                SealError::Random(reason) => StoreError::Failed { reason },
                _ => malformed(),
            },
        )?;
        decode(key, &plain)
    }
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
        keys.zip(values)
            .map(|(key, value)| {
                let key = key.map_err(store_error)?;
                let key = key.as_string().ok_or_else(|| StoreError::Malformed {
                    name: format!("{key:?}"),
                })?;
                let record = self.open_sealed(&key, value.map_err(store_error)?)?;
                Ok((key, record))
            })
            .collect()
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
            let _issued = match change {
                Some(record) => store
                    .put(self.seal(key, record)?)
                    .with_key(key.as_str())
                    .without_key_type()
                    .primitive(),
                None => store.delete::<&str, _>(key.as_str()).primitive(),
            }
            .map_err(store_error)?;
        }
        commit(tx).await
    }
}
