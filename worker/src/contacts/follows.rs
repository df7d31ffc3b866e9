//! The follow list (kind 3, NIP-02): who the user follows.
//!
//! A kind 3 replaces the one before it entirely, so a new one is always
//! built from the newest known, with every tag kept (petnames, relay hints,
//! followed hashtags, …) and its content too (some clients keep relays
//! there); only the one `p` tag changes. Building it from an empty list
//! because the real one was not fetched yet would erase the user's follows
//! everywhere: [`crate::contacts`] makes sure the newest is known first.

use nostr::{Event, EventBuilder, Kind, PublicKey, Tag, TagKind, TagStandard, Timestamp};

/// The keys a follow list names, in its order, each once.
pub fn followed(list: Option<&Event>) -> Vec<PublicKey> {
    let mut keys: Vec<PublicKey> = Vec::new();
    if let Some(list) = list {
        for key in list.tags.public_keys() {
            if !keys.contains(key) {
                keys.push(*key);
            }
        }
    }
    keys
}

/// The next follow list: `previous` with `who` added (`follow`) or removed,
/// or `None` when nothing changes. It is dated after `previous`, so relays
/// take it as the newer even within the same second.
pub fn changed(
    previous: Option<&Event>,
    who: PublicKey,
    follow: bool,
    now: Timestamp,
) -> Option<EventBuilder> {
    let tags: Vec<Tag> = previous
        .map(|list| list.tags.as_slice().to_vec())
        .unwrap_or_default();
    let follows = |tag: &Tag| {
        tag.kind() == TagKind::p()
            && tag
                .content()
                .and_then(|hex| PublicKey::from_hex(hex).ok())
                .is_some_and(|key| key == who)
    };
    let already = tags.iter().any(follows);
    let tags: Vec<Tag> = match (follow, already) {
        (true, true) | (false, false) => return None,
        (true, false) => {
            let mut tags = tags;
            tags.push(Tag::from_standardized_without_cell(
                TagStandard::PublicKey {
                    public_key: who,
                    relay_url: None,
                    alias: None,
                    uppercase: false,
                },
            ));
            tags
        }
        (false, true) => tags.into_iter().filter(|tag| !follows(tag)).collect(),
    };
    let content = previous
        .map(|list| list.content.clone())
        .unwrap_or_default();
    Some(
        EventBuilder::new(Kind::ContactList, content)
            .tags(tags)
            .custom_created_at(after(previous, now)),
    )
}

/// `now`, or a second after `previous` if that is not later: a replaceable
/// event only replaces one dated before it.
pub fn after(previous: Option<&Event>, now: Timestamp) -> Timestamp {
    match previous {
        Some(previous) if previous.created_at >= now => {
            Timestamp::from_secs(previous.created_at.as_secs() + 1)
        }
        _ => now,
    }
}

#[cfg(test)]
mod tests {
    use nostr::{JsonUtil, Keys};

    use super::*;

    #[test]
    fn changes_keep_every_other_tag_and_the_content() {
        let keys = Keys::generate();
        let (a, b) = (Keys::generate().public_key(), Keys::generate().public_key());
        let previous = EventBuilder::new(Kind::ContactList, r#"{"wss://r":{}}"#)
            .tags([
                Tag::parse(["p", &a.to_hex(), "wss://a.example.com", "alice"]).unwrap(),
                Tag::parse(["t", "bitcoin"]).unwrap(),
            ])
            .sign_with_keys(&keys)
            .unwrap();
        let added = changed(Some(&previous), b, true, previous.created_at)
            .unwrap()
            .sign_with_keys(&keys)
            .unwrap();
        assert!(added.created_at > previous.created_at);
        assert_eq!(followed(Some(&added)), vec![a, b]);
        assert_eq!(added.content, previous.content);
        assert!(added.as_json().contains("alice"));
        assert!(added.as_json().contains("bitcoin"));
        assert!(changed(Some(&added), b, true, Timestamp::now()).is_none());
        let removed = changed(Some(&added), a, false, Timestamp::now())
            .unwrap()
            .sign_with_keys(&keys)
            .unwrap();
        assert_eq!(followed(Some(&removed)), vec![b]);
        assert!(removed.as_json().contains("bitcoin"));
    }
}
