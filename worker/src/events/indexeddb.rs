//! [`IndexedDbEvents`]: the event store on IndexedDB (wasm32 only).
//!
//! # Layout
//!
//! One database per profile, `flash-events-<profile id>`, whose object
//! stores and indexes `storage::schema::events` creates. Version 1 has two
//! object stores:
//!
//! - `events`, keyed by `id` (hex), holding one of:
//!   - an event: `{ id, pubkey, kind, created_at, tags, coordinate?, json }`.
//!     `json` is the signed event as received, the only field read back as
//!     an event; the others exist to be indexed;
//!   - a tombstone, `{ id, deleted }`: the event was deleted (NIP-09 or
//!     `delete(filter)`) at Unix time `deleted`; a copy sent again is
//!     refused;
//!   - an awaited deletion, `{ id, awaited_by: [[pubkey, created_at], …] }`:
//!     kind-5 events named this id before it arrived; it is refused on
//!     arrival if one of them has its author and is not older.
//!
//!   Keeping the three under the id means saving an event reads one record
//!   (new, duplicate, deleted?) instead of one per question. Tombstones and
//!   awaited deletions have no indexed field, so no index holds them:
//!   queries, counts and pruning see events only. Indexes:
//!   - `created_at`: every event by time (pruning, filters with no field);
//!   - `kind`: `[kind, created_at]`;
//!   - `author`: `[pubkey, created_at]`;
//!   - `tags` (multiEntry): `[letter, value, created_at]` for each
//!     single-letter tag, so "the newest 50 gift wraps for me" is one walk
//!     down `["p", me, …]`;
//!   - `coordinate`: `kind:pubkey:d` of replaceable and addressable events.
//! - `deleted_coordinates`: coordinates deleted by NIP-09 `a` tags, with the
//!   `created_at` up to which versions are deleted.
//!
//! Opening reads nothing but a count of records.
//!
//! # Writes
//!
//! `save_event` queues the event; one task drains the queue, up to
//! [`MAX_BATCH`] events per readwrite transaction: every read the batch
//! needs is issued at once, [`Batch::decide`](super::batch::Batch::decide)
//! settles each event in arrival order, then the writes and one commit.
//! Each caller's future resolves after that commit, with its own status.
//! While a batch commits the next one gathers, so events arriving from
//! several relays share transactions instead of paying one each.
//!
//! Transactions use relaxed durability: everything here can be fetched
//! again from relays, and strict durability costs a flush to disk per
//! transaction, which is slow on phones.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::rc::Rc;

use futures::channel::oneshot;
use indexed_db_futures::cursor::CursorDirection;
use indexed_db_futures::error::Error as IdbError;
use indexed_db_futures::future::VoidRequest;
use indexed_db_futures::index::Index as IdbIndex;
use indexed_db_futures::object_store::ObjectStore;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{
    Transaction, TransactionDurability, TransactionMode, TransactionOptions,
};
use indexed_db_futures::KeyRange;
use js_sys::{Array, Object, Reflect};
use nostr_sdk::prelude::{
    Backend, BoxedFuture, DatabaseError, DatabaseEventStatus, Event, EventId, Events, Filter,
    JsonUtil, MatchEventOptions, NostrDatabase, PublicKey, SaveEventStatus, Timestamp,
};
use send_wrapper::SendWrapper;
use wasm_bindgen::{JsCast, JsValue};

use super::batch::{Batch, Known, Lookups, PendingDeletions, Stored};
use super::plan::{coordinate_of, indexed_tags, plan, Index, KeyPart, Plan};
use super::{EventStoreError, EventStoreOptions, DM_KINDS};
use crate::storage::indexeddb::{self as storage, Connection};
use crate::storage::schema;
use crate::storage::schema::events::{
    BY_AUTHOR, BY_COORDINATE, BY_CREATED_AT, BY_KIND, BY_TAG, COORDINATE, CREATED_AT,
    DELETED_COORDINATES, EVENTS, ID, KIND, PUBKEY, TAGS,
};

// Record fields not indexed.
const JSON: &str = "json";
const DELETED: &str = "deleted";
const AWAITED_BY: &str = "awaited_by";

/// The most events one transaction writes: bounds how long a transaction
/// holds the store and how much a batch's reads keep in memory.
const MAX_BATCH: usize = 1000;

/// A profile's NOSTR events in IndexedDB, for nostr-sdk's relay pool. See
/// the [module documentation](super) for what is stored and why.
pub struct IndexedDbEvents {
    /// nostr-sdk wants `Send + Sync`; the worker has one thread, and
    /// `SendWrapper` checks that nothing ever leaves it.
    inner: SendWrapper<Rc<Inner>>,
}

struct Inner {
    /// Closes itself when dropped, or when another tab deletes the database.
    connection: Connection,
    name: String,
    /// Events waiting for the next batch.
    queue: RefCell<Vec<Pending>>,
    /// Whether the task draining `queue` is running.
    flushing: Cell<bool>,
    /// How many events are stored, kept up to date by each write. At open
    /// it counts records, tombstones included: counting only events takes
    /// an index walk, seven times slower; pruning counts exactly.
    stored: Cell<usize>,
    /// Pruning starts above this many events.
    prune_at: Cell<usize>,
    max_events: usize,
    /// Hex public keys whose events are never pruned.
    protected: HashSet<String>,
}

type Reply = oneshot::Sender<Result<SaveEventStatus, EventStoreError>>;

struct Pending {
    event: Event,
    reply: Reply,
}

/// What the `events` store holds under an id.
enum Entry {
    Event(Event),
    Tombstone,
    Awaited(PendingDeletions),
}

impl std::fmt::Debug for IndexedDbEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexedDbEvents")
            .field("name", &self.inner.name)
            .finish()
    }
}

impl IndexedDbEvents {
    /// Opens (creating or upgrading if needed) the event database of
    /// `profile_id`. Reads no event: only counts them.
    pub async fn open(
        profile_id: &str,
        options: EventStoreOptions,
    ) -> Result<Self, EventStoreError> {
        let name = schema::events_database(profile_id);
        let connection = Connection::open_events(profile_id).await?;
        let inner = Inner {
            connection,
            name,
            queue: RefCell::new(Vec::new()),
            flushing: Cell::new(false),
            stored: Cell::new(0),
            prune_at: Cell::new(options.max_events),
            max_events: options.max_events,
            protected: options.protected.iter().map(|key| key.to_hex()).collect(),
        };
        inner.stored.set(inner.count_records().await?);
        Ok(Self {
            inner: SendWrapper::new(Rc::new(inner)),
        })
    }

    /// Deletes the event database of `profile_id` and everything in it.
    /// Waits for open connections to close (ours close themselves when
    /// asked).
    pub async fn delete_database(profile_id: &str) -> Result<(), EventStoreError> {
        Ok(storage::delete_events(profile_id).await?)
    }
}

impl Inner {
    fn transaction(
        &self,
        stores: &[&str],
        mode: TransactionMode,
    ) -> Result<Transaction<'_>, EventStoreError> {
        let options = TransactionOptions::new().with_durability(TransactionDurability::Relaxed);
        self.connection
            .database()
            .transaction(stores)
            .with_mode(mode)
            .with_options(options)
            .build()
            .map_err(idb_error)
    }

    async fn count_records(&self) -> Result<usize, EventStoreError> {
        let tx = self.transaction(&[EVENTS], TransactionMode::Readonly)?;
        let store = tx.object_store(EVENTS).map_err(idb_error)?;
        let count = store.count().primitive().map_err(idb_error)?;
        Ok(count.await.map_err(idb_error)? as usize)
    }

    /// Queues `event` for the next batch and waits for its status.
    async fn save(self: &Rc<Self>, event: Event) -> Result<SaveEventStatus, EventStoreError> {
        let (reply, status) = oneshot::channel();
        self.queue.borrow_mut().push(Pending { event, reply });
        if !self.flushing.replace(true) {
            wasm_bindgen_futures::spawn_local(Rc::clone(self).flush());
        }
        status.await.unwrap_or_else(|_| {
            Err(EventStoreError::Failed {
                reason: "the event store stopped before saving".to_owned(),
            })
        })
    }

    /// Writes queued events, a batch per transaction, until none is left;
    /// prunes between batches when the store is over its bound.
    async fn flush(self: Rc<Self>) {
        loop {
            let batch: Vec<Pending> = {
                let mut queue = self.queue.borrow_mut();
                let size = queue.len().min(MAX_BATCH);
                queue.drain(..size).collect()
            };
            if batch.is_empty() {
                self.flushing.set(false);
                return;
            }
            let (events, replies): (Vec<Event>, Vec<Reply>) =
                batch.into_iter().map(|p| (p.event, p.reply)).unzip();
            // A caller that stopped waiting is no error: ignore failed sends.
            match self.write(events).await {
                Ok(statuses) => {
                    for (reply, status) in replies.into_iter().zip(statuses) {
                        let _ = reply.send(Ok(status));
                    }
                }
                Err(error) => {
                    for reply in replies {
                        let _ = reply.send(Err(error.clone()));
                    }
                }
            }
            if self.stored.get() > self.prune_at.get() {
                if let Err(error) = self.prune().await {
                    warn(&format!("{}: pruning failed: {error}", self.name));
                }
            }
        }
    }

    /// Saves `events` in one transaction; returns each one's status.
    async fn write(&self, events: Vec<Event>) -> Result<Vec<SaveEventStatus>, EventStoreError> {
        let batch = Batch::new(events, Timestamp::now());
        let lookups = batch.lookups();
        let tx = self.transaction(&[EVENTS, DELETED_COORDINATES], TransactionMode::Readwrite)?;
        let events = tx.object_store(EVENTS).map_err(idb_error)?;
        let deleted_coordinates = tx.object_store(DELETED_COORDINATES).map_err(idb_error)?;
        let known = self
            .read_known(&lookups, &events, &deleted_coordinates)
            .await?;
        let outcome = batch.decide(known);

        // Not awaited one by one: the commit fails if any of them does.
        let mut writes: Vec<VoidRequest> = Vec::new();
        for event in &outcome.puts {
            writes.push(events.put(record(event)?).primitive().map_err(idb_error)?);
        }
        for id in &outcome.removes {
            // A tombstone put below takes the place of a deleted event.
            if !outcome.tombstones.contains(id) {
                writes.push(events.delete(id.to_hex()).primitive().map_err(idb_error)?);
            }
        }
        let now = Timestamp::now();
        for id in &outcome.tombstones {
            let put = events.put(tombstone(id, now)?);
            writes.push(put.primitive().map_err(idb_error)?);
        }
        for (id, by) in &outcome.pending {
            let put = events.put(awaited(id, by)?);
            writes.push(put.primitive().map_err(idb_error)?);
        }
        for (coordinate, until) in &outcome.deleted_coordinates {
            let put = deleted_coordinates
                .put(JsValue::from(seconds(*until)))
                .with_key(coordinate.as_str());
            writes.push(put.without_key_type().primitive().map_err(idb_error)?);
        }
        commit(tx).await?;
        drop(writes);
        let stored = self.stored.get() + outcome.puts.len();
        self.stored
            .set(stored.saturating_sub(outcome.removes.len()));
        Ok(outcome.statuses)
    }

    /// Reads what `lookups` names. Every request is issued before the first
    /// is awaited: the database answers them in one pass instead of one
    /// round trip each.
    async fn read_known(
        &self,
        lookups: &Lookups,
        events: &ObjectStore<'_>,
        deleted_coordinates: &ObjectStore<'_>,
    ) -> Result<Known, EventStoreError> {
        let by_coordinate = events.index(BY_COORDINATE).map_err(idb_error)?;
        let entries: Vec<_> = lookups
            .ids
            .iter()
            .map(|id| {
                (
                    *id,
                    events.get::<JsValue, String, _>(id.to_hex()).primitive(),
                )
            })
            .collect();
        let mut holders = Vec::with_capacity(lookups.coordinates.len());
        let mut coordinate_deletions = Vec::with_capacity(lookups.coordinates.len());
        for coordinate in &lookups.coordinates {
            let c = coordinate.as_str();
            let holder = by_coordinate.get_all::<JsValue>().with_query(c).primitive();
            holders.push((c, holder));
            let deletion = deleted_coordinates.get::<JsValue, &str, _>(c).primitive();
            coordinate_deletions.push((c, deletion));
        }

        let mut known = Known::default();
        for (id, record) in entries {
            let record = record.map_err(idb_error)?.await.map_err(idb_error)?;
            // A damaged record counts as absent: what is saved replaces it.
            match record.and_then(|r| self.readable(&r)) {
                Some(Entry::Event(event)) => {
                    known.stored.insert(id, Stored::of(&event));
                }
                Some(Entry::Tombstone) => {
                    known.tombstones.insert(id);
                }
                Some(Entry::Awaited(by)) => {
                    known.deletions.insert(id, by);
                }
                None => {}
            }
        }
        for (coordinate, records) in holders {
            let mut stored = Vec::new();
            for record in records.map_err(idb_error)?.await.map_err(idb_error)? {
                if let Some(Entry::Event(event)) = self.readable(&record.map_err(idb_error)?) {
                    stored.push(Stored::of(&event));
                }
            }
            known.by_coordinate.insert(coordinate.to_owned(), stored);
        }
        for (coordinate, until) in coordinate_deletions {
            let until = until.map_err(idb_error)?.await.map_err(idb_error)?;
            if let Some(until) = until.and_then(|u| u.as_f64()).and_then(timestamp) {
                known
                    .coordinate_deleted_at
                    .insert(coordinate.to_owned(), until);
            }
        }
        Ok(known)
    }

    /// Removes the oldest events that are neither protected nor private
    /// messages until a tenth below the bound, so pruning runs once per
    /// tenth of growth rather than on every batch.
    async fn prune(&self) -> Result<(), EventStoreError> {
        let target = self.max_events - self.max_events / 10;
        let tx = self.transaction(&[EVENTS], TransactionMode::Readwrite)?;
        let store = tx.object_store(EVENTS).map_err(idb_error)?;
        let by_time = store.index(BY_CREATED_AT).map_err(idb_error)?;
        // Only events have `created_at`: the index leaves tombstones out.
        let count = by_time.count().primitive().map_err(idb_error)?;
        let events = count.await.map_err(idb_error)? as usize;
        let mut excess = events.saturating_sub(target);
        let mut deletes: Vec<VoidRequest> = Vec::new();
        let cursor = by_time.open_cursor().primitive().map_err(idb_error)?;
        if let Some(mut cursor) = cursor.await.map_err(idb_error)? {
            while excess > 0 {
                let Some(record) = cursor.next_record::<JsValue>().await.map_err(idb_error)? else {
                    break;
                };
                if self.never_pruned(&record) {
                    continue;
                }
                deletes.push(cursor.delete().map_err(idb_error)?);
                excess -= 1;
            }
        }
        let remaining = events - deletes.len();
        commit(tx).await?;
        drop(deletes);
        self.stored.set(remaining);
        // When protected events alone exceed the bound, walking them again
        // at every batch would find nothing to remove: wait for a tenth more.
        self.prune_at
            .set(self.max_events.max(remaining + self.max_events / 10));
        Ok(())
    }

    /// The user's own events and private-message events. A record whose
    /// kind or author cannot be read is damaged and may go.
    fn never_pruned(&self, record: &JsValue) -> bool {
        let dm = number(record, KIND)
            .is_some_and(|kind| DM_KINDS.iter().any(|k| f64::from(k.as_u16()) == kind));
        let own = text(record, PUBKEY).is_some_and(|key| self.protected.contains(&key));
        dm || own
    }

    /// The entry under `id`, if any; a damaged one is reported.
    async fn entry(&self, id: &EventId) -> Result<Option<Entry>, EventStoreError> {
        let tx = self.transaction(&[EVENTS], TransactionMode::Readonly)?;
        let events = tx.object_store(EVENTS).map_err(idb_error)?;
        let record = events.get::<JsValue, String, _>(id.to_hex()).primitive();
        match record.map_err(idb_error)?.await.map_err(idb_error)? {
            Some(record) => entry(&record).map(Some),
            None => Ok(None),
        }
    }

    async fn check_id(&self, id: &EventId) -> Result<DatabaseEventStatus, EventStoreError> {
        let entry = match self.entry(id).await {
            // Saving the event again replaces a damaged record.
            Err(error @ EventStoreError::Malformed { .. }) => {
                warn(&format!("{}: {error}", self.name));
                None
            }
            other => other?,
        };
        Ok(match entry {
            Some(Entry::Event(_)) => DatabaseEventStatus::Saved,
            Some(Entry::Tombstone) => DatabaseEventStatus::Deleted,
            Some(Entry::Awaited(_)) | None => DatabaseEventStatus::NotExistent,
        })
    }

    async fn event_by_id(&self, id: &EventId) -> Result<Option<Event>, EventStoreError> {
        Ok(match self.entry(id).await? {
            Some(Entry::Event(event)) if !event.is_expired() => Some(event),
            _ => None,
        })
    }

    async fn query(&self, filter: &Filter) -> Result<Events, EventStoreError> {
        let tx = self.transaction(&[EVENTS], TransactionMode::Readonly)?;
        let events = tx.object_store(EVENTS).map_err(idb_error)?;
        self.find(&events, filter).await
    }

    /// Tombstones what `filter` matches, so relays cannot bring it back,
    /// in one transaction.
    async fn delete(&self, filter: &Filter) -> Result<(), EventStoreError> {
        let tx = self.transaction(&[EVENTS], TransactionMode::Readwrite)?;
        let events = tx.object_store(EVENTS).map_err(idb_error)?;
        let found = self.find(&events, filter).await?;
        let removed = found.len();
        let now = Timestamp::now();
        let mut writes: Vec<VoidRequest> = Vec::with_capacity(removed);
        for event in found {
            let put = events.put(tombstone(&event.id, now)?);
            writes.push(put.primitive().map_err(idb_error)?);
        }
        commit(tx).await?;
        drop(writes);
        self.stored.set(self.stored.get().saturating_sub(removed));
        Ok(())
    }

    async fn wipe(&self) -> Result<(), EventStoreError> {
        let stores = [EVENTS, DELETED_COORDINATES];
        let tx = self.transaction(&stores, TransactionMode::Readwrite)?;
        let mut clears: Vec<VoidRequest> = Vec::with_capacity(stores.len());
        for name in stores {
            let store = tx.object_store(name).map_err(idb_error)?;
            clears.push(store.clear().map_err(idb_error)?);
        }
        commit(tx).await?;
        drop(clears);
        self.stored.set(0);
        self.prune_at.set(self.max_events);
        Ok(())
    }

    /// The stored events `filter` matches, through the index [`plan`]
    /// chooses. Damaged records are skipped with a warning naming them.
    async fn find(
        &self,
        events: &ObjectStore<'_>,
        filter: &Filter,
    ) -> Result<Events, EventStoreError> {
        let mut found = Events::new(filter);
        let now = Timestamp::now();
        let mut keep = |record: JsValue| match self.readable(&record) {
            Some(Entry::Event(event))
                if !event.is_expired_at(&now)
                    && filter.match_event(&event, MatchEventOptions::new()) =>
            {
                found.insert(event);
                true
            }
            _ => false,
        };
        match plan(filter) {
            Plan::Nothing => {}
            Plan::Ids(ids) => {
                let requests: Vec<_> = ids
                    .iter()
                    .map(|id| events.get::<JsValue, String, _>(id.to_hex()).primitive())
                    .collect();
                for request in requests {
                    if let Some(record) = request.map_err(idb_error)?.await.map_err(idb_error)? {
                        keep(record);
                    }
                }
            }
            Plan::Coordinates(coordinates) => {
                let index = events.index(BY_COORDINATE).map_err(idb_error)?;
                let requests: Vec<_> = coordinates
                    .into_iter()
                    .map(|c| index.get_all::<JsValue>().with_query(c).primitive())
                    .collect();
                for request in requests {
                    for record in request.map_err(idb_error)?.await.map_err(idb_error)? {
                        keep(record.map_err(idb_error)?);
                    }
                }
            }
            Plan::Scan {
                index,
                prefixes,
                since,
                until,
            } => {
                let index = events.index(index_name(index)).map_err(idb_error)?;
                for prefix in &prefixes {
                    let range = key_range(prefix, since, until);
                    match filter.limit {
                        Some(limit) => newest(&index, range, limit, &mut keep).await?,
                        None => {
                            let request = index
                                .get_all::<JsValue>()
                                .with_query::<JsValue, _>(range)
                                .primitive();
                            for record in request.map_err(idb_error)?.await.map_err(idb_error)? {
                                keep(record.map_err(idb_error)?);
                            }
                        }
                    }
                }
            }
        }
        Ok(found)
    }

    /// [`entry`], skipping (with a warning naming it) what cannot be read.
    fn readable(&self, record: &JsValue) -> Option<Entry> {
        entry(record)
            .map_err(|error| warn(&format!("{}: skipped: {error}", self.name)))
            .ok()
    }
}

/// Walks `range` newest first until `limit` records were kept, plus those
/// tied with the last kept one on `created_at`: [`Events`] orders ties by
/// id, which the walk does not follow, so it must see them all.
async fn newest(
    index: &IdbIndex<'_>,
    range: KeyRange<JsValue>,
    limit: usize,
    keep: &mut impl FnMut(JsValue) -> bool,
) -> Result<(), EventStoreError> {
    let cursor = index
        .open_cursor()
        .with_query::<JsValue, _>(range)
        .with_direction(CursorDirection::Prev)
        .primitive()
        .map_err(idb_error)?;
    let Some(mut cursor) = cursor.await.map_err(idb_error)? else {
        return Ok(());
    };
    let mut kept = 0;
    let mut boundary = f64::INFINITY;
    while let Some(record) = cursor.next_record::<JsValue>().await.map_err(idb_error)? {
        let created_at = number(&record, CREATED_AT);
        if kept >= limit && created_at.is_some_and(|at| at < boundary) {
            break;
        }
        if keep(record) {
            kept += 1;
            boundary = created_at.unwrap_or(boundary);
        }
    }
    Ok(())
}

fn index_name(index: Index) -> &'static str {
    match index {
        Index::CreatedAt => BY_CREATED_AT,
        Index::Kind => BY_KIND,
        Index::Author => BY_AUTHOR,
        Index::Tag => BY_TAG,
    }
}

/// The keys of `prefix` from `since` to `until` (or forever).
fn key_range(prefix: &[KeyPart], since: Timestamp, until: Option<Timestamp>) -> KeyRange<JsValue> {
    let until = until.map_or(f64::INFINITY, seconds);
    KeyRange::Bound(
        index_key(prefix, seconds(since)),
        false,
        index_key(prefix, until),
        false,
    )
}

fn index_key(prefix: &[KeyPart], created_at: f64) -> JsValue {
    if prefix.is_empty() {
        return JsValue::from(created_at);
    }
    let key = Array::new();
    for part in prefix {
        key.push(&match part {
            KeyPart::Number(number) => JsValue::from(*number),
            KeyPart::Text(text) => JsValue::from_str(text),
        });
    }
    key.push(&JsValue::from(created_at));
    key.into()
}

/// Seconds as a JavaScript number: exact up to 2^53, far beyond any real
/// timestamp; rounding beyond keeps the order.
fn seconds(timestamp: Timestamp) -> f64 {
    timestamp.as_secs() as f64
}

fn timestamp(seconds: f64) -> Option<Timestamp> {
    (seconds.is_finite() && seconds >= 0.0).then(|| Timestamp::from(seconds as u64))
}

/// The record stored for `event`.
fn record(event: &Event) -> Result<JsValue, EventStoreError> {
    let created_at = JsValue::from(seconds(event.created_at));
    let tags = Array::new();
    for (letter, value) in indexed_tags(event) {
        let letter = JsValue::from_str(letter.encode_utf8(&mut [0; 4]));
        tags.push(&Array::of3(&letter, &JsValue::from_str(value), &created_at));
    }
    let record = Object::new();
    set(&record, ID, &JsValue::from_str(&event.id.to_hex()))?;
    set(&record, PUBKEY, &JsValue::from_str(&event.pubkey.to_hex()))?;
    set(&record, KIND, &JsValue::from(event.kind.as_u16()))?;
    set(&record, CREATED_AT, &created_at)?;
    set(&record, TAGS, &tags)?;
    if let Some(coordinate) = coordinate_of(event) {
        set(&record, COORDINATE, &JsValue::from_str(&coordinate))?;
    }
    set(&record, JSON, &JsValue::from_str(&event.as_json()))?;
    Ok(record.into())
}

/// The tombstone of `id`, deleted at `now`.
fn tombstone(id: &EventId, now: Timestamp) -> Result<JsValue, EventStoreError> {
    let record = Object::new();
    set(&record, ID, &JsValue::from_str(&id.to_hex()))?;
    set(&record, DELETED, &JsValue::from(seconds(now)))?;
    Ok(record.into())
}

/// The deletions awaiting `id`.
fn awaited(id: &EventId, by: &PendingDeletions) -> Result<JsValue, EventStoreError> {
    let deletions = Array::new();
    for (author, at) in by {
        let author = JsValue::from_str(&author.to_hex());
        deletions.push(&Array::of2(&author, &JsValue::from(seconds(*at))));
    }
    let record = Object::new();
    set(&record, ID, &JsValue::from_str(&id.to_hex()))?;
    set(&record, AWAITED_BY, &deletions)?;
    Ok(record.into())
}

fn set(record: &Object, field: &str, value: &JsValue) -> Result<(), EventStoreError> {
    Reflect::set(record, &JsValue::from_str(field), value)
        .map(drop)
        .map_err(|error| EventStoreError::Failed {
            reason: format!("building a record: {error:?}"),
        })
}

fn field(record: &JsValue, field: &str) -> Option<JsValue> {
    Reflect::get(record, &JsValue::from_str(field))
        .ok()
        .filter(|value| !value.is_undefined())
}

fn text(record: &JsValue, name: &str) -> Option<String> {
    field(record, name)?.as_string()
}

fn number(record: &JsValue, name: &str) -> Option<f64> {
    field(record, name)?.as_f64()
}

/// What a record of the `events` store holds. An event's JSON must name
/// the record's own id, so a record moved or edited by hand is not taken
/// for another event.
fn entry(record: &JsValue) -> Result<Entry, EventStoreError> {
    let id = text(record, ID);
    let malformed = |reason: String| EventStoreError::Malformed {
        id: id.clone().unwrap_or_else(|| "(no id)".to_owned()),
        reason,
    };
    if let Some(json) = field(record, JSON) {
        let json = json
            .as_string()
            .ok_or_else(|| malformed("its JSON is not text".to_owned()))?;
        let event = Event::from_json(json).map_err(|error| malformed(error.to_string()))?;
        if id.as_deref() != Some(event.id.to_hex().as_str()) {
            return Err(malformed(format!("its JSON is event {}", event.id)));
        }
        return Ok(Entry::Event(event));
    }
    if field(record, DELETED).is_some() {
        return Ok(Entry::Tombstone);
    }
    let Some(by) = field(record, AWAITED_BY) else {
        return Err(malformed("neither an event nor a deletion".to_owned()));
    };
    let by: Array = by
        .dyn_into()
        .map_err(|_| malformed("its awaited deletions are not a list".to_owned()))?;
    by.iter()
        .map(|pair| {
            let author = Reflect::get(&pair, &0.into())
                .ok()
                .and_then(|a| a.as_string());
            let at = Reflect::get(&pair, &1.into()).ok().and_then(|t| t.as_f64());
            let author = author.and_then(|a| PublicKey::from_hex(&a).ok());
            author
                .zip(at.and_then(timestamp))
                .ok_or_else(|| malformed("an awaited deletion is unreadable".to_owned()))
        })
        .collect::<Result<_, _>>()
        .map(Entry::Awaited)
}

fn warn(message: &str) {
    web_sys::console::warn_1(&JsValue::from_str(message));
}

/// Commits `tx`, failing as the vault's store does (a full disk read from
/// the transaction itself).
async fn commit(tx: Transaction<'_>) -> Result<(), EventStoreError> {
    Ok(storage::commit(tx).await?)
}

/// IndexedDB's failures in the words the vault's store uses for them.
fn idb_error(error: IdbError) -> EventStoreError {
    storage::store_error(error).into()
}

impl NostrDatabase for IndexedDbEvents {
    fn backend(&self) -> Backend {
        Backend::IndexedDB
    }

    fn save_event<'a>(
        &'a self,
        event: &'a Event,
    ) -> BoxedFuture<'a, Result<SaveEventStatus, DatabaseError>> {
        Box::pin(async move { Ok(self.inner.save(event.clone()).await?) })
    }

    fn check_id<'a>(
        &'a self,
        event_id: &'a EventId,
    ) -> BoxedFuture<'a, Result<DatabaseEventStatus, DatabaseError>> {
        Box::pin(async move { Ok(self.inner.check_id(event_id).await?) })
    }

    fn event_by_id<'a>(
        &'a self,
        event_id: &'a EventId,
    ) -> BoxedFuture<'a, Result<Option<Event>, DatabaseError>> {
        Box::pin(async move { Ok(self.inner.event_by_id(event_id).await?) })
    }

    fn count(&self, filter: Filter) -> BoxedFuture<'_, Result<usize, DatabaseError>> {
        Box::pin(async move { Ok(self.inner.query(&filter).await?.len()) })
    }

    fn query(&self, filter: Filter) -> BoxedFuture<'_, Result<Events, DatabaseError>> {
        Box::pin(async move { Ok(self.inner.query(&filter).await?) })
    }

    fn delete(&self, filter: Filter) -> BoxedFuture<'_, Result<(), DatabaseError>> {
        Box::pin(async move { Ok(self.inner.delete(&filter).await?) })
    }

    fn wipe(&self) -> BoxedFuture<'_, Result<(), DatabaseError>> {
        Box::pin(async move { Ok(self.inner.wipe().await?) })
    }
}
