//! The in-memory store: what native tests run on, with fault injection to
//! simulate a crash or a full disk in the middle of an operation.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use super::{Record, StoreError, VaultStore};

#[derive(Debug, Default)]
struct Inner {
    records: BTreeMap<String, Vec<u8>>,
    /// Writes (batches or deletes) that succeed before every later one fails.
    writes_left: Option<usize>,
    /// Total bytes (names and values) the store may hold.
    quota_bytes: Option<usize>,
    /// Writes completed so far, failed ones not counted.
    writes_done: usize,
}

/// Records in a `BTreeMap`. Clones share the same records, as two
/// connections to one database would: dropping a vault and opening a clone
/// is a reload.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    inner: Rc<RefCell<Inner>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Lets `n` more writes succeed, then fails every write after them, as
    /// if the page were closed mid-operation. A failed batch writes nothing.
    pub fn fail_after_writes(&self, n: usize) {
        self.inner.borrow_mut().writes_left = Some(n);
    }

    /// Refuses any write that would make the records exceed `bytes`, the way
    /// a browser at its storage quota does.
    pub fn set_quota_bytes(&self, bytes: usize) {
        self.inner.borrow_mut().quota_bytes = Some(bytes);
    }

    /// Removes every injected fault.
    pub fn heal(&self) {
        let mut inner = self.inner.borrow_mut();
        inner.writes_left = None;
        inner.quota_bytes = None;
    }

    /// How many writes have succeeded so far: tells a test how many steps an
    /// operation takes, so it can interrupt each one.
    pub fn writes_done(&self) -> usize {
        self.inner.borrow().writes_done
    }

    /// A copy of every record, for tests that inspect what is at rest.
    pub fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        self.inner.borrow().records.clone()
    }

    /// Applies `change` to a copy of the records and keeps it only if every
    /// fault allows: this is what makes a batch all-or-nothing.
    fn write(&self, change: impl FnOnce(&mut BTreeMap<String, Vec<u8>>)) -> Result<(), StoreError> {
        let mut inner = self.inner.borrow_mut();
        if inner.writes_left == Some(0) {
            return Err(StoreError::Failed {
                reason: "simulated crash".to_owned(),
            });
        }
        let mut records = inner.records.clone();
        change(&mut records);
        if let Some(quota) = inner.quota_bytes {
            let used: usize = records.iter().map(|(k, v)| k.len() + v.len()).sum();
            if used > quota {
                return Err(StoreError::QuotaExceeded);
            }
        }
        inner.records = records;
        inner.writes_done += 1;
        if let Some(left) = inner.writes_left.as_mut() {
            *left -= 1;
        }
        Ok(())
    }
}

impl VaultStore for MemoryStore {
    async fn get(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.inner.borrow().records.get(name).cloned())
    }

    async fn put_all(&self, records: Vec<Record>) -> Result<(), StoreError> {
        self.write(|stored| stored.extend(records))
    }

    async fn delete(&self, name: &str) -> Result<(), StoreError> {
        self.write(|stored| {
            stored.remove(name);
        })
    }

    async fn names(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.inner.borrow().records.keys().cloned().collect())
    }
}
