//! Profiles in memory, for native tests. Clones of one [`MemoryProfiles`]
//! share profiles and claims but have their own tab identity, so two clones
//! behave as two tabs of one browser.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

use futures::channel::mpsc;
use nostr_sdk::prelude::{MemoryDatabase, MemoryDatabaseOptions, NostrDatabase, PublicKey};
use zeroize::Zeroizing;

use super::{ProfileId, ProfileStores};
use crate::ecash::store::memory::MemoryPersistence;
use crate::storage::StoreError;
use crate::vault::MemoryStore;

#[derive(Default)]
struct Browser {
    profiles: BTreeMap<ProfileId, MemoryStore>,
    /// Each profile's eCash records, kept like its vault: a new tab (or an
    /// engine started again after a "crash") finds them.
    cashu: BTreeMap<ProfileId, MemoryPersistence>,
    /// Each profile's NOSTR events, kept the same way, so history survives
    /// an engine started again.
    events: BTreeMap<ProfileId, Arc<MemoryDatabase>>,
    /// Which tab holds each claimed profile, and how to tell it it lost it.
    claims: BTreeMap<ProfileId, (u32, mpsc::UnboundedSender<ProfileId>)>,
    tabs: u32,
}

pub struct MemoryProfiles {
    browser: Rc<RefCell<Browser>>,
    tab: u32,
    lost_sender: mpsc::UnboundedSender<ProfileId>,
    lost: Cell<Option<mpsc::UnboundedReceiver<ProfileId>>>,
}

impl Default for MemoryProfiles {
    fn default() -> Self {
        Self::in_browser(Rc::default())
    }
}

impl MemoryProfiles {
    pub fn new() -> Self {
        Self::default()
    }

    /// The eCash records of profile `id`, for tests that interrupt an
    /// operation after any of its writes (see [`MemoryPersistence`]).
    pub fn cashu_records(&self, id: &str) -> MemoryPersistence {
        let mut browser = self.browser.borrow_mut();
        browser.cashu.entry(id.to_owned()).or_default().clone()
    }

    /// Every vault record of profile `id` as stored, for tests that check
    /// what is at rest.
    pub fn vault_records(&self, id: &str) -> BTreeMap<String, Vec<u8>> {
        let browser = self.browser.borrow();
        browser
            .profiles
            .get(id)
            .map(MemoryStore::snapshot)
            .unwrap_or_default()
    }

    /// Another tab of the same browser.
    pub fn new_tab(&self) -> Self {
        Self::in_browser(Rc::clone(&self.browser))
    }

    fn in_browser(browser: Rc<RefCell<Browser>>) -> Self {
        let tab = {
            let mut shared = browser.borrow_mut();
            shared.tabs += 1;
            shared.tabs
        };
        let (lost_sender, lost) = mpsc::unbounded();
        Self {
            browser,
            tab,
            lost_sender,
            lost: Cell::new(Some(lost)),
        }
    }
}

/// A closed tab's claims end, as Web Locks end with their worker.
impl Drop for MemoryProfiles {
    fn drop(&mut self) {
        let tab = self.tab;
        self.browser
            .borrow_mut()
            .claims
            .retain(|_, (holder, _)| *holder != tab);
    }
}

impl ProfileStores for MemoryProfiles {
    type Store = MemoryStore;
    type Cashu = MemoryPersistence;

    async fn list(&self) -> Result<Vec<ProfileId>, StoreError> {
        Ok(self.browser.borrow().profiles.keys().cloned().collect())
    }

    async fn open(&self, id: &str) -> Result<MemoryStore, StoreError> {
        let mut browser = self.browser.borrow_mut();
        Ok(browser.profiles.entry(id.to_owned()).or_default().clone())
    }

    /// Memory never touches the disk, so the key is not needed.
    async fn open_cashu(
        &self,
        id: &str,
        _key: Zeroizing<[u8; 32]>,
    ) -> Result<MemoryPersistence, StoreError> {
        let mut browser = self.browser.borrow_mut();
        Ok(browser.cashu.entry(id.to_owned()).or_default().clone())
    }

    /// Memory keeps everything: nothing is pruned, so `me` is not needed.
    async fn open_events(
        &self,
        id: &str,
        _me: PublicKey,
    ) -> Result<Arc<dyn NostrDatabase>, StoreError> {
        let mut browser = self.browser.borrow_mut();
        let events = browser.events.entry(id.to_owned()).or_insert_with(|| {
            // `MemoryDatabase::new()` keeps no events, only their ids.
            Arc::new(MemoryDatabase::with_opts(MemoryDatabaseOptions {
                events: true,
                max_events: None,
            }))
        });
        Ok(Arc::clone(events) as Arc<dyn NostrDatabase>)
    }

    async fn delete(&self, id: &str) -> Result<(), StoreError> {
        let mut browser = self.browser.borrow_mut();
        browser.profiles.remove(id);
        browser.cashu.remove(id);
        browser.events.remove(id);
        browser.claims.remove(id);
        Ok(())
    }

    async fn claim(&self, id: &str, take_over: bool) -> Result<bool, StoreError> {
        let mut browser = self.browser.borrow_mut();
        match browser.claims.get(id) {
            Some((holder, _)) if *holder == self.tab => return Ok(true),
            Some(_) if !take_over => return Ok(false),
            Some((_, holder_lost)) => {
                let _ = holder_lost.unbounded_send(id.to_owned());
            }
            None => {}
        }
        browser
            .claims
            .insert(id.to_owned(), (self.tab, self.lost_sender.clone()));
        Ok(true)
    }

    fn release(&self, id: &str) {
        let mut browser = self.browser.borrow_mut();
        if browser
            .claims
            .get(id)
            .is_some_and(|(holder, _)| *holder == self.tab)
        {
            browser.claims.remove(id);
        }
    }

    fn lost(&self) -> Option<mpsc::UnboundedReceiver<ProfileId>> {
        self.lost.take()
    }
}
