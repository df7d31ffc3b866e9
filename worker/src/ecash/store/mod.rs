//! cdk's wallet database (`WalletDatabase`), ours: [`CashuStore`], over a
//! [`Persistence`] that is either the profile's IndexedDB database
//! (`indexeddb`, wasm32 only, every value sealed) or memory
//! ([`memory::MemoryPersistence`], for native tests).
//!
//! # Design
//!
//! The whole wallet state lives in memory as typed [`Record`]s keyed by
//! string (`proof/<Y>`, `mint_quote/<id>`, … see [`Record::key`]); reads
//! are answered from memory. Every write:
//!
//! 1. takes an async mutex, so writes happen one at a time (cdk runs several
//!    operations concurrently, and each read-modify-write, e.g. a counter
//!    increment or a proof reservation, must see the previous one);
//! 2. computes its changes against the current state without touching it;
//!    a refused write (a proof not unspent, a stale quote version) ends here;
//! 3. hands the changes to [`Persistence::apply`], one atomic write (one
//!    IndexedDB transaction);
//! 4. only once that succeeded, applies them to memory.
//!
//! So a failed write changes nothing, and memory never runs ahead of disk:
//! what the wallet has seen is what a restart finds. A write abandoned while
//! its `apply` is in flight (its future dropped) leaves memory in doubt: the
//! write may or may not have reached the disk. The next read or write then
//! reloads everything from the persistence before going on.
//!
//! [`CashuStore::open`] loads every record once. A wallet holds hundreds to
//! a few thousand proofs, a few hundred bytes each, so this costs well under
//! a megabyte and one read of the object store; in exchange, selecting
//! proofs (which cdk does on every send) never touches IndexedDB, and
//! IndexedDB needs no indexes. Measured by `scripts/bench-cashu-store.sh`
//! (headless Chromium on one core of an AMD EPYC server, 3 runs; "release"
//! is the shipped profile, "test" what CI builds):
//!
//! | 1,000 proofs                             | release       | test          |
//! |------------------------------------------|---------------|---------------|
//! | added in one `update_proofs` call        | 62–68 ms      | 113–121 ms    |
//! | added in 1,000 calls                     | 0.67–0.77 s   | 0.90–0.94 s   |
//! | store reopened (every record opened)     | 58–66 ms      | 100–111 ms    |
//! | 900 selected (`get_proofs`, 3 filters)   | 0.11 ms       | 0.8 ms        |
//! | balance (`get_balance`)                  | 0.03 ms       | 0.1 ms        |
//!
//! Each write is one durable IndexedDB commit, about 0.7 ms however small.
//!
//! Semantics follow cdk's SQL wallet database (cdk-sql-common 0.18.3), the
//! reference cdk's own conformance tests are written against, with one
//! deliberate difference: [`update_mint_url`] also moves the mint's record
//! and its keysets, since a keyset's mint is never changed by
//! `add_mint_keysets` and the mint's keysets would otherwise be lost.
//!
//! [`update_mint_url`]: cdk_common::database::WalletDatabase::update_mint_url

mod database;
pub mod memory;
mod record;

#[cfg(target_arch = "wasm32")]
pub mod indexeddb;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use cdk_common::database::Error;
use cdk_common::parking_lot::RwLock;
use futures::lock::Mutex;

use crate::storage::StoreError;
use record::Records;
pub use record::{Change, Record};

/// Where a [`CashuStore`] keeps its records.
///
/// Futures are `Send` natively, as cdk's own trait asks; on wasm32 they hold
/// JavaScript objects and are not.
#[cfg_attr(target_arch = "wasm32", async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait)]
pub trait Persistence: Send + Sync {
    /// Every record, with the key it is stored under.
    async fn load(&self) -> Result<Vec<(String, Record)>, StoreError>;

    /// Writes every change, all or nothing: if this fails, none was made.
    async fn apply(&self, changes: &[Change]) -> Result<(), StoreError>;
}

/// cdk's wallet database over a [`Persistence`]: see the module doc.
///
/// Pass it to cdk as `Arc::new(store)` (`WalletBuilder::localstore`).
pub struct CashuStore<P: Persistence> {
    persistence: P,
    /// The state as last written, never ahead of the persistence.
    records: RwLock<Records>,
    /// Held by each write from computing its changes to applying them.
    writer: Mutex<()>,
    /// Set while a write is in flight; still set afterwards only if that
    /// write was abandoned, and then `records` may be behind the persistence.
    in_doubt: AtomicBool,
}

impl<P: Persistence> fmt::Debug for CashuStore<P> {
    /// Counts records, never shows them: they hold proofs' secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CashuStore")
            .field("records", &self.records.read().len())
            .finish_non_exhaustive()
    }
}

impl<P: Persistence> CashuStore<P> {
    /// Loads every record of `persistence`.
    pub async fn open(persistence: P) -> Result<Self, Error> {
        let records = load(&persistence).await?;
        Ok(Self {
            persistence,
            records: RwLock::new(records),
            writer: Mutex::new(()),
            in_doubt: AtomicBool::new(false),
        })
    }

    /// Answers `query` from memory.
    async fn read<T>(&self, query: impl FnOnce(&Records) -> T) -> Result<T, Error> {
        if self.in_doubt.load(Ordering::Acquire) {
            // A write is in flight (wait for it) or was abandoned (reload).
            let _writer = self.writer.lock().await;
            self.reload_if_in_doubt().await?;
        }
        Ok(query(&self.records.read()))
    }

    /// Runs `plan` against the current state, persists the changes it made
    /// to its [`Batch`], and only then applies them to memory. If `plan`
    /// fails, nothing is written.
    async fn write<T>(
        &self,
        plan: impl FnOnce(&mut Batch<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let _writer = self.writer.lock().await;
        self.reload_if_in_doubt().await?;
        let (outcome, changes) = {
            let records = self.records.read();
            let mut batch = Batch {
                records: &records,
                changes: BTreeMap::new(),
            };
            let outcome = plan(&mut batch)?;
            (outcome, batch.changes.into_iter().collect::<Vec<Change>>())
        };
        if changes.is_empty() {
            return Ok(outcome);
        }
        self.in_doubt.store(true, Ordering::Release);
        let written = self.persistence.apply(&changes).await;
        if written.is_ok() {
            let mut records = self.records.write();
            for (key, change) in changes {
                match change {
                    Some(record) => records.insert(key, record),
                    None => records.remove(&key),
                };
            }
        }
        // Settled either way: written, or (as the persistence promises) not
        // at all.
        self.in_doubt.store(false, Ordering::Release);
        written.map_err(store_error)?;
        Ok(outcome)
    }

    /// Replaces memory with what the persistence holds, if an abandoned
    /// write left it in doubt. Called with the writer lock held.
    async fn reload_if_in_doubt(&self) -> Result<(), Error> {
        if self.in_doubt.load(Ordering::Acquire) {
            *self.records.write() = load(&self.persistence).await?;
            self.in_doubt.store(false, Ordering::Release);
        }
        Ok(())
    }
}

/// Every record of `persistence`, each checked to be stored under its own
/// key, so a record moved to another key is refused rather than read as
/// something it is not.
async fn load(persistence: &impl Persistence) -> Result<Records, Error> {
    let mut records = Records::new();
    for (key, record) in persistence.load().await.map_err(store_error)? {
        if record.key() != key {
            return Err(store_error(StoreError::Malformed { name: key }));
        }
        records.insert(key, record);
    }
    Ok(records)
}

/// The changes one write makes, over the state it started from.
struct Batch<'a> {
    records: &'a Records,
    changes: BTreeMap<String, Option<Record>>,
}

impl Batch<'_> {
    /// The record at `key`, as this batch leaves it.
    fn get(&self, key: &str) -> Option<&Record> {
        match self.changes.get(key) {
            Some(change) => change.as_ref(),
            None => self.records.get(key),
        }
    }

    /// Writes `record` under its key.
    fn put(&mut self, record: Record) {
        self.changes.insert(record.key(), Some(record));
    }

    /// Deletes the record at `key`, if there is one.
    fn delete(&mut self, key: String) {
        if self.get(&key).is_some() {
            self.changes.insert(key, None);
        }
    }
}

/// cdk's error for a failure of the persistence; the message is ours
/// ([`StoreError`], worded for the person using the app), and the engine
/// can downcast it to tell a full disk from a damaged record.
fn store_error(error: StoreError) -> Error {
    Error::Database(Box::new(error))
}
