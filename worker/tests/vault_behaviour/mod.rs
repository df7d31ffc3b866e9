//! The vault's behaviour, written once and run on every store: natively on
//! the in-memory store (`tests/native/vault.rs`) and in headless Chromium on
//! IndexedDB (`tests/browser/vault.rs`).
//!
//! Each test takes fresh, empty stores, or a function that opens the same
//! store again (a reload).

use std::collections::BTreeMap;
use std::future::Future;

use flash_worker::vault::{KdfParams, Vault, VaultError, VaultState, VaultStore};

pub const PASS: &str = "correct horse battery staple";
pub const OTHER: &str = "tr0ub4dor&3";

/// Fast Argon2id: the default parameters are measured, not tested.
pub fn kdf() -> KdfParams {
    KdfParams::for_tests().unwrap()
}

/// Every record as stored.
pub async fn dump<S: VaultStore>(store: &S) -> BTreeMap<String, Vec<u8>> {
    let mut records = BTreeMap::new();
    for name in store.names().await.unwrap() {
        let bytes = store.get(&name).await.unwrap().unwrap();
        records.insert(name, bytes);
    }
    records
}

/// A new vault with two secrets and one public record, unlocked.
pub async fn created<S: VaultStore>(store: S) -> Vault<S> {
    let mut vault = Vault::open(store).await.unwrap();
    assert_eq!(vault.state(), VaultState::Empty);
    vault.create(PASS, kdf()).await.unwrap();
    vault
        .put_secrets(&[("seed", b"seed words"), ("nostr", b"nsec1...")])
        .await
        .unwrap();
    vault.put_public("npub", b"npub1...").await.unwrap();
    vault
}

pub async fn secrets_round_trip<S: VaultStore>(store: S) {
    let mut vault = created(store).await;
    assert_eq!(vault.state(), VaultState::Unlocked);
    assert_eq!(
        vault.secret("seed").await.unwrap().unwrap().as_slice(),
        b"seed words"
    );
    assert_eq!(vault.secret("missing").await.unwrap(), None);
    vault.put_secret("seed", b"replaced").await.unwrap();
    assert_eq!(
        vault.secret("seed").await.unwrap().unwrap().as_slice(),
        b"replaced"
    );
    vault.put_secret("empty", b"").await.unwrap();
    assert_eq!(
        vault.secret("empty").await.unwrap().unwrap().as_slice(),
        b""
    );
    let mut names = vault.secret_names().await.unwrap();
    names.sort();
    assert_eq!(names, ["empty", "nostr", "seed"]);
    vault.delete_secret("nostr").await.unwrap();
    assert_eq!(vault.secret("nostr").await.unwrap(), None);
    assert_eq!(
        vault.public("npub").await.unwrap().as_deref(),
        Some(&b"npub1..."[..])
    );
    assert!(matches!(
        vault.put_secret("", b"x").await,
        Err(VaultError::InvalidName { .. })
    ));
    assert!(matches!(
        vault.put_secret(&"n".repeat(201), b"x").await,
        Err(VaultError::InvalidName { .. })
    ));
}

pub async fn creating_follows_the_rules<S: VaultStore>(store: S) {
    let mut vault = Vault::open(store).await.unwrap();
    assert_eq!(vault.unlock(PASS, 0).await, Err(VaultError::NoVault));
    assert_eq!(vault.secret("seed").await, Err(VaultError::NoVault));
    let empty = vault.create("", kdf()).await;
    assert_eq!(empty, Err(VaultError::EmptyPassphrase));
    assert!(empty.unwrap_err().to_string().contains("empty"));
    assert_eq!(vault.state(), VaultState::Empty);
    let bad_kdf = KdfParams {
        m_cost_kib: u32::MAX,
        ..kdf()
    };
    assert!(matches!(
        vault.create(PASS, bad_kdf).await,
        Err(VaultError::KdfParams(_))
    ));
    assert_eq!(vault.state(), VaultState::Empty);
    vault.create(PASS, kdf()).await.unwrap();
    assert_eq!(
        vault.create(OTHER, kdf()).await,
        Err(VaultError::AlreadyCreated)
    );
    vault.lock();
    vault.unlock(PASS, 0).await.unwrap();
}

pub async fn public_records_and_auto_lock_setting<S: VaultStore>(store: S) {
    let mut vault = Vault::open(store).await.unwrap();
    // Public records work before a passphrase exists and while locked.
    vault.put_public("theme", b"dark").await.unwrap();
    assert_eq!(
        vault.auto_lock_minutes().await.unwrap(),
        flash_worker::vault::DEFAULT_AUTO_LOCK_MINUTES
    );
    vault.set_auto_lock_minutes(15).await.unwrap();
    vault.create(PASS, kdf()).await.unwrap();
    vault.lock();
    assert_eq!(vault.auto_lock_minutes().await.unwrap(), 15);
    assert_eq!(
        vault.public("theme").await.unwrap().as_deref(),
        Some(&b"dark"[..])
    );
    vault.delete_public("theme").await.unwrap();
    assert_eq!(vault.public("theme").await.unwrap(), None);
}

pub async fn lock_and_unlock<S: VaultStore>(store: S) {
    let mut vault = created(store).await;
    vault.lock();
    assert_eq!(vault.state(), VaultState::Locked);
    assert_eq!(vault.secret("seed").await, Err(VaultError::Locked));
    assert_eq!(vault.put_secret("x", b"y").await, Err(VaultError::Locked));
    assert_eq!(vault.delete_secret("seed").await, Err(VaultError::Locked));
    assert_eq!(vault.export_backup().await, Err(VaultError::Locked));
    let locked_message = VaultError::Locked.to_string();
    assert!(locked_message.contains("unlock"), "{locked_message}");
    vault.unlock(PASS, 0).await.unwrap();
    assert_eq!(vault.state(), VaultState::Unlocked);
    assert_eq!(
        vault.secret("nostr").await.unwrap().unwrap().as_slice(),
        b"nsec1..."
    );
    // Locking twice, or unlocking while unlocked, is harmless.
    vault.lock();
    vault.lock();
    vault.unlock(PASS, 0).await.unwrap();
    vault.unlock(PASS, 0).await.unwrap();
}

pub async fn a_wrong_passphrase_changes_nothing_but_the_counter<S: VaultStore>(store: S) {
    let mut vault = created(store).await;
    vault.lock();
    let before = dump(vault.store()).await;
    let wrong = vault.unlock(OTHER, 0).await;
    assert_eq!(wrong, Err(VaultError::WrongPassphrase { retry_in_ms: 0 }));
    assert_eq!(wrong.unwrap_err().to_string(), "Wrong passphrase.");
    assert_eq!(vault.state(), VaultState::Locked);
    let mut after = dump(vault.store()).await;
    assert_ne!(
        after.remove("unlock_failures"),
        before.get("unlock_failures").cloned()
    );
    let mut before = before;
    before.remove("unlock_failures");
    assert_eq!(after, before);
    vault.unlock(PASS, 0).await.unwrap();
    assert_eq!(
        vault.secret("seed").await.unwrap().unwrap().as_slice(),
        b"seed words"
    );
}

/// Reopening the same store (a page reload) finds the vault locked.
pub async fn a_reopened_vault_is_locked<S, F, Fut>(open: F)
where
    S: VaultStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let vault = created(open().await).await;
    drop(vault);
    let mut vault = Vault::open(open().await).await.unwrap();
    assert_eq!(vault.state(), VaultState::Locked);
    assert_eq!(vault.secret("seed").await, Err(VaultError::Locked));
    vault.unlock(PASS, 0).await.unwrap();
    assert_eq!(
        vault.secret("seed").await.unwrap().unwrap().as_slice(),
        b"seed words"
    );
    assert_eq!(
        vault.public("npub").await.unwrap().as_deref(),
        Some(&b"npub1..."[..])
    );
}

/// Wrong guesses are free three times, then 1 s, 2 s, 4 s …; the counter
/// survives a reload and a success resets it.
pub async fn failures_slow_down_exponentially_across_reloads<S, F, Fut>(open: F)
where
    S: VaultStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let mut vault = created(open().await).await;
    vault.lock();
    for _ in 0..3 {
        assert_eq!(
            vault.unlock(OTHER, 0).await,
            Err(VaultError::WrongPassphrase { retry_in_ms: 0 })
        );
    }
    let fourth = vault.unlock(OTHER, 0).await;
    assert_eq!(
        fourth,
        Err(VaultError::WrongPassphrase { retry_in_ms: 1_000 })
    );
    assert!(fourth.unwrap_err().to_string().contains("Wait 1 s"));
    // Too early: refused without trying, even the right passphrase.
    let early = vault.unlock(PASS, 400).await;
    assert_eq!(early, Err(VaultError::TooSoon { retry_in_ms: 600 }));
    assert!(early.unwrap_err().to_string().contains("Wait 1 s"));
    assert_eq!(vault.state(), VaultState::Locked);
    assert_eq!(
        vault.unlock(OTHER, 1_000).await,
        Err(VaultError::WrongPassphrase { retry_in_ms: 2_000 })
    );
    // verify_passphrase counts too.
    assert_eq!(
        vault.verify_passphrase(OTHER, 3_000).await,
        Err(VaultError::WrongPassphrase { retry_in_ms: 4_000 })
    );
    drop(vault);

    let mut vault = Vault::open(open().await).await.unwrap();
    assert_eq!(
        vault.unlock(PASS, 5_000).await,
        Err(VaultError::TooSoon { retry_in_ms: 2_000 })
    );
    vault.unlock(PASS, 7_000).await.unwrap();
    vault.lock();
    assert_eq!(
        vault.unlock(OTHER, 7_000).await,
        Err(VaultError::WrongPassphrase { retry_in_ms: 0 })
    );
}

pub async fn verifying_the_passphrase_keeps_the_state<S: VaultStore>(store: S) {
    let mut vault = created(store).await;
    vault.verify_passphrase(PASS, 0).await.unwrap();
    assert_eq!(vault.state(), VaultState::Unlocked);
    assert_eq!(
        vault.verify_passphrase(OTHER, 0).await,
        Err(VaultError::WrongPassphrase { retry_in_ms: 0 })
    );
    assert_eq!(vault.state(), VaultState::Unlocked);
    vault.lock();
    vault.verify_passphrase(PASS, 0).await.unwrap();
    assert_eq!(vault.state(), VaultState::Locked);
}

pub async fn changing_the_passphrase<S: VaultStore>(store: S) {
    let mut vault = created(store).await;
    let before = dump(vault.store()).await;
    assert_eq!(
        vault.change_passphrase(OTHER, "new one", kdf(), 0).await,
        Err(VaultError::WrongPassphrase { retry_in_ms: 0 })
    );
    assert_eq!(
        vault.change_passphrase(PASS, "", kdf(), 0).await,
        Err(VaultError::EmptyPassphrase)
    );
    vault
        .change_passphrase(PASS, "new one", kdf(), 0)
        .await
        .unwrap();
    assert_eq!(vault.state(), VaultState::Unlocked);
    // Only the wrapped key changed (and the counter, reset after the typo).
    let after = dump(vault.store()).await;
    for (name, bytes) in &before {
        if name != "key" && name != "unlock_failures" {
            assert_eq!(after.get(name), Some(bytes), "{name} was rewritten");
        }
    }
    assert_ne!(after.get("key"), before.get("key"));
    vault.lock();
    assert!(matches!(
        vault.unlock(PASS, 0).await,
        Err(VaultError::WrongPassphrase { .. })
    ));
    vault.unlock("new one", 0).await.unwrap();
    assert_eq!(
        vault.secret("seed").await.unwrap().unwrap().as_slice(),
        b"seed words"
    );
}

pub async fn a_tampered_record_is_reported_not_read<S: VaultStore>(store: S) {
    let vault = created(store).await;
    let sealed = vault.store().get("secret/seed").await.unwrap().unwrap();
    for position in [0, 1, 12, sealed.len() / 2, sealed.len() - 1] {
        let mut bad = sealed.clone();
        bad[position] ^= 0x01;
        vault
            .store()
            .put_all(vec![("secret/seed".to_owned(), bad)])
            .await
            .unwrap();
        let error = vault.secret("seed").await.unwrap_err();
        assert_eq!(
            error,
            VaultError::Damaged {
                name: "secret/seed".to_owned()
            }
        );
        assert!(error.to_string().contains("backup"), "{error}");
    }
    vault
        .store()
        .put_all(vec![("secret/seed".to_owned(), sealed[..10].to_vec())])
        .await
        .unwrap();
    assert!(matches!(
        vault.secret("seed").await,
        Err(VaultError::Damaged { .. })
    ));
    // The other secret is untouched.
    assert_eq!(
        vault.secret("nostr").await.unwrap().unwrap().as_slice(),
        b"nsec1..."
    );
}

pub async fn a_damaged_key_record_is_reported<S: VaultStore>(store: S) {
    let mut vault = created(store).await;
    vault.lock();
    vault
        .store()
        .put_all(vec![("key".to_owned(), b"{not json".to_vec())])
        .await
        .unwrap();
    assert_eq!(
        vault.unlock(PASS, 0).await,
        Err(VaultError::Damaged {
            name: "key".to_owned()
        })
    );
    let hostile = br#"{"kdf":{"m_cost_kib":4294967295,"t_cost":1,"p_cost":1,"salt":"AAAAAAAAAAAAAAAAAAAAAA=="},"wrapped_key":"AA=="}"#;
    vault
        .store()
        .put_all(vec![("key".to_owned(), hostile.to_vec())])
        .await
        .unwrap();
    assert_eq!(
        vault.unlock(PASS, 0).await,
        Err(VaultError::Damaged {
            name: "key".to_owned()
        })
    );
}

pub async fn records_swapped_between_names_do_not_open<S: VaultStore>(store: S) {
    let vault = created(store).await;
    let seed = vault.store().get("secret/seed").await.unwrap().unwrap();
    let nostr = vault.store().get("secret/nostr").await.unwrap().unwrap();
    vault
        .store()
        .put_all(vec![
            ("secret/seed".to_owned(), nostr),
            ("secret/nostr".to_owned(), seed),
        ])
        .await
        .unwrap();
    assert!(matches!(
        vault.secret("seed").await,
        Err(VaultError::Damaged { .. })
    ));
    assert!(matches!(
        vault.secret("nostr").await,
        Err(VaultError::Damaged { .. })
    ));
}

/// Export, then restore into another store: with the passphrase it opens;
/// a wrong passphrase, a file that is not a backup or an altered one fail
/// clearly and write nothing. `open_fresh` opens that other store, again.
pub async fn a_backup_restores_with_its_passphrase_only<S, F, Fut>(store: S, open_fresh: F)
where
    S: VaultStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let mut vault = created(store).await;
    vault.set_auto_lock_minutes(2).await.unwrap();
    let backup = vault.export_backup().await.unwrap();
    let text = String::from_utf8(backup.clone()).unwrap();
    assert!(text.contains("flash-vault-backup"));
    assert!(!text.contains("seed words"));

    let wrong = Vault::import_backup(open_fresh().await, &backup, OTHER).await;
    assert_eq!(
        wrong.unwrap_err(),
        VaultError::WrongPassphrase { retry_in_ms: 0 }
    );
    assert!(dump(&open_fresh().await).await.is_empty());

    let error = Vault::import_backup(open_fresh().await, b"not a backup", PASS)
        .await
        .unwrap_err();
    assert!(matches!(error, VaultError::BadBackup { .. }));
    assert!(
        error.to_string().contains("not a usable Flash backup"),
        "{error}"
    );

    let mut json: serde_json::Value = serde_json::from_slice(&backup).unwrap();
    json["records"]["secret/seed"] = json["records"]["secret/nostr"].clone();
    let altered = serde_json::to_vec(&json).unwrap();
    let error = Vault::import_backup(open_fresh().await, &altered, PASS)
        .await
        .unwrap_err();
    assert!(matches!(error, VaultError::BadBackup { .. }), "{error}");

    json["version"] = 99.into();
    let newer = serde_json::to_vec(&json).unwrap();
    let error = Vault::import_backup(open_fresh().await, &newer, PASS)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("newer version"), "{error}");
    assert!(dump(&open_fresh().await).await.is_empty());

    let mut restored = Vault::import_backup(open_fresh().await, &backup, PASS)
        .await
        .unwrap();
    assert_eq!(restored.state(), VaultState::Unlocked);
    assert_eq!(
        restored.secret("seed").await.unwrap().unwrap().as_slice(),
        b"seed words"
    );
    assert_eq!(restored.auto_lock_minutes().await.unwrap(), 2);
    restored.lock();
    drop(restored);

    let mut reopened = Vault::open(open_fresh().await).await.unwrap();
    assert_eq!(reopened.state(), VaultState::Locked);
    reopened.unlock(PASS, 0).await.unwrap();
    assert_eq!(
        reopened.secret("nostr").await.unwrap().unwrap().as_slice(),
        b"nsec1..."
    );
    assert_eq!(
        Vault::import_backup(open_fresh().await, &backup, PASS)
            .await
            .unwrap_err(),
        VaultError::NotEmpty
    );
}
