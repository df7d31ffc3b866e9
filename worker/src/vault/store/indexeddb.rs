//! The vault's records in IndexedDB: the object store `vault` of the
//! profile's database (see `storage::schema`) maps record names
//! (out-of-line string keys) to `Uint8Array` values.

use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{Transaction, TransactionMode};
use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};

use super::{Record, StoreError, VaultStore};
use crate::storage::indexeddb::{self as storage, commit, store_error, Connection};
use crate::storage::schema::VAULT as OBJECT_STORE;

/// A profile's records in IndexedDB. Dropping it closes the connection.
pub struct IndexedDbStore {
    connection: Connection,
}

impl std::fmt::Debug for IndexedDbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexedDbStore")
            .field("name", &self.connection.database().name())
            .finish()
    }
}

impl IndexedDbStore {
    /// Opens (creating or upgrading if needed) the database of `profile_id`.
    pub async fn open(profile_id: &str) -> Result<Self, StoreError> {
        Ok(Self {
            connection: Connection::open_profile(profile_id).await?,
        })
    }

    /// Deletes the database of `profile_id` and everything in it. Waits for
    /// open connections to close (ours close themselves when asked).
    pub async fn delete_database(profile_id: &str) -> Result<(), StoreError> {
        storage::delete_profile(profile_id).await
    }

    fn transaction(&self, mode: TransactionMode) -> Result<Transaction<'_>, StoreError> {
        self.connection.transaction(OBJECT_STORE, mode)
    }
}

impl VaultStore for IndexedDbStore {
    async fn get(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self.transaction(TransactionMode::Readonly)?;
        let store = tx.object_store(OBJECT_STORE).map_err(store_error)?;
        let value: Option<JsValue> = store
            .get::<JsValue, &str, _>(name)
            .primitive()
            .map_err(store_error)?
            .await
            .map_err(store_error)?;
        value.map(|v| bytes_of(v, name)).transpose()
    }

    async fn put_all(&self, records: Vec<Record>) -> Result<(), StoreError> {
        let tx = self.transaction(TransactionMode::Readwrite)?;
        let store = tx.object_store(OBJECT_STORE).map_err(store_error)?;
        for (name, bytes) in &records {
            let value: JsValue = Uint8Array::from(bytes.as_slice()).into();
            // A failed request aborts the transaction: nothing is kept.
            store
                .put(value)
                .with_key(name.as_str())
                .without_key_type()
                .primitive()
                .map_err(store_error)?
                .await
                .map_err(store_error)?;
        }
        commit(tx).await
    }

    async fn delete(&self, name: &str) -> Result<(), StoreError> {
        let tx = self.transaction(TransactionMode::Readwrite)?;
        let store = tx.object_store(OBJECT_STORE).map_err(store_error)?;
        store
            .delete::<&str, _>(name)
            .primitive()
            .map_err(store_error)?
            .await
            .map_err(store_error)?;
        commit(tx).await
    }

    async fn names(&self) -> Result<Vec<String>, StoreError> {
        let tx = self.transaction(TransactionMode::Readonly)?;
        let store = tx.object_store(OBJECT_STORE).map_err(store_error)?;
        let keys = store
            .get_all_keys::<JsValue>()
            .primitive()
            .map_err(store_error)?
            .await
            .map_err(store_error)?;
        keys.map(|key| {
            let key = key.map_err(store_error)?;
            key.as_string().ok_or_else(|| StoreError::Malformed {
                name: format!("{key:?}"),
            })
        })
        .collect()
    }
}

fn bytes_of(value: JsValue, name: &str) -> Result<Vec<u8>, StoreError> {
    value
        .dyn_into::<Uint8Array>()
        .map(|array| array.to_vec())
        .map_err(|_| StoreError::Malformed {
            name: name.to_owned(),
        })
}
