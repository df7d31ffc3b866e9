//! Profiles in the browser: each in its own IndexedDB database, claimed by
//! one tab at a time through the Web Locks API.
//!
//! Web Locks and `indexedDB.databases()` are not in web-sys's stable API,
//! so they are called through `js_sys::Reflect`.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::Arc;

use futures::channel::{mpsc, oneshot};
use js_sys::{Array, Function, Object, Promise, Reflect};
use nostr_sdk::prelude::{NostrDatabase, PublicKey};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{spawn_local, JsFuture};

use zeroize::Zeroizing;

use super::{ProfileId, ProfileStores};
use crate::ecash::store::indexeddb::IndexedDbPersistence;
use crate::events::{EventStoreError, EventStoreOptions, IndexedDbEvents};
use crate::storage::StoreError;
use crate::vault::IndexedDbStore;

use crate::storage::schema::PROFILE_DATABASE_PREFIX as DATABASE_PREFIX;

pub struct IndexedDbProfiles {
    /// Resolving a profile's function ends this tab's claim on it.
    held: RefCell<HashMap<ProfileId, Function>>,
    lost_sender: mpsc::UnboundedSender<ProfileId>,
    lost: Cell<Option<mpsc::UnboundedReceiver<ProfileId>>>,
}

impl Default for IndexedDbProfiles {
    fn default() -> Self {
        let (lost_sender, lost) = mpsc::unbounded();
        Self {
            held: RefCell::default(),
            lost_sender,
            lost: Cell::new(Some(lost)),
        }
    }
}

impl ProfileStores for IndexedDbProfiles {
    type Store = IndexedDbStore;
    type Cashu = IndexedDbPersistence;

    async fn list(&self) -> Result<Vec<ProfileId>, StoreError> {
        let factory = global_property(&js_sys::global(), "indexedDB")?;
        let databases = call(&factory, "databases", &[])?;
        let listed = JsFuture::from(Promise::resolve(&databases))
            .await
            .map_err(unavailable)?;
        let mut ids: Vec<ProfileId> = Array::from(&listed)
            .iter()
            .filter_map(|info| Reflect::get(&info, &"name".into()).ok()?.as_string())
            .filter_map(|name| name.strip_prefix(DATABASE_PREFIX).map(str::to_owned))
            .collect();
        ids.sort();
        Ok(ids)
    }

    async fn open(&self, id: &str) -> Result<IndexedDbStore, StoreError> {
        IndexedDbStore::open(id).await
    }

    async fn open_cashu(
        &self,
        id: &str,
        key: Zeroizing<[u8; 32]>,
    ) -> Result<IndexedDbPersistence, StoreError> {
        IndexedDbPersistence::open(id, key).await
    }

    async fn open_events(
        &self,
        id: &str,
        me: PublicKey,
    ) -> Result<Arc<dyn NostrDatabase>, StoreError> {
        let options = EventStoreOptions {
            protected: vec![me],
            ..EventStoreOptions::default()
        };
        let events = IndexedDbEvents::open(id, options)
            .await
            .map_err(events_error)?;
        Ok(Arc::new(events))
    }

    /// The events' database goes first: were the vault's deleted and the
    /// events' not, the profile would vanish from the list and its events
    /// stay behind with nothing to delete them.
    async fn delete(&self, id: &str) -> Result<(), StoreError> {
        IndexedDbEvents::delete_database(id)
            .await
            .map_err(events_error)?;
        IndexedDbStore::delete_database(id).await
    }

    async fn claim(&self, id: &str, take_over: bool) -> Result<bool, StoreError> {
        if self.held.borrow().contains_key(id) {
            return Ok(true);
        }
        let locks = global_property(&global_property(&js_sys::global(), "navigator")?, "locks")?;
        let options = Object::new();
        let flag = if take_over { "steal" } else { "ifAvailable" };
        Reflect::set(&options, &flag.into(), &JsValue::TRUE).map_err(unavailable)?;

        // The lock is held for as long as the callback's promise is pending.
        let (granted_sender, granted) = oneshot::channel::<Option<Function>>();
        let callback = Closure::once_into_js(move |lock: JsValue| -> Promise {
            if lock.is_null() {
                let _ = granted_sender.send(None);
                return Promise::resolve(&JsValue::UNDEFINED);
            }
            let mut release = None;
            let held = Promise::new(&mut |resolve, _reject| release = Some(resolve));
            let _ = granted_sender.send(release);
            held
        });
        let name = JsValue::from_str(&format!("{DATABASE_PREFIX}{id}"));
        let request = call(&locks, "request", &[name, options.into(), callback])?;

        // A claim taken over by another tab rejects the request's promise.
        let (lost, lost_id) = (self.lost_sender.clone(), id.to_owned());
        spawn_local(async move {
            if JsFuture::from(Promise::resolve(&request)).await.is_err() {
                let _ = lost.unbounded_send(lost_id);
            }
        });
        match granted.await {
            Ok(Some(release)) => {
                self.held.borrow_mut().insert(id.to_owned(), release);
                Ok(true)
            }
            Ok(None) => Ok(false),
            Err(_) => Err(StoreError::Unavailable {
                reason: "the browser dropped the profile lock request".to_owned(),
            }),
        }
    }

    fn release(&self, id: &str) {
        if let Some(release) = self.held.borrow_mut().remove(id) {
            let _ = release.call0(&JsValue::UNDEFINED);
        }
    }

    fn lost(&self) -> Option<mpsc::UnboundedReceiver<ProfileId>> {
        self.lost.take()
    }
}

fn events_error(error: EventStoreError) -> StoreError {
    match error {
        EventStoreError::QuotaExceeded => StoreError::QuotaExceeded,
        EventStoreError::Unavailable { reason } => StoreError::Unavailable { reason },
        other => StoreError::Failed {
            reason: other.to_string(),
        },
    }
}

fn global_property(target: &JsValue, name: &str) -> Result<JsValue, StoreError> {
    Reflect::get(target, &name.into())
        .ok()
        .filter(|value| !value.is_undefined() && !value.is_null())
        .ok_or_else(|| StoreError::Unavailable {
            reason: format!("this browser has no {name} in workers"),
        })
}

fn call(target: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, StoreError> {
    let function: Function = Reflect::get(target, &method.into())
        .ok()
        .and_then(|value| value.dyn_into().ok())
        .ok_or_else(|| StoreError::Unavailable {
            reason: format!("this browser does not support {method}()"),
        })?;
    let arguments: Array = args.iter().collect();
    function.apply(target, &arguments).map_err(unavailable)
}

fn unavailable(error: JsValue) -> StoreError {
    let reason = error
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .unwrap_or_else(|| format!("{error:?}"));
    StoreError::Unavailable { reason }
}
