//! Storage: the profile's databases, and how storing fails.
//!
//! One module owns the IndexedDB schema, so that no capability creates
//! another's object stores and the database's version describes all of
//! them in one place ([`schema`]). A capability reaches its own object store
//! through a [`indexeddb::Connection`] this module opens, and fails with a
//! [`StoreError`] whichever store it is.
//!
//! Natively (tests, and profiles that must not touch the disk) each store
//! has an in-memory implementation beside its IndexedDB one, in the
//! capability's own `store` module; both fail with [`StoreError`].

#[cfg(target_arch = "wasm32")]
pub mod indexeddb;
#[cfg(target_arch = "wasm32")]
pub mod schema;

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
