//! The vault on IndexedDB, in a dedicated worker in headless Chromium: the
//! shared behaviour tests, plus a look at the raw database to check that no
//! secret is stored in the clear.

use crate::fresh_profile::profile_id;
use crate::vault_behaviour as behaviour;
use crate::vault_behaviour::{kdf, PASS};
use flash_worker::storage::schema::profile_database;
use flash_worker::vault::{IndexedDbStore, Vault, VaultStore};
use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

async fn open(id: &str) -> IndexedDbStore {
    IndexedDbStore::open(id).await.unwrap()
}

async fn delete(id: &str) {
    IndexedDbStore::delete_database(id).await.unwrap();
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
    secrets_round_trip,
    creating_follows_the_rules,
    public_records_and_auto_lock_setting,
    lock_and_unlock,
    a_wrong_passphrase_changes_nothing_but_the_counter,
    verifying_the_passphrase_keeps_the_state,
    changing_the_passphrase,
    a_tampered_record_is_reported_not_read,
    a_damaged_key_record_is_reported,
    records_swapped_between_names_do_not_open,
);

#[wasm_bindgen_test]
async fn a_reopened_vault_is_locked() {
    let id = profile_id("test");
    behaviour::a_reopened_vault_is_locked(|| open(&id)).await;
    delete(&id).await;
}

#[wasm_bindgen_test]
async fn failures_slow_down_exponentially_across_reloads() {
    let id = profile_id("test");
    behaviour::failures_slow_down_exponentially_across_reloads(|| open(&id)).await;
    delete(&id).await;
}

#[wasm_bindgen_test]
async fn a_backup_restores_with_its_passphrase_only() {
    let (id, fresh) = (profile_id("test"), profile_id("test"));
    behaviour::a_backup_restores_with_its_passphrase_only(open(&id).await, || open(&fresh)).await;
    delete(&id).await;
    delete(&fresh).await;
}

#[wasm_bindgen_test]
async fn the_database_is_named_after_the_profile() {
    let id = profile_id("test");
    let store = open(&id).await;
    assert_eq!(
        format!("{store:?}"),
        format!("IndexedDbStore {{ name: \"flash-profile-{id}\" }}")
    );
    drop(store);
    delete(&id).await;
}

/// Known secrets of each kind a wallet keeps.
const MNEMONIC: &str =
    "legal winner thank year wave sausage worth useful legal winner thank yellow";
const NOSTR_HEX: &str = "7f7ff03d123792d6ac594bfa67bf6d0c0ab55b6b1fdb6249303fe861f1ccba9a";
const NSEC: &str = "nsec10allq0gjx7fddtzef0ax00mdps9t2kmtrldkyjfs8l5xruwvh2dq0lhhkp";

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// Bytes of a raw IndexedDB value, whatever its type.
fn raw_bytes(value: &JsValue) -> Vec<u8> {
    if let Some(array) = value.dyn_ref::<Uint8Array>() {
        array.to_vec()
    } else if let Some(text) = value.as_string() {
        text.into_bytes()
    } else {
        js_sys::JSON::stringify(value)
            .map(String::from)
            .unwrap_or_default()
            .into_bytes()
    }
}

#[wasm_bindgen_test]
async fn no_secret_is_readable_in_the_raw_database() {
    let id = profile_id("test");
    let mut vault = Vault::open(open(&id).await).await.unwrap();
    vault.create(PASS, kdf()).await.unwrap();
    let key = hex_bytes(NOSTR_HEX);
    vault
        .put_secrets(&[
            ("mnemonic", MNEMONIC.as_bytes()),
            ("nostr_hex", NOSTR_HEX.as_bytes()),
            ("nostr_key", &key),
            ("nsec", NSEC.as_bytes()),
        ])
        .await
        .unwrap();
    vault.put_public("npub", b"npub1-public").await.unwrap();
    assert_eq!(
        vault.secret("nsec").await.unwrap().unwrap().as_slice(),
        NSEC.as_bytes()
    );
    drop(vault);

    let db = Database::open(profile_database(&id)).await.unwrap();
    let tx = db.transaction("vault").build().unwrap();
    let store = tx.object_store("vault").unwrap();
    let values: Vec<JsValue> = store
        .get_all::<JsValue>()
        .primitive()
        .unwrap()
        .await
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // schema_version, key, unlock_failures, 4 secrets, 1 public record.
    assert_eq!(values.len(), 8);
    let mut seen_public = false;
    for value in &values {
        let bytes = raw_bytes(value);
        let text = String::from_utf8_lossy(&bytes).to_lowercase();
        seen_public |= text.contains("npub1-public");
        for word in MNEMONIC.split(' ') {
            assert!(
                !text.contains(word),
                "the word {word:?} is stored in the clear"
            );
        }
        assert!(
            !text.contains(NOSTR_HEX),
            "the hex key is stored in the clear"
        );
        assert!(!text.contains(NSEC), "the nsec is stored in the clear");
        assert!(
            !text.contains(&PASS.to_lowercase()),
            "the passphrase is stored"
        );
        assert!(
            !bytes.windows(key.len()).any(|w| w == key.as_slice()),
            "the raw key bytes are stored in the clear"
        );
    }
    // The check can see plaintext: the public record is found.
    assert!(seen_public);
    drop(store);
    drop(tx);
    db.close();
    delete(&id).await;

    // Deleting the database removed every record.
    let reopened = open(&id).await;
    assert!(reopened.names().await.unwrap().is_empty());
    drop(reopened);
    delete(&id).await;
}
