//! The profile's IndexedDB databases: their names, versions and every
//! object store in them, created by one upgrade path each.
//!
//! A profile has two databases:
//!
//! - `flash-profile-<id>` ([`profile_database`]): the vault's records
//!   ([`VAULT`]), the eCash store's sealed records ([`CASHU`]). Profiles are
//!   listed by this prefix.
//! - `flash-events-<id>` ([`events_database`]): NOSTR events ([`events`]).
//!   Apart because everything in it can be fetched again from relays, so
//!   it is written with relaxed durability and may be wiped alone.
//!
//! A capability that needs a new object store (on-chain `ChangeSet`s, the
//! Lightning account's cache, cards…) adds its name here and a step to
//! [`upgrade_profile`] under a new [`PROFILE_VERSION`]; it never creates an
//! object store itself. Record formats inside an object store are
//! versioned apart, by their owner (the vault's `schema_version` record,
//! see `vault::migrate`).

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;

/// Every profile database's name starts with this.
pub const PROFILE_DATABASE_PREFIX: &str = "flash-profile-";

/// The profile database's version: bump it, and add a step to
/// [`upgrade_profile`], to add or change object stores.
pub const PROFILE_VERSION: u32 = 2;

/// The vault's records: names (out-of-line string keys) to bytes.
pub const VAULT: &str = "vault";
/// The eCash store's records, sealed (see `ecash::store::indexeddb`).
pub const CASHU: &str = "cashu";

/// The database name of a profile.
pub fn profile_database(profile_id: &str) -> String {
    format!("{PROFILE_DATABASE_PREFIX}{profile_id}")
}

/// The database name of a profile's NOSTR events. Not under
/// [`PROFILE_DATABASE_PREFIX`], which lists profiles.
pub fn events_database(profile_id: &str) -> String {
    format!("flash-events-{profile_id}")
}

/// Creates what each profile database version added, from `old_version` on.
pub(super) fn upgrade_profile(old_version: f64, db: &Database) -> indexed_db_futures::Result<()> {
    if old_version < 1.0 {
        db.create_object_store(VAULT).build()?;
    }
    if old_version < 2.0 {
        db.create_object_store(CASHU).build()?;
    }
    Ok(())
}

/// The event database's object stores, indexes and the record fields the
/// indexes read (the record layout is `events::indexeddb`'s).
pub mod events {
    use super::*;

    /// The event database's version: bump it, and add a step to
    /// [`upgrade`], to change object stores or indexes.
    pub const VERSION: u32 = 1;

    /// Events, tombstones and awaited deletions, keyed by event id.
    pub const EVENTS: &str = "events";
    /// Coordinates deleted by NIP-09 `a` tags.
    pub const DELETED_COORDINATES: &str = "deleted_coordinates";

    // Index names.
    pub const BY_CREATED_AT: &str = "created_at";
    pub const BY_KIND: &str = "kind";
    pub const BY_AUTHOR: &str = "author";
    pub const BY_TAG: &str = "tags";
    pub const BY_COORDINATE: &str = "coordinate";

    // The record fields indexed, and the key.
    pub const ID: &str = "id";
    pub const PUBKEY: &str = "pubkey";
    pub const KIND: &str = "kind";
    pub const CREATED_AT: &str = "created_at";
    pub const TAGS: &str = "tags";
    pub const COORDINATE: &str = "coordinate";

    /// Creates what each event database version added, from `old_version`
    /// on.
    pub(in crate::storage) fn upgrade(
        old_version: f64,
        db: &Database,
    ) -> indexed_db_futures::Result<()> {
        if old_version < 1.0 {
            let events = db
                .create_object_store(EVENTS)
                .with_key_path(ID.into())
                .build()?;
            events
                .create_index(BY_CREATED_AT, CREATED_AT.into())
                .build()?;
            events
                .create_index(BY_KIND, [KIND, CREATED_AT].into())
                .build()?;
            events
                .create_index(BY_AUTHOR, [PUBKEY, CREATED_AT].into())
                .build()?;
            events
                .create_index(BY_TAG, TAGS.into())
                .with_multi_entry(true)
                .build()?;
            events
                .create_index(BY_COORDINATE, COORDINATE.into())
                .build()?;
            db.create_object_store(DELETED_COORDINATES).build()?;
        }
        Ok(())
    }
}
