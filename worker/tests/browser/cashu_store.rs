//! The eCash store on IndexedDB, in a dedicated worker in headless Chromium:
//! cdk's wallet-database conformance suite, the shared behaviour tests, the
//! upgrade of a profile database made before the store existed, and a look
//! at the raw database to check that no secret is stored in the clear.

use crate::cashu_store_behaviour as behaviour;
use crate::fresh_profile::profile_id;
use flash_worker::ecash::store::indexeddb::IndexedDbPersistence;
use flash_worker::ecash::store::CashuStore;
use flash_worker::ecash::store::Persistence;
use flash_worker::storage::schema::profile_database;
use flash_worker::storage::schema::CASHU as OBJECT_STORE;
use flash_worker::storage::StoreError;
use flash_worker::vault::seal::{random_key, seal, Key};
use flash_worker::vault::{IndexedDbStore, VaultStore};
use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

async fn open(id: &str, key: &Key) -> CashuStore<IndexedDbPersistence> {
    let persistence = IndexedDbPersistence::open(id, key.clone()).await.unwrap();
    CashuStore::open(persistence).await.unwrap()
}

async fn delete(id: &str) {
    IndexedDbStore::delete_database(id).await.unwrap();
}

/// Runs cdk's conformance tests, each on a fresh database, then deletes it.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {$(
        #[wasm_bindgen_test]
        async fn $name() {
            let id = profile_id("test-cashu");
            cdk_common::database::wallet::test::$name(open(&id, &random_key().unwrap()).await)
                .await;
            delete(&id).await;
        }
    )*};
}

// cdk's default list (`wallet_db_test!`) and its P2PK-key tests, less
// `latest_p2pk_with_keys`, which sleeps on tokio's timer: there is no tokio
// runtime in a browser (it runs natively).
conformance!(
    add_and_get_mint,
    add_mint_without_info,
    remove_mint,
    update_mint_url,
    add_and_get_keysets,
    get_keyset_by_id_in_transaction,
    add_and_get_keys,
    get_keys_in_transaction,
    remove_keys,
    add_and_get_mint_quote,
    get_mint_quote_in_transaction,
    remove_mint_quote,
    add_and_get_melt_quote,
    get_melt_quote_in_transaction,
    remove_melt_quote,
    add_mint_quote_optimistic_locking,
    add_melt_quote_optimistic_locking,
    add_and_get_proofs,
    get_proofs_in_transaction,
    update_proofs,
    update_proofs_state,
    filter_proofs_by_unit,
    filter_proofs_by_state,
    get_balance,
    get_balance_by_state,
    increment_keyset_counter,
    keyset_counter_isolation,
    increment_derivation_counter,
    derivation_counters_are_independent,
    derivation_counter_is_atomic,
    add_and_get_transaction,
    update_transaction_status,
    same_proofs_in_different_sagas,
    list_transactions,
    filter_transactions_by_mint,
    remove_transaction,
    kvstore_write_and_read,
    kvstore_list,
    kvstore_update,
    kvstore_remove,
    kvstore_namespace_isolation,
    add_and_get_saga,
    update_saga_optimistic_locking,
    delete_saga,
    get_incomplete_sagas,
    reserve_proofs,
    release_proofs,
    release_proofs_preserves_spent,
    get_reserved_proofs,
    reserve_proofs_already_reserved,
    reserve_proofs_is_atomic,
    add_and_get_p2pk_key,
    list_p2pk_keys_empty,
    list_p2pk_keys_multiple,
    latest_p2pk_empty,
);

#[wasm_bindgen_test]
async fn every_record_survives_a_reopen() {
    let (id, key) = (profile_id("test-cashu"), random_key().unwrap());
    behaviour::every_record_survives_a_reopen(open(&id, &key).await, || open(&id, &key)).await;
    delete(&id).await;
}

#[wasm_bindgen_test]
async fn a_cdk_wallet_runs_on_the_store() {
    let id = profile_id("test-cashu");
    behaviour::a_cdk_wallet_runs_on_the_store(open(&id, &random_key().unwrap()).await).await;
    delete(&id).await;
}

/// Every value of the `cashu` object store, by key.
async fn raw_records(id: &str) -> Vec<(String, Vec<u8>)> {
    let db = Database::open(profile_database(id)).await.unwrap();
    let tx = db.transaction(OBJECT_STORE).build().unwrap();
    let store = tx.object_store(OBJECT_STORE).unwrap();
    let keys: Vec<JsValue> = store
        .get_all_keys::<JsValue>()
        .primitive()
        .unwrap()
        .await
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let values: Vec<JsValue> = store
        .get_all::<JsValue>()
        .primitive()
        .unwrap()
        .await
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    drop(store);
    drop(tx);
    db.close();
    keys.into_iter()
        .zip(values)
        .map(|(key, value)| {
            let bytes = value
                .dyn_into::<Uint8Array>()
                .expect("every value is bytes")
                .to_vec();
            (key.as_string().unwrap(), bytes)
        })
        .collect()
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

#[wasm_bindgen_test]
async fn no_secret_is_readable_in_the_raw_database() {
    let (id, key) = (profile_id("test-cashu"), random_key().unwrap());
    let store = open(&id, &key).await;
    let (_, secrets) = behaviour::fill(&store).await;
    drop(store);

    let records = raw_records(&id).await;
    // 2 mints, a keyset, its keys, 4 proofs, 2 quotes, a transaction,
    // 2 counters, a saga, a key-value record and a P2PK key.
    assert_eq!(records.len(), 16);
    // Keys are hashes: no quote id (a bearer credential at mints without
    // NUT-20), mint URL or proof Y can be read from them.
    for (key, _) in &records {
        assert!(
            key.len() == 64 && key.chars().all(|c| c.is_ascii_hexdigit()),
            "{key} is not a hash"
        );
    }
    for clear in ["mint-quote-1", "melt-quote-1", "mint.example.com"] {
        for (key, value) in &records {
            assert!(!key.contains(clear), "{clear} names {key}");
            assert!(
                !contains(value, clear.as_bytes()),
                "{clear} is in clear in {key}"
            );
        }
    }
    let mut secrets_checked = 0;
    for hex in secrets.proof_secrets.iter().chain([&secrets.quote_key]) {
        assert_eq!(hex.len(), 64, "a secret is 32 bytes in hex");
        let (text, raw) = (hex.as_bytes(), hex_bytes(hex));
        for (key, value) in &records {
            assert!(!contains(key.as_bytes(), text), "a secret names {key}");
            assert!(!contains(value, text), "a secret is in clear in {key}");
            assert!(!contains(value, &raw), "a secret's bytes are in {key}");
        }
        secrets_checked += 1;
    }
    assert_eq!(secrets_checked, 5);
    // Not even the records' shape shows: no field name of the JSON inside.
    for field in [&b"\"secret\""[..], b"\"amount\"", b"\"state\""] {
        assert!(records.iter().all(|(_, value)| !contains(value, field)));
    }
    delete(&id).await;
}

#[wasm_bindgen_test]
async fn another_key_or_a_moved_record_is_refused_by_name() {
    let (id, key) = (profile_id("test-cashu"), random_key().unwrap());
    let store = open(&id, &key).await;
    behaviour::fill(&store).await;
    drop(store);

    // Another key opens nothing; the error names the first record.
    let records = raw_records(&id).await;
    let other = IndexedDbPersistence::open(&id, random_key().unwrap())
        .await
        .unwrap();
    let error = CashuStore::open(other).await.unwrap_err();
    assert!(
        error.to_string().contains(&format!("\"{}", records[0].0)),
        "{error}"
    );

    // A value copied under another key does not open there either.
    let (_, proof_value) = &records[0];
    let moved = "0".repeat(64);
    let db = Database::open(profile_database(&id)).await.unwrap();
    let tx = db
        .transaction(OBJECT_STORE)
        .with_mode(TransactionMode::Readwrite)
        .build()
        .unwrap();
    let raw = tx.object_store(OBJECT_STORE).unwrap();
    raw.put(JsValue::from(Uint8Array::from(proof_value.as_slice())))
        .with_key(moved.as_str())
        .without_key_type()
        .primitive()
        .unwrap()
        .await
        .unwrap();
    drop(raw);
    tx.commit().await.unwrap();
    db.close();
    let persistence = IndexedDbPersistence::open(&id, key).await.unwrap();
    let error = CashuStore::open(persistence).await.unwrap_err();
    match error {
        cdk_common::database::Error::Database(error) => assert_eq!(
            *error.downcast::<StoreError>().unwrap(),
            StoreError::Malformed { name: moved }
        ),
        other => panic!("expected a store error, got {other}"),
    }
    delete(&id).await;
}

#[wasm_bindgen_test]
async fn records_kept_under_clear_keys_are_read_and_moved_to_hashed_keys() {
    let (id, key) = (profile_id("test-cashu"), random_key().unwrap());
    let store = open(&id, &key).await;
    let (keyset, _) = behaviour::fill(&store).await;
    let before = behaviour::dump(&store, keyset).await;
    drop(store);

    // Rewritten as the store kept them before: each record under its own
    // key, sealed for that key.
    let persistence = IndexedDbPersistence::open(&id, key.clone()).await.unwrap();
    let loaded = persistence.load().await.unwrap();
    drop(persistence);
    let db = Database::open(profile_database(&id)).await.unwrap();
    let tx = db
        .transaction(OBJECT_STORE)
        .with_mode(TransactionMode::Readwrite)
        .build()
        .unwrap();
    let raw = tx.object_store(OBJECT_STORE).unwrap();
    raw.clear().unwrap().await.unwrap();
    for (record_key, record) in &loaded {
        let json = serde_json::to_vec(record).unwrap();
        let sealed = seal(&key, &format!("cashu/{record_key}"), &json).unwrap();
        raw.put(JsValue::from(Uint8Array::from(sealed.as_slice())))
            .with_key(record_key.as_str())
            .without_key_type()
            .primitive()
            .unwrap()
            .await
            .unwrap();
    }
    drop(raw);
    tx.commit().await.unwrap();
    db.close();
    assert!(raw_records(&id)
        .await
        .iter()
        .all(|(key, _)| key.contains('/')));

    // Opened, every record is there, and kept under its hash only.
    let store = open(&id, &key).await;
    assert_eq!(behaviour::dump(&store, keyset).await, before);
    drop(store);
    let records = raw_records(&id).await;
    assert_eq!(records.len(), loaded.len());
    assert!(records.iter().all(|(key, _)| !key.contains('/')));
    let store = open(&id, &key).await;
    assert_eq!(behaviour::dump(&store, keyset).await, before);
    delete(&id).await;
}

#[wasm_bindgen_test]
async fn a_profile_made_before_the_store_is_upgraded_and_keeps_its_vault() {
    let id = profile_id("test-cashu");
    // Version 1 of the profile database: the vault's object store only.
    let db = Database::open(profile_database(&id))
        .with_version(1u32)
        .with_on_upgrade_needed(|_, db: Database| {
            db.create_object_store("vault").build()?;
            Ok(())
        })
        .await
        .unwrap();
    let tx = db
        .transaction("vault")
        .with_mode(TransactionMode::Readwrite)
        .build()
        .unwrap();
    let vault = tx.object_store("vault").unwrap();
    vault
        .put(JsValue::from(Uint8Array::from(&b"sealed"[..])))
        .with_key("schema_version")
        .without_key_type()
        .primitive()
        .unwrap()
        .await
        .unwrap();
    drop(vault);
    tx.commit().await.unwrap();
    db.close();

    let key = random_key().unwrap();
    let store = open(&id, &key).await;
    behaviour::fill(&store).await;
    drop(store);
    let vault = IndexedDbStore::open(&id).await.unwrap();
    assert_eq!(
        vault.get("schema_version").await.unwrap().as_deref(),
        Some(&b"sealed"[..])
    );
    assert_eq!(vault.names().await.unwrap(), vec!["schema_version"]);
    drop(vault);
    assert_eq!(raw_records(&id).await.len(), 16);
    delete(&id).await;
}
