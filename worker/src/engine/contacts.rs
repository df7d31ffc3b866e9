//! Profile and contact commands: the user's profile, who they follow,
//! search, and the names the chat list shows.
//!
//! They work over the messaging session's relay pool and event database
//! ([`crate::contacts::Directory`]), so they answer once messaging runs.
//! Commands with `refresh: false` answer from the event database at once;
//! with `refresh: true` they ask the relays first. Nothing here is kept in
//! the vault: profiles and follow lists are public events, in the event
//! database like every other.

use std::rc::{Rc, Weak};

use nostr::nips::nip19::{Nip19Coordinate, Nip19Event, Nip19Profile, ToBech32};
use nostr::{Event as NostrEvent, PublicKey};

use super::error::{invalid, invalid_input};
use super::Engine;
use crate::contacts::metadata::{clip, Profile};
use crate::contacts::nip05::{Address, Nip05Error};
use crate::contacts::search::{self, Query};
use crate::contacts::{follows, Directory};
use crate::messaging::Messenger;
use crate::profiles::ProfileStores;
use crate::protocol::{
    EngineError, Field, MessagingState, Nip05, Nip05Status, NotePreview, Person, PersonName,
    ProfileFields, Reply, MAX_NAMES,
};

/// The most characters of an event a search shows.
const PREVIEW: usize = 280;

/// How many authors one request to the relays names.
const AUTHORS_PER_REQUEST: usize = 250;

/// The directory of the messaging session it was made for.
pub(super) type SessionDirectory = Option<(Weak<Messenger>, Rc<Directory>)>;

impl<P: ProfileStores> Engine<P> {
    /// This messaging session's directory, made on first use.
    fn directory(&self) -> Result<Rc<Directory>, EngineError> {
        let messenger = self.messenger.borrow().clone().ok_or_else(|| {
            let reason = match &*self.messaging_state.borrow() {
                MessagingState::Off => {
                    "profiles and contacts need your NOSTR key: unlock first".to_owned()
                }
                MessagingState::Failed { reason } => {
                    format!("the relays are not working: {reason}")
                }
                _ => "still connecting to your relays: try again in a moment".to_owned(),
            };
            EngineError::Messaging { reason }
        })?;
        let mut current = self.contacts.borrow_mut();
        if let Some((owner, directory)) = current.as_ref() {
            if owner
                .upgrade()
                .is_some_and(|owner| Rc::ptr_eq(&owner, &messenger))
            {
                return Ok(Rc::clone(directory));
            }
        }
        let directory = Rc::new(Directory::new(
            messenger.client().clone(),
            messenger.strangers().clone(),
            messenger.me(),
            messenger.relays().to_vec(),
            std::sync::Arc::clone(messenger.clock()),
        ));
        *current = Some((Rc::downgrade(&messenger), Rc::clone(&directory)));
        Ok(directory)
    }

    pub(super) async fn get_my_profile(&self, refresh: bool) -> Result<Reply, EngineError> {
        let directory = self.directory()?;
        let me = directory.me();
        if refresh {
            directory.refresh_profiles(&[me], &[]).await?;
        }
        let person = person_of(&directory, me, refresh).await;
        Ok(Reply::Person { person })
    }

    pub(super) async fn set_my_profile(&self, fields: ProfileFields) -> Result<Reply, EngineError> {
        let directory = self.directory()?;
        directory.set_profile(&fields).await?;
        let person = person_of(&directory, directory.me(), true).await;
        Ok(Reply::Person { person })
    }

    pub(super) async fn list_contacts(&self, refresh: bool) -> Result<Reply, EngineError> {
        let directory = self.directory()?;
        let list = directory.follow_list(refresh).await?;
        let keys = follows::followed(list.as_ref());
        if refresh {
            for chunk in keys.chunks(AUTHORS_PER_REQUEST) {
                // What cannot be refreshed shows as stored.
                let _ = directory.refresh_profiles(chunk, &[]).await;
            }
        }
        let profiles = directory.profiles(&keys).await;
        let mut contacts = Vec::with_capacity(keys.len());
        for key in &keys {
            let profile = profiles.get(key);
            contacts.push(person(&directory, *key, profile, &keys, false).await);
        }
        Ok(Reply::Contacts {
            contacts,
            known: list.is_some() || directory.follows_checked(),
        })
    }

    pub(super) async fn find_people(&self, query: &str) -> Result<Reply, EngineError> {
        let query = search::parse(query).map_err(|error| invalid_input(Field::Query, error))?;
        let directory = self.directory()?;
        let followed = followed_now(&directory).await;
        match query {
            Query::Name(text) => {
                let mut people = Vec::new();
                for event in directory.find_by_name(&text, &followed).await {
                    people.push(
                        person(&directory, event.pubkey, Some(&event), &followed, false).await,
                    );
                }
                Ok(Reply::Found { people, note: None })
            }
            Query::Key { .. } | Query::Nip05(_) => {
                let (key, hints) = resolve(&directory, query).await?;
                // Not found on the relays: still someone to message or follow.
                let _ = directory.refresh_profiles(&[key], &hints).await;
                let found = person_of(&directory, key, true).await;
                Ok(Reply::Found {
                    people: vec![found],
                    note: None,
                })
            }
            Query::Event { id, author, relays } => {
                let event = directory.event(id, author, &relays).await?.ok_or_else(|| {
                    EngineError::Invalid {
                        field: None,
                        message:
                            "that event was not found on your relays or the relays its code names"
                                .to_owned(),
                    }
                })?;
                let code = Nip19Event::new(event.id)
                    .author(event.pubkey)
                    .kind(event.kind)
                    .relays(relays)
                    .to_bech32()
                    .unwrap_or_else(|_| event.id.to_hex());
                found_event(&directory, &event, code).await
            }
            Query::Coordinate { coordinate, relays } => {
                let event = directory
                    .addressed(&coordinate, &relays)
                    .await?
                    .ok_or_else(|| EngineError::Invalid {
                        field: None,
                        message: "nothing was found at that address (naddr) on your relays or the relays it names".to_owned(),
                    })?;
                let code = Nip19Coordinate::new(coordinate, relays)
                    .to_bech32()
                    .unwrap_or_default();
                found_event(&directory, &event, code).await
            }
        }
    }

    pub(super) async fn get_person(&self, who: &str, refresh: bool) -> Result<Reply, EngineError> {
        let directory = self.directory()?;
        let (key, hints) = resolve(
            &directory,
            search::parse(who).map_err(|error| invalid_input(Field::Person, error))?,
        )
        .await?;
        if refresh {
            // Not reachable: what is stored still shows.
            let _ = directory.refresh_profiles(&[key], &hints).await;
        }
        let person = person_of(&directory, key, refresh).await;
        Ok(Reply::Person { person })
    }

    pub(super) async fn follow(&self, who: &str, follow: bool) -> Result<Reply, EngineError> {
        let directory = self.directory()?;
        let (key, _) = resolve(
            &directory,
            search::parse(who).map_err(|error| invalid_input(Field::Person, error))?,
        )
        .await?;
        directory.follow(key, follow).await?;
        let person = person_of(&directory, key, false).await;
        Ok(Reply::Person { person })
    }

    pub(super) async fn get_names(&self, npubs: &[String]) -> Result<Reply, EngineError> {
        if npubs.len() > MAX_NAMES {
            return Err(EngineError::Invalid {
                field: None,
                message: format!("at most {MAX_NAMES} names at once"),
            });
        }
        let directory = self.directory()?;
        let keys: Vec<PublicKey> = npubs
            .iter()
            .filter_map(|npub| PublicKey::parse(npub.trim()).ok())
            .collect();
        let unasked = directory.not_asked(&keys);
        for chunk in unasked.chunks(AUTHORS_PER_REQUEST) {
            // Unreachable relays leave the npubs to show.
            let _ = directory.refresh_profiles(chunk, &[]).await;
        }
        let names = directory
            .profiles(&keys)
            .await
            .values()
            .filter_map(|event| {
                let name = Profile::from_content(&event.content)
                    .shown_name()?
                    .to_owned();
                Some(PersonName {
                    npub: event.pubkey.to_bech32().ok()?,
                    name: clip(&name, 64),
                })
            })
            .collect();
        Ok(Reply::Names { names })
    }
}

/// The key `query` names, and relays where to look for them: an npub or
/// nprofile as written, a NIP-05 address as its domain says.
async fn resolve(
    directory: &Directory,
    query: Query,
) -> Result<(PublicKey, Vec<nostr::RelayUrl>), EngineError> {
    match query {
        Query::Key { public_key, relays } => Ok((public_key, relays)),
        Query::Nip05(address) => {
            let resolved = directory.nip05.resolve(&address).await.map_err(invalid)?;
            Ok((resolved.public_key, resolved.relays))
        }
        Query::Event { .. } | Query::Coordinate { .. } => Err(EngineError::Invalid {
            field: Some(Field::Person),
            message: "that code points to an event, not a person: paste an npub or nprofile"
                .to_owned(),
        }),
        Query::Name(text) => Err(EngineError::Invalid {
            field: Some(Field::Person),
            message: format!(
                "“{}” is not an npub, an nprofile or a NOSTR address (name@example.com)",
                clip(&text, 40)
            ),
        }),
    }
}

/// A search's answer for an event: a preview, and its author.
async fn found_event(
    directory: &Directory,
    event: &NostrEvent,
    code: String,
) -> Result<Reply, EngineError> {
    let _ = directory.refresh_profiles(&[event.pubkey], &[]).await;
    let author = person_of(directory, event.pubkey, false).await;
    let note = NotePreview {
        code,
        kind: event.kind.as_u16(),
        author: author.npub.clone(),
        preview: clip(event.content.trim(), PREVIEW),
        created_at: event.created_at.as_secs(),
    };
    Ok(Reply::Found {
        people: vec![author],
        note: Some(note),
    })
}

/// Who the user follows, as the stored follow list says.
async fn followed_now(directory: &Directory) -> Vec<PublicKey> {
    follows::followed(directory.stored_follow_list().await.as_ref())
}

/// `key`'s person as stored; its NIP-05 address checked if `check_nip05`.
async fn person_of(directory: &Directory, key: PublicKey, check_nip05: bool) -> Person {
    let followed = followed_now(directory).await;
    let profile = directory.profiles(&[key]).await.remove(&key);
    person(directory, key, profile.as_ref(), &followed, check_nip05).await
}

async fn person(
    directory: &Directory,
    key: PublicKey,
    event: Option<&NostrEvent>,
    followed: &[PublicKey],
    check_nip05: bool,
) -> Person {
    let profile = event
        .map(|event| Profile::from_content(&event.content))
        .unwrap_or_default();
    let nip05 = match &profile.nip05 {
        Some(claimed) => Some(nip05(directory, key, claimed, check_nip05).await),
        None => None,
    };
    let npub = key.to_bech32().unwrap_or_else(|_| key.to_hex());
    let nprofile = Nip19Profile::new(key, directory.relay_hints(key).await)
        .to_bech32()
        .unwrap_or_else(|_| npub.clone());
    Person {
        npub,
        nprofile,
        name: profile.name,
        display_name: profile.display_name,
        about: profile.about,
        picture: profile.picture,
        nip05,
        lud16: profile.lud16,
        followed: followed.contains(&key),
        me: key == directory.me(),
        updated_at: event.map(|event| event.created_at.as_secs()),
    }
}

/// Whether `claimed` names `key`: asked of its domain if `check`, else as
/// known this session.
async fn nip05(directory: &Directory, key: PublicKey, claimed: &str, check: bool) -> Nip05 {
    let Ok(address) = Address::parse(claimed) else {
        return Nip05 {
            address: clip(claimed, 100),
            status: Nip05Status::Mismatch,
        };
    };
    let answer = if check {
        Some(directory.nip05.resolve(&address).await)
    } else {
        directory.nip05.known(&address)
    };
    let status = match answer {
        None => Nip05Status::Unchecked,
        Some(Ok(resolved)) if resolved.public_key == key => Nip05Status::Verified,
        Some(Ok(_) | Err(Nip05Error::NotFound { .. })) => Nip05Status::Mismatch,
        Some(Err(error)) => Nip05Status::Failed {
            reason: error.to_string(),
        },
    };
    Nip05 {
        address: address.shown(),
        status,
    }
}
