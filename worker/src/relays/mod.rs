//! The user's relays: which ones, what each is for, and how each is doing.
//!
//! - [`RelayList`]: the relays the user chose, each read (their private
//!   messages are fetched there, and others are told to write to them
//!   there) and/or write (what they publish goes there). It is kept in the
//!   profile's vault as a public record — the same list is published, signed,
//!   as the user's NIP-65 relay list (kind 10002) and NIP-17 inbox relays
//!   (kind 10050) — and starts from the environment's defaults.
//! - [`status`]: each relay's connection, with the reason it failed.
//! - [`info`]: what a relay says about itself (NIP-11).
//!
//! The inbox (kind 10050) is the read relays, not a third flag: a relay
//! the user reads is where their messages are fetched, so one listed as an
//! inbox without being read would take messages nobody fetches, and one
//! read but not listed would never receive any.

pub mod info;
pub mod status;

use nostr::nips::nip65::RelayMetadata;
use nostr::{Event, EventBuilder, Kind, PublicKey, RelayUrl, Tag, TagKind, Timestamp};
use serde::{Deserialize, Serialize};

use crate::events::checked;

/// Why the relay list cannot be changed as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelayListError {
    #[error("“{url}” is not a relay address: relays start with wss:// (or ws:// for one on this machine)")]
    NotARelay { url: String },
    #[error("{url} is already one of your relays")]
    AlreadyThere { url: String },
    #[error("{url} is not one of your relays")]
    Unknown { url: String },
    #[error("you need at least one relay to send and receive messages: add another before removing this one")]
    LastRelay,
    #[error("a relay must be used to read, to write, or both")]
    Unused,
}

/// One of the user's relays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayEntry {
    pub url: RelayUrl,
    pub read: bool,
    pub write: bool,
}

/// The user's relays, in the order they were added, and when the list last
/// changed (so a newer one published from another device wins).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayList {
    relays: Vec<RelayEntry>,
    /// Seconds since the Unix epoch; 0 for the environment's defaults.
    updated_at: u64,
}

impl RelayList {
    /// The environment's relays, read and write. Those that are not relay
    /// addresses are left out.
    pub fn defaults(urls: &[String]) -> Self {
        let mut list = Self::default();
        for url in urls {
            if let Ok(url) = parse_relay_url(url) {
                if list.find(&url).is_none() {
                    list.relays.push(RelayEntry {
                        url,
                        read: true,
                        write: true,
                    });
                }
            }
        }
        list
    }

    /// The list the vault keeps.
    pub fn parse_record(record: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(record)
    }

    pub fn to_record(&self) -> Vec<u8> {
        // Plain data: URLs, booleans and a number.
        serde_json::to_vec(self).unwrap_or_default()
    }

    pub fn entries(&self) -> &[RelayEntry] {
        &self.relays
    }

    pub fn urls(&self) -> Vec<RelayUrl> {
        self.relays.iter().map(|entry| entry.url.clone()).collect()
    }

    /// Whether this is the user's own list, not the environment's defaults
    /// they never changed, adopted or published.
    pub fn is_settled(&self) -> bool {
        self.updated_at != 0
    }

    pub fn find(&self, url: &RelayUrl) -> Option<&RelayEntry> {
        self.relays.iter().find(|entry| entry.url == *url)
    }

    /// Where the user's private messages are fetched (and their inbox).
    pub fn is_read(&self, url: &RelayUrl) -> bool {
        self.find(url).is_some_and(|entry| entry.read)
    }

    /// Adds the relay at `url` (normalised), as of `now` (seconds).
    pub fn add(
        &mut self,
        url: &str,
        read: bool,
        write: bool,
        now: u64,
    ) -> Result<RelayUrl, RelayListError> {
        let url = parse_relay_url(url)?;
        if self.find(&url).is_some() {
            return Err(RelayListError::AlreadyThere {
                url: url.to_string(),
            });
        }
        if !read && !write {
            return Err(RelayListError::Unused);
        }
        self.relays.push(RelayEntry {
            url: url.clone(),
            read,
            write,
        });
        self.touch(now);
        Ok(url)
    }

    /// Removes the relay at `url`, unless it is the last one.
    pub fn remove(&mut self, url: &str, now: u64) -> Result<RelayUrl, RelayListError> {
        let url = self.known(url)?;
        if self.relays.len() == 1 {
            return Err(RelayListError::LastRelay);
        }
        self.relays.retain(|entry| entry.url != url);
        self.touch(now);
        Ok(url)
    }

    /// Says what the relay at `url` is used for.
    pub fn set_flags(
        &mut self,
        url: &str,
        read: bool,
        write: bool,
        now: u64,
    ) -> Result<RelayUrl, RelayListError> {
        let url = self.known(url)?;
        if !read && !write {
            return Err(RelayListError::Unused);
        }
        if let Some(entry) = self.relays.iter_mut().find(|entry| entry.url == url) {
            (entry.read, entry.write) = (read, write);
        }
        self.touch(now);
        Ok(url)
    }

    fn known(&self, url: &str) -> Result<RelayUrl, RelayListError> {
        let url = parse_relay_url(url)?;
        match self.find(&url) {
            Some(_) => Ok(url),
            None => Err(RelayListError::Unknown {
                url: url.to_string(),
            }),
        }
    }

    /// The same relays, as the user's own list from `now` (seconds).
    pub fn dated(mut self, now: u64) -> Self {
        self.touch(now);
        self
    }

    /// Later than the last change, even within the same second: lists
    /// published a second apart must not share a date.
    fn touch(&mut self, now: u64) {
        self.updated_at = now.max(self.updated_at + 1);
    }

    /// The user's relay lists to sign: NIP-17 inbox relays (kind 10050,
    /// the read relays) and NIP-65 relays with their markers (kind 10002),
    /// dated when the list last changed so every device publishes the
    /// same events for the same list.
    pub fn to_events(&self) -> [EventBuilder; 2] {
        let created_at = match self.updated_at {
            0 => Timestamp::now(),
            seconds => Timestamp::from_secs(seconds),
        };
        let inbox = EventBuilder::new(Kind::InboxRelays, "").tags(
            self.relays
                .iter()
                .filter(|entry| entry.read)
                .map(|entry| Tag::custom(TagKind::Relay, [entry.url.to_string()])),
        );
        let relay_list = EventBuilder::relay_list(self.relays.iter().map(|entry| {
            let marker = match (entry.read, entry.write) {
                (true, false) => Some(RelayMetadata::Read),
                (false, true) => Some(RelayMetadata::Write),
                _ => None,
            };
            (entry.url.clone(), marker)
        }));
        [inbox, relay_list].map(|builder| builder.custom_created_at(created_at))
    }

    /// The list another device published, if it is newer than this one:
    /// `me`'s newest NIP-65 list among `events` as of `now` (see
    /// [`checked::newest`]: another key's list, or one dated ahead, is
    /// never the user's), its read relays being the inbox.
    pub fn newer_published(
        &self,
        events: &[Event],
        me: &PublicKey,
        now: Timestamp,
    ) -> Option<Self> {
        let relay_list = checked::newest(events, me, Kind::RelayList, now)?;
        if relay_list.created_at.as_secs() <= self.updated_at {
            return None;
        }
        let mut relays: Vec<RelayEntry> = Vec::new();
        for (url, marker) in nostr::nips::nip65::extract_relay_list(relay_list) {
            if relays.iter().any(|entry| entry.url == *url) {
                continue;
            }
            relays.push(RelayEntry {
                url: url.clone(),
                read: !matches!(marker, Some(RelayMetadata::Write)),
                write: !matches!(marker, Some(RelayMetadata::Read)),
            });
        }
        if relays.is_empty() {
            return None;
        }
        Some(Self {
            relays,
            updated_at: relay_list.created_at.as_secs(),
        })
    }
}

/// A relay's address, checked and in its usual form (lower-case host, no
/// trailing slash): `ws://` or `wss://` and a host.
pub fn parse_relay_url(text: &str) -> Result<RelayUrl, RelayListError> {
    let not_a_relay = || RelayListError::NotARelay {
        url: text.trim().to_owned(),
    };
    let url = RelayUrl::parse(text.trim()).map_err(|_| not_a_relay())?;
    if url.host().is_none() {
        return Err(not_a_relay());
    }
    RelayUrl::parse(url.as_str_without_trailing_slash()).map_err(|_| not_a_relay())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relay_addresses_are_checked_and_normalised() {
        let url = parse_relay_url("  WSS://Relay.Example.com/ ").expect("a relay");
        assert_eq!(url.to_string(), "wss://relay.example.com");
        for bad in [
            "https://relay.example.com",
            "relay.example.com",
            "wss://",
            "",
        ] {
            assert!(
                matches!(parse_relay_url(bad), Err(RelayListError::NotARelay { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_list_keeps_one_relay_at_least_and_each_used_somehow() {
        let mut list = RelayList::defaults(&["wss://one.example".to_owned()]);
        assert_eq!(
            list.remove("wss://one.example", 10),
            Err(RelayListError::LastRelay)
        );
        assert_eq!(
            list.add("wss://one.example/", true, true, 10),
            Err(RelayListError::AlreadyThere {
                url: "wss://one.example".to_owned()
            })
        );
        assert_eq!(
            list.add("wss://two.example", false, false, 10),
            Err(RelayListError::Unused)
        );
        list.add("wss://two.example", false, true, 10)
            .expect("added");
        assert!(!list.is_read(&parse_relay_url("wss://two.example").expect("url")));
        list.remove("wss://one.example", 10).expect("removed");
        assert_eq!(list.urls().len(), 1);
        // Two changes in the same second are still ordered.
        assert_eq!(list.updated_at, 11);
    }
}
