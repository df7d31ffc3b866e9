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

/// A named record, as written in one batch.
pub type Record = (String, Vec<u8>);

/// What a store can fail with. Messages are shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The browser refused to keep more data.
    #[error(
        "The browser's storage for this site is full, so nothing was saved. \
         Free some space (or allow this site more storage) and try again."
    )]
    QuotaExceeded,
    /// The storage cannot be used at all (e.g. blocked, or private browsing).
    #[error(
        "This browser's storage cannot be used ({reason}). Check that site data \
         is allowed for this site and that you are not in a private window."
    )]
    Unavailable { reason: String },
    /// A read or write failed; nothing of a failed write was kept.
    #[error("Saving or reading the profile failed ({reason}); nothing was changed. Try again.")]
    Failed { reason: String },
    /// A record holds something that is not bytes.
    #[error("The stored record \"{name}\" is not in the expected form; restore the profile from a backup.")]
    Malformed { name: String },
}

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
