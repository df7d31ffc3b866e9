//! The eCash store in memory: cdk's whole wallet-database conformance suite,
//! the shared behaviour tests, and what only memory can simulate (a failed
//! write, a write abandoned halfway, a damaged record).
#![cfg(not(target_arch = "wasm32"))]

use crate::cashu_store_behaviour;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use cashu_store_behaviour as behaviour;
use cashu_store_behaviour::{keys, proof};
use cdk_common::database::{Error, WalletDatabase};
use cdk_common::nuts::State;
use cdk_common::wallet::ProofInfo;
use cdk_common::wallet_db_test;
use flash_worker::ecash::store::memory::MemoryPersistence;
use flash_worker::ecash::store::{CashuStore, Change, Persistence, Record};
use flash_worker::storage::StoreError;

async fn make_db(_name: String) -> CashuStore<MemoryPersistence> {
    CashuStore::open(MemoryPersistence::default())
        .await
        .unwrap()
}

// cdk's suite, as its own stores run it.
wallet_db_test!(make_db);

// The P2PK-key tests cdk wrote but left out of its default list.
wallet_db_test!(
    make_db,
    add_and_get_p2pk_key,
    list_p2pk_keys_empty,
    list_p2pk_keys_multiple,
    latest_p2pk_empty,
    latest_p2pk_with_keys,
);

#[tokio::test]
async fn every_record_survives_a_restart() {
    let persistence = MemoryPersistence::default();
    let store = CashuStore::open(persistence.clone()).await.unwrap();
    behaviour::every_record_survives_a_reopen(store, || async {
        CashuStore::open(persistence).await.unwrap()
    })
    .await;
}

#[tokio::test]
async fn a_cdk_wallet_runs_on_the_store() {
    behaviour::a_cdk_wallet_runs_on_the_store(make_db(String::new()).await).await;
}

/// The store's own failure, as cdk returns it.
fn store_error(error: Error) -> StoreError {
    match error {
        Error::Database(error) => *error.downcast::<StoreError>().unwrap(),
        other => panic!("expected a store error, got {other}"),
    }
}

#[tokio::test]
async fn a_failed_write_changes_nothing() {
    let persistence = MemoryPersistence::default();
    let store = CashuStore::open(persistence.clone()).await.unwrap();
    let (_, id) = keys();
    let kept = proof(id, 4);
    store
        .update_proofs(vec![kept.clone()], vec![])
        .await
        .unwrap();
    let before = behaviour::dump(&store, id).await;
    let writes = persistence.writes_done();

    persistence.fail_after_writes(0);
    let operation = uuid::Uuid::new_v4();
    let failures = [
        store
            .update_proofs(vec![proof(id, 8)], vec![kept.y])
            .await
            .unwrap_err(),
        store
            .reserve_proofs(vec![kept.y], &operation)
            .await
            .unwrap_err(),
        store
            .update_proofs_state(vec![kept.y], State::Spent)
            .await
            .unwrap_err(),
        store.increment_keyset_counter(&id, 1).await.unwrap_err(),
    ];
    for failure in failures {
        assert!(matches!(store_error(failure), StoreError::Failed { .. }));
    }
    assert_eq!(persistence.writes_done(), writes);
    // Neither memory nor the persistence changed.
    let after_failures = behaviour::dump(&store, id).await;
    assert_eq!(after_failures, before);
    let reopened = CashuStore::open(persistence.clone()).await.unwrap();
    assert_eq!(behaviour::dump(&reopened, id).await, before);

    persistence.heal();
    store
        .reserve_proofs(vec![kept.y], &operation)
        .await
        .unwrap();
    assert_eq!(
        store.get_reserved_proofs(&operation).await.unwrap(),
        vec![reserved(&kept, operation)]
    );
}

/// `proof` as `reserve_proofs` leaves it.
fn reserved(proof: &ProofInfo, operation: uuid::Uuid) -> ProofInfo {
    ProofInfo {
        state: State::Reserved,
        used_by_operation: Some(operation),
        ..proof.clone()
    }
}

/// A persistence whose writes, while `stall` is set, land and then never
/// report back: a write the wallet abandoned (its future dropped) after the
/// disk took it.
#[derive(Clone, Default)]
struct Stalling {
    inner: MemoryPersistence,
    stall: Arc<AtomicBool>,
}

#[async_trait]
impl Persistence for Stalling {
    async fn load(&self) -> Result<Vec<(String, Record)>, StoreError> {
        self.inner.load().await
    }

    async fn apply(&self, changes: &[Change]) -> Result<(), StoreError> {
        self.inner.apply(changes).await?;
        if self.stall.load(Ordering::SeqCst) {
            futures::future::pending::<()>().await;
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_write_abandoned_in_flight_is_reloaded_not_lost() {
    let persistence = Stalling::default();
    let store = CashuStore::open(persistence.clone()).await.unwrap();
    let (_, id) = keys();
    let landed = proof(id, 2);

    persistence.stall.store(true, Ordering::SeqCst);
    {
        let write = store.update_proofs(vec![landed.clone()], vec![]);
        futures::pin_mut!(write);
        assert!(futures::poll!(write.as_mut()).is_pending());
    }
    persistence.stall.store(false, Ordering::SeqCst);

    // The next read finds what reached the disk, as a restart would.
    let proofs = store.get_proofs(None, None, None, None).await.unwrap();
    assert_eq!(proofs, vec![landed.clone()]);
    // And writes go on from there.
    store
        .update_proofs_state(vec![landed.y], State::Pending)
        .await
        .unwrap();
    let reopened = CashuStore::open(persistence.inner.clone()).await.unwrap();
    let proofs = reopened.get_proofs(None, None, None, None).await.unwrap();
    assert_eq!(proofs[0].state, State::Pending);
}

#[tokio::test]
async fn a_record_under_another_key_is_refused_by_name() {
    let persistence = MemoryPersistence::default();
    let (_, id) = keys();
    let moved = proof(id, 1);
    persistence
        .apply(&[(
            "proof/moved".to_owned(),
            Some(Record::Proof(Box::new(moved))),
        )])
        .await
        .unwrap();
    let error = CashuStore::open(persistence).await.unwrap_err();
    assert_eq!(
        store_error(error),
        StoreError::Malformed {
            name: "proof/moved".into()
        }
    );
}

#[tokio::test]
async fn a_reservation_is_all_or_nothing_and_says_why() {
    let store = make_db(String::new()).await;
    let (_, id) = keys();
    let (free, spent) = (proof(id, 1), proof(id, 2));
    store
        .update_proofs(vec![free.clone(), spent.clone()], vec![])
        .await
        .unwrap();
    store
        .update_proofs_state(vec![spent.y], State::Spent)
        .await
        .unwrap();
    let operation = uuid::Uuid::new_v4();
    assert!(matches!(
        store
            .reserve_proofs(vec![free.y, spent.y], &operation)
            .await,
        Err(Error::ProofNotUnspent)
    ));
    let unknown = proof(id, 4);
    assert!(matches!(
        store
            .reserve_proofs(vec![free.y, unknown.y], &operation)
            .await,
        Err(Error::ProofNotFound)
    ));
    assert!(store
        .get_reserved_proofs(&operation)
        .await
        .unwrap()
        .is_empty());
}
