//! Connections to a profile's IndexedDB databases, commits and how
//! IndexedDB's failures read as [`StoreError`]s.
//!
//! Every database is opened here, at the version [`schema`] gives it, so
//! `onupgradeneeded` always runs the one upgrade path of that database.

use indexed_db_futures::database::{Database, VersionChangeEvent};
use indexed_db_futures::error::{DomException, Error as IdbError, OpenDbError};
use indexed_db_futures::internals::SystemRepr;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{
    Transaction, TransactionDurability, TransactionMode, TransactionOptions,
};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use super::schema;
use super::StoreError;

/// A connection to one of a profile's databases. Dropping it closes the
/// connection.
pub struct Connection {
    db: Database,
    /// Closes the connection when another tab upgrades or deletes the
    /// database, instead of blocking it; kept alive as long as the connection.
    _on_version_change: Closure<dyn FnMut()>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("name", &self.db.name())
            .finish()
    }
}

impl Connection {
    /// Opens (creating or upgrading if needed) the profile database of
    /// `profile_id`: the vault's and the eCash store's records.
    pub async fn open_profile(profile_id: &str) -> Result<Self, StoreError> {
        Self::open(
            &schema::profile_database(profile_id),
            schema::PROFILE_VERSION,
            schema::upgrade_profile,
        )
        .await
    }

    /// Opens (creating or upgrading if needed) the event database of
    /// `profile_id`.
    pub async fn open_events(profile_id: &str) -> Result<Self, StoreError> {
        Self::open(
            &schema::events_database(profile_id),
            schema::events::VERSION,
            schema::events::upgrade,
        )
        .await
    }

    async fn open(
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
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// A transaction on `object_store` that commits only once the data is on
    /// disk (strict durability): a wallet must not report what a power cut
    /// can undo.
    pub fn transaction(
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

/// Deletes the profile database of `profile_id` and everything in it.
/// Waits for open connections to close (ours close themselves when asked).
pub async fn delete_profile(profile_id: &str) -> Result<(), StoreError> {
    delete(&schema::profile_database(profile_id)).await
}

/// Deletes the event database of `profile_id`, as [`delete_profile`] does.
pub async fn delete_events(profile_id: &str) -> Result<(), StoreError> {
    delete(&schema::events_database(profile_id)).await
}

async fn delete(name: &str) -> Result<(), StoreError> {
    Database::delete_by_name(name)
        .map_err(open_error)?
        .await
        .map_err(store_error)
}

/// Commits `tx`; a failure is read from the transaction itself, where the
/// browser reports a full disk.
pub async fn commit(tx: Transaction<'_>) -> Result<(), StoreError> {
    let raw: web_sys::IdbTransaction = tx.as_sys().clone().unchecked_into();
    tx.commit().await.map_err(|error| match raw.error() {
        Some(cause) => dom_error(&cause),
        None => store_error(error),
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

/// An IndexedDB request's failure.
pub fn store_error(error: IdbError) -> StoreError {
    match error {
        IdbError::DomException(exception) => dom_error(&exception.into()),
        other => StoreError::Failed {
            reason: other.to_string(),
        },
    }
}

/// A database that could not be opened or deleted.
pub fn open_error(error: OpenDbError) -> StoreError {
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
