//! Profiles and contacts: the user's profile (kind 0), who they follow
//! (kind 3), other people's profiles, NIP-05 addresses, and search.
//!
//! Everything goes through the messaging relay pools (nostr-sdk's `Client`
//! over the profile's event database): what relays send lands in the
//! database, so every read looks there first and asks the relays only to
//! refresh. Lookups ask the user's relays, the relay hints of the code the
//! user pasted, and for one person, the relays their NIP-65 list names;
//! relays that are not the user's are asked through the pool without a
//! signer, so none of them can have the user sign in (NIP-42).
//!
//! - [`metadata`]: reading and editing kind 0 without losing other fields;
//! - [`follows`]: changing kind 3 without losing anyone;
//! - [`nip05`]: checking `name@domain` addresses;
//! - [`search`]: what the search box's text means.

pub mod follows;
pub mod metadata;
pub mod nip05;
pub mod search;

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

use nostr::nips::nip01::Coordinate;
use nostr_sdk::prelude::*;

use crate::events::checked::{self, Clock};
use crate::messaging::connected_in;
use crate::protocol::ProfileFields;
use metadata::EditError;
use nip05::Nip05Cache;

/// How long relays have to answer a lookup.
const FETCH_TIMEOUT: Duration = Duration::from_secs(8);

/// How long a relay named by a hint has to connect.
const HINT_CONNECT_TIMEOUT: Duration = Duration::from_secs(4);

/// The most profiles a name search returns.
const MAX_FOUND: usize = 20;

/// The most kind 0s a name search reads from the database.
const MAX_SCANNED: usize = 5_000;

/// Why a profile or contact operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContactsError {
    #[error("none of your relays is connected: try again in a moment")]
    Offline,
    #[error("your follow list could not be fetched from your relays yet, so changing it now could erase who you follow: try again when a relay is connected")]
    FollowListUnknown,
    #[error("your profile could not be fetched from your relays yet, so saving now could erase what other apps added to it: try again when a relay is connected")]
    ProfileUnknown,
    #[error("the relays could not be used: {0}")]
    Relays(String),
    #[error("no relay accepted the update: {0}")]
    Refused(String),
    #[error("it could not be signed: {0}")]
    Signer(String),
    #[error("the profile's event store failed: {0}")]
    Database(String),
    #[error(transparent)]
    Edit(#[from] EditError),
}

/// This session's view of profiles and contacts, over the messaging pool.
pub struct Directory {
    /// The pool of the user's relays, with the user's signer.
    client: Client,
    /// The pool without a signer, for every other relay.
    strangers: Client,
    me: PublicKey,
    /// The user's relays: where their profile and follow list go.
    relays: Vec<RelayUrl>,
    pub nip05: Nip05Cache,
    /// Whether the relays were asked for the user's follow list (and
    /// profile) this session: only then may a new one replace it.
    follows_checked: Cell<bool>,
    profile_checked: Cell<bool>,
    /// The keys whose profiles were asked of the relays this session, so a
    /// list of names asks only once.
    asked: RefCell<HashSet<PublicKey>>,
    /// Serialises replacing the user's profile and follow list.
    publishing: futures::lock::Mutex<()>,
    /// The engine's clock: events dated ahead of it are nobody's newest.
    clock: Clock,
}

impl Directory {
    pub fn new(
        client: Client,
        strangers: Client,
        me: PublicKey,
        relays: Vec<RelayUrl>,
        clock: Clock,
    ) -> Self {
        Self {
            client,
            strangers,
            me,
            relays,
            nip05: Nip05Cache::default(),
            follows_checked: Cell::new(false),
            profile_checked: Cell::new(false),
            asked: RefCell::default(),
            publishing: futures::lock::Mutex::new(()),
            clock,
        }
    }

    pub fn me(&self) -> PublicKey {
        self.me
    }

    /// The user's relays.
    pub fn relays(&self) -> &[RelayUrl] {
        &self.relays
    }

    /// Now, by the engine's clock.
    fn now(&self) -> Timestamp {
        checked::now(&self.clock)
    }

    /// The newest event of `kind` by `author` in the database (see
    /// [`checked::newest`]).
    pub async fn newest(&self, author: PublicKey, kind: Kind) -> Option<Event> {
        let filter = Filter::new().author(author).kind(kind);
        let events = self.client.database().query(filter).await.ok()?;
        checked::newest(events.iter(), &author, kind, self.now()).cloned()
    }

    /// The newest profiles of `authors` in the database.
    pub async fn profiles(&self, authors: &[PublicKey]) -> HashMap<PublicKey, Event> {
        if authors.is_empty() {
            return HashMap::new();
        }
        let filter = Filter::new()
            .authors(authors.iter().copied())
            .kind(Kind::Metadata);
        let Ok(events) = self.client.database().query(filter).await else {
            return HashMap::new();
        };
        let mut by_author: HashMap<PublicKey, Vec<Event>> = HashMap::with_capacity(authors.len());
        for event in events {
            by_author.entry(event.pubkey).or_default().push(event);
        }
        let now = self.now();
        by_author
            .into_iter()
            .filter_map(|(author, events)| {
                let newest = checked::newest(&events, &author, Kind::Metadata, now)?;
                Some((author, newest.clone()))
            })
            .collect()
    }

    /// Asks the user's relays and `hints` for what `filter` names; what
    /// they send lands in the database. Fails when no relay could be asked.
    ///
    /// Not through nostr-sdk's gossip routing: it sends a filter only to
    /// the relays it has seen for the authors, hints in someone's follow
    /// list included, and not to the user's own relays once it knows any;
    /// a stale hint would then hide a profile the user's relays hold.
    /// [`Directory::refresh_profiles`] asks a person's own relays itself.
    pub async fn fetch(&self, filter: Filter, hints: &[RelayUrl]) -> Result<(), ContactsError> {
        let own = connected_in(&self.client, &self.relays).await;
        let others: Vec<RelayUrl> = hints
            .iter()
            .filter(|url| !self.relays.contains(url))
            .cloned()
            .collect();
        let others = self.connect_hints(&others).await;
        if own.is_empty() && others.is_empty() {
            return Err(ContactsError::Offline);
        }
        let ask = |pool: &Client, urls: Vec<RelayUrl>| {
            let (pool, filter) = (pool.clone(), filter.clone());
            async move {
                if urls.is_empty() {
                    return None;
                }
                Some(pool.fetch_events_from(urls, filter, FETCH_TIMEOUT).await)
            }
        };
        let (mine, theirs) = futures::join!(ask(&self.client, own), ask(&self.strangers, others));
        match (mine, theirs) {
            (Some(Ok(_)), _) | (_, Some(Ok(_))) => Ok(()),
            (Some(Err(error)), _) | (_, Some(Err(error))) => {
                Err(ContactsError::Relays(error.to_string()))
            }
            (None, None) => Err(ContactsError::Offline),
        }
    }

    /// Of `hints`, relays that are not the user's, those connected in the
    /// strangers' pool, after trying to connect each.
    async fn connect_hints(&self, hints: &[RelayUrl]) -> Vec<RelayUrl> {
        // All at once: each may take its whole connection timeout.
        let tries = hints.iter().map(|url| async move {
            if self.strangers.add_relay(url).await.unwrap_or(false) {
                let _ = self
                    .strangers
                    .try_connect_relay(url, HINT_CONNECT_TIMEOUT)
                    .await;
            }
            let connected = self
                .strangers
                .relay(url)
                .await
                .is_ok_and(|relay| relay.is_connected());
            connected.then(|| url.clone())
        });
        futures::future::join_all(tries)
            .await
            .into_iter()
            .flatten()
            .collect()
    }

    /// Refreshes the profiles (and relay lists, for sharing) of `authors`
    /// from the relays.
    pub async fn refresh_profiles(
        &self,
        authors: &[PublicKey],
        hints: &[RelayUrl],
    ) -> Result<(), ContactsError> {
        if authors.is_empty() {
            return Ok(());
        }
        let filter = Filter::new()
            .authors(authors.iter().copied())
            .kinds([Kind::Metadata, Kind::RelayList]);
        let mut fetched = self.fetch(filter.clone(), hints).await;
        // One person (a contact page, a search): also where they say they
        // publish (NIP-65), as their relay list just fetched says.
        if let [author] = authors {
            let theirs: Vec<RelayUrl> = self
                .write_relays(*author)
                .await
                .into_iter()
                .filter(|url| !self.relays.contains(url) && !hints.contains(url))
                .take(3)
                .collect();
            if !theirs.is_empty() {
                let outbox = self.fetch(filter, &theirs).await;
                fetched = fetched.or(outbox);
            }
        }
        if fetched.is_ok() {
            self.asked.borrow_mut().extend(authors.iter().copied());
            if authors.contains(&self.me) {
                self.profile_checked.set(true);
            }
        }
        fetched
    }

    /// Of `authors`, those whose profiles were not asked of the relays yet
    /// this session.
    pub fn not_asked(&self, authors: &[PublicKey]) -> Vec<PublicKey> {
        let asked = self.asked.borrow();
        authors
            .iter()
            .filter(|key| !asked.contains(*key))
            .copied()
            .collect()
    }

    /// The user's newest follow list: from the relays first if `refresh`,
    /// else as stored. Fails only when nothing is stored and the relays
    /// could not be asked.
    pub async fn follow_list(&self, refresh: bool) -> Result<Option<Event>, ContactsError> {
        let mut failure = None;
        if refresh {
            let filter = Filter::new().author(self.me).kind(Kind::ContactList);
            match self.fetch(filter, &[]).await {
                Ok(()) => self.follows_checked.set(true),
                Err(error) => failure = Some(error),
            }
        }
        match (self.newest(self.me, Kind::ContactList).await, failure) {
            (None, Some(error)) => Err(error),
            (stored, _) => Ok(stored),
        }
    }

    /// Whether the relays answered about the user's follow list this
    /// session: with none found, the user follows nobody yet.
    pub fn follows_checked(&self) -> bool {
        self.follows_checked.get()
    }

    /// The user's follow list as stored, without asking the relays.
    pub async fn stored_follow_list(&self) -> Option<Event> {
        self.newest(self.me, Kind::ContactList).await
    }

    /// Follows (or unfollows) `who`: a new follow list, built from the
    /// newest one the relays have, goes to the user's relays. Refused when
    /// the relays could not be asked for it this session.
    pub async fn follow(&self, who: PublicKey, follow: bool) -> Result<(), ContactsError> {
        // Two changes at once would each start from the same list, and the
        // second would undo the first.
        let _publishing = self.publishing.lock().await;
        let filter = Filter::new().author(self.me).kind(Kind::ContactList);
        // Always asked again: another device may have changed it since.
        match self.fetch(filter, &[]).await {
            Ok(()) => self.follows_checked.set(true),
            Err(_) if self.follows_checked.get() => {}
            Err(ContactsError::Offline) => return Err(ContactsError::Offline),
            Err(_) => return Err(ContactsError::FollowListUnknown),
        }
        let previous = self.newest(self.me, Kind::ContactList).await;
        let Some(next) = follows::changed(previous.as_ref(), who, follow, Timestamp::now()) else {
            return Ok(());
        };
        self.publish(next).await
    }

    /// Publishes the user's profile with `edit` applied to the newest one
    /// the relays have, keeping every field the app does not edit.
    pub async fn set_profile(&self, edit: &ProfileFields) -> Result<Event, ContactsError> {
        // Checked before asking anyone: a bad field is the user's to fix.
        metadata::edited_content(None, edit)?;
        let _publishing = self.publishing.lock().await;
        match self.refresh_profiles(&[self.me], &[]).await {
            Ok(()) => {}
            Err(_) if self.profile_checked.get() => {}
            Err(ContactsError::Offline) => return Err(ContactsError::Offline),
            Err(_) => return Err(ContactsError::ProfileUnknown),
        }
        let previous = self.newest(self.me, Kind::Metadata).await;
        let content =
            metadata::edited_content(previous.as_ref().map(|e| e.content.as_str()), edit)?;
        let builder = EventBuilder::new(Kind::Metadata, content)
            .custom_created_at(follows::after(previous.as_ref(), Timestamp::now()));
        self.publish(builder).await?;
        self.newest(self.me, Kind::Metadata)
            .await
            .ok_or_else(|| ContactsError::Database("the new profile was not kept".to_owned()))
    }

    /// Signs `builder` and sends it to the user's connected relays; at least
    /// one must take it. The database keeps it either way.
    async fn publish(&self, builder: EventBuilder) -> Result<(), ContactsError> {
        let connected = connected_in(&self.client, &self.relays).await;
        if connected.is_empty() {
            return Err(ContactsError::Offline);
        }
        let event = self
            .client
            .sign_event_builder(builder)
            .await
            .map_err(|error| ContactsError::Signer(error.to_string()))?;
        let sent = self
            .client
            .send_event_to(&connected, &event)
            .await
            .map_err(|error| ContactsError::Relays(error.to_string()))?;
        if sent.success.is_empty() {
            let reasons: Vec<String> = sent.failed.values().cloned().collect();
            return Err(ContactsError::Refused(reasons.join("; ")));
        }
        self.client
            .database()
            .save_event(&event)
            .await
            .map_err(|error| ContactsError::Database(error.to_string()))?;
        Ok(())
    }

    /// Profiles in the database whose name, display name or NIP-05 address
    /// contains every word of `text`, case aside; followed people first.
    pub async fn find_by_name(&self, text: &str, followed: &[PublicKey]) -> Vec<Event> {
        let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
        if words.is_empty() {
            return Vec::new();
        }
        let filter = Filter::new().kind(Kind::Metadata).limit(MAX_SCANNED);
        let Ok(events) = self.client.database().query(filter).await else {
            return Vec::new();
        };
        let now = self.now();
        let mut found: Vec<Event> = Vec::new();
        // Verified when they arrived; one dated ahead is nobody's newest.
        for event in events
            .into_iter()
            .filter(|event| checked::not_ahead(event, now))
        {
            let profile = metadata::Profile::from_content(&event.content);
            let haystack = [&profile.name, &profile.display_name, &profile.nip05]
                .into_iter()
                .flatten()
                .map(|field| field.to_lowercase())
                .collect::<Vec<_>>()
                .join(" ");
            if !words.iter().all(|word| haystack.contains(word.as_str())) {
                continue;
            }
            match found.iter_mut().find(|kept| kept.pubkey == event.pubkey) {
                Some(kept) if kept.created_at < event.created_at => *kept = event,
                Some(_) => {}
                None => found.push(event),
            }
        }
        found.sort_by_key(|event| (!followed.contains(&event.pubkey), event.pubkey != self.me));
        found.truncate(MAX_FOUND);
        found
    }

    /// The event `id` names: from the database, else from the relays.
    pub async fn event(
        &self,
        id: EventId,
        author: Option<PublicKey>,
        hints: &[RelayUrl],
    ) -> Result<Option<Event>, ContactsError> {
        if let Ok(Some(event)) = self.client.database().event_by_id(&id).await {
            return Ok(Some(event));
        }
        let mut filter = Filter::new().id(id);
        if let Some(author) = author {
            filter = filter.author(author);
        }
        self.fetch(filter, hints).await?;
        Ok(self.client.database().event_by_id(&id).await.ok().flatten())
    }

    /// The newest event at `coordinate`: from the relays, else as stored.
    pub async fn addressed(
        &self,
        coordinate: &Coordinate,
        hints: &[RelayUrl],
    ) -> Result<Option<Event>, ContactsError> {
        // Not `Filter::coordinate`: that asks for events that *mention* it.
        let filter = Filter::new()
            .kind(coordinate.kind)
            .author(coordinate.public_key)
            .identifier(coordinate.identifier.clone());
        let fetched = self.fetch(filter.clone(), hints).await;
        let events = self
            .client
            .database()
            .query(filter)
            .await
            .map_err(|error| ContactsError::Database(error.to_string()))?;
        let newest = checked::newest(
            events.iter(),
            &coordinate.public_key,
            coordinate.kind,
            self.now(),
        )
        .cloned();
        match (newest, fetched) {
            (Some(event), _) => Ok(Some(event)),
            (None, Ok(())) => Ok(None),
            (None, Err(error)) => Err(error),
        }
    }

    /// Where `who` says they publish: the write relays of their newest
    /// NIP-65 list in the database.
    async fn write_relays(&self, who: PublicKey) -> Vec<RelayUrl> {
        match self.newest(who, Kind::RelayList).await {
            Some(list) => nip65::extract_relay_list(&list)
                .filter(|(_, metadata)| !matches!(metadata, Some(RelayMetadata::Read)))
                .map(|(url, _)| url.clone())
                .collect(),
            None => Vec::new(),
        }
    }

    /// Where `who` publishes, as their newest NIP-65 list in the database
    /// says (at most three), else the user's relays, where they were found.
    pub async fn relay_hints(&self, who: PublicKey) -> Vec<RelayUrl> {
        let listed: Vec<RelayUrl> = self.write_relays(who).await.into_iter().take(3).collect();
        if listed.is_empty() {
            self.relays.iter().take(3).cloned().collect()
        } else {
            listed
        }
    }
}
