//! The event-database behaviour on nostr-sdk's `MemoryDatabase`, the
//! in-memory database the native engine and tests use. The same behaviour
//! runs on our IndexedDB store in `tests/browser/event_store.rs`.
#![cfg(not(target_arch = "wasm32"))]

use crate::event_store_behaviour;

use std::sync::Arc;

use event_store_behaviour as behaviour;
use futures::executor::block_on;
use nostr_sdk::prelude::{MemoryDatabase, MemoryDatabaseOptions};

/// A fresh in-memory database that keeps events (nostr-sdk's default only
/// remembers ids), without a size bound.
fn memory() -> behaviour::Database {
    Arc::new(MemoryDatabase::with_opts(MemoryDatabaseOptions {
        events: true,
        max_events: None,
    }))
}

macro_rules! in_memory {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            block_on(behaviour::$name(memory()));
        }
    )*};
}

in_memory!(
    an_event_is_saved_and_read_back,
    a_duplicate_is_rejected,
    ephemeral_and_expired_events_are_not_kept,
    a_replaceable_event_keeps_the_newest,
    an_addressable_event_keeps_the_newest_per_identifier,
    a_deletion_removes_its_authors_events,
    a_deletion_by_coordinate_removes_the_stored_version,
    queries_filter_and_order_newest_first,
    a_limit_cuts_ties_by_id,
    delete_by_filter_removes_only_what_matches,
    wipe_forgets_everything,
);
