//! Records in memory: what native tests run the eCash store (and the wallet
//! over it) on.
//!
//! Clones share the same records, as two connections to one database would:
//! a test "restarts" the wallet by dropping its [`CashuStore`] and opening a
//! new one over a clone of the same [`MemoryPersistence`]. With
//! [`MemoryPersistence::fail_after_writes`] it interrupts an operation after
//! any of its writes, as a closed tab or a crash would, then heals the
//! persistence and restarts to check what the wallet recovers.
//!
//! Records are kept encoded, as the IndexedDB persistence keeps them (less
//! the sealing), so every native test also checks that each record survives
//! its encoding.
//!
//! [`CashuStore`]: super::CashuStore

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use cdk_common::parking_lot::Mutex;
use zeroize::Zeroizing;

use super::record::{decode, encode};
use super::{Change, Persistence, Record};
use crate::storage::StoreError;

#[derive(Default)]
struct Inner {
    records: BTreeMap<String, Zeroizing<Vec<u8>>>,
    /// Writes that succeed before every later one fails.
    writes_left: Option<usize>,
    /// Writes completed so far, failed ones not counted.
    writes_done: usize,
}

/// Records in a shared map; see the module doc.
#[derive(Clone, Default)]
pub struct MemoryPersistence {
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for MemoryPersistence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryPersistence")
            .field("records", &self.inner.lock().records.len())
            .finish_non_exhaustive()
    }
}

impl MemoryPersistence {
    /// Lets `n` more writes succeed, then fails every write after them, as
    /// if the page were closed mid-operation. A failed write writes nothing.
    pub fn fail_after_writes(&self, n: usize) {
        self.inner.lock().writes_left = Some(n);
    }

    /// Lets every write succeed again.
    pub fn heal(&self) {
        self.inner.lock().writes_left = None;
    }

    /// How many writes have succeeded so far: tells a test how many steps an
    /// operation takes, so that it can interrupt each one.
    pub fn writes_done(&self) -> usize {
        self.inner.lock().writes_done
    }
}

#[cfg_attr(target_arch = "wasm32", async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait)]
impl Persistence for MemoryPersistence {
    async fn load(&self) -> Result<Vec<(String, Record)>, StoreError> {
        let inner = self.inner.lock();
        inner
            .records
            .iter()
            .map(|(key, bytes)| Ok((key.clone(), decode(key, bytes)?)))
            .collect()
    }

    async fn apply(&self, changes: &[Change]) -> Result<(), StoreError> {
        // Encode everything first: a record that fails leaves nothing written.
        let encoded = changes
            .iter()
            .map(|(key, change)| Ok((key, change.as_ref().map(|r| encode(key, r)).transpose()?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        let mut inner = self.inner.lock();
        if inner.writes_left == Some(0) {
            return Err(StoreError::Failed {
                reason: "simulated crash".to_owned(),
            });
        }
        for (key, bytes) in encoded {
            match bytes {
                Some(bytes) => inner.records.insert(key.clone(), bytes),
                None => inner.records.remove(key),
            };
        }
        inner.writes_done += 1;
        if let Some(left) = inner.writes_left.as_mut() {
            *left -= 1;
        }
        Ok(())
    }
}
