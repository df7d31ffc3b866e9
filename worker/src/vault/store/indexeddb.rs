//! The IndexedDB store: one database per profile, `flash-profile-<id>`,
//! where the object store `vault` maps record names (out-of-line string
//! keys) to `Uint8Array` values.
//!
//! The profile's other stores share this database, each in its own object
//! store (the eCash store's is `cashu`), and open it through [`Connection`],
//! so that [`upgrade`] is the one description of its object stores.
//!
//! The database version only describes object stores; each version's step in
//! [`upgrade`] runs in `onupgradeneeded`. Record formats are versioned apart,
//! by the vault's `schema_version` record (see `vault::migrate`).

use indexed_db_futures::database::{Database, VersionChangeEvent};
use indexed_db_futures::error::{DomException, Error as IdbError, OpenDbError};
use indexed_db_futures::internals::SystemRepr;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{
    Transaction, TransactionDurability, TransactionMode, TransactionOptions,
};
use js_sys::Uint8Array;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::{Record, StoreError, VaultStore};

/// The database version: bump it, and add a step to [`upgrade`], to add or
/// change object stores.
pub const DB_VERSION: u32 = 2;
/// The object store holding the vault's records.
pub const OBJECT_STORE: &str = "vault";

/// A connection to a profile's database. Dropping it closes the connection.
pub(crate) struct Connection {
    db: Database,
    /// Closes the connection when another tab upgrades or deletes the
    /// database, instead of blocking it; kept alive as long as the connection.
    _on_version_change: Closure<dyn FnMut()>,
}

impl Connection {
    /// Opens (creating or upgrading if needed) the database of `profile_id`.
    pub(crate) async fn open(profile_id: &str) -> Result<Self, StoreError> {
        Self::open_database(
            &IndexedDbStore::database_name(profile_id),
            DB_VERSION,
            upgrade,
        )
        .await
    }

    /// Opens the database `name` at `version`, running `upgrade` (given the
    /// old version) when it is new or older. Other IndexedDB stores open
    /// their own databases this way.
    pub(crate) async fn open_database(
        name: &str,
        version: u32,
        upgrade: fn(f64, &Database) -> indexed_db_futures::Result<()>,
    ) -> Result<Self, StoreError> {
        let db = Database::open(name)
            .with_version(version)
            .with_on_upgrade_needed(move |event: VersionChangeEvent, db: Database| {
                upgrade(event.old_version(), &db)
            })
            .await
            .map_err(open_error)?;
        let raw: web_sys::IdbDatabase = db.as_sys().clone().unchecked_into();
        let on_version_change = Closure::<dyn FnMut()>::new({
            let raw = raw.clone();
            move || raw.close()
        });
        raw.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
        Ok(Self {
            db,
            _on_version_change: on_version_change,
        })
    }

    /// The open database.
    pub(crate) fn database(&self) -> &Database {
        &self.db
    }

    /// A transaction on `object_store` that commits only once the data is on
    /// disk (strict durability): a wallet must not report what a power cut
    /// can undo.
    pub(crate) fn transaction(
        &self,
        object_store: &str,
        mode: TransactionMode,
    ) -> Result<Transaction<'_>, StoreError> {
        let options = TransactionOptions::new().with_durability(TransactionDurability::Strict);
        self.db
            .transaction(object_store)
            .with_mode(mode)
            .with_options(options)
            .build()
            .map_err(store_error)
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let raw: &web_sys::IdbDatabase = self.db.as_sys().unchecked_ref();
        raw.set_onversionchange(None);
        raw.close();
    }
}

/// A profile's records in IndexedDB. Dropping it closes the connection.
pub struct IndexedDbStore {
    connection: Connection,
}

impl std::fmt::Debug for IndexedDbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexedDbStore")
            .field("name", &self.connection.db.name())
            .finish()
    }
}

impl IndexedDbStore {
    /// The database name of a profile.
    pub fn database_name(profile_id: &str) -> String {
        format!("flash-profile-{profile_id}")
    }

    /// Opens (creating or upgrading if needed) the database of `profile_id`.
    pub async fn open(profile_id: &str) -> Result<Self, StoreError> {
        Ok(Self {
            connection: Connection::open(profile_id).await?,
        })
    }

    /// Deletes the database of `profile_id` and everything in it. Waits for
    /// open connections to close (ours close themselves when asked).
    pub async fn delete_database(profile_id: &str) -> Result<(), StoreError> {
        Database::delete_by_name(&Self::database_name(profile_id))
            .map_err(open_error)?
            .await
            .map_err(store_error)
    }

    fn transaction(&self, mode: TransactionMode) -> Result<Transaction<'_>, StoreError> {
        self.connection.transaction(OBJECT_STORE, mode)
    }
}

/// Creates what each database version added, from `old_version` on.
fn upgrade(old_version: f64, db: &Database) -> indexed_db_futures::Result<()> {
    if old_version < 1.0 {
        db.create_object_store(OBJECT_STORE).build()?;
    }
    if old_version < 2.0 {
        db.create_object_store(crate::ecash::store::indexeddb::OBJECT_STORE)
            .build()?;
    }
    Ok(())
}

/// Commits `tx`; a failure is read from the transaction itself, where the
/// browser reports a full disk.
pub(crate) async fn commit(tx: Transaction<'_>) -> Result<(), StoreError> {
    let raw: web_sys::IdbTransaction = tx.as_sys().clone().unchecked_into();
    tx.commit().await.map_err(|error| match raw.error() {
        Some(cause) => dom_error(&cause),
        None => store_error(error),
    })
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

fn dom_error(error: &web_sys::DomException) -> StoreError {
    match error.name().as_str() {
        "QuotaExceededError" => StoreError::QuotaExceeded,
        // The connection was closed: another tab upgraded or deleted the
        // profile's database.
        "InvalidStateError" => StoreError::Unavailable {
            reason: "the profile was changed in another tab; reload this page".to_owned(),
        },
        name => StoreError::Failed {
            reason: format!("{name}: {}", error.message()),
        },
    }
}

pub(crate) fn store_error(error: IdbError) -> StoreError {
    match error {
        IdbError::DomException(exception) => dom_error(&exception.into()),
        other => StoreError::Failed {
            reason: other.to_string(),
        },
    }
}

pub(crate) fn open_error(error: OpenDbError) -> StoreError {
    match error {
        OpenDbError::Base(IdbError::DomException(DomException::Other(exception)))
            if exception.name() == "QuotaExceededError" =>
        {
            StoreError::QuotaExceeded
        }
        other => StoreError::Unavailable {
            reason: other.to_string(),
        },
    }
}
