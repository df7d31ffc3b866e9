//! The event store on IndexedDB, in a dedicated worker in headless
//! Chromium: the behaviour every event database must have (shared with the
//! in-memory database), then what only this store does — persistence,
//! batching, pruning, and where it is stricter than the in-memory one.

use std::sync::Arc;

use crate::event_store_behaviour as behaviour;
use crate::event_store_behaviour::{event, ids, save, Database, T};
use crate::fresh_profile::profile_id;
use flash_worker::events::{EventStoreOptions, IndexedDbEvents};
use flash_worker::profiles::indexeddb::IndexedDbProfiles;
use flash_worker::profiles::ProfileStores;
use flash_worker::storage::schema::events_database;
use futures::future::join_all;
use indexed_db_futures::database::Database as IdbDatabase;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use js_sys::{Array, Object, Reflect};
use nostr_sdk::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

use SaveEventStatus::{Rejected, Success};

async fn open_with(id: &str, options: EventStoreOptions) -> Database {
    Arc::new(IndexedDbEvents::open(id, options).await.unwrap())
}

async fn open(id: &str) -> Database {
    open_with(id, EventStoreOptions::default()).await
}

async fn delete(id: &str) {
    IndexedDbEvents::delete_database(id).await.unwrap();
}

/// Runs a behaviour test on a fresh database, then deletes it.
macro_rules! on_indexeddb {
    ($($name:ident),* $(,)?) => {$(
        #[wasm_bindgen_test]
        async fn $name() {
            let id = profile_id("test");
            behaviour::$name(open(&id).await).await;
            delete(&id).await;
        }
    )*};
}

on_indexeddb!(
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

#[wasm_bindgen_test]
fn the_database_is_apart_from_the_profiles_own() {
    // Profiles are listed by the `flash-profile-` prefix.
    assert_eq!(events_database("abc"), "flash-events-abc");
}

#[wasm_bindgen_test]
async fn events_and_deletions_survive_a_reopen() {
    let id = profile_id("test");
    let keys = Keys::generate();
    let note = event(&keys, 1, 0, vec![]);
    let gone = event(&keys, 1, 1, vec![]);
    let deletion = event(&keys, 5, 2, vec![Tag::event(gone.id)]);
    {
        let db = open(&id).await;
        for e in [&note, &gone, &deletion] {
            assert_eq!(save(&db, e).await, Success);
        }
    }
    let db = open(&id).await;
    assert_eq!(ids(&db, Filter::new()).await, vec![deletion.id, note.id]);
    assert_eq!(
        db.check_id(&gone.id).await.unwrap(),
        DatabaseEventStatus::Deleted
    );
    assert_eq!(save(&db, &gone).await, Rejected(RejectedReason::Deleted));
    drop(db);
    delete(&id).await;
}

/// Saves issued together share transactions; each caller still learns its
/// own status, as if the events had been saved one at a time in order.
#[wasm_bindgen_test]
async fn saves_issued_together_each_learn_their_status() {
    let id = profile_id("test");
    let db = open(&id).await;
    let keys = Keys::generate();
    let note = event(&keys, 1, 0, vec![]);
    let doomed = event(&keys, 1, 1, vec![]);
    let deletion = event(&keys, 5, 2, vec![Tag::event(doomed.id)]);
    let new_profile = event(&keys, 0, 20, vec![]);
    let old_profile = event(&keys, 0, 10, vec![]);
    let mut events = vec![
        (note.clone(), Success),
        (note.clone(), Rejected(RejectedReason::Duplicate)),
        (doomed.clone(), Success),
        (deletion.clone(), Success),
        (doomed.clone(), Rejected(RejectedReason::Deleted)),
        (new_profile.clone(), Success),
        (old_profile, Rejected(RejectedReason::Replaced)),
    ];
    // Enough to span several batches.
    let others = Keys::generate();
    events.extend((0..2500).map(|i| (event(&others, 1, 100 + i, vec![]), Success)));
    let statuses = join_all(events.iter().map(|(e, _)| db.save_event(e))).await;
    for ((event, expected), status) in events.iter().zip(statuses) {
        assert_eq!(status.unwrap(), *expected, "{}", event.content);
    }
    assert_eq!(
        ids(&db, Filter::new().author(keys.public_key())).await,
        vec![new_profile.id, deletion.id, note.id]
    );
    assert_eq!(db.count(Filter::new()).await.unwrap(), 2503);
    drop(db);
    delete(&id).await;
}

/// A deletion that arrives before its event (relays answer in any order)
/// still deletes it, if its author wrote both. The in-memory store only
/// deletes what it already holds.
#[wasm_bindgen_test]
async fn a_deletion_that_arrives_first_is_honoured() {
    let id = profile_id("test");
    let db = open(&id).await;
    let (alice, bob) = (Keys::generate(), Keys::generate());
    let note = event(&alice, 1, 0, vec![]);
    let other = event(&alice, 1, 1, vec![]);
    let deletion = event(&alice, 5, 2, vec![Tag::event(note.id)]);
    let theft = event(&bob, 5, 2, vec![Tag::event(other.id)]);
    assert_eq!(save(&db, &deletion).await, Success);
    assert_eq!(save(&db, &theft).await, Success);
    assert_eq!(save(&db, &note).await, Rejected(RejectedReason::Deleted));
    assert_eq!(
        db.check_id(&note.id).await.unwrap(),
        DatabaseEventStatus::Deleted
    );
    // Bob cannot delete Alice's event, whichever arrives first.
    assert_eq!(save(&db, &other).await, Success);
    // A deletion older than the event does not delete it.
    let later = event(&alice, 1, 3, vec![]);
    let early = event(&alice, 5, 2, vec![Tag::event(later.id)]);
    assert_eq!(save(&db, &early).await, Success);
    assert_eq!(save(&db, &later).await, Success);
    drop(db);
    delete(&id).await;
}

#[wasm_bindgen_test]
async fn an_older_version_after_a_coordinate_deletion_is_refused() {
    let id = profile_id("test");
    let db = open(&id).await;
    let keys = Keys::generate();
    let d = vec![Tag::identifier("shopping")];
    let coordinate = Coordinate::new(Kind::from(30_000), keys.public_key()).identifier("shopping");
    let deletion = event(&keys, 5, 20, vec![Tag::coordinate(coordinate, None)]);
    assert_eq!(save(&db, &deletion).await, Success);
    let stale = event(&keys, 30_000, 15, d.clone());
    assert_eq!(save(&db, &stale).await, Rejected(RejectedReason::Deleted));
    let later = event(&keys, 30_000, 25, d);
    assert_eq!(save(&db, &later).await, Success);
    drop(db);
    delete(&id).await;
}

/// Over the bound, the oldest events go first, but never the user's own
/// nor private-message events, however old.
#[wasm_bindgen_test]
async fn pruning_keeps_own_and_private_message_events() {
    let id = profile_id("test");
    let me = Keys::generate();
    let options = EventStoreOptions {
        max_events: 40,
        protected: vec![me.public_key()],
    };
    let db = open_with(&id, options).await;
    let mine: Vec<Event> = (0..5).map(|i| event(&me, 1, i, vec![])).collect();
    let to_me = vec![Tag::public_key(me.public_key())];
    let private: Vec<Event> = [4, 13, 14, 1059, 10_050]
        .iter()
        .enumerate()
        .map(|(i, kind)| event(&Keys::generate(), *kind, i as u64, to_me.clone()))
        .collect();
    let others: Vec<Event> = (0..50)
        .map(|i| event(&Keys::generate(), 1, 100 + i, vec![]))
        .collect();
    let all: Vec<&Event> = mine.iter().chain(&private).chain(&others).collect();
    for status in join_all(all.iter().map(|e| db.save_event(e))).await {
        assert_eq!(status.unwrap(), Success);
    }
    // Pruning runs after a batch is answered, before the next one: this
    // save's answer comes after it.
    let sentinel = event(&Keys::generate(), 1, 1000, vec![]);
    assert_eq!(save(&db, &sentinel).await, Success);

    let stored = db.count(Filter::new()).await.unwrap();
    assert!(stored <= 40, "{stored} events stored");
    for e in mine.iter().chain(&private) {
        assert!(
            db.event_by_id(&e.id).await.unwrap().is_some(),
            "{}",
            e.content
        );
    }
    let kept_others = stored - mine.len() - private.len() - 1;
    assert!(kept_others > 0);
    let newest_others: Vec<EventId> = others
        .iter()
        .rev()
        .take(kept_others)
        .map(|e| e.id)
        .collect();
    let others_filter = Filter::new()
        .kind(Kind::TextNote)
        .until(Timestamp::from(T + 999));
    let others_filter = others_filter.since(Timestamp::from(T + 100));
    assert_eq!(ids(&db, others_filter).await, newest_others);
    drop(db);
    delete(&id).await;
}

/// A record damaged on disk is skipped by queries and named by a lookup.
#[wasm_bindgen_test]
async fn a_damaged_record_is_skipped_and_named() {
    let id = profile_id("test");
    let db = open(&id).await;
    let keys = Keys::generate();
    let good = event(&keys, 1, 0, vec![]);
    let bad = event(&keys, 1, 1, vec![]);
    assert_eq!(save(&db, &good).await, Success);
    assert_eq!(save(&db, &bad).await, Success);

    // Overwrite `bad` with a record whose JSON does not parse.
    let raw = IdbDatabase::open(events_database(&id)).await.unwrap();
    let tx = raw
        .transaction("events")
        .with_mode(TransactionMode::Readwrite)
        .build()
        .unwrap();
    let record = Object::new();
    let fields: [(&str, JsValue); 6] = [
        ("id", bad.id.to_hex().into()),
        ("pubkey", bad.pubkey.to_hex().into()),
        ("kind", 1.into()),
        ("created_at", ((T + 1) as f64).into()),
        ("tags", Array::new().into()),
        ("json", "{\"broken".into()),
    ];
    for (name, value) in fields {
        Reflect::set(&record, &name.into(), &value).unwrap();
    }
    tx.object_store("events")
        .unwrap()
        .put(JsValue::from(record))
        .primitive()
        .unwrap()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    raw.close();

    assert_eq!(ids(&db, Filter::new()).await, vec![good.id]);
    let error = db.event_by_id(&bad.id).await.unwrap_err();
    assert!(error.to_string().contains(&bad.id.to_hex()), "{error}");
    drop(db);
    delete(&id).await;
}

/// NIP-40: an event whose expiration passes while stored is no longer
/// returned.
#[wasm_bindgen_test]
async fn an_event_that_expires_while_stored_is_no_longer_returned() {
    let id = profile_id("test");
    let db = open(&id).await;
    let soon = Timestamp::now() + 1;
    let note = event(&Keys::generate(), 1, 0, vec![Tag::expiration(soon)]);
    assert_eq!(save(&db, &note).await, Success);
    sleep_ms(2100).await;
    assert_eq!(ids(&db, Filter::new()).await, Vec::<EventId>::new());
    assert_eq!(db.event_by_id(&note.id).await.unwrap(), None);
    drop(db);
    delete(&id).await;
}

/// nostr-sdk's client takes it as its database.
#[wasm_bindgen_test]
async fn a_client_uses_it() {
    let id = profile_id("test");
    let db = open(&id).await;
    let client = Client::builder().database(db.clone()).build();
    let note = event(&Keys::generate(), 1, 0, vec![]);
    assert_eq!(client.database().save_event(&note).await.unwrap(), Success);
    assert_eq!(ids(&db, Filter::new()).await, vec![note.id]);
    drop(client);
    drop(db);
    delete(&id).await;
}

/// A profile's events open through its profile store, and go with it.
#[wasm_bindgen_test]
async fn a_profiles_events_are_deleted_with_the_profile() {
    let profiles = IndexedDbProfiles::default();
    let id = profile_id("test");
    let note = event(&Keys::generate(), 1, 0, vec![]);
    let me = Keys::generate().public_key();
    {
        let db = profiles.open_events(&id, me).await.unwrap();
        assert_eq!(save(&db, &note).await, Success);
    }
    assert!(!profiles.list().await.unwrap().contains(&id));
    profiles.delete(&id).await.unwrap();
    let db = profiles.open_events(&id, me).await.unwrap();
    assert_eq!(ids(&db, Filter::new()).await, Vec::<EventId>::new());
    drop(db);
    delete(&id).await;
}

async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
        scope
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}
