//! What is indexed for each event, and which index answers a [`Filter`].
//!
//! Target-neutral so it is tested natively; the IndexedDB store turns a
//! [`Plan`] into key ranges. Every plan may return more than the filter
//! asks for (an index narrows on one field only): the store always checks
//! each event against the whole filter before returning it.

use std::collections::BTreeSet;

use nostr_sdk::prelude::{
    Alphabet, Event, EventId, Filter, Kind, PublicKey, SingleLetterTag, Timestamp,
};

/// Tag values longer than this (in bytes) are not indexed: it keeps spam
/// with huge tags from bloating the index. A filter asking for a longer
/// value is answered by another index.
pub const MAX_INDEXED_TAG_VALUE: usize = 256;

/// More coordinates than this in one filter are looked up by scanning an
/// index instead of one lookup each.
const MAX_COORDINATE_LOOKUPS: usize = 256;

/// The key shared by the versions of a replaceable or addressable event:
/// `kind:pubkey:d`, with an empty `d` for replaceable kinds (NIP-01 keys
/// them by kind and author only).
pub fn coordinate_key(kind: Kind, author: &PublicKey, identifier: &str) -> String {
    let identifier = if kind.is_replaceable() {
        ""
    } else {
        identifier
    };
    format!("{}:{}:{identifier}", kind.as_u16(), author.to_hex())
}

/// The coordinate of `event`, if its kind is replaceable or addressable and
/// it has one (an addressable event without a `d` tag has none).
pub fn coordinate_of(event: &Event) -> Option<String> {
    if event.kind.is_replaceable() {
        Some(coordinate_key(event.kind, &event.pubkey, ""))
    } else if event.kind.is_addressable() {
        let identifier = event.tags.identifier()?;
        Some(coordinate_key(event.kind, &event.pubkey, identifier))
    } else {
        None
    }
}

/// The `(letter, value)` pairs of `event`'s single-letter tags that the tag
/// index holds: the same pairs [`Filter::match_event`] compares.
pub fn indexed_tags(event: &Event) -> impl Iterator<Item = (char, &str)> {
    event.tags.indexes().iter().flat_map(|(tag, values)| {
        values
            .iter()
            .filter(|value| value.len() <= MAX_INDEXED_TAG_VALUE)
            .map(move |value| (tag.as_char(), value.as_str()))
    })
}

/// The indexes a [`Plan::Scan`] can walk, newest first. Each key ends with
/// `created_at`, so `since`/`until` bound every range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    /// `created_at` alone.
    CreatedAt,
    /// `[kind, created_at]`.
    Kind,
    /// `[pubkey, created_at]`.
    Author,
    /// `[letter, value, created_at]`, one entry per indexed tag.
    Tag,
}

/// A key part before `created_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyPart {
    Number(u16),
    Text(String),
}

/// How to find the events a filter may match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// No event can match: `since` after `until`, `limit` 0, or a tag
    /// asked for with no value.
    Nothing,
    /// Look each id up.
    Ids(Vec<EventId>),
    /// Look each coordinate up (replaceable and addressable kinds).
    Coordinates(Vec<String>),
    /// Walk `index` once per prefix, between `since` and `until`.
    Scan {
        index: Index,
        prefixes: Vec<Vec<KeyPart>>,
        since: Timestamp,
        until: Option<Timestamp>,
    },
}

/// Chooses the narrowest index for `filter`: ids, then coordinates, then a
/// tag, then authors, then kinds, then time alone.
pub fn plan(filter: &Filter) -> Plan {
    let impossible = filter.limit == Some(0)
        || matches!((filter.since, filter.until), (Some(since), Some(until)) if since > until)
        // An empty value set matches no event (see `Filter::match_event`).
        || filter.generic_tags.values().any(|values| values.is_empty());
    if impossible {
        return Plan::Nothing;
    }
    // An empty set of ids, authors or kinds does not restrict (as in
    // `Filter::match_event`).
    let ids = filter.ids.as_ref().filter(|ids| !ids.is_empty());
    let authors = filter.authors.as_ref().filter(|a| !a.is_empty());
    let kinds = filter.kinds.as_ref().filter(|k| !k.is_empty());
    if let Some(ids) = ids {
        return Plan::Ids(ids.iter().copied().collect());
    }
    if let (Some(authors), Some(kinds)) = (authors, kinds) {
        if let Some(coordinates) = coordinates(filter, authors, kinds) {
            return Plan::Coordinates(coordinates);
        }
    }
    let scan = |index, prefixes| Plan::Scan {
        index,
        prefixes,
        since: filter.since.unwrap_or(Timestamp::zero()),
        until: filter.until,
    };
    let indexed_tag = filter
        .generic_tags
        .iter()
        .filter(|(_, values)| values.iter().all(|v| v.len() <= MAX_INDEXED_TAG_VALUE))
        .min_by_key(|(_, values)| values.len());
    if let Some((tag, values)) = indexed_tag {
        let letter = KeyPart::Text(tag.as_char().to_string());
        return scan(
            Index::Tag,
            values
                .iter()
                .map(|value| vec![letter.clone(), KeyPart::Text(value.clone())])
                .collect(),
        );
    }
    if let Some(authors) = authors {
        return scan(
            Index::Author,
            authors
                .iter()
                .map(|author| vec![KeyPart::Text(author.to_hex())])
                .collect(),
        );
    }
    if let Some(kinds) = kinds {
        return scan(
            Index::Kind,
            kinds
                .iter()
                .map(|kind| vec![KeyPart::Number(kind.as_u16())])
                .collect(),
        );
    }
    scan(Index::CreatedAt, vec![Vec::new()])
}

/// Every coordinate `filter` can match, when all its kinds are replaceable
/// or addressable (with `d` values given), and there are not too many.
fn coordinates(
    filter: &Filter,
    authors: &BTreeSet<PublicKey>,
    kinds: &BTreeSet<Kind>,
) -> Option<Vec<String>> {
    let identifiers = filter
        .generic_tags
        .get(&SingleLetterTag::lowercase(Alphabet::D));
    let mut keys = Vec::new();
    for kind in kinds {
        let identifiers: Vec<&str> = if kind.is_replaceable() {
            vec![""]
        } else if kind.is_addressable() {
            identifiers?.iter().map(String::as_str).collect()
        } else {
            return None;
        };
        for author in authors {
            for identifier in &identifiers {
                keys.push(coordinate_key(*kind, author, identifier));
                if keys.len() > MAX_COORDINATE_LOOKUPS {
                    return None;
                }
            }
        }
    }
    Some(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nostr_sdk::prelude::{EventBuilder, Keys, Tag};

    fn author() -> PublicKey {
        Keys::generate().public_key()
    }

    #[test]
    fn ids_win_over_every_other_field() {
        let id = EventId::all_zeros();
        let filter = Filter::new().id(id).author(author()).kind(Kind::TextNote);
        assert_eq!(plan(&filter), Plan::Ids(vec![id]));
    }

    #[test]
    fn impossible_filters_read_nothing() {
        let later = Timestamp::from(20);
        let earlier = Timestamp::from(10);
        assert_eq!(
            plan(&Filter::new().since(later).until(earlier)),
            Plan::Nothing
        );
        assert_eq!(plan(&Filter::new().limit(0)), Plan::Nothing);
        let no_value = Filter::new().custom_tags(
            SingleLetterTag::lowercase(Alphabet::P),
            Vec::<String>::new(),
        );
        assert_eq!(plan(&no_value), Plan::Nothing);
    }

    #[test]
    fn replaceable_kinds_by_author_are_coordinate_lookups() {
        let me = author();
        let filter = Filter::new()
            .author(me)
            .kinds([Kind::Metadata, Kind::RelayList]);
        assert_eq!(
            plan(&filter),
            Plan::Coordinates(vec![
                format!("0:{}:", me.to_hex()),
                format!("10002:{}:", me.to_hex()),
            ])
        );
        let addressable = Filter::new()
            .author(me)
            .kind(Kind::Custom(30_000))
            .identifier("friends");
        assert_eq!(
            plan(&addressable),
            Plan::Coordinates(vec![format!("30000:{}:friends", me.to_hex())])
        );
        // Without a `d` value an addressable kind cannot be looked up.
        let any_list = Filter::new().author(me).kind(Kind::Custom(30_000));
        assert!(matches!(
            plan(&any_list),
            Plan::Scan {
                index: Index::Author,
                ..
            }
        ));
    }

    #[test]
    fn a_tag_filter_walks_the_tag_index_between_since_and_until() {
        let me = author();
        let filter = Filter::new()
            .kind(Kind::GiftWrap)
            .pubkey(me)
            .since(Timestamp::from(5))
            .until(Timestamp::from(9));
        assert_eq!(
            plan(&filter),
            Plan::Scan {
                index: Index::Tag,
                prefixes: vec![vec![
                    KeyPart::Text("p".to_owned()),
                    KeyPart::Text(me.to_hex()),
                ]],
                since: Timestamp::from(5),
                until: Some(Timestamp::from(9)),
            }
        );
    }

    #[test]
    fn an_overlong_tag_value_falls_back_to_another_index() {
        let long = "x".repeat(MAX_INDEXED_TAG_VALUE + 1);
        let filter = Filter::new().kind(Kind::TextNote).hashtag(long);
        assert!(matches!(
            plan(&filter),
            Plan::Scan {
                index: Index::Kind,
                ..
            }
        ));
    }

    #[test]
    fn without_fields_it_walks_time() {
        assert_eq!(
            plan(&Filter::new()),
            Plan::Scan {
                index: Index::CreatedAt,
                prefixes: vec![Vec::new()],
                since: Timestamp::zero(),
                until: None,
            }
        );
    }

    #[test]
    fn what_is_indexed() {
        let keys = Keys::generate();
        let other = author();
        let long = "y".repeat(MAX_INDEXED_TAG_VALUE + 1);
        let event = EventBuilder::new(Kind::Custom(30_001), "")
            .tags([
                Tag::identifier("list"),
                Tag::public_key(other),
                Tag::hashtag(long),
            ])
            .sign_with_keys(&keys)
            .unwrap();
        let mut tags: Vec<(char, &str)> = indexed_tags(&event).collect();
        tags.sort();
        let other_hex = other.to_hex();
        assert_eq!(tags, vec![('d', "list"), ('p', other_hex.as_str())]);
        assert_eq!(
            coordinate_of(&event),
            Some(format!("30001:{}:list", keys.public_key().to_hex()))
        );
        let note = EventBuilder::text_note("hi").sign_with_keys(&keys).unwrap();
        assert_eq!(coordinate_of(&note), None);
    }
}
