//! Private messages: NIP-17 (gift-wrapped, sealed with NIP-44, sent only
//! to each recipient's inbox relays) both ways, and NIP-04 (kind 4) read.
//!
//! The relay pools are nostr-sdk's `Client`s over the profile's event
//! database, without gossip routing: every request and event goes to relays
//! named for it (the user's own, or a recipient's inbox through the pool
//! without a signer), never to relays nostr-sdk picked from other people's
//! lists, which would join the signing pool and could ask the user to sign
//! in, or learn who talks to whom. Everything relays send that verifies is kept in the
//! database as it came, so private messages are kept as gift wraps, still
//! encrypted. Each wrap is opened once, when it arrives: what the
//! conversation list needs, and where each message's wrap is, go into the
//! sealed index (see [`history`]); a page of a conversation opens only its
//! own wraps again. A wrap that does not open is deleted from the database,
//! which then refuses it for good ([`Messenger::forget`]).

pub mod at_rest;
pub mod dropped;
pub mod history;
pub mod outbox;
pub mod relays;
pub mod room;

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use nostr::nips::nip44::{
    self,
    v2::{self as nip44_v2, ConversationKey},
};
use nostr_sdk::prelude::*;
use tokio::sync::broadcast;

use crate::events::checked::{self, Clock};
use crate::relays::status::{Failures, RecordingTransport, RelayWatch};
use crate::relays::RelayList;
use dropped::{CountingPolicy, CountingTransport, Drops};
use outbox::Sealed;
use room::Room;

/// Why a message could not be sent or the relays not reached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessagingError {
    #[error("{npub} has not said where to receive private messages (no NIP-17 inbox relays): they may not use a NIP-17 client yet")]
    NoInbox { npub: String },
    #[error("the relays could not be used: {0}")]
    Relays(String),
    #[error("the message could not be sealed: {0}")]
    Signer(String),
}

/// Why an event holds no private message for the user: an outcome the
/// engine acts on, never shown, so not an error of this module's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unopened {
    /// It does not open, or holds no NIP-17 message from its seal's author:
    /// junk, a forgery, or not for the user. It never will.
    Junk,
    /// The signer did not answer (an extension closed, a remote signer
    /// away): it may open in a later session.
    SignerUnavailable,
}

/// A private message, read from either side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateMessage {
    /// The conversation: the author and the people it was written to.
    pub room: Room,
    pub author: PublicKey,
    pub from_me: bool,
    pub text: String,
    /// The group's name from this message on (NIP-17 `subject`).
    pub subject: Option<String>,
    /// Seconds since the Unix epoch, as the author wrote it.
    pub created_at: u64,
    /// The rumor's id (NIP-17) or the event's (NIP-04): the same message
    /// seen twice is one message.
    pub id: EventId,
    /// NIP-04: who wrote to whom, and when, is public.
    pub legacy: bool,
}

/// How a delivery attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `accepted` of the recipients' `tried` inbox relays took it.
    Sent { accepted: usize, tried: usize },
    /// No relay could be reached: try again when one can.
    Unreachable,
    /// Relays answered, and none took it; or a recipient has no inbox.
    Refused(String),
}

impl Outcome {
    /// A message's outcome from its recipients': sent when every one got
    /// it; refused when any refused (the user decides to retry); else
    /// waiting for relays.
    fn of_all(outcomes: Vec<Outcome>) -> Outcome {
        let mut all = Outcome::Sent {
            accepted: 0,
            tried: 0,
        };
        let mut refusals = Vec::new();
        for outcome in outcomes {
            match (outcome, &mut all) {
                (Outcome::Refused(reason), _) => refusals.push(reason),
                (Outcome::Unreachable, _) => all = Outcome::Unreachable,
                (
                    Outcome::Sent { accepted, tried },
                    Outcome::Sent {
                        accepted: a,
                        tried: t,
                    },
                ) => {
                    *a += accepted;
                    *t += tried;
                }
                (Outcome::Sent { .. }, _) => {}
            }
        }
        if refusals.is_empty() {
            all
        } else {
            refusals.dedup();
            Outcome::Refused(refusals.join("; "))
        }
    }
}

/// How long to look for someone's relay lists before giving up.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a recipient's relay that the user does not use has to connect.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// NIP-59 dates gift wraps up to two days in the past, so one received
/// after the newest stored can be dated that much before it.
const GIFT_WRAP_BACKDATING: u64 = 2 * 24 * 60 * 60;

/// The one subscription for the user's private messages, on each relay.
const SUBSCRIPTION: &str = "flash-dms";

/// Relay status changes queued for the messaging loop: a few per relay.
const MONITOR_CHANNEL: usize = 256;

/// The largest private-message event read: a NIP-44 payload holds at most
/// 65,535 bytes, so the biggest real gift wrap (a seal of a sealed rumor)
/// is about 88 KiB of base64 plus its tags. Anyone can send the user kind
/// 1059, so anything larger is refused before it is stored or opened.
const MAX_PRIVATE_EVENT: u32 = 96 * 1024;

/// The largest relay message read at all: a follow list of 10,000 people
/// is about 750 KiB; nostr-sdk's default is 5 MB.
const MAX_RELAY_MESSAGE: u32 = 1024 * 1024;

/// The user's connection to their relays, for private messages.
pub struct Messenger {
    /// The pool of the user's own relays, with the user's signer: the only
    /// relays that may have the user sign a NIP-42 sign-in.
    client: Client,
    /// The pool of relays that are not the user's (recipients' inboxes,
    /// hints in pasted codes), without a signer: a sign-in there would tie
    /// the user's key to the wraps just sent, and prompt extension users.
    strangers: Client,
    me: PublicKey,
    /// The user's relays, read (their inbox) and write.
    relays: RefCell<RelayList>,
    /// The user's relay lists (NIP-17 inbox, NIP-65), signed when the list
    /// changes and given to each of their relays as it connects.
    lists: RefCell<Vec<Event>>,
    /// Why each relay could not be reached, if it could not.
    failures: Arc<Failures>,
    /// Each of the user's relays in the pool, followed.
    watches: RefCell<HashMap<RelayUrl, RelayWatch>>,
    /// Whether the relay list published elsewhere was looked for.
    relays_settled: Cell<bool>,
    /// The relay list adopted or made the user's own, for the vault.
    settled_relays: RefCell<Option<RelayList>>,
    opener: Opener,
    /// Each recipient's inbox relays, looked up once a session.
    inboxes: RefCell<HashMap<PublicKey, Vec<RelayUrl>>>,
    drops: Arc<Drops>,
    /// The engine's clock, which what relays send is dated against.
    clock: Clock,
}

impl Messenger {
    /// Prepares the relay pool over `database` and signs the user's relay
    /// lists. Nothing touches the network until [`Messenger::connect`].
    /// `keys`, when the user's own key is at hand, lets gift wraps open
    /// faster (see [`Opener`]).
    ///
    /// The pool keeps only events that match the filter of the request
    /// they answer (nostr-sdk's `verify_subscriptions`: a relay asked for
    /// one key's lists cannot slip in another's), and refuses those dated
    /// ahead of `clock` (see [`CountingPolicy`]).
    pub async fn start(
        signer: Arc<dyn NostrSigner>,
        keys: Option<Keys>,
        me: PublicKey,
        relays: RelayList,
        database: Arc<dyn NostrDatabase>,
        clock: Clock,
    ) -> Result<Self, MessagingError> {
        let drops = Arc::new(Drops::default());
        let failures = Arc::new(Failures::default());
        // Both pools keep what they fetch in the one database, and check
        // what relays send alike.
        let pool = || {
            Client::builder()
                .database(Arc::clone(&database))
                .websocket_transport(RecordingTransport {
                    inner: CountingTransport(Arc::clone(&drops)),
                    failures: Arc::clone(&failures),
                })
                .admit_policy(CountingPolicy {
                    drops: Arc::clone(&drops),
                    clock: Arc::clone(&clock),
                })
                .opts(
                    ClientOptions::new()
                        .verify_subscriptions(true)
                        .relay_limits(relay_limits()),
                )
        };
        let client = pool()
            .signer(Arc::clone(&signer))
            .monitor(Monitor::new(MONITOR_CHANNEL))
            .build();
        let strangers = pool().build();
        let opener = Opener {
            signer,
            own: keys
                .filter(|keys| keys.public_key() == me)
                .map(|keys| (keys, RefCell::default())),
            answered: Cell::new(false),
        };
        let messenger = Self {
            client,
            strangers,
            me,
            relays: RefCell::default(),
            lists: RefCell::default(),
            failures,
            watches: RefCell::default(),
            relays_settled: Cell::new(false),
            settled_relays: RefCell::default(),
            opener,
            inboxes: RefCell::default(),
            drops,
            clock,
        };
        // Connected with the others by `connect`.
        messenger.apply_relays(relays, false).await?;
        Ok(messenger)
    }

    /// Everything the relays send from now on; [`Messenger::open`] reads
    /// the events among it.
    pub fn notifications(&self) -> broadcast::Receiver<RelayPoolNotification> {
        self.client.notifications()
    }

    /// Every relay's status changes from now on.
    pub fn statuses(&self) -> broadcast::Receiver<MonitorNotification> {
        match self.client.monitor() {
            Some(monitor) => monitor.subscribe(),
            // Built with a monitor above; a closed channel otherwise.
            None => broadcast::channel(1).1,
        }
    }

    /// Starts connecting to the user's relays, and keeps reconnecting them.
    pub async fn connect(&self) {
        self.client.connect().await;
    }

    /// The relay pool, over the profile's event database, for what else
    /// uses the user's relays (profiles and contacts).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The pool without a signer, for relays that are not the user's.
    pub fn strangers(&self) -> &Client {
        &self.strangers
    }

    /// Who the user is.
    pub fn me(&self) -> PublicKey {
        self.me
    }

    /// The engine's clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Now, by the engine's clock.
    fn now(&self) -> Timestamp {
        checked::now(&self.clock)
    }

    /// The user's relays.
    pub fn relays(&self) -> Vec<RelayUrl> {
        self.relays.borrow().urls()
    }

    /// The user's relays connected right now.
    pub async fn connected(&self) -> Vec<RelayUrl> {
        connected_in(&self.client, &self.relays()).await
    }

    /// How many events the relays sent that failed verification or could
    /// not be read, and were dropped.
    pub fn dropped(&self) -> u64 {
        self.drops.count()
    }

    /// The private-message events in the event database from `since` on,
    /// but those in `known` (already opened).
    pub async fn stored_except(
        &self,
        known: &HashSet<EventId>,
        since: Option<Timestamp>,
    ) -> Vec<Event> {
        let mut unknown = Vec::new();
        for filter in dm_filters(self.me, since) {
            // An unreadable database leaves the history to the relays.
            let Ok(events) = self.client.database().query(filter).await else {
                continue;
            };
            unknown.extend(
                events
                    .into_iter()
                    .filter(|event| !known.contains(&event.id)),
            );
        }
        unknown
    }

    /// The stored events of `ids` (a page's wraps), those still there.
    pub async fn stored(&self, ids: Vec<EventId>) -> Vec<Event> {
        if ids.is_empty() {
            return Vec::new();
        }
        let filter = Filter::new().ids(ids);
        match self.client.database().query(filter).await {
            Ok(events) => events.into_iter().collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Deletes `ids` from the event database (wraps that do not open,
    /// strangers' wraps over their quota). The database remembers what it
    /// deleted and refuses it if a relay sends it again, and the pool drops
    /// it unread: it is never opened again.
    pub async fn forget(&self, ids: Vec<EventId>) -> Result<(), MessagingError> {
        if ids.is_empty() {
            return Ok(());
        }
        self.client
            .database()
            .delete(Filter::new().ids(ids))
            .await
            .map_err(relays_error)
    }

    /// Makes `url`, one of the user's relays that just connected, ready
    /// for messages: subscribes to the user's private messages from where
    /// the event database leaves off if the user reads there, and gives it
    /// the user's relay lists.
    pub async fn use_relay(&self, url: &RelayUrl) -> Result<(), MessagingError> {
        self.settle_relays(url).await;
        if self.relays.borrow().is_read(url) {
            self.subscribe(url).await?;
        }
        for list in &self.lists_to_give() {
            // A relay that refuses the lists still carries messages.
            let _ = self.client.send_event_to([url], list).await;
        }
        Ok(())
    }

    /// Subscribes to the user's private messages on `url`, from where the
    /// event database leaves off, and never from later than now: a
    /// subscription from the future would bring no live message.
    async fn subscribe(&self, url: &RelayUrl) -> Result<(), MessagingError> {
        let since = self.recent().await;
        self.client
            .pool()
            .subscribe_with_id_to(
                [url],
                SubscriptionId::new(SUBSCRIPTION),
                dm_filters(self.me, since),
                SubscribeOptions::default(),
            )
            .await
            .map(drop)
            .map_err(relays_error)
    }

    /// Fetches from `url` the private messages the event database lacks,
    /// however old, by negentropy (NIP-77) where the relay supports it: a
    /// subscription reaches back only to the newest stored message, and
    /// relays cap what one request returns (a new device would see only
    /// the latest few hundred). What arrives comes as notifications, like
    /// live messages. A relay without NIP-77 refuses, and the subscription
    /// alone serves.
    pub async fn catch_up(&self, url: &RelayUrl) {
        let down = SyncOptions::default().direction(SyncDirection::Down);
        for filter in dm_filters(self.me, None) {
            if self.client.sync_with([url], filter, &down).await.is_err() {
                return;
            }
        }
    }

    /// Where recent private messages start: as far before the newest
    /// stored as a wrap received after it can be dated, and never later
    /// than now. `None` with none stored.
    pub async fn recent(&self) -> Option<Timestamp> {
        let now = self.now();
        self.newest_stored(now).await.map(|newest| {
            let since = newest.as_secs().saturating_sub(GIFT_WRAP_BACKDATING);
            Timestamp::from_secs(since.min(now.as_secs()))
        })
    }

    /// When the newest private message stored was dated, of those not
    /// dated ahead of `now`: one the pool refuses today may have been kept
    /// before it did.
    async fn newest_stored(&self, now: Timestamp) -> Option<Timestamp> {
        let mut newest = None;
        for filter in dm_filters(self.me, None) {
            let filter = filter.until(checked::latest(now)).limit(1);
            let latest = self.client.database().query(filter).await.ok();
            let dated = latest.and_then(|events| events.first().map(|event| event.created_at));
            newest = newest.max(dated);
        }
        newest
    }

    /// Seals `text` for everyone in `room`, and a copy for the user,
    /// around one rumor, so its id names the message on every side.
    /// `subject` names the group from this message on. Needs only the
    /// signer.
    pub async fn seal(
        &self,
        room: Room,
        text: &str,
        subject: Option<&str>,
    ) -> Result<(PrivateMessage, Sealed), MessagingError> {
        let signer = self.client.signer().await.map_err(signer_error)?;
        let tags =
            room.members()
                .iter()
                .map(|member| Tag::public_key(*member))
                .chain(subject.map(|subject| {
                    Tag::from_standardized(TagStandard::Subject(subject.to_owned()))
                }));
        let mut rumor = EventBuilder::new(Kind::PrivateDirectMessage, text)
            .tags(tags)
            .build(self.me);
        let id = rumor.id();
        let created_at = rumor.created_at.as_secs();
        let mut for_them = Vec::with_capacity(room.members().len());
        for member in room.members() {
            let wrap = EventBuilder::gift_wrap(&signer, member, rumor.clone(), [])
                .await
                .map_err(signer_error)?;
            for_them.push(wrap);
        }
        let for_me = EventBuilder::gift_wrap(&signer, &self.me, rumor, [])
            .await
            .map_err(signer_error)?;
        let message = PrivateMessage {
            room,
            author: self.me,
            from_me: true,
            text: text.to_owned(),
            subject: subject.map(str::to_owned),
            created_at,
            id,
            legacy: false,
        };
        let sealed = Sealed {
            for_them,
            for_me,
            failed: None,
        };
        Ok((message, sealed))
    }

    /// Puts the user's copy of a sealed message in the event database,
    /// where the history finds it.
    pub async fn keep(&self, sealed: &Sealed) -> Result<(), MessagingError> {
        self.client
            .database()
            .save_event(&sealed.for_me)
            .await
            .map(drop)
            .map_err(relays_error)
    }

    /// Tries to hand a sealed message to each recipient's inbox relays,
    /// then the user's copy to the user's relays. Resending one that some
    /// recipients already have is harmless: relays and clients know a
    /// gift wrap, and a message, by its id.
    pub async fn deliver(&self, sealed: &Sealed) -> Outcome {
        // Without a relay, not even the recipients' inboxes can be looked up.
        if self.connected().await.is_empty() {
            return Outcome::Unreachable;
        }
        let mut outcomes = Vec::with_capacity(sealed.for_them.len());
        for wrap in &sealed.for_them {
            outcomes.push(self.deliver_wrap(wrap).await);
        }
        let outcome = Outcome::of_all(outcomes);
        if matches!(outcome, Outcome::Sent { .. }) {
            let mine = self.connected().await;
            if !mine.is_empty() {
                // The copy is for the user's other devices: this one has it.
                let _ = self.client.send_event_to(&mine, &sealed.for_me).await;
            }
        }
        outcome
    }

    /// Hands one gift wrap to its recipient's inbox relays.
    async fn deliver_wrap(&self, wrap: &Event) -> Outcome {
        let Some(to) = wrap.tags.public_keys().next().copied() else {
            return Outcome::Refused("the message names no recipient".to_owned());
        };
        let theirs = match self.inbox_relays(to).await {
            Ok(theirs) => theirs,
            Err(error @ MessagingError::NoInbox { .. }) => {
                return Outcome::Refused(error.to_string())
            }
            Err(_) => return Outcome::Unreachable,
        };
        // The user's own relays among theirs are used as they are; the
        // others only through the pool without a signer.
        let mine = self.relays();
        let (own, foreign): (Vec<RelayUrl>, Vec<RelayUrl>) =
            theirs.iter().cloned().partition(|url| mine.contains(url));
        let own = connected_in(&self.client, &own).await;
        let foreign = self.reachable(&foreign).await;
        if own.is_empty() && foreign.is_empty() {
            return Outcome::Unreachable;
        }
        let mut accepted = 0;
        let mut reasons = Vec::new();
        for (pool, urls) in [(&self.client, &own), (&self.strangers, &foreign)] {
            if urls.is_empty() {
                continue;
            }
            if let Ok(sent) = pool.send_event_to(urls, wrap).await {
                accepted += sent.success.len();
                reasons.extend(sent.failed.into_values());
            }
        }
        if accepted == 0 {
            // A relay still connected answered no; one that went away may
            // take it when it is back.
            let answered = !connected_in(&self.client, &own).await.is_empty()
                || !connected_in(&self.strangers, &foreign).await.is_empty();
            if !answered || reasons.is_empty() {
                return Outcome::Unreachable;
            }
            return Outcome::Refused(format!(
                "no relay accepted the message: {}",
                reasons.join("; ")
            ));
        }
        Outcome::Sent {
            accepted,
            tried: theirs.len(),
        }
    }

    /// Of `urls`, relays that are not the user's, those connected in the
    /// strangers' pool, after trying to connect them.
    async fn reachable(&self, urls: &[RelayUrl]) -> Vec<RelayUrl> {
        let mut reachable = Vec::with_capacity(urls.len());
        for url in urls {
            if self.strangers.add_relay(url).await.unwrap_or(false) {
                // Not connecting leaves it out, below.
                let _ = self.strangers.try_connect_relay(url, CONNECT_TIMEOUT).await;
            }
            let relay = self.strangers.relay(url).await;
            if relay.is_ok_and(|relay| relay.is_connected()) {
                reachable.push(url.clone());
            }
        }
        reachable
    }

    /// Where `who` receives private messages: their NIP-17 inbox relays
    /// (kind 10050), else the read relays of their NIP-65 list, as the
    /// user's connected relays hold them. Looked up once a session: relay
    /// lists rarely change, and a lookup waits on every relay asked.
    async fn inbox_relays(&self, who: PublicKey) -> Result<Vec<RelayUrl>, MessagingError> {
        if let Some(known) = self.inboxes.borrow().get(&who) {
            return Ok(known.clone());
        }
        let filter = Filter::new()
            .author(who)
            .kinds([Kind::InboxRelays, Kind::RelayList]);
        let lists = self
            .client
            .fetch_events_from(self.connected().await, filter, LOOKUP_TIMEOUT)
            .await
            .map_err(relays_error)?;
        let now = self.now();
        // Whatever a relay answered: the newest by `who`, verified.
        let newest = |kind: Kind| checked::newest(lists.iter(), &who, kind, now);
        let mut inbox: Vec<RelayUrl> = newest(Kind::InboxRelays)
            .map(|event| nip17::extract_relay_list(event).cloned().collect())
            .unwrap_or_default();
        if inbox.is_empty() {
            inbox = newest(Kind::RelayList)
                .map(|event| {
                    nip65::extract_relay_list(event)
                        .filter(|(_, metadata)| !matches!(metadata, Some(RelayMetadata::Write)))
                        .map(|(url, _)| url.clone())
                        .collect()
                })
                .unwrap_or_default();
        }
        if inbox.is_empty() {
            return Err(MessagingError::NoInbox {
                npub: who.to_bech32().unwrap_or_else(|_| who.to_hex()),
            });
        }
        self.inboxes.borrow_mut().insert(who, inbox.clone());
        Ok(inbox)
    }

    /// The private message `event` holds for the user: a NIP-17 gift wrap
    /// that unwraps and verifies, or a NIP-04 message that decrypts.
    pub async fn open(&self, event: &Event) -> Result<PrivateMessage, Unopened> {
        match event.kind {
            Kind::GiftWrap => self.open_gift_wrap(event).await,
            Kind::EncryptedDirectMessage => self.open_nip04(event).await,
            _ => Err(Unopened::Junk),
        }
    }

    async fn open_gift_wrap(&self, gift_wrap: &Event) -> Result<PrivateMessage, Unopened> {
        let UnwrappedGift { sender, mut rumor } = self.opener.unwrap(gift_wrap).await?;
        if rumor.kind != Kind::PrivateDirectMessage {
            return Err(Unopened::Junk);
        }
        let recipients = rumor.tags.public_keys().copied();
        let room = Room::new(self.me, recipients.chain([sender]));
        let subject = rumor
            .tags
            .find(TagKind::Subject)
            .and_then(Tag::content)
            .map(str::to_owned);
        let id = rumor.id();
        Ok(PrivateMessage {
            room,
            author: sender,
            from_me: sender == self.me,
            text: rumor.content,
            subject,
            created_at: rumor.created_at.as_secs(),
            id,
            legacy: false,
        })
    }

    /// A NIP-04 message, to or from the user. Its signature was verified
    /// when it arrived.
    async fn open_nip04(&self, event: &Event) -> Result<PrivateMessage, Unopened> {
        let from_me = event.pubkey == self.me;
        let peer = if from_me {
            event
                .tags
                .public_keys()
                .next()
                .copied()
                .ok_or(Unopened::Junk)?
        } else {
            if !event.tags.public_keys().any(|key| *key == self.me) {
                return Err(Unopened::Junk);
            }
            event.pubkey
        };
        let text = self
            .opener
            .signer
            .nip04_decrypt(&peer, &event.content)
            .await;
        let text = self.opener.answered(text)?;
        Ok(PrivateMessage {
            room: Room::new(self.me, [peer]),
            author: event.pubkey,
            from_me,
            text,
            subject: None,
            created_at: event.created_at.as_secs(),
            id: event.id,
            legacy: true,
        })
    }

    /// Disconnects from every relay.
    pub async fn stop(&self) {
        self.client.shutdown().await;
        self.strangers.shutdown().await;
    }
}

/// Opens gift wraps (NIP-59): the wrap, then the seal inside it.
///
/// With the user's own key at hand, both layers are opened here: the
/// NIP-44 conversation key between the user and each seal's author (their
/// correspondent) is derived once and kept for the session, so opening a
/// seal costs no key agreement: one of the two per message. The wrap's key
/// is new for every wrap, so there is nothing to keep there. A remote
/// signer or an extension keeps the key to itself, so each layer is a
/// request to it.
struct Opener {
    signer: Arc<dyn NostrSigner>,
    own: Option<(Keys, RefCell<HashMap<PublicKey, ConversationKey>>)>,
    /// Whether the signer has decrypted anything this session: once it
    /// has, its refusal means the payload does not open (a signer's error
    /// does not say whether it is away or the payload is junk, and a
    /// message must not be forgotten because an extension was closed).
    answered: Cell<bool>,
}

impl Opener {
    async fn unwrap(&self, gift_wrap: &Event) -> Result<UnwrappedGift, Unopened> {
        let seal = match &self.own {
            Some((keys, _)) => {
                nip44::decrypt(keys.secret_key(), &gift_wrap.pubkey, &gift_wrap.content)
                    .map_err(|_| Unopened::Junk)?
            }
            // What is not even shaped as a NIP-44 payload is junk, signer
            // or no signer: it is never asked.
            None if !nip44_shaped(&gift_wrap.content) => return Err(Unopened::Junk),
            None => {
                let seal = self
                    .signer
                    .nip44_decrypt(&gift_wrap.pubkey, &gift_wrap.content)
                    .await;
                self.answered(seal)?
            }
        };
        let seal = Event::from_json(seal).map_err(|_| Unopened::Junk)?;
        if seal.kind != Kind::Seal || seal.verify().is_err() {
            return Err(Unopened::Junk);
        }
        let rumor = match &self.own {
            Some((keys, cache)) => decrypt_with(keys, cache, &seal.pubkey, &seal.content),
            // The signer just answered for the wrap: a refusal now is the
            // seal's.
            None => self
                .signer
                .nip44_decrypt(&seal.pubkey, &seal.content)
                .await
                .ok(),
        };
        let rumor = rumor.ok_or(Unopened::Junk)?;
        let rumor = UnsignedEvent::from_json(rumor).map_err(|_| Unopened::Junk)?;
        // The seal's signature vouches for its author only.
        if rumor.pubkey != seal.pubkey {
            return Err(Unopened::Junk);
        }
        Ok(UnwrappedGift {
            sender: seal.pubkey,
            rumor,
        })
    }

    /// What the signer answered; its error is final once it has answered
    /// before, or when the user's own key did the work.
    fn answered<T, E>(&self, answer: Result<T, E>) -> Result<T, Unopened> {
        match answer {
            Ok(value) => {
                self.answered.set(true);
                Ok(value)
            }
            Err(_) if self.answered.get() || self.own.is_some() => Err(Unopened::Junk),
            Err(_) => Err(Unopened::SignerUnavailable),
        }
    }
}

/// Whether `payload` has NIP-44 v2's shape: base64 of a version byte 2,
/// then 98 to 65,602 bytes (nonce, padded ciphertext, MAC). Only a
/// signer's answer tells more.
fn nip44_shaped(payload: &str) -> bool {
    const ENCODED: std::ops::RangeInclusive<usize> = 132..=87_472;
    if !ENCODED.contains(&payload.len()) {
        return false;
    }
    BASE64
        .decode(payload)
        .is_ok_and(|bytes| bytes.first() == Some(&2) && (99..=65_603).contains(&bytes.len()))
}

/// NIP-44 v2 decryption of what `author` sent, with their conversation key
/// derived at most once.
fn decrypt_with(
    keys: &Keys,
    cache: &RefCell<HashMap<PublicKey, ConversationKey>>,
    author: &PublicKey,
    payload: &str,
) -> Option<String> {
    let payload = BASE64.decode(payload).ok()?;
    // The version byte: v2 is the only one this key derivation is for.
    if payload.first() != Some(&2) {
        return None;
    }
    let mut cache = cache.borrow_mut();
    let key = match cache.get(author) {
        Some(key) => key,
        None => {
            let key = ConversationKey::derive(keys.secret_key(), author).ok()?;
            cache.entry(*author).or_insert(key)
        }
    };
    let plaintext = nip44_v2::decrypt_to_bytes(key, &payload).ok()?;
    String::from_utf8(plaintext).ok()
}

/// What the pool reads from relays at most: see [`MAX_PRIVATE_EVENT`] and
/// [`MAX_RELAY_MESSAGE`].
/// Of `urls`, those connected in `pool`.
pub async fn connected_in(pool: &Client, urls: &[RelayUrl]) -> Vec<RelayUrl> {
    let relays = pool.relays().await;
    urls.iter()
        .filter(|url| relays.get(*url).is_some_and(Relay::is_connected))
        .cloned()
        .collect()
}

fn relay_limits() -> RelayLimits {
    let mut limits = RelayLimits::default();
    limits.messages.max_size = Some(MAX_RELAY_MESSAGE);
    limits.events = limits
        .events
        .set_max_size_per_kind(Kind::GiftWrap, Some(MAX_PRIVATE_EVENT))
        .set_max_size_per_kind(Kind::EncryptedDirectMessage, Some(MAX_PRIVATE_EVENT));
    limits
}

/// What brings the user's private messages, from `since` on: gift wraps to
/// them, NIP-04 messages to them and from them (written on another client).
fn dm_filters(me: PublicKey, since: Option<Timestamp>) -> Vec<Filter> {
    let filters = [
        Filter::new().kind(Kind::GiftWrap).pubkey(me),
        Filter::new().kind(Kind::EncryptedDirectMessage).pubkey(me),
        Filter::new().kind(Kind::EncryptedDirectMessage).author(me),
    ];
    filters
        .into_iter()
        .map(|filter| match since {
            Some(since) => filter.since(since),
            None => filter,
        })
        .collect()
}

fn signer_error(error: impl std::fmt::Display) -> MessagingError {
    MessagingError::Signer(error.to_string())
}

fn relays_error(error: impl std::fmt::Display) -> MessagingError {
    MessagingError::Relays(error.to_string())
}
