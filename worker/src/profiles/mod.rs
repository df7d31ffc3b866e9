//! Profiles: several wallets in one browser, each in its own store, and at
//! most one tab using a profile at a time.
//!
//! Two tabs on one profile could both spend the same eCash proof, so a tab
//! must *claim* a profile before opening it (Web Locks in the browser). A
//! second tab is told the profile is open elsewhere and may take it over;
//! the first tab then hears that it lost the profile and stops using it.

#[cfg(target_arch = "wasm32")]
pub mod indexeddb;
pub mod memory;

use std::sync::Arc;

use futures::channel::mpsc;
use nostr_sdk::prelude::{NostrDatabase, PublicKey};
use zeroize::Zeroizing;

use crate::ecash::store::Persistence;
use crate::storage::StoreError;
use crate::vault::VaultStore;

/// A profile's id: the suffix of its database name.
pub type ProfileId = String;

/// Where profiles live, and who holds each one.
#[allow(async_fn_in_trait)] // Single-threaded: no Send bound wanted.
pub trait ProfileStores {
    type Store: VaultStore;
    /// Where a profile's eCash records live.
    type Cashu: Persistence + 'static;

    /// Every profile in this browser, oldest first.
    async fn list(&self) -> Result<Vec<ProfileId>, StoreError>;

    /// Opens (creating if needed) the store of `id`.
    async fn open(&self, id: &str) -> Result<Self::Store, StoreError>;

    /// Opens the eCash records of `id`, sealed under `key` where they touch
    /// the disk.
    async fn open_cashu(
        &self,
        id: &str,
        key: Zeroizing<[u8; 32]>,
    ) -> Result<Self::Cashu, StoreError>;

    /// Opens the NOSTR event database of `id` (signed events, private
    /// messages still gift-wrapped), where `me`'s own events are never
    /// pruned.
    async fn open_events(
        &self,
        id: &str,
        me: PublicKey,
    ) -> Result<Arc<dyn NostrDatabase>, StoreError>;

    /// Deletes `id` and everything in it. Its store must be closed first.
    async fn delete(&self, id: &str) -> Result<(), StoreError>;

    /// Claims `id` for this tab. `take_over` takes it from a tab holding it;
    /// otherwise a held profile is refused with `Ok(false)`. When another
    /// tab takes it over later, its id arrives on [`ProfileStores::lost`].
    async fn claim(&self, id: &str, take_over: bool) -> Result<bool, StoreError>;

    /// Gives up this tab's claim on `id`.
    fn release(&self, id: &str);

    /// Profiles this tab held and another tab took over. Taken once.
    fn lost(&self) -> Option<mpsc::UnboundedReceiver<ProfileId>>;
}

/// A fresh, random profile id.
pub fn new_profile_id() -> Result<ProfileId, getrandom::Error> {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}
