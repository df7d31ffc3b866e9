//! NIP-17 rooms: a conversation is the set of people in it.
//!
//! A private message names its recipients in `p` tags and its author signs
//! the seal, so everyone in a conversation can tell who is in it, and a
//! reply to the same people lands in the same room. A group is nothing
//! more: adding someone makes a new room.

use nostr::hashes::{sha256, Hash};
use nostr_sdk::prelude::{PublicKey, ToBech32};

/// Everyone in a conversation but the user, sorted, each once; just the
/// user in notes to self.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Room {
    me: PublicKey,
    members: Vec<PublicKey>,
}

impl Room {
    /// The room of the user `me` with `people` (the user among them or not).
    pub fn new(me: PublicKey, people: impl IntoIterator<Item = PublicKey>) -> Self {
        let mut members: Vec<PublicKey> = people.into_iter().filter(|key| *key != me).collect();
        members.sort();
        members.dedup();
        if members.is_empty() {
            members.push(me);
        }
        Self { me, members }
    }

    /// Who the user writes to in this room.
    pub fn members(&self) -> &[PublicKey] {
        &self.members
    }

    /// Names the room: the other person's npub in a conversation of two,
    /// else `group-` and the first 128 bits of the SHA-256 of everyone's
    /// keys (the user's included, sorted), the same on every member's
    /// device.
    pub fn id(&self) -> String {
        match self.members.as_slice() {
            [one] => npub(one),
            _ => {
                let mut everyone: Vec<String> = self
                    .members
                    .iter()
                    .chain([&self.me])
                    .map(PublicKey::to_hex)
                    .collect();
                everyone.sort();
                let digest = sha256::Hash::hash(everyone.join(",").as_bytes());
                let hex = digest.to_string();
                format!("group-{}", &hex[..32])
            }
        }
    }

    /// The members as npubs.
    pub fn npubs(&self) -> Vec<String> {
        self.members.iter().map(npub).collect()
    }
}

fn npub(key: &PublicKey) -> String {
    key.to_bech32().unwrap_or_else(|_| key.to_hex())
}

#[cfg(test)]
mod tests {
    use super::*;
    use nostr_sdk::prelude::Keys;

    #[test]
    fn a_room_is_its_people_whoever_lists_them_and_in_any_order() {
        let [alice, bob, carol] = [(); 3].map(|()| Keys::generate().public_key());
        let seen_by_alice = Room::new(alice, [carol, bob, alice, bob]);
        assert_eq!(seen_by_alice.members().len(), 2);
        let seen_by_bob = Room::new(bob, [alice, carol]);
        assert_eq!(seen_by_alice.id(), seen_by_bob.id());
        assert!(seen_by_alice.id().starts_with("group-"));
        assert_ne!(Room::new(alice, [bob]).id(), seen_by_alice.id());
    }

    #[test]
    fn a_conversation_of_two_is_named_by_the_other_and_a_note_to_self_by_the_user() {
        let [alice, bob] = [(); 2].map(|()| Keys::generate().public_key());
        assert_eq!(Room::new(alice, [bob, alice]).id(), npub(&bob));
        assert_eq!(Room::new(alice, [alice]).id(), npub(&alice));
        assert_eq!(Room::new(alice, []).members(), [alice]);
    }
}
