//! Where the vault's records live: one trait, one IndexedDB implementation
//! (the browser) and one in-memory implementation (tests, and a profile that
//! must not touch the disk), tested by the same tests.
//!
//! A store knows nothing of encryption: it keeps named records of bytes. The
//! vault hands it only sealed secrets, the wrapped data key and the public
//! records it was told are public.

pub mod memory;

#[cfg(target_arch = "wasm32")]
pub mod indexeddb;

pub use crate::storage::StoreError;

/// A named record, as written in one batch.
pub type Record = (String, Vec<u8>);

/// Named records of bytes.
///
/// Futures are not `Send`: the vault lives in one single-threaded worker.
#[allow(async_fn_in_trait)]
pub trait VaultStore {
    /// The record `name`, if there is one.
    async fn get(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Writes every record, replacing any of the same name, all or nothing:
    /// if this fails, none of them was written.
    async fn put_all(&self, records: Vec<Record>) -> Result<(), StoreError>;

    /// Removes the record `name`; removing a missing record is not an error.
    async fn delete(&self, name: &str) -> Result<(), StoreError>;

    /// The names of every record, in no promised order.
    async fn names(&self) -> Result<Vec<String>, StoreError>;
}
