//! The vault on the in-memory store: the shared behaviour tests, plus what
//! only the in-memory store can simulate (a crash mid-write, a full disk).
#![cfg(not(target_arch = "wasm32"))]

use crate::vault_behaviour;

use futures::executor::block_on;
use std::future::{ready, Ready};

use flash_worker::storage::StoreError;
use flash_worker::vault::{MemoryStore, Vault, VaultError, VaultState};
use vault_behaviour as behaviour;
use vault_behaviour::{created, dump, kdf, OTHER, PASS};

/// Opens `store` again, as a reload would.
fn reopener(store: &MemoryStore) -> impl Fn() -> Ready<MemoryStore> {
    let store = store.clone();
    move || ready(store.clone())
}

#[test]
fn secrets_round_trip() {
    block_on(behaviour::secrets_round_trip(MemoryStore::new()));
}

#[test]
fn creating_follows_the_rules() {
    block_on(behaviour::creating_follows_the_rules(MemoryStore::new()));
}

#[test]
fn public_records_and_auto_lock_setting() {
    block_on(behaviour::public_records_and_auto_lock_setting(
        MemoryStore::new(),
    ));
}

#[test]
fn lock_and_unlock() {
    block_on(behaviour::lock_and_unlock(MemoryStore::new()));
}

#[test]
fn a_wrong_passphrase_changes_nothing_but_the_counter() {
    block_on(behaviour::a_wrong_passphrase_changes_nothing_but_the_counter(MemoryStore::new()));
}

#[test]
fn a_reopened_vault_is_locked() {
    block_on(behaviour::a_reopened_vault_is_locked(reopener(
        &MemoryStore::new(),
    )));
}

#[test]
fn failures_slow_down_exponentially_across_reloads() {
    block_on(behaviour::failures_slow_down_exponentially_across_reloads(
        reopener(&MemoryStore::new()),
    ));
}

#[test]
fn verifying_the_passphrase_keeps_the_state() {
    block_on(behaviour::verifying_the_passphrase_keeps_the_state(
        MemoryStore::new(),
    ));
}

#[test]
fn changing_the_passphrase() {
    block_on(behaviour::changing_the_passphrase(MemoryStore::new()));
}

#[test]
fn a_tampered_record_is_reported_not_read() {
    block_on(behaviour::a_tampered_record_is_reported_not_read(
        MemoryStore::new(),
    ));
}

#[test]
fn a_damaged_key_record_is_reported() {
    block_on(behaviour::a_damaged_key_record_is_reported(
        MemoryStore::new(),
    ));
}

#[test]
fn records_swapped_between_names_do_not_open() {
    block_on(behaviour::records_swapped_between_names_do_not_open(
        MemoryStore::new(),
    ));
}

#[test]
fn a_backup_restores_with_its_passphrase_only() {
    block_on(behaviour::a_backup_restores_with_its_passphrase_only(
        MemoryStore::new(),
        reopener(&MemoryStore::new()),
    ));
}

/// Interrupts a passphrase change at every one of its writes: the vault
/// always opens with exactly one of the two passphrases.
#[test]
fn a_passphrase_change_interrupted_anywhere_keeps_one_passphrase() {
    block_on(async {
        // Count the writes of an uninterrupted change (and one more, to
        // cover "crash after the last write").
        let store = MemoryStore::new();
        let mut vault = created(store.clone()).await;
        let before = store.writes_done();
        vault
            .change_passphrase(PASS, OTHER, kdf(), 0)
            .await
            .unwrap();
        let steps = store.writes_done() - before;
        assert!(steps >= 1);

        for n in 0..=steps {
            let store = MemoryStore::new();
            let mut vault = created(store.clone()).await;
            store.fail_after_writes(n);
            let outcome = vault.change_passphrase(PASS, OTHER, kdf(), 0).await;
            assert_eq!(outcome.is_ok(), n >= steps, "interrupted after {n} writes");
            drop(vault);
            store.heal();

            let opens_with = |passphrase: &'static str| {
                let store = store.clone();
                async move {
                    let mut vault = Vault::open(store).await.unwrap();
                    vault.unlock(passphrase, 0).await.is_ok()
                }
            };
            let old = opens_with(PASS).await;
            let new = opens_with(OTHER).await;
            assert!(old != new, "after {n} writes: old {old}, new {new}");
            assert_eq!(new, n >= steps);
            let mut vault = Vault::open(store.clone()).await.unwrap();
            vault
                .unlock(if new { OTHER } else { PASS }, 0)
                .await
                .unwrap();
            assert_eq!(
                vault.secret("seed").await.unwrap().unwrap().as_slice(),
                b"seed words"
            );
        }
    });
}

/// A batch of secrets interrupted by a crash writes none of them.
#[test]
fn a_failed_batch_writes_nothing() {
    block_on(async {
        let store = MemoryStore::new();
        let mut vault = created(store.clone()).await;
        let before = store.snapshot();
        store.fail_after_writes(0);
        let outcome = vault
            .put_secrets(&[("a", b"1"), ("b", b"2"), ("c", b"3")])
            .await;
        assert!(matches!(
            outcome,
            Err(VaultError::Store(StoreError::Failed { .. }))
        ));
        assert_eq!(store.snapshot(), before);
    });
}

#[test]
fn a_full_disk_surfaces_as_quota_exceeded() {
    block_on(async {
        let store = MemoryStore::new();
        let mut vault = created(store.clone()).await;
        let used: usize = store
            .snapshot()
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum();
        store.set_quota_bytes(used + 10);
        let error = vault.put_secret("big", &[7u8; 1_000]).await.unwrap_err();
        assert_eq!(error, VaultError::Store(StoreError::QuotaExceeded));
        assert!(error.to_string().contains("storage"), "{error}");
        assert!(error.to_string().contains("full"), "{error}");
        assert_eq!(vault.secret("big").await.unwrap(), None);
        // A full disk must not keep the owner out: unlock still works, even
        // though the failure counter cannot be reset.
        vault.lock();
        assert_eq!(
            vault.unlock(OTHER, 0).await,
            Err(VaultError::WrongPassphrase { retry_in_ms: 0 })
        );
        store.heal();
        assert!(vault.unlock(OTHER, 0).await.is_err());
        store.set_quota_bytes(0);
        vault.unlock(PASS, 0).await.unwrap();
        assert_eq!(vault.state(), VaultState::Unlocked);
    });
}

/// What lies at rest never contains a secret in the clear.
#[test]
fn no_secret_is_at_rest_in_the_clear() {
    block_on(async {
        let store = MemoryStore::new();
        let mut vault = Vault::open(store.clone()).await.unwrap();
        vault.create(PASS, kdf()).await.unwrap();
        let phrase = "legal winner thank year wave sausage worth useful legal winner thank yellow";
        vault
            .put_secret("mnemonic", phrase.as_bytes())
            .await
            .unwrap();
        let at_rest = dump(&store).await;
        for bytes in at_rest.values() {
            let text = String::from_utf8_lossy(bytes);
            for word in phrase.split(' ') {
                assert!(!text.contains(word), "{word} found at rest");
            }
            assert!(!text.contains(PASS));
        }
    });
}
