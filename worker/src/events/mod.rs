//! Where NOSTR events are kept: the database behind nostr-sdk's relay pool.
//!
//! # What is stored
//!
//! Signed events only, exactly as relays sent them (or as we published
//! them). A private message arrives as a gift wrap (kind 1059) and stays a
//! gift wrap here: still encrypted to the user, so its text — and who sent
//! it — is not readable from this database. The decrypted rumor, a
//! message's text, must never be saved here; it is not a signed event, and
//! storing it would put private words in the clear on disk.
//!
//! What relays send is checked before the engine takes it as someone's own
//! (by the author asked for, verified, not dated ahead): [`checked`].
//!
//! # Implementations
//!
//! - In the browser (wasm32): [`IndexedDbEvents`], one IndexedDB database per
//!   profile, `flash-events-<profile id>`. nostr-indexeddb, nostr-sdk's own,
//!   reads every event into memory when it opens and writes each event in
//!   its own transaction; on a phone, with tens of thousands of events, that
//!   is seconds at start-up and a slow trickle while syncing. This one reads
//!   only what a query asks for, through indexes, and commits the events
//!   that arrive together in one transaction.
//! - Natively (tests, the engine's native build): nostr-sdk's
//!   `MemoryDatabase` with `events: true`.
//!
//! Both pass the same behaviour tests (`worker/tests/event_store_behaviour`).
//! Where this store differs from the in-memory one, its own tests say so
//! (`worker/tests/browser/event_store.rs`):
//!
//! - a deletion (NIP-09) that arrives before the event it deletes is still
//!   honoured when the event arrives;
//! - after a deletion by coordinate (NIP-09 `a` tag), an older version that
//!   arrives is refused (the in-memory store compares with the time now,
//!   so it refuses nothing);
//! - a replaceable event tied on `created_at` keeps the lowest id (NIP-01);
//! - events whose NIP-40 expiration passes while stored are no longer
//!   returned;
//! - an event replaced by a newer version is answered `Replaced` if it
//!   arrives again (the in-memory store says `Deleted`).
//!
//! # Bounded size
//!
//! [`EventStoreOptions::max_events`] bounds how many events are kept. When
//! the store grows past it, the oldest events (by `created_at`) are removed
//! first, except the events of the [`EventStoreOptions::protected`] public
//! keys (the user's own) and private-message events ([`DM_KINDS`]), which
//! are never pruned: messaging bounds those itself, deleting wraps that do
//! not open and strangers' past their quota
//! ([`crate::messaging::history`]).

#[cfg(any(target_arch = "wasm32", test))]
mod batch;
pub mod checked;
#[cfg(target_arch = "wasm32")]
mod indexeddb;
#[cfg(any(target_arch = "wasm32", test))]
mod plan;

#[cfg(target_arch = "wasm32")]
pub use indexeddb::IndexedDbEvents;

use crate::storage::StoreError;
use nostr_sdk::prelude::{DatabaseError, Kind, PublicKey};

/// The kinds that carry private messages or say where to receive them:
/// NIP-04 messages (4), NIP-59 seals (13) and gift wraps (1059), NIP-17
/// messages (14) and inbox relays (10050). Pruning never removes them: a
/// conversation must not lose its history to make room for strangers' notes.
pub const DM_KINDS: [Kind; 5] = [
    Kind::EncryptedDirectMessage,
    Kind::Seal,
    Kind::PrivateDirectMessage,
    Kind::GiftWrap,
    Kind::InboxRelays,
];

/// How a profile's event store behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventStoreOptions {
    /// How many events to keep before pruning the oldest. Protected and
    /// private-message events are never pruned, so the store can hold more
    /// when they alone exceed this.
    pub max_events: usize,
    /// Public keys whose events are never pruned: the user's own.
    pub protected: Vec<PublicKey>,
}

impl EventStoreOptions {
    /// 20,000 events: about 20 MB with indexes at a typical 1 KB an event,
    /// little enough for a phone's storage quota, enough for months of a
    /// small network's notes and profiles.
    pub const DEFAULT_MAX_EVENTS: usize = 20_000;
}

impl Default for EventStoreOptions {
    fn default() -> Self {
        Self {
            max_events: Self::DEFAULT_MAX_EVENTS,
            protected: Vec::new(),
        }
    }
}

/// Why the event store failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventStoreError {
    #[error("the event database cannot be used: {reason}")]
    Unavailable { reason: String },
    #[error("the device has no storage space left for events")]
    QuotaExceeded,
    #[error("the event database failed: {reason}")]
    Failed { reason: String },
    /// A stored record could not be read back; `id` names it.
    #[error("stored event {id} is damaged: {reason}")]
    Malformed { id: String, reason: String },
}

/// The event database fails the way every store on the profile's
/// IndexedDB does.
impl From<StoreError> for EventStoreError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::QuotaExceeded => Self::QuotaExceeded,
            StoreError::Unavailable { reason } => Self::Unavailable { reason },
            StoreError::Failed { reason } => Self::Failed { reason },
            StoreError::Malformed { name } => Self::Malformed {
                id: name,
                reason: "it is not in the expected form".to_owned(),
            },
        }
    }
}

impl From<EventStoreError> for DatabaseError {
    fn from(error: EventStoreError) -> Self {
        DatabaseError::backend(error)
    }
}
