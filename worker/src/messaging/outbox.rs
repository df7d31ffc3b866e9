//! The outbox: messages sealed and kept until a relay takes them.
//!
//! A message is gift-wrapped when the user sends it, and those signed gift
//! wraps are what is kept: already encrypted for the relays. Each still
//! names its recipient in the clear, as NIP-59 needs on a relay but nothing
//! needs on the user's device, so the record is kept sealed (see
//! [`super::at_rest`]).

use super::at_rest::AtRestKey;

use std::collections::HashSet;

use nostr_sdk::prelude::Event;
use serde::{Deserialize, Serialize};

/// One message, sealed for its recipients and for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    /// Gift-wrapped to each recipient, for their inbox relays. Outboxes
    /// kept before group messages hold a single wrap, read as a list of one.
    #[serde(deserialize_with = "one_or_many")]
    pub for_them: Vec<Event>,
    /// Gift-wrapped to the user: the copy in their own history, and for
    /// their other devices.
    pub for_me: Event,
    /// Why the relays refused it last time, if they did; it then waits for
    /// the user to retry. `None` while it waits for a relay to be reachable.
    pub failed: Option<String>,
}

/// A list of gift wraps, or the one wrap older records hold.
fn one_or_many<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<Event>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(Box<Event>),
        Many(Vec<Event>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(event) => vec![*event],
        OneOrMany::Many(events) => events,
    })
}

/// What waits, by message id (the rumor's), in the order it was sent.
#[derive(Default)]
pub struct Outbox {
    waiting: Vec<(String, Sealed)>,
    /// Being delivered right now: not started again until that ends.
    sending: HashSet<String>,
    /// What the record is kept under; `None` outside a messaging session.
    kept_under: Option<AtRestKey>,
}

impl Outbox {
    /// An empty outbox whose record is kept under `key`.
    pub fn kept_under(key: AtRestKey) -> Self {
        Self {
            kept_under: Some(key),
            ..Self::default()
        }
    }

    /// What the record is kept under, this session.
    pub fn key(&self) -> Option<&AtRestKey> {
        self.kept_under.as_ref()
    }

    pub fn add(&mut self, id: String, sealed: Sealed) {
        if self.get(&id).is_none() {
            self.waiting.push((id, sealed));
        }
    }

    pub fn get(&self, id: &str) -> Option<&Sealed> {
        self.waiting
            .iter()
            .find(|(known, _)| known == id)
            .map(|(_, sealed)| sealed)
    }

    /// Takes `id` for delivery, unless it is unknown or already under way.
    pub fn start_sending(&mut self, id: &str) -> Option<Sealed> {
        let sealed = self.get(id)?.clone();
        self.sending.insert(id.to_owned()).then_some(sealed)
    }

    /// Delivered, or never kept: it leaves the outbox.
    pub fn remove(&mut self, id: &str) {
        self.sending.remove(id);
        self.waiting.retain(|(known, _)| known != id);
    }

    /// Not delivered: it stays, failed with `reason` or waiting (`None`).
    pub fn not_delivered(&mut self, id: &str, reason: Option<String>) {
        self.sending.remove(id);
        if let Some((_, sealed)) = self.waiting.iter_mut().find(|(known, _)| known == id) {
            sealed.failed = reason;
        }
    }

    /// The messages to send as soon as a relay is reachable: not failed,
    /// not under way.
    pub fn due(&self) -> Vec<String> {
        self.waiting
            .iter()
            .filter(|(id, sealed)| sealed.failed.is_none() && !self.sending.contains(id))
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// The stored record: the sealed messages, in order.
    pub fn to_record(&self) -> Vec<u8> {
        let sealed: Vec<&Sealed> = self.waiting.iter().map(|(_, sealed)| sealed).collect();
        Self::record_of(&sealed)
    }

    /// The record of `sealed`, as [`Outbox::to_record`] writes it.
    pub fn record_of(sealed: &[impl Serialize]) -> Vec<u8> {
        // Events and strings always serialise.
        serde_json::to_vec(sealed).unwrap_or_default()
    }

    /// The sealed messages of a stored record.
    pub fn parse_record(bytes: &[u8]) -> Result<Vec<Sealed>, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nostr_sdk::prelude::{EventBuilder, Keys};

    fn sealed(text: &str) -> Sealed {
        let keys = Keys::generate();
        let event = EventBuilder::text_note(text)
            .sign_with_keys(&keys)
            .expect("signed");
        Sealed {
            for_them: vec![event.clone()],
            for_me: event,
            failed: None,
        }
    }

    #[test]
    fn a_message_is_sent_once_at_a_time_and_leaves_when_delivered() {
        let mut outbox = Outbox::default();
        outbox.add("a".into(), sealed("a"));
        outbox.add("b".into(), sealed("b"));
        assert_eq!(outbox.due(), ["a", "b"]);
        assert!(outbox.start_sending("a").is_some());
        assert!(outbox.start_sending("a").is_none());
        assert_eq!(outbox.due(), ["b"]);
        outbox.remove("a");
        assert!(outbox.get("a").is_none());
        assert!(outbox.start_sending("a").is_none());

        outbox.start_sending("b");
        outbox.not_delivered("b", Some("blocked".into()));
        assert!(
            outbox.due().is_empty(),
            "a refused message waits for a retry"
        );
        assert!(outbox.start_sending("b").is_some(), "a retry takes it");
        outbox.not_delivered("b", None);
        assert_eq!(outbox.due(), ["b"]);
    }

    #[test]
    fn the_record_keeps_the_signed_gift_wraps_and_why_they_failed() {
        let mut outbox = Outbox::default();
        let mut refused = sealed("x");
        refused.failed = Some("blocked".into());
        outbox.add("x".into(), refused.clone());
        outbox.add("y".into(), sealed("y"));
        let read = Outbox::parse_record(&outbox.to_record()).expect("parses");
        assert_eq!(read.len(), 2);
        assert_eq!(read[0], refused);
        assert!(read[1].for_them[0].verify().is_ok());
        assert!(Outbox::parse_record(b"garbage").is_err());
    }

    #[test]
    fn an_outbox_kept_before_group_messages_still_reads() {
        let one = sealed("kept by an earlier version");
        let mut record = serde_json::to_value(vec![&one]).expect("serialises");
        record[0]["for_them"] = serde_json::to_value(&one.for_them[0]).expect("serialises");
        let read = Outbox::parse_record(&serde_json::to_vec(&record).expect("serialises"))
            .expect("parses");
        assert_eq!(read, [one]);
    }
}
