//! What the user typed in the search box: a key (npub, nprofile, hex), a
//! pointer to an event (nevent, note, naddr), a NIP-05 address, or a name.
//! `nostr:` links (NIP-21) are read too.

use nostr::nips::nip01::Coordinate;
use nostr::nips::nip19::{FromBech32, Nip19};
use nostr::{EventId, PublicKey, RelayUrl};

use super::nip05::Address;

/// What a search is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// Someone, with relays where they may be found.
    Key {
        public_key: PublicKey,
        relays: Vec<RelayUrl>,
    },
    /// An event, with relays where it may be found and its author if named.
    Event {
        id: EventId,
        author: Option<PublicKey>,
        relays: Vec<RelayUrl>,
    },
    /// An addressable event (kind, author, `d` tag).
    Coordinate {
        coordinate: Coordinate,
        relays: Vec<RelayUrl>,
    },
    Nip05(Address),
    /// Words to find in the names of the profiles already known.
    Name(String),
}

/// Why the search box's text cannot be searched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("type a name, an npub, an nprofile or a NOSTR address (name@example.com)")]
    Empty,
    #[error("that is a secret key: never paste it anywhere. Search with the public key (npub1…) instead")]
    Secret,
    #[error("“{0}” looks like a NOSTR code but is damaged: check that it was copied whole")]
    Damaged(String),
    #[error("{0}")]
    Nip05(String),
}

/// The most relay hints tried from one code: they come from strangers.
const MAX_HINTS: usize = 3;

pub fn parse(text: &str) -> Result<Query, QueryError> {
    let text = text.trim();
    let text = text.strip_prefix("nostr:").unwrap_or(text);
    if text.is_empty() {
        return Err(QueryError::Empty);
    }
    let lower = text.to_lowercase();
    const CODES: [&str; 7] = [
        "npub1",
        "nprofile1",
        "nevent1",
        "note1",
        "naddr1",
        "nsec1",
        "ncryptsec1",
    ];
    if CODES.iter().any(|prefix| lower.starts_with(prefix)) {
        return code(&lower);
    }
    if text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()) {
        let public_key = PublicKey::from_hex(text).map_err(|_| QueryError::Damaged(short(text)))?;
        return Ok(Query::Key {
            public_key,
            relays: Vec::new(),
        });
    }
    if text.contains('@') || (text.contains('.') && !text.contains(char::is_whitespace)) {
        return Address::parse(text)
            .map(Query::Nip05)
            .map_err(|error| QueryError::Nip05(error.to_string()));
    }
    Ok(Query::Name(text.to_owned()))
}

fn code(text: &str) -> Result<Query, QueryError> {
    let decoded = Nip19::from_bech32(text).map_err(|_| {
        if text.starts_with("nsec1") || text.starts_with("ncryptsec1") {
            QueryError::Secret
        } else {
            QueryError::Damaged(short(text))
        }
    })?;
    let hints = |relays: Vec<RelayUrl>| relays.into_iter().take(MAX_HINTS).collect();
    Ok(match decoded {
        Nip19::Secret(_) | Nip19::EncryptedSecret(_) => return Err(QueryError::Secret),
        Nip19::Pubkey(public_key) => Query::Key {
            public_key,
            relays: Vec::new(),
        },
        Nip19::Profile(profile) => Query::Key {
            public_key: profile.public_key,
            relays: hints(profile.relays),
        },
        Nip19::EventId(id) => Query::Event {
            id,
            author: None,
            relays: Vec::new(),
        },
        Nip19::Event(event) => Query::Event {
            id: event.event_id,
            author: event.author,
            relays: hints(event.relays),
        },
        Nip19::Coordinate(coordinate) => Query::Coordinate {
            coordinate: coordinate.coordinate,
            relays: hints(coordinate.relays),
        },
    })
}

fn short(text: &str) -> String {
    super::metadata::clip(text, 16)
}

#[cfg(test)]
mod tests {
    use nostr::nips::nip19::{Nip19Event, Nip19Profile, ToBech32};
    use nostr::{Keys, Kind};

    use super::*;

    #[test]
    fn every_kind_of_search_is_told_apart() {
        let keys = Keys::generate();
        let key = keys.public_key();
        let relay = RelayUrl::parse("wss://relay.example.com").unwrap();
        let npub = key.to_bech32().unwrap();
        assert_eq!(
            parse(&format!("  nostr:{npub} ")),
            Ok(Query::Key {
                public_key: key,
                relays: vec![]
            })
        );
        assert!(matches!(parse(&key.to_hex()), Ok(Query::Key { .. })));
        let nprofile = Nip19Profile::new(key, [relay.clone()]).to_bech32().unwrap();
        assert_eq!(
            parse(&nprofile),
            Ok(Query::Key {
                public_key: key,
                relays: vec![relay.clone()]
            })
        );
        let id = EventId::all_zeros();
        let nevent = Nip19Event::new(id).author(key).relays([relay.clone()]);
        assert!(matches!(
            parse(&nevent.to_bech32().unwrap()),
            Ok(Query::Event {
                author: Some(_),
                ..
            })
        ));
        let coordinate = Coordinate::new(Kind::LongFormTextNote, key).identifier("post");
        let naddr = nostr::nips::nip19::Nip19Coordinate::new(coordinate, [relay])
            .to_bech32()
            .unwrap();
        assert!(matches!(parse(&naddr), Ok(Query::Coordinate { .. })));
        assert!(matches!(parse("bob@example.com"), Ok(Query::Nip05(_))));
        assert!(matches!(parse("example.com"), Ok(Query::Nip05(_))));
        assert_eq!(parse("Alice B"), Ok(Query::Name("Alice B".into())));
        assert_eq!(parse(" "), Err(QueryError::Empty));
        let nsec = keys.secret_key().to_bech32().unwrap();
        assert_eq!(parse(&nsec), Err(QueryError::Secret));
        assert!(matches!(
            parse(&npub[..npub.len() - 1]),
            Err(QueryError::Damaged(_))
        ));
        assert!(matches!(
            parse("a b@example.com"),
            Err(QueryError::Nip05(_))
        ));
    }
}
