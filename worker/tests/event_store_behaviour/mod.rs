//! How an event database must behave, written once and run on each one:
//! natively on nostr-sdk's `MemoryDatabase` (`tests/native/event_store.rs`) and in
//! headless Chromium on our IndexedDB store (`tests/browser/event_store.rs`).
//!
//! Each test takes a fresh, empty database.

use std::sync::Arc;

use nostr_sdk::prelude::*;

pub type Database = Arc<dyn NostrDatabase>;

/// A fixed past time: events are never expired or in the future.
pub const T: u64 = 1_700_000_000;

/// A signed event of `kind` by `keys` at `T + at`.
pub fn event(keys: &Keys, kind: u16, at: u64, tags: Vec<Tag>) -> Event {
    EventBuilder::new(Kind::from(kind), format!("{kind} at {at}"))
        .tags(tags)
        .custom_created_at(Timestamp::from(T + at))
        .sign_with_keys(keys)
        .unwrap()
}

pub async fn save(db: &Database, event: &Event) -> SaveEventStatus {
    db.save_event(event).await.unwrap()
}

pub async fn ids(db: &Database, filter: Filter) -> Vec<EventId> {
    db.query(filter)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect()
}

/// Ids of `events`, newest first (ties by id), as a query returns them.
pub fn newest_first(events: &[&Event]) -> Vec<EventId> {
    let mut events: Vec<&Event> = events.to_vec();
    events.sort();
    events.into_iter().map(|e| e.id).collect()
}

use SaveEventStatus::{Rejected, Success};

pub async fn an_event_is_saved_and_read_back(db: Database) {
    let keys = Keys::generate();
    let note = event(&keys, 1, 0, vec![Tag::hashtag("hello")]);
    assert_eq!(
        db.check_id(&note.id).await.unwrap(),
        DatabaseEventStatus::NotExistent
    );
    assert_eq!(save(&db, &note).await, Success);
    assert_eq!(
        db.check_id(&note.id).await.unwrap(),
        DatabaseEventStatus::Saved
    );
    assert_eq!(db.event_by_id(&note.id).await.unwrap(), Some(note.clone()));
    let unknown = event(&keys, 1, 1, vec![]);
    assert_eq!(db.event_by_id(&unknown.id).await.unwrap(), None);
    assert_eq!(ids(&db, Filter::new()).await, vec![note.id]);
    assert_eq!(db.count(Filter::new()).await.unwrap(), 1);
}

pub async fn a_duplicate_is_rejected(db: Database) {
    let note = event(&Keys::generate(), 1, 0, vec![]);
    assert_eq!(save(&db, &note).await, Success);
    assert_eq!(save(&db, &note).await, Rejected(RejectedReason::Duplicate));
    assert_eq!(db.count(Filter::new()).await.unwrap(), 1);
}

pub async fn ephemeral_and_expired_events_are_not_kept(db: Database) {
    let keys = Keys::generate();
    let ephemeral = event(&keys, 20_001, 0, vec![]);
    assert_eq!(
        save(&db, &ephemeral).await,
        Rejected(RejectedReason::Ephemeral)
    );
    let expired = event(&keys, 1, 0, vec![Tag::expiration(Timestamp::from(T + 1))]);
    assert_eq!(save(&db, &expired).await, Rejected(RejectedReason::Expired));
    let not_yet = Timestamp::now() + 3600;
    let expiring = event(&keys, 1, 0, vec![Tag::expiration(not_yet)]);
    assert_eq!(save(&db, &expiring).await, Success);
    assert_eq!(ids(&db, Filter::new()).await, vec![expiring.id]);
}

/// Kinds 0, 3, 10002 and 10050: one event per author, the newest.
pub async fn a_replaceable_event_keeps_the_newest(db: Database) {
    let (alice, bob) = (Keys::generate(), Keys::generate());
    for kind in [0, 3, 10_002, 10_050] {
        let old = event(&alice, kind, 10, vec![]);
        let new = event(&alice, kind, 20, vec![]);
        let older = event(&alice, kind, 5, vec![]);
        let bobs = event(&bob, kind, 1, vec![]);
        assert_eq!(save(&db, &old).await, Success, "kind {kind}");
        assert_eq!(save(&db, &bobs).await, Success, "kind {kind}");
        assert_eq!(save(&db, &new).await, Success, "kind {kind}");
        assert_eq!(db.event_by_id(&old.id).await.unwrap(), None, "kind {kind}");
        // The in-memory store tombstones what was replaced (`Deleted`);
        // ours says why (`Replaced`). Either way it is not stored.
        assert!(
            matches!(
                save(&db, &older).await,
                Rejected(RejectedReason::Replaced | RejectedReason::Deleted)
            ),
            "kind {kind}"
        );
        let filter = Filter::new().kind(Kind::from(kind));
        assert_eq!(
            ids(&db, filter.clone().author(alice.public_key())).await,
            vec![new.id],
            "kind {kind}"
        );
        assert_eq!(ids(&db, filter).await, vec![new.id, bobs.id], "kind {kind}");
    }
    assert_eq!(db.count(Filter::new()).await.unwrap(), 8);
}

/// Kinds 30000+: one event per author and `d` tag, the newest.
pub async fn an_addressable_event_keeps_the_newest_per_identifier(db: Database) {
    let keys = Keys::generate();
    let d = |value: &str| vec![Tag::identifier(value)];
    let old_a = event(&keys, 30_000, 10, d("a"));
    let new_a = event(&keys, 30_000, 20, d("a"));
    let only_b = event(&keys, 30_000, 15, d("b"));
    let other_kind = event(&keys, 30_001, 12, d("a"));
    for e in [&old_a, &only_b, &new_a, &other_kind] {
        assert_eq!(save(&db, e).await, Success);
    }
    let stale = event(&keys, 30_000, 11, d("a"));
    assert!(matches!(
        save(&db, &stale).await,
        Rejected(RejectedReason::Replaced | RejectedReason::Deleted)
    ));
    let list = Filter::new()
        .author(keys.public_key())
        .kind(Kind::from(30_000));
    assert_eq!(ids(&db, list.clone()).await, vec![new_a.id, only_b.id]);
    assert_eq!(ids(&db, list.identifier("b")).await, vec![only_b.id]);
    assert_eq!(
        ids(&db, Filter::new().identifier("a")).await,
        vec![new_a.id, other_kind.id]
    );
    let no_identifier = event(&keys, 30_000, 30, vec![]);
    assert_eq!(
        save(&db, &no_identifier).await,
        Rejected(RejectedReason::Other)
    );
}

/// NIP-09 by id: the author's own events go, for good.
pub async fn a_deletion_removes_its_authors_events(db: Database) {
    let (alice, bob) = (Keys::generate(), Keys::generate());
    let note = event(&alice, 1, 0, vec![]);
    let kept = event(&alice, 1, 1, vec![]);
    assert_eq!(save(&db, &note).await, Success);
    assert_eq!(save(&db, &kept).await, Success);
    let theft = event(&bob, 5, 2, vec![Tag::event(note.id)]);
    assert_eq!(
        save(&db, &theft).await,
        Rejected(RejectedReason::InvalidDelete)
    );
    assert_eq!(db.event_by_id(&note.id).await.unwrap(), Some(note.clone()));
    let deletion = event(&alice, 5, 3, vec![Tag::event(note.id)]);
    assert_eq!(save(&db, &deletion).await, Success);
    assert_eq!(db.event_by_id(&note.id).await.unwrap(), None);
    assert_eq!(
        db.check_id(&note.id).await.unwrap(),
        DatabaseEventStatus::Deleted
    );
    assert_eq!(save(&db, &note).await, Rejected(RejectedReason::Deleted));
    // The deletion itself is kept, to be passed on.
    assert_eq!(
        ids(&db, Filter::new().author(alice.public_key())).await,
        vec![deletion.id, kept.id]
    );
}

/// NIP-09 by coordinate: the stored version goes; a later one is welcome.
pub async fn a_deletion_by_coordinate_removes_the_stored_version(db: Database) {
    let keys = Keys::generate();
    let d = vec![Tag::identifier("shopping")];
    let list = event(&keys, 30_000, 10, d.clone());
    assert_eq!(save(&db, &list).await, Success);
    let coordinate = Coordinate::new(Kind::from(30_000), keys.public_key()).identifier("shopping");
    let deletion = event(&keys, 5, 20, vec![Tag::coordinate(coordinate, None)]);
    assert_eq!(save(&db, &deletion).await, Success);
    assert_eq!(db.event_by_id(&list.id).await.unwrap(), None);
    // Refusing an older version that arrives afterwards is ours only (the
    // in-memory store compares with the time now): see the browser tests.
    let later = event(&keys, 30_000, 25, d);
    assert_eq!(save(&db, &later).await, Success);
    assert_eq!(
        ids(&db, Filter::new().kind(Kind::from(30_000))).await,
        vec![later.id]
    );
}

/// The filters the app uses, alone and together.
pub async fn queries_filter_and_order_newest_first(db: Database) {
    let (alice, bob, carol) = (Keys::generate(), Keys::generate(), Keys::generate());
    let to_carol = vec![Tag::public_key(carol.public_key())];
    let a1 = event(&alice, 1, 1, vec![]);
    let a2 = event(&alice, 1, 2, to_carol.clone());
    let b3 = event(&bob, 1, 3, vec![Tag::event(a1.id)]);
    let b4 = event(
        &bob,
        7,
        4,
        vec![Tag::event(a1.id), Tag::public_key(alice.public_key())],
    );
    let wrap5 = event(&bob, 1059, 5, to_carol.clone());
    let wrap6 = event(&alice, 1059, 6, to_carol.clone());
    let tagged7 = event(&carol, 1, 7, vec![Tag::hashtag("flash")]);
    let all = [&a1, &a2, &b3, &b4, &wrap5, &wrap6, &tagged7];
    for e in all {
        assert_eq!(save(&db, e).await, Success);
    }
    let (a, b, c) = (alice.public_key(), bob.public_key(), carol.public_key());
    let cases: Vec<(&str, Filter, Vec<&Event>)> = vec![
        ("everything", Filter::new(), all.to_vec()),
        ("ids", Filter::new().ids([a1.id, b4.id]), vec![&a1, &b4]),
        ("author", Filter::new().author(a), vec![&a1, &a2, &wrap6]),
        (
            "authors",
            Filter::new().authors([a, c]),
            vec![&a1, &a2, &wrap6, &tagged7],
        ),
        (
            "kind",
            Filter::new().kind(Kind::GiftWrap),
            vec![&wrap5, &wrap6],
        ),
        (
            "kinds",
            Filter::new().kinds([Kind::Reaction, Kind::GiftWrap]),
            vec![&b4, &wrap5, &wrap6],
        ),
        (
            "author and kind",
            Filter::new().author(b).kind(Kind::TextNote),
            vec![&b3],
        ),
        ("#p", Filter::new().pubkey(c), vec![&a2, &wrap5, &wrap6]),
        (
            "#p and kind",
            Filter::new().pubkey(c).kind(Kind::GiftWrap),
            vec![&wrap5, &wrap6],
        ),
        ("#e", Filter::new().event(a1.id), vec![&b3, &b4]),
        ("#e and #p", Filter::new().event(a1.id).pubkey(a), vec![&b4]),
        ("#t", Filter::new().hashtag("flash"), vec![&tagged7]),
        (
            "since",
            Filter::new().since(Timestamp::from(T + 5)),
            vec![&wrap5, &wrap6, &tagged7],
        ),
        (
            "until",
            Filter::new().until(Timestamp::from(T + 2)),
            vec![&a1, &a2],
        ),
        (
            "since and until",
            Filter::new()
                .since(Timestamp::from(T + 2))
                .until(Timestamp::from(T + 3)),
            vec![&a2, &b3],
        ),
        ("limit", Filter::new().limit(2), vec![&wrap6, &tagged7]),
        (
            "#p with limit",
            Filter::new().pubkey(c).limit(2),
            vec![&wrap5, &wrap6],
        ),
        (
            "author with limit",
            Filter::new().author(a).limit(1),
            vec![&wrap6],
        ),
        (
            "until with limit",
            Filter::new().until(Timestamp::from(T + 4)).limit(2),
            vec![&b3, &b4],
        ),
        (
            "nothing in range",
            Filter::new().since(Timestamp::from(T + 8)),
            vec![],
        ),
        (
            "unknown author",
            Filter::new().author(Keys::generate().public_key()),
            vec![],
        ),
    ];
    for (name, filter, expected) in cases {
        let expected = newest_first(&expected);
        assert_eq!(ids(&db, filter.clone()).await, expected, "{name}");
        assert_eq!(db.count(filter).await.unwrap(), expected.len(), "{name}");
    }
}

/// Events at the same second are ordered by id, and a limit cuts there.
pub async fn a_limit_cuts_ties_by_id(db: Database) {
    let keys = Keys::generate();
    let same_second: Vec<Event> = (0..5)
        .map(|i| event(&keys, 1, 0, vec![Tag::hashtag(format!("{i}"))]))
        .collect();
    for e in &same_second {
        assert_eq!(save(&db, e).await, Success);
    }
    let mut expected: Vec<EventId> = same_second.iter().map(|e| e.id).collect();
    expected.sort();
    expected.truncate(3);
    assert_eq!(
        ids(&db, Filter::new().kind(Kind::TextNote).limit(3)).await,
        expected
    );
}

pub async fn delete_by_filter_removes_only_what_matches(db: Database) {
    let (alice, bob) = (Keys::generate(), Keys::generate());
    let a1 = event(&alice, 1, 1, vec![]);
    let a2 = event(&alice, 7, 2, vec![]);
    let b3 = event(&bob, 1, 3, vec![]);
    for e in [&a1, &a2, &b3] {
        assert_eq!(save(&db, e).await, Success);
    }
    db.delete(
        Filter::new()
            .author(alice.public_key())
            .kind(Kind::TextNote),
    )
    .await
    .unwrap();
    assert_eq!(ids(&db, Filter::new()).await, vec![b3.id, a2.id]);
    assert_eq!(db.count(Filter::new()).await.unwrap(), 2);
    assert_eq!(
        db.check_id(&a1.id).await.unwrap(),
        DatabaseEventStatus::Deleted
    );
}

pub async fn wipe_forgets_everything(db: Database) {
    let keys = Keys::generate();
    let note = event(&keys, 1, 0, vec![]);
    let profile = event(&keys, 0, 0, vec![]);
    let gone = event(&keys, 1, 1, vec![]);
    for e in [&note, &profile, &gone] {
        assert_eq!(save(&db, e).await, Success);
    }
    let deletion = event(&keys, 5, 2, vec![Tag::event(gone.id)]);
    assert_eq!(save(&db, &deletion).await, Success);
    db.wipe().await.unwrap();
    assert_eq!(db.count(Filter::new()).await.unwrap(), 0);
    assert_eq!(db.event_by_id(&note.id).await.unwrap(), None);
    assert_eq!(
        db.check_id(&gone.id).await.unwrap(),
        DatabaseEventStatus::NotExistent
    );
    assert_eq!(save(&db, &note).await, Success);
    assert_eq!(ids(&db, Filter::new()).await, vec![note.id]);
}
