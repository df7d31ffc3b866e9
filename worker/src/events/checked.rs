//! What the engine takes from relays as someone's own: a relay chooses what
//! it answers, so any of them can hand over a list signed by another key,
//! a forged signature, or an event dated years ahead that would stay "the
//! newest" for good.
//!
//! The relay pool already drops events whose id or signature is wrong and
//! those that match none of the request's filters (nostr-sdk's
//! `verify_subscriptions`, turned on in [`crate::messaging`]). Where the
//! engine picks "the newest" of a replaceable or addressable event (kinds
//! 0, 3, 10002, 10050, …), [`newest`] checks again, whatever the events
//! came through: by the author asked for, of the kind asked for, verified,
//! and not dated beyond [`CLOCK_SKEW`] from now.

use std::sync::Arc;

use nostr::{Event, Kind, PublicKey, Timestamp};

/// The engine's clock: milliseconds since the Unix epoch
/// (`Environment::now_ms`).
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// How far ahead of the engine's clock an event may be dated: clocks
/// differ, by a few minutes at worst.
pub const CLOCK_SKEW: u64 = 5 * 60;

/// Now, by `clock`, as events are dated.
pub fn now(clock: &Clock) -> Timestamp {
    Timestamp::from_secs(clock() / 1000)
}

/// The latest date an event may have at `now`.
pub fn latest(now: Timestamp) -> Timestamp {
    Timestamp::from_secs(now.as_secs().saturating_add(CLOCK_SKEW))
}

/// Whether `event` is dated no later than [`CLOCK_SKEW`] after `now`.
pub fn not_ahead(event: &Event, now: Timestamp) -> bool {
    event.created_at <= latest(now)
}

/// The newest of `events` that is of `kind`, by `author`, verified, and not
/// dated ahead of `now`. Only the candidates down to the first that
/// verifies are verified.
pub fn newest<'a>(
    events: impl IntoIterator<Item = &'a Event>,
    author: &PublicKey,
    kind: Kind,
    now: Timestamp,
) -> Option<&'a Event> {
    let mut candidates: Vec<&Event> = events
        .into_iter()
        .filter(|event| event.pubkey == *author && event.kind == kind && not_ahead(event, now))
        .collect();
    // Newest first; NIP-01 breaks a tie by the lowest id.
    candidates.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
    candidates.into_iter().find(|event| event.verify().is_ok())
}

#[cfg(test)]
mod tests {
    use nostr::{EventBuilder, JsonUtil, Keys};

    use super::*;

    fn dated(keys: &Keys, kind: Kind, content: &str, at: u64) -> Event {
        EventBuilder::new(kind, content)
            .custom_created_at(Timestamp::from_secs(at))
            .sign_with_keys(keys)
            .unwrap()
    }

    #[test]
    fn the_newest_is_the_authors_own_verified_and_not_from_the_future() {
        let (me, other) = (Keys::generate(), Keys::generate());
        let now = Timestamp::from_secs(1_800_000_000);
        let at = |offset: i64| now.as_secs().saturating_add_signed(offset);
        let mine = dated(&me, Kind::RelayList, "mine", at(-60));
        let older = dated(&me, Kind::RelayList, "older", at(-120));
        let theirs = dated(&other, Kind::RelayList, "theirs", at(1));
        let other_kind = dated(&me, Kind::InboxRelays, "other kind", at(0));
        let ahead = dated(&me, Kind::RelayList, "ahead", at(CLOCK_SKEW as i64 + 1));
        let skewed = dated(&me, Kind::RelayList, "skewed", at(CLOCK_SKEW as i64 - 1));
        // Claims to be mine and newer, and is not signed by me.
        let mut forged: serde_json::Value = serde_json::from_str(&theirs.as_json()).unwrap();
        forged["pubkey"] = me.public_key().to_hex().into();
        let forged = Event::from_json(forged.to_string()).unwrap();
        let mut bad_signature = serde_json::to_value(&mine).unwrap();
        bad_signature["sig"] = serde_json::to_value(theirs.sig).unwrap();
        bad_signature["created_at"] = at(2).into();
        let bad_signature = Event::from_json(bad_signature.to_string()).unwrap();

        let pick = |events: &[&Event]| {
            newest(
                events.iter().copied(),
                &me.public_key(),
                Kind::RelayList,
                now,
            )
            .map(|event| event.content.clone())
        };
        let all = [
            &older,
            &mine,
            &theirs,
            &other_kind,
            &ahead,
            &forged,
            &bad_signature,
        ];
        assert_eq!(pick(&all).as_deref(), Some("mine"));
        assert_eq!(pick(&[&older, &skewed]).as_deref(), Some("skewed"));
        assert_eq!(pick(&[&theirs, &ahead, &forged]), None);
        assert_eq!(pick(&[]), None);
    }
}
