//! Measures the engine's NOSTR hot paths in a dedicated worker in headless
//! Chromium, on the events `tests/bench/nostr-events.mjs` signed with
//! nostr-tools (the same file the JavaScript side of the benchmark reads),
//! and prints the figures; asserts only that the answers are right. Run it
//! with `scripts/bench-nostr.sh` (a release build, as shipped), which writes
//! that file and names it in `FLASH_BENCH_NOSTR_EVENTS`; the `bench-nostr`
//! feature builds it.
//!
//! - verification: `Event::verify` (id and signature), what the relay pool
//!   runs on every event a relay sends;
//! - NIP-17: `Messenger::open` on 1,000 gift wraps from one correspondent,
//!   with the user's key at hand (its conversation key derived once) and
//!   through the signer alone; and with each wrap's verification on
//!   arrival before it.
#![cfg(target_arch = "wasm32")]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use flash_worker::messaging::Messenger;
use flash_worker::relays::RelayList;
use nostr_sdk::prelude::*;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn now_ms() -> f64;
}

const EVENTS: &str = include_str!(env!("FLASH_BENCH_NOSTR_EVENTS"));

/// Each measurement is repeated; the median is printed beside each run
/// (other work on the machine is noise).
const RUNS: usize = 5;

struct Fixture {
    notes: Vec<Event>,
    recipient: Keys,
    wraps: Vec<Event>,
}

fn fixture() -> Fixture {
    let json: serde_json::Value = serde_json::from_str(EVENTS).unwrap();
    let events = |name: &str| -> Vec<Event> { serde_json::from_value(json[name].clone()).unwrap() };
    Fixture {
        notes: events("notes"),
        recipient: Keys::parse(json["recipient"].as_str().unwrap()).unwrap(),
        wraps: events("wraps"),
    }
}

#[wasm_bindgen_test]
#[ignore = "a measurement: scripts/bench-nostr.sh runs it"]
fn verify_events() {
    let Fixture { notes, .. } = fixture();
    let mut rates = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = now_ms();
        for note in &notes {
            assert!(note.verify().is_ok());
        }
        rates.push(notes.len() as f64 / (now_ms() - started) * 1000.0);
    }
    // One line scripts/bench-nostr.sh reads: "RESULT <name> <value>".
    console_log!("RESULT worker-verify {:.0}", median(&rates));
    console_log!(
        "worker, Event::verify: {} events, median {:.0} events/s (runs: {})",
        notes.len(),
        median(&rates),
        list(&rates, 0)
    );
}

#[wasm_bindgen_test]
#[ignore = "a measurement: scripts/bench-nostr.sh runs it"]
async fn open_gift_wraps() {
    let Fixture {
        recipient, wraps, ..
    } = fixture();
    // A fresh messenger each run: its conversation keys start empty, as
    // when the history loads after unlocking.
    let messenger = |keys: Option<Keys>| {
        let signer: Arc<dyn NostrSigner> = Arc::new(recipient.clone());
        let database: Arc<dyn NostrDatabase> = Arc::new(MemoryDatabase::new());
        Messenger::start(
            signer,
            keys,
            recipient.public_key(),
            RelayList::default(),
            database,
            // Nothing here is dated against it: no relay sends anything.
            Arc::new(|| 0),
        )
    };
    let open_all = |keys: Option<Keys>, verify: bool| {
        let messenger = messenger(keys);
        let wraps = &wraps;
        async move {
            let messenger = messenger.await.unwrap();
            let started = now_ms();
            for wrap in wraps {
                if verify {
                    assert!(wrap.verify().is_ok());
                }
                assert!(messenger.open(wrap).await.is_ok());
            }
            now_ms() - started
        }
    };
    let mut with_key = Vec::with_capacity(RUNS);
    let mut with_key_verified = Vec::with_capacity(RUNS);
    let mut signer_only = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        with_key.push(open_all(Some(recipient.clone()), false).await);
        with_key_verified.push(open_all(Some(recipient.clone()), true).await);
        signer_only.push(open_all(None, false).await);
    }
    console_log!("RESULT worker-open {:.1}", median(&with_key));
    console_log!(
        "RESULT worker-verify-open {:.1}",
        median(&with_key_verified)
    );
    console_log!("RESULT worker-open-signer {:.1}", median(&signer_only));
    for (what, times) in [
        ("Messenger::open, the user's key at hand", &with_key),
        (
            "each wrap verified (as on arrival), then Messenger::open",
            &with_key_verified,
        ),
        (
            "Messenger::open through the signer alone (no conversation-key cache)",
            &signer_only,
        ),
    ] {
        console_log!(
            "worker, {} gift wraps, {what}: median {:.1} ms (runs: {} ms)",
            wraps.len(),
            median(times),
            list(times, 1)
        );
    }
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
