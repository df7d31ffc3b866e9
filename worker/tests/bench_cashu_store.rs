//! Measures the eCash store on IndexedDB in a dedicated worker in headless
//! Chromium: 1,000 proofs added in one write and in 1,000 writes, the store
//! reopened over them, and proofs selected as cdk does before a send.
//! Prints figures, asserts only that the answers are right.
//!
//! Run it alone, with its output shown: `scripts/bench-cashu-store.sh`.
#![cfg(target_arch = "wasm32")]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cashu_store_behaviour;
mod fresh_profile;

use cashu_store_behaviour::{keys, mint_url, proof};
use cdk_common::database::WalletDatabase;
use cdk_common::nuts::{CurrencyUnit, State};
use cdk_common::wallet::ProofInfo;
use flash_worker::ecash::store::indexeddb::IndexedDbPersistence;
use flash_worker::ecash::store::CashuStore;
use flash_worker::vault::seal::{random_key, Key};
use flash_worker::vault::IndexedDbStore;
use fresh_profile::profile_id;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

const PROOFS: usize = 1_000;
/// Selections timed, to average sub-millisecond ones.
const SELECTIONS: usize = 100;

/// `performance.now()`: sub-millisecond, where `Date.now()` is not.
fn now_ms() -> f64 {
    let performance = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).unwrap();
    let now: js_sys::Function = js_sys::Reflect::get(&performance, &"now".into())
        .unwrap()
        .unchecked_into();
    now.call0(&performance).unwrap().as_f64().unwrap()
}

async fn open(id: &str, key: &Key) -> CashuStore<IndexedDbPersistence> {
    let persistence = IndexedDbPersistence::open(id, key.clone()).await.unwrap();
    CashuStore::open(persistence).await.unwrap()
}

fn report(what: &str, ms: f64, proofs: usize) {
    console_log!(
        "{what}: {ms:.1} ms, {:.0} proofs/s",
        proofs as f64 / (ms / 1e3)
    );
}

/// `PROOFS` proofs of 1 to 512 sat, a tenth of them spent.
fn proofs() -> Vec<ProofInfo> {
    let (_, id) = keys();
    (0..PROOFS)
        .map(|i| {
            let mut proof = proof(id, 1 << (i % 10));
            if i % 10 == 0 {
                proof.state = State::Spent;
            }
            proof
        })
        .collect()
}

#[wasm_bindgen_test]
async fn cashu_store_throughput_on_indexeddb() {
    let key = random_key().unwrap();
    // A tenth of them spent (see `proofs`).
    let unspent = PROOFS - PROOFS / 10;
    console_log!("eCash store on IndexedDB, {PROOFS} proofs:");

    // One write.
    let id = profile_id("bench-cashu");
    let store = open(&id, &key).await;
    let batch = proofs();
    let start = now_ms();
    store.update_proofs(batch, vec![]).await.unwrap();
    report(
        "  added in one update_proofs call",
        now_ms() - start,
        PROOFS,
    );
    drop(store);

    let start = now_ms();
    let store = open(&id, &key).await;
    report(
        "  reopened (every record loaded and opened)",
        now_ms() - start,
        PROOFS,
    );

    // Selection, as cdk does before a send: this mint's unspent sats.
    let start = now_ms();
    for _ in 0..SELECTIONS {
        let selected = store
            .get_proofs(
                Some(mint_url()),
                Some(CurrencyUnit::Sat),
                Some(vec![State::Unspent]),
                None,
            )
            .await
            .unwrap();
        assert_eq!(selected.len(), unspent);
    }
    console_log!(
        "  selected {unspent} of them (get_proofs: mint, unit, unspent): {:.2} ms a call",
        (now_ms() - start) / SELECTIONS as f64
    );
    let start = now_ms();
    for _ in 0..SELECTIONS {
        let balance = store
            .get_balance(Some(mint_url()), None, Some(vec![State::Unspent]))
            .await
            .unwrap();
        // Per ten proofs, the spent 1 sat and the unspent 2 + 4 + … + 512.
        assert_eq!(balance, (PROOFS / 10 * 1022) as u64);
    }
    console_log!(
        "  balance (get_balance: mint, unspent): {:.2} ms a call",
        (now_ms() - start) / SELECTIONS as f64
    );
    drop(store);
    IndexedDbStore::delete_database(&id).await.unwrap();

    // One write per proof, as proofs arrive one operation at a time.
    let id = profile_id("bench-cashu");
    let store = open(&id, &key).await;
    let start = now_ms();
    for proof in proofs() {
        store.update_proofs(vec![proof], vec![]).await.unwrap();
    }
    report(
        &format!("  added in {PROOFS} update_proofs calls"),
        now_ms() - start,
        PROOFS,
    );
    let all = store.get_proofs(None, None, None, None).await.unwrap();
    assert_eq!(all.len(), PROOFS);
    drop(store);
    let reopened = open(&id, &key).await;
    let all = reopened.get_proofs(None, None, None, None).await.unwrap();
    assert_eq!(all.len(), PROOFS);
    drop(reopened);
    IndexedDbStore::delete_database(&id).await.unwrap();
}
