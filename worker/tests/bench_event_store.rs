//! Measures the IndexedDB event store in a dedicated worker in headless
//! Chromium, and prints the figures; asserts only that the answers are
//! right. Run it with `scripts/bench-event-store.sh` (a release build, as
//! shipped); it is ignored in the ordinary test run.
//!
//! - ingest: 10,000 signed events of a mixed network (notes, reactions,
//!   profiles, gift wraps), one `save_event` each, all issued at once as
//!   several relays would deliver them; the store batches them;
//! - the same, one at a time (each save awaited before the next), as one
//!   relay's messages are handled;
//! - opening the filled database;
//! - the newest 50 private messages to the user (`kinds: [1059], #p: [me],
//!   limit: 50`) out of those 10,000.
#![cfg(target_arch = "wasm32")]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flash_worker::events::{EventStoreOptions, IndexedDbEvents};
use futures::future::join_all;
use nostr_sdk::prelude::*;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn now_ms() -> f64;
}

const EVENTS: usize = 10_000;
/// Of which gift wraps to the user (see [`network`]).
const TO_ME: usize = EVENTS / 4 * 4 / 5;
const ONE_AT_A_TIME: usize = 1_000;
/// Each measurement is repeated, into a fresh database for ingest; the
/// median is printed beside each run (other work on the machine is noise).
const INGEST_RUNS: usize = 3;
const QUERY_RUNS: usize = 5;

/// A deterministic shuffle: relays deliver in no particular order.
fn shuffle<T>(items: &mut [T]) {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    for i in (1..items.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        items.swap(i, (state % (i as u64 + 1)) as usize);
    }
}

/// `count` signed events over 30 days from 200 authors: a quarter gift
/// wraps (four in five of them to `me`), then profiles, reactions, notes.
fn network(me: PublicKey, count: usize) -> Vec<Event> {
    let authors: Vec<Keys> = (0..200).map(|_| Keys::generate()).collect();
    let start = Timestamp::now().as_secs() - 30 * 24 * 3600;
    let mut events: Vec<Event> = Vec::with_capacity(count);
    for i in 0..count {
        let at = Timestamp::from(start + (i as u64) * 259);
        let mut author = &authors[i % authors.len()];
        let someone = authors[(i * 7 + 3) % authors.len()].public_key();
        let builder = match i % 4 {
            0 => {
                // Four in five gift wraps are to us.
                let to = if (i / 4) % 5 == 0 { someone } else { me };
                EventBuilder::new(Kind::GiftWrap, "A".repeat(1200)).tag(Tag::public_key(to))
            }
            1 if i / 4 < authors.len() => {
                // One profile per author.
                author = &authors[i / 4];
                EventBuilder::new(Kind::Metadata, r#"{"name":"someone"}"#)
            }
            2 => EventBuilder::new(Kind::Reaction, "+")
                .tags([Tag::event(events[i - 1].id), Tag::public_key(someone)]),
            _ => EventBuilder::new(Kind::TextNote, "gm, a note of ordinary length. ".repeat(4))
                .tag(Tag::public_key(someone)),
        };
        events.push(
            builder
                .custom_created_at(at)
                .sign_with_keys(author)
                .unwrap(),
        );
    }
    events
}

fn profile_id(name: &str) -> String {
    format!("bench-{name}-{}", js_sys::Date::now() as u64)
}

#[wasm_bindgen_test]
#[ignore = "a measurement: scripts/bench-event-store.sh runs it"]
async fn event_store_ingest_and_dm_query() {
    let me = Keys::generate().public_key();
    let started = now_ms();
    let mut events = network(me, EVENTS);
    let extra = network(me, ONE_AT_A_TIME);
    console_log!(
        "signed {} events in {:.0} ms",
        events.len() + extra.len(),
        now_ms() - started
    );
    let mut expected: Vec<&Event> = events
        .iter()
        .filter(|e| e.kind == Kind::GiftWrap && e.tags.public_keys().any(|p| *p == me))
        .collect();
    assert_eq!(expected.len(), TO_ME);
    expected.sort();
    let expected: Vec<EventId> = expected.iter().take(50).map(|e| e.id).collect();
    shuffle(&mut events);

    let options = EventStoreOptions {
        max_events: 50_000,
        protected: vec![me],
    };
    let mut rates = Vec::with_capacity(INGEST_RUNS);
    let mut id = String::new();
    for run in 0..INGEST_RUNS {
        if run > 0 {
            IndexedDbEvents::delete_database(&id).await.unwrap();
        }
        id = profile_id(&format!("ingest-{run}"));
        let db = IndexedDbEvents::open(&id, options.clone()).await.unwrap();
        let started = now_ms();
        let statuses = join_all(events.iter().map(|e| db.save_event(e))).await;
        rates.push(events.len() as f64 / (now_ms() - started) * 1000.0);
        assert!(statuses.into_iter().all(|s| s.unwrap().is_success()));
    }
    console_log!(
        "ingest, issued together: {} events, median {:.0} events/s (runs: {})",
        events.len(),
        median(&rates),
        list(&rates, 0)
    );

    let started = now_ms();
    let db = IndexedDbEvents::open(&id, options.clone()).await.unwrap();
    console_log!(
        "open with {} events stored: {:.1} ms",
        events.len(),
        now_ms() - started
    );
    assert_eq!(db.count(Filter::new()).await.unwrap(), EVENTS);

    let dms = Filter::new().kind(Kind::GiftWrap).pubkey(me).limit(50);
    let mut times = Vec::with_capacity(QUERY_RUNS);
    for _ in 0..QUERY_RUNS {
        let started = now_ms();
        let found = db.query(dms.clone()).await.unwrap();
        times.push(now_ms() - started);
        let found: Vec<EventId> = found.into_iter().map(|e| e.id).collect();
        assert_eq!(found, expected);
    }
    console_log!(
        "newest 50 DMs (kind 1059, #p, limit 50) of {}: median {:.1} ms (runs: {} ms; the first is cold)",
        events.len(),
        median(&times),
        list(&times, 1)
    );
    drop(db);
    IndexedDbEvents::delete_database(&id).await.unwrap();

    let id = profile_id("sequential");
    let db = IndexedDbEvents::open(&id, options).await.unwrap();
    let started = now_ms();
    for event in &extra {
        assert!(db.save_event(event).await.unwrap().is_success());
    }
    let rate = extra.len() as f64 / (now_ms() - started) * 1000.0;
    console_log!(
        "ingest, one at a time (each save awaited): {} events, {rate:.0} events/s",
        extra.len()
    );
    drop(db);
    IndexedDbEvents::delete_database(&id).await.unwrap();
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

fn list(values: &[f64], decimals: usize) -> String {
    let values: Vec<String> = values.iter().map(|v| format!("{v:.decimals$}")).collect();
    values.join(", ")
}
