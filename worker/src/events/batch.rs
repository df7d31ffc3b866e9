//! What saving a batch of events does: which are stored, which stored ones
//! they replace or delete, and what each caller is told.
//!
//! Target-neutral so it is tested natively. The store reads what
//! [`Batch::lookups`] names inside its write transaction, hands it over as
//! [`Known`], and writes the [`Outcome`] in the same transaction. Events in
//! one batch see each other in arrival order, as if saved one at a time.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use nostr_sdk::prelude::{
    Event, EventId, Kind, PublicKey, RejectedReason, SaveEventStatus, Timestamp,
};

use super::plan::{coordinate_key, coordinate_of};

/// What the decision needs to know of a stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub id: EventId,
    pub pubkey: PublicKey,
    pub created_at: Timestamp,
    pub coordinate: Option<String>,
}

impl Stored {
    pub fn of(event: &Event) -> Self {
        Self {
            id: event.id,
            pubkey: event.pubkey,
            created_at: event.created_at,
            coordinate: coordinate_of(event),
        }
    }
}

/// Who deleted an event (NIP-09 `e` tag) that was not stored, and when:
/// the deletion holds if the event, when it arrives, has that author and
/// is not newer.
pub type PendingDeletions = Vec<(PublicKey, Timestamp)>;

/// What to read before deciding.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Lookups {
    /// The new events and the events new deletions name: are they stored,
    /// tombstoned, or awaited by deletions?
    pub ids: BTreeSet<EventId>,
    /// Coordinates of new replaceable/addressable events and of deletions'
    /// `a` tags: which events hold them, and were they deleted?
    pub coordinates: BTreeSet<String>,
}

/// What was read, for [`Lookups`].
#[derive(Debug, Default)]
pub struct Known {
    /// Those of `Lookups::ids` that are stored.
    pub stored: HashMap<EventId, Stored>,
    /// Those of `Lookups::ids` deleted before (NIP-09 or `delete(filter)`).
    pub tombstones: HashSet<EventId>,
    /// Those of `Lookups::ids` that deletions await.
    pub deletions: HashMap<EventId, PendingDeletions>,
    /// For `Lookups::coordinates`: the stored events holding them.
    pub by_coordinate: HashMap<String, Vec<Stored>>,
    /// For `Lookups::coordinates`: the latest time they were deleted up to.
    pub coordinate_deleted_at: HashMap<String, Timestamp>,
}

/// What to write, and what to answer.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// One per event of the batch, in order.
    pub statuses: Vec<SaveEventStatus>,
    /// The events to store, in arrival order.
    pub puts: Vec<Event>,
    /// Stored events to remove (replaced or deleted).
    pub removes: Vec<EventId>,
    /// Ids deleted for good: saving them again is refused.
    pub tombstones: BTreeSet<EventId>,
    /// Ids not stored that deletions now await (all of them, not only the
    /// new ones).
    pub pending: BTreeMap<EventId, PendingDeletions>,
    /// Coordinates deleted up to a time (`a` tags of NIP-09 deletions).
    pub deleted_coordinates: BTreeMap<String, Timestamp>,
}

/// Events saved together.
pub struct Batch {
    events: Vec<Event>,
    /// Answers known without reading anything.
    early: Vec<Option<SaveEventStatus>>,
}

impl Batch {
    /// `now` decides which events have expired (NIP-40).
    pub fn new(events: Vec<Event>, now: Timestamp) -> Self {
        let early = events
            .iter()
            .map(|event| {
                let rejected = if event.kind.is_ephemeral() {
                    RejectedReason::Ephemeral
                } else if event.is_expired_at(&now) {
                    RejectedReason::Expired
                } else if event.kind.is_addressable() && event.tags.identifier().is_none() {
                    // An addressable event is addressed by its `d` tag.
                    RejectedReason::Other
                } else {
                    return None;
                };
                Some(SaveEventStatus::Rejected(rejected))
            })
            .collect();
        Self { events, early }
    }

    /// The events still to decide, with their position.
    fn candidates(&self) -> impl Iterator<Item = (usize, &Event)> {
        self.events
            .iter()
            .enumerate()
            .filter(|(i, _)| self.early[*i].is_none())
    }

    pub fn lookups(&self) -> Lookups {
        let mut lookups = Lookups::default();
        for (_, event) in self.candidates() {
            lookups.ids.insert(event.id);
            lookups.coordinates.extend(coordinate_of(event));
            if event.kind == Kind::EventDeletion {
                lookups.ids.extend(event.tags.event_ids().copied());
                lookups.coordinates.extend(
                    event
                        .tags
                        .coordinates()
                        .map(|c| coordinate_key(c.kind, &c.public_key, &c.identifier)),
                );
            }
        }
        lookups
    }

    pub fn decide(self, known: Known) -> Outcome {
        let mut state = State {
            known,
            added: HashMap::new(),
            outcome: Outcome::default(),
        };
        let mut statuses = Vec::with_capacity(self.events.len());
        for (i, event) in self.events.iter().enumerate() {
            let status = match self.early[i] {
                Some(status) => status,
                None => state.save(i, event),
            };
            statuses.push(status);
        }
        let mut outcome = state.outcome;
        let mut puts: Vec<usize> = state.added.into_values().collect();
        puts.sort_unstable();
        let mut events: Vec<Option<Event>> = self.events.into_iter().map(Some).collect();
        outcome.puts = puts.into_iter().filter_map(|i| events[i].take()).collect();
        outcome.statuses = statuses;
        outcome
    }
}

/// The stored state as the batch changes it.
struct State {
    known: Known,
    /// Events stored by this batch so far, by id, with their position.
    added: HashMap<EventId, usize>,
    outcome: Outcome,
}

impl State {
    fn save(&mut self, position: usize, event: &Event) -> SaveEventStatus {
        match self.check(event) {
            Err(reason) => SaveEventStatus::Rejected(reason),
            Ok(()) => {
                self.add(position, event);
                SaveEventStatus::Success
            }
        }
    }

    /// Whether `event` may be stored; removes what it replaces or deletes.
    fn check(&mut self, event: &Event) -> Result<(), RejectedReason> {
        if self.known.stored.contains_key(&event.id) {
            return Err(RejectedReason::Duplicate);
        }
        if self.known.tombstones.contains(&event.id) {
            return Err(RejectedReason::Deleted);
        }
        let deleted_before = self.known.deletions.get(&event.id).is_some_and(|by| {
            by.iter()
                .any(|(author, at)| *author == event.pubkey && *at >= event.created_at)
        });
        if deleted_before {
            // Its author deleted it before it got here (NIP-09).
            self.tombstone(event.id);
            return Err(RejectedReason::Deleted);
        }
        if let Some(coordinate) = coordinate_of(event) {
            self.replace(event, &coordinate)?;
        }
        if event.kind == Kind::EventDeletion {
            self.delete(event)?;
        }
        Ok(())
    }

    /// NIP-01: one event per coordinate, the newest; on a tie, the lowest
    /// id. Removes the versions `event` replaces.
    fn replace(&mut self, event: &Event, coordinate: &str) -> Result<(), RejectedReason> {
        let deleted_at = self.known.coordinate_deleted_at.get(coordinate);
        if deleted_at.is_some_and(|at| *at >= event.created_at) {
            return Err(RejectedReason::Deleted);
        }
        let current = self
            .known
            .by_coordinate
            .get(coordinate)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let newer_exists = current.iter().any(|stored| {
            (stored.created_at, std::cmp::Reverse(stored.id))
                > (event.created_at, std::cmp::Reverse(event.id))
        });
        if newer_exists {
            return Err(RejectedReason::Replaced);
        }
        let replaced: Vec<EventId> = current.iter().map(|stored| stored.id).collect();
        for id in replaced {
            self.remove(id);
        }
        Ok(())
    }

    /// NIP-09: a kind-5 event deletes its author's events it names (`e`)
    /// and their addressable events up to its time (`a`). Naming someone
    /// else's event makes the whole deletion invalid.
    fn delete(&mut self, deletion: &Event) -> Result<(), RejectedReason> {
        let foreign_event = deletion.tags.event_ids().any(|id| {
            self.known
                .stored
                .get(id)
                .is_some_and(|target| target.pubkey != deletion.pubkey)
        });
        let foreign_coordinate = deletion
            .tags
            .coordinates()
            .any(|c| c.public_key != deletion.pubkey);
        if foreign_event || foreign_coordinate {
            return Err(RejectedReason::InvalidDelete);
        }
        // A set: an event may be named twice, by id and by coordinate.
        let mut doomed: BTreeSet<EventId> = deletion
            .tags
            .event_ids()
            .filter(|id| {
                self.known
                    .stored
                    .get(id)
                    .is_some_and(|target| target.created_at <= deletion.created_at)
            })
            .copied()
            .collect();
        for c in deletion.tags.coordinates() {
            let coordinate = coordinate_key(c.kind, &c.public_key, &c.identifier);
            let at = self
                .known
                .coordinate_deleted_at
                .entry(coordinate.clone())
                .or_insert(deletion.created_at);
            *at = (*at).max(deletion.created_at);
            self.outcome
                .deleted_coordinates
                .insert(coordinate.clone(), *at);
            if let Some(stored) = self.known.by_coordinate.get(&coordinate) {
                doomed.extend(
                    stored
                        .iter()
                        .filter(|s| s.created_at <= deletion.created_at)
                        .map(|s| s.id),
                );
            }
        }
        for id in doomed {
            self.remove(id);
            self.tombstone(id);
        }
        Ok(())
    }

    fn add(&mut self, position: usize, event: &Event) {
        let stored = Stored::of(event);
        // Its record replaces whatever waited for it.
        self.outcome.pending.remove(&event.id);
        if let Some(coordinate) = &stored.coordinate {
            self.known
                .by_coordinate
                .entry(coordinate.clone())
                .or_default()
                .push(stored.clone());
        }
        if event.kind == Kind::EventDeletion {
            for id in event.tags.event_ids() {
                let by = self.known.deletions.entry(*id).or_default();
                by.push((event.pubkey, event.created_at));
                let absent = !self.known.stored.contains_key(id);
                if absent && !self.known.tombstones.contains(id) {
                    self.outcome.pending.insert(*id, by.clone());
                }
            }
        }
        self.known.stored.insert(event.id, stored);
        self.added.insert(event.id, position);
    }

    /// Forgets a stored event, whether stored before or by this batch.
    fn remove(&mut self, id: EventId) {
        self.known.stored.remove(&id);
        // It may be known by coordinate only (read as a replaceable's
        // current version): look everywhere; batches are small.
        for stored in self.known.by_coordinate.values_mut() {
            stored.retain(|s| s.id != id);
        }
        if self.added.remove(&id).is_none() {
            self.outcome.removes.push(id);
        }
    }

    fn tombstone(&mut self, id: EventId) {
        self.known.tombstones.insert(id);
        self.outcome.tombstones.insert(id);
        self.outcome.pending.remove(&id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nostr_sdk::prelude::{Coordinate, EventBuilder, Keys, Tag};

    const T: u64 = 1_700_000_000;

    fn event(keys: &Keys, kind: u16, at: u64, tags: Vec<Tag>) -> Event {
        EventBuilder::new(Kind::from(kind), "")
            .tags(tags)
            .custom_created_at(Timestamp::from(at))
            .sign_with_keys(keys)
            .unwrap()
    }

    fn ids(events: &[Event]) -> Vec<EventId> {
        events.iter().map(|e| e.id).collect()
    }

    /// Decides `events` against an empty store.
    fn decide(events: Vec<Event>) -> Outcome {
        Batch::new(events, Timestamp::from(T)).decide(Known::default())
    }

    use RejectedReason::*;
    use SaveEventStatus::{Rejected, Success};

    #[test]
    fn events_of_one_batch_see_each_other_in_order() {
        let keys = Keys::generate();
        let note = event(&keys, 1, T, vec![]);
        let old_profile = event(&keys, 0, T - 10, vec![]);
        let new_profile = event(&keys, 0, T - 5, vec![]);
        let outcome = decide(vec![
            note.clone(),
            note.clone(),
            new_profile.clone(),
            old_profile.clone(),
        ]);
        assert_eq!(
            outcome.statuses,
            vec![Success, Rejected(Duplicate), Success, Rejected(Replaced)]
        );
        assert_eq!(ids(&outcome.puts), vec![note.id, new_profile.id]);
        assert!(outcome.removes.is_empty());
    }

    #[test]
    fn a_newer_version_replaces_one_saved_earlier_in_the_batch_unwritten() {
        let keys = Keys::generate();
        let old = event(&keys, 10_002, T - 10, vec![]);
        let new = event(&keys, 10_002, T - 5, vec![]);
        let outcome = decide(vec![old, new.clone()]);
        assert_eq!(outcome.statuses, vec![Success, Success]);
        // The old version never reaches the database.
        assert_eq!(ids(&outcome.puts), vec![new.id]);
        assert!(outcome.removes.is_empty());
    }

    #[test]
    fn on_a_tie_the_lowest_id_stays() {
        let keys = Keys::generate();
        let mut pair = [
            event(&keys, 3, T - 1, vec![]),
            event(&keys, 3, T - 1, vec![Tag::hashtag("x")]),
        ];
        pair.sort_by_key(|e| e.id);
        let [low, high] = pair;
        let outcome = decide(vec![high.clone(), low.clone()]);
        assert_eq!(outcome.statuses, vec![Success, Success]);
        assert_eq!(ids(&outcome.puts), vec![low.id]);
        let outcome = decide(vec![low, high]);
        assert_eq!(outcome.statuses, vec![Success, Rejected(Replaced)]);
    }

    #[test]
    fn a_stored_version_is_replaced_or_wins() {
        let keys = Keys::generate();
        let stored = event(&keys, 0, T - 5, vec![]);
        let coordinate = coordinate_of(&stored).unwrap();
        let known = || Known {
            by_coordinate: HashMap::from([(coordinate.clone(), vec![Stored::of(&stored)])]),
            ..Known::default()
        };
        let newer = event(&keys, 0, T - 1, vec![]);
        let outcome = Batch::new(vec![newer], Timestamp::from(T)).decide(known());
        assert_eq!(outcome.statuses, vec![Success]);
        assert_eq!(outcome.removes, vec![stored.id]);
        // Replaced versions are not tombstoned: `Replaced` says why.
        assert!(outcome.tombstones.is_empty());
        let older = event(&keys, 0, T - 9, vec![]);
        let outcome = Batch::new(vec![older], Timestamp::from(T)).decide(known());
        assert_eq!(outcome.statuses, vec![Rejected(Replaced)]);
    }

    #[test]
    fn a_deletion_removes_and_tombstones_its_authors_events_only() {
        let (alice, bob) = (Keys::generate(), Keys::generate());
        let note = event(&alice, 1, T - 9, vec![]);
        let theft = event(&bob, 5, T - 8, vec![Tag::event(note.id)]);
        let deletion = event(&alice, 5, T - 7, vec![Tag::event(note.id)]);
        let outcome = decide(vec![note.clone(), theft, deletion.clone(), note.clone()]);
        assert_eq!(
            outcome.statuses,
            vec![Success, Rejected(InvalidDelete), Success, Rejected(Deleted)]
        );
        assert_eq!(ids(&outcome.puts), vec![deletion.id]);
        assert_eq!(outcome.tombstones, BTreeSet::from([note.id]));
    }

    #[test]
    fn a_deletion_that_comes_first_is_honoured_when_the_event_arrives() {
        let alice = Keys::generate();
        let note = event(&alice, 1, T - 9, vec![]);
        let known = Known {
            deletions: HashMap::from([(
                note.id,
                vec![(alice.public_key(), Timestamp::from(T - 7))],
            )]),
            ..Known::default()
        };
        let outcome = Batch::new(vec![note.clone()], Timestamp::from(T)).decide(known);
        assert_eq!(outcome.statuses, vec![Rejected(Deleted)]);
        assert_eq!(outcome.tombstones, BTreeSet::from([note.id]));
        // Someone else's deletion does not count.
        let known = Known {
            deletions: HashMap::from([(
                note.id,
                vec![(Keys::generate().public_key(), Timestamp::from(T - 7))],
            )]),
            ..Known::default()
        };
        let outcome = Batch::new(vec![note.clone()], Timestamp::from(T)).decide(known);
        assert_eq!(outcome.statuses, vec![Success]);

        // A deletion of an event not stored waits for it...
        let deletion = event(&alice, 5, T - 7, vec![Tag::event(note.id)]);
        let outcome = decide(vec![deletion.clone()]);
        assert_eq!(
            outcome.pending,
            BTreeMap::from([(note.id, vec![(alice.public_key(), deletion.created_at)])])
        );
        // ...also within one batch, and then needs waiting no more.
        let outcome = decide(vec![deletion, note.clone()]);
        assert_eq!(outcome.statuses, vec![Success, Rejected(Deleted)]);
        assert!(outcome.pending.is_empty());
        assert_eq!(outcome.tombstones, BTreeSet::from([note.id]));
    }

    #[test]
    fn a_coordinate_deletion_covers_versions_up_to_its_time() {
        let alice = Keys::generate();
        let old = event(&alice, 30_000, T - 9, vec![Tag::identifier("a")]);
        let coordinate = Coordinate::new(Kind::Custom(30_000), alice.public_key()).identifier("a");
        let deletion = event(&alice, 5, T - 8, vec![Tag::coordinate(coordinate, None)]);
        let again = event(
            &alice,
            30_000,
            T - 8,
            vec![Tag::identifier("a"), Tag::hashtag("x")],
        );
        let later = event(&alice, 30_000, T - 7, vec![Tag::identifier("a")]);
        let outcome = decide(vec![old.clone(), deletion.clone(), again, later.clone()]);
        assert_eq!(
            outcome.statuses,
            vec![Success, Success, Rejected(Deleted), Success]
        );
        assert_eq!(ids(&outcome.puts), vec![deletion.id, later.id]);
        let key = coordinate_of(&old).unwrap();
        assert_eq!(
            outcome.deleted_coordinates,
            BTreeMap::from([(key, Timestamp::from(T - 8))])
        );
    }

    #[test]
    fn an_event_named_by_id_and_coordinate_is_removed_once() {
        let alice = Keys::generate();
        let list = event(&alice, 30_000, T - 9, vec![Tag::identifier("a")]);
        let coordinate = Coordinate::new(Kind::from(30_000), alice.public_key()).identifier("a");
        let deletion = event(
            &alice,
            5,
            T - 8,
            vec![
                Tag::event(list.id),
                Tag::event(list.id),
                Tag::coordinate(coordinate, None),
            ],
        );
        let stored = Stored::of(&list);
        let known = Known {
            stored: HashMap::from([(list.id, stored.clone())]),
            by_coordinate: HashMap::from([(coordinate_of(&list).unwrap(), vec![stored])]),
            ..Known::default()
        };
        let outcome = Batch::new(vec![deletion], Timestamp::from(T)).decide(known);
        assert_eq!(outcome.statuses, vec![Success]);
        assert_eq!(outcome.removes, vec![list.id]);
        assert_eq!(outcome.tombstones, BTreeSet::from([list.id]));
    }

    #[test]
    fn what_is_answered_without_reading() {
        let keys = Keys::generate();
        let ephemeral = event(&keys, 20_001, T, vec![]);
        let expired = event(
            &keys,
            1,
            T - 9,
            vec![Tag::expiration(Timestamp::from(T - 1))],
        );
        let no_identifier = event(&keys, 30_000, T, vec![]);
        let batch = Batch::new(vec![ephemeral, expired, no_identifier], Timestamp::from(T));
        assert_eq!(batch.lookups(), Lookups::default());
        assert_eq!(
            batch.decide(Known::default()).statuses,
            vec![Rejected(Ephemeral), Rejected(Expired), Rejected(Other)]
        );
    }
}
