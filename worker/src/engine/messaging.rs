//! Messaging commands and the loop that brings messages in and takes them
//! out.
//!
//! Unlocking asks for messaging to start. [`Engine::pump_messages`], which
//! the host runs for the engine's lifetime, then opens the profile's event
//! database and reads the sealed conversation list (see
//! [`crate::messaging::history`]), so conversations show before any relay
//! answers, whatever the size of the history; connects the relays; and
//! from then on opens and files every message that arrives (once: each
//! wrap opened is remembered, each that does not open deleted), delivers
//! what the user sends, and each time one of the user's relays connects,
//! subscribes there from where the database leaves off, then sends what
//! waits in the outbox. Opening a conversation reads its thread and opens
//! the wraps of the page shown. Wraps the list does not know of (a history
//! kept by an earlier build, or kept while the index was not written) are
//! opened once, in the background. Locking stops it and forgets every
//! decrypted word.
//!
//! Records kept in the profile's vault:
//! - the outbox: the messages not delivered yet, as the signed gift wraps
//!   the relays will get (see [`crate::messaging::outbox`]), sealed as
//!   [`crate::messaging::at_rest`] says;
//! - secret `messaging/read`: how far the user has read each conversation,
//!   sealed because it lists who they talk to;
//! - secret `messaging/list`, `messaging/known` and one
//!   `messaging/thread/…` per conversation: the index of the history.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use futures::channel::mpsc::UnboundedReceiver;
use futures::future::LocalBoxFuture;
use futures::stream::{self, FuturesUnordered, LocalBoxStream};
use futures::{FutureExt, Stream, StreamExt};
use nostr::hashes::{sha256, Hash};
use nostr::{PublicKey, ToBech32};
use nostr_sdk::prelude::{
    Event as NostrEvent, EventId, MonitorNotification, RelayPoolNotification, RelayStatus, RelayUrl,
};
use nostr_sdk::NostrSigner;
use tokio::sync::broadcast::{self, error::RecvError};
use zeroize::Zeroizing;

use super::identity::{opened, opened_mut, BUNKER_TIMEOUT};
use super::Engine;
use crate::messaging::at_rest::{AtRestKey, KeySource};
use crate::messaging::history::{self, Coverage, History, Listed, ReadMarker, SentReceipts, Wrap};
use crate::messaging::outbox::{Outbox, Sealed};
use crate::messaging::room::Room;
use crate::messaging::{Messenger, Outcome, PrivateMessage, Unopened};
use crate::profiles::ProfileStores;
use crate::protocol::{
    ChatMessage, Delivery, EngineError, Event, Field, MessageCursor, MessagingState, Reply,
    MAX_MESSAGES_PAGE, MAX_RECIPIENTS,
};
use crate::signer::bunker::BunkerSigner;
use crate::vault::{Vault, VaultStore};

/// The vault's record of read markers (secret).
const READ: &str = "messaging/read";
/// The vault's record of how far sent messages got (secret, like the
/// markers: it lists when the user wrote).
const SENT: &str = "messaging/sent";
/// The vault's record of the conversation list (secret).
const LIST: &str = "messaging/list";
/// The vault's record of the wraps opened (secret: it is the list of
/// messages the user has).
const KNOWN: &str = "messaging/known";
/// Whether the index may lack messages the event database holds: a change
/// was made and not written yet (secret, with the index).
const UNWRITTEN: &str = "messaging/unwritten";
/// Where each conversation's thread record is, after it its name.
const THREAD: &str = "messaging/thread/";

/// How long the index's records wait after a change before they are
/// written, so that messages arriving together are written together.
const WRITE_DELAY: Duration = Duration::from_secs(1);

/// How long after messaging starts the event database is searched for
/// wraps the index lacks: that reads and parses the recent wraps, work the
/// unlock's first paints need not wait behind.
const UNINDEXED_DELAY: Duration = Duration::from_secs(2);

/// What messaging starts with.
pub enum MessagingStart {
    /// A signer at hand (local keys, a remote signer just connected), and
    /// who it signs for.
    Signer {
        signer: Arc<dyn NostrSigner>,
        me: PublicKey,
    },
    /// A remote signer to reconnect first, from its sealed connection
    /// (after an unlock): done here, so unlocking never waits on it.
    Reconnect { connection: Zeroizing<Vec<u8>> },
}

/// How a messaging session ended.
enum Ended {
    /// Messaging was asked to start again, with this.
    Restart(MessagingStart),
    /// Locked, or the relays' connection closed.
    Stopped,
}

/// What the messaging loop waits for.
// One at a time, moved straight into its handler: its size costs nothing.
#[allow(clippy::large_enum_variant)]
enum Input {
    Relay(Result<RelayPoolNotification, RecvError>),
    Status(Result<MonitorNotification, RecvError>),
    /// A message id to deliver.
    Deliver(String),
    Start(MessagingStart),
}

/// What woke the loop: an input (`None` once every source ended), or
/// background work that ended.
// Like `Input`: one at a time, handled at once.
#[allow(clippy::large_enum_variant)]
enum Woken {
    Input(Option<Input>),
    Done(Done),
}

/// What the loop's background work ends with. The loop itself awaits
/// nothing that work may hold, the event database and the relay pool
/// above all: work is polled only while the loop waits in its `select!`,
/// so a work future queued for a lock (a list being saved, say) would
/// keep that lock from the loop for ever. Such calls are work too.
enum Done {
    Opened(Wrap, Result<PrivateMessage, Unopened>),
    /// Events of the database not opened so far, to open.
    Unindexed(Vec<NostrEvent>),
    /// The same, searched for after the notifications overran.
    Missed(Vec<NostrEvent>),
    /// Time to write what changed in the index.
    WriteDue,
    /// One of the user's relays is ready for messages (or could not be
    /// subscribed to).
    RelayReady(RelayUrl, bool),
    Delivered(String, Outcome),
    /// A relay was asked for the history the event database lacks; what it
    /// had came in as notifications.
    CaughtUp,
    /// The wraps written off were deleted from the event database.
    Forgotten,
    /// The user's relays connected, asked after their statuses overran.
    Connected(Vec<RelayUrl>),
}

/// The wraps this session has taken to open, and the search of the event
/// database for those the loop missed: a flood that overruns the relays'
/// notifications again and again must not have each wrap opened once per
/// overrun (the loop, busy opening copies, would fall further behind).
#[derive(Default)]
struct Opening {
    /// Opened, being opened or found junk this session; junk stays in the
    /// database until its deletion is written, and a search may find it.
    taken: HashSet<EventId>,
    searching: bool,
    /// The notifications overran again while the database was searched.
    search_again: bool,
}

impl Opening {
    /// Whether the wrap `id` is new to this session; it is taken now.
    fn take(&mut self, id: EventId) -> bool {
        self.taken.insert(id)
    }

    /// Whether to search the database for missed wraps now, or once the
    /// search under way ends.
    fn search_due(&mut self) -> bool {
        if self.searching {
            self.search_again = true;
            return false;
        }
        self.searching = true;
        true
    }

    /// A search ended; whether to search again.
    fn searched(&mut self) -> bool {
        self.searching = std::mem::take(&mut self.search_again);
        self.searching
    }
}

impl<P: ProfileStores> Engine<P> {
    pub(super) fn list_conversations(&self) -> Result<Reply, EngineError> {
        Ok(Reply::Conversations {
            messaging: self.messaging_state.borrow().clone(),
            conversations: self.history.borrow().summaries(),
        })
    }

    /// Tells the page that `message` is new or changed, by id only.
    fn announce(&self, message: &ChatMessage) {
        self.push(Event::Message {
            conversation: message.conversation.clone(),
            id: message.id.clone(),
        });
    }

    /// The messages `ids` of `conversation` this session has opened.
    pub(super) fn get_messages(
        &self,
        conversation: &str,
        ids: &[String],
    ) -> Result<Reply, EngineError> {
        if ids.len() > MAX_MESSAGES_PAGE {
            return Err(EngineError::Invalid {
                field: None,
                message: format!("at most {MAX_MESSAGES_PAGE} messages at once"),
            });
        }
        let conversation = parse_conversation(conversation)?;
        let messages = self.history.borrow().opened(&conversation, ids);
        Ok(Reply::Messages { messages })
    }

    pub(super) async fn open_conversation(
        &self,
        conversation: &str,
        before: Option<MessageCursor>,
        limit: usize,
    ) -> Result<Reply, EngineError> {
        let conversation = parse_conversation(conversation)?;
        let limit = limit.clamp(1, MAX_MESSAGES_PAGE);
        let messenger = self.messenger.borrow().clone();
        self.read_thread(&conversation).await;
        let wraps = self
            .history
            .borrow()
            .page_wraps(&conversation, before.as_ref(), limit);
        if let Some(messenger) = messenger.as_ref().filter(|_| !wraps.is_empty()) {
            for event in messenger.stored(wraps).await {
                if let Ok(message) = messenger.open(&event).await {
                    self.history.borrow_mut().reopened(chat_message(&message));
                }
            }
        }
        let (messages, earlier) = self
            .history
            .borrow()
            .page(&conversation, before.as_ref(), limit);
        if before.is_none() && self.history.borrow_mut().mark_read(&conversation) {
            // With the list's unread count, in one write.
            let forget = self.write_history(self.messaging_epoch.get()).await;
            if let Some(messenger) = &messenger {
                let _ = messenger.forget(forget).await;
            }
        }
        let known = self.history.borrow().about(&conversation);
        let (members, subject) = known.unwrap_or_else(|| {
            // Someone written to for the first time: the conversation is
            // named after them.
            let them = conversation
                .starts_with("npub1")
                .then(|| conversation.clone());
            (them.into_iter().collect(), None)
        });
        Ok(Reply::Conversation {
            conversation,
            members,
            subject,
            messages,
            earlier,
        })
    }

    /// Seals the message and keeps it in the outbox, then leaves its
    /// delivery to the messaging loop: the answer does not wait on relays.
    pub(super) async fn send_message(
        &self,
        to: &[String],
        text: &str,
        subject: Option<&str>,
    ) -> Result<Reply, EngineError> {
        let to = parse_recipients(to)?;
        if text.trim().is_empty() {
            return Err(EngineError::Invalid {
                field: None,
                message: "the message is empty".to_owned(),
            });
        }
        let subject = subject.map(str::trim).filter(|subject| !subject.is_empty());
        let epoch = self.messaging_epoch.get();
        let messenger = self
            .messenger
            .borrow()
            .clone()
            .ok_or_else(|| EngineError::Messaging {
                reason: match &*self.messaging_state.borrow() {
                    MessagingState::Failed { reason } => {
                        format!("messaging is not working: {reason}")
                    }
                    _ => "messaging is still starting: try again in a moment".to_owned(),
                },
            })?;
        let room = Room::new(messenger.me(), to);
        let (sent, sealed) =
            messenger
                .seal(room, text, subject)
                .await
                .map_err(|error| EngineError::Messaging {
                    reason: error.to_string(),
                })?;
        let id = sent.id.to_hex();
        if self.messaging_epoch.get() != epoch {
            return Err(stopped());
        }
        self.outbox.borrow_mut().add(id.clone(), sealed.clone());
        if let Err(error) = self.save_outbox(epoch).await {
            // Not kept, so not sent: the app still has the text.
            self.outbox.borrow_mut().remove(&id);
            return Err(error);
        }
        // The outbox has it now; the event database puts it in the history
        // of later sessions too, and a failure there only delays that until
        // a relay sends the user's copy back.
        let _ = messenger.keep(&sealed).await;
        if self.messaging_epoch.get() != epoch {
            return Err(EngineError::Messaging {
                reason: "the wallet locked: the message is kept and goes out after unlocking"
                    .to_owned(),
            });
        }
        let message = ChatMessage {
            delivery: Some(Delivery::Sending),
            ..chat_message(&sent)
        };
        self.file(&sent, Some(Delivery::Sending), Wrap::of(&sealed.for_me))
            .await;
        // The loop lives as long as the engine.
        let _ = self.deliveries.unbounded_send(id);
        Ok(Reply::MessageSent { message })
    }

    /// Hands a message still in the outbox to the messaging loop again.
    pub(super) fn retry_message(&self, id: &str) -> Result<Reply, EngineError> {
        let not_waiting = || EngineError::Invalid {
            field: None,
            message: "this message is not waiting to be sent".to_owned(),
        };
        if self.outbox.borrow().get(id).is_none() {
            return Err(not_waiting());
        }
        let message = self
            .history
            .borrow_mut()
            .set_delivery(id, Delivery::Sending)
            .ok_or_else(not_waiting)?;
        let _ = self.deliveries.unbounded_send(id.to_owned());
        Ok(Reply::MessageSent { message })
    }

    /// Asks the messaging loop to connect with `start`'s signer.
    pub(super) fn start_messaging(&self, start: MessagingStart) {
        if let MessagingStart::Signer { signer, .. } = &start {
            self.keep_signer(Arc::clone(signer));
        }
        // The loop ends only with the engine.
        let _ = self.messaging_requests.unbounded_send(start);
    }

    /// Stops messaging and forgets the conversations (on lock). The epoch
    /// moves first, so nothing still under way files a message or writes
    /// the emptied outbox after this.
    pub(super) async fn stop_messaging(&self) {
        self.messaging_epoch.set(self.messaging_epoch.get() + 1);
        *self.history.borrow_mut() = History::default();
        *self.outbox.borrow_mut() = Outbox::default();
        self.shown_relays.borrow_mut().clear();
        self.set_messaging_state(MessagingState::Off);
        let messenger = self.messenger.borrow_mut().take();
        if let Some(messenger) = messenger {
            messenger.stop().await;
        }
    }

    /// Runs for the engine's lifetime (the host spawns it once): starts
    /// messaging when asked, then runs it until it stops.
    pub async fn pump_messages(&self) {
        let requests = self.messaging_requests_receiver.borrow_mut().take();
        let deliveries = self.deliveries_receiver.borrow_mut().take();
        let (Some(mut requests), Some(mut deliveries)) = (requests, deliveries) else {
            return;
        };
        let mut pending = None;
        loop {
            let start = match pending.take() {
                Some(start) => start,
                None => match requests.next().await {
                    Some(start) => start,
                    None => return,
                },
            };
            // A lock while starting makes whatever starts stale.
            let epoch = self.messaging_epoch.get();
            self.set_messaging_state(MessagingState::Connecting);
            let Some(messenger) = self.open_messaging(start, epoch).await else {
                continue;
            };
            *self.messenger.borrow_mut() = Some(Rc::clone(&messenger));
            let ended = self
                .run(&messenger, epoch, &mut requests, &mut deliveries)
                .await;
            if let Ended::Restart(start) = ended {
                pending = Some(start);
            }
            self.messenger
                .borrow_mut()
                .take_if(|current| Rc::ptr_eq(current, &messenger));
            messenger.stop().await;
        }
    }

    /// Prepares messaging with `start`'s signer, reconnecting a remote
    /// signer first, and loads what the profile keeps: the history, the
    /// read markers and the outbox. Says why in the state when it cannot.
    async fn open_messaging(&self, start: MessagingStart, epoch: u64) -> Option<Rc<Messenger>> {
        let (signer, me) = match start {
            MessagingStart::Signer { signer, me } => (signer, me),
            MessagingStart::Reconnect { connection } => {
                match BunkerSigner::reconnect(&connection, BUNKER_TIMEOUT).await {
                    Ok((bunker, me)) => {
                        let signer: Arc<dyn NostrSigner> = Arc::new(bunker.as_signer().clone());
                        self.keep_bunker(bunker);
                        (signer, me)
                    }
                    Err(error) => return self.messaging_failed(error),
                }
            }
        };
        let Some(profile) = self.current.borrow().clone() else {
            return self.messaging_failed("no profile is open");
        };
        let database = match self.profiles.open_events(&profile, me).await {
            Ok(database) => database,
            Err(error) => return self.messaging_failed(error),
        };
        let keys = self.session.borrow().keys();
        let relays = match self.stored_relays().await {
            Ok(relays) => relays,
            Err(error) => return self.messaging_failed(error),
        };
        let clock = Arc::clone(&self.env.now_ms);
        let outbox_signer = Arc::clone(&signer);
        let messenger = match Messenger::start(signer, keys, me, relays, database, clock).await {
            Ok(messenger) => messenger,
            Err(error) => return self.messaging_failed(error),
        };
        let (history, outbox_key, outbox) = match self.stored_messaging(&*outbox_signer, &me).await
        {
            Ok(stored) => stored,
            Err(error) => return self.messaging_failed(error),
        };
        if self.messaging_epoch.get() != epoch {
            messenger.stop().await;
            return None;
        }
        *self.history.borrow_mut() = history;
        // What filing the outbox's messages writes is kept under its key.
        *self.outbox.borrow_mut() = Outbox::kept_under(outbox_key.clone());
        let mut waiting = Outbox::kept_under(outbox_key);
        for sealed in outbox {
            // The user's copy names the message and holds its text; one
            // that does not open is still delivered, under its wrap's id.
            let id = match messenger.open(&sealed.for_me).await {
                Ok(message) => {
                    let delivery = match &sealed.failed {
                        Some(reason) => Delivery::Failed {
                            reason: reason.clone(),
                        },
                        None => Delivery::Waiting,
                    };
                    let id = message.id.to_hex();
                    self.file(&message, Some(delivery.clone()), Wrap::of(&sealed.for_me))
                        .await;
                    self.history.borrow_mut().set_delivery(&id, delivery);
                    id
                }
                Err(_) => sealed.for_me.id.to_hex(),
            };
            waiting.add(id, sealed);
        }
        // Before the list is shown: a history never indexed is indexed once
        // (as an earlier build decrypted it at every unlock), and what the
        // last moments of a session that ended with changes not written
        // filed is filed again (the rest waits for `run`).
        let coverage = self.history.borrow().coverage();
        let since = match coverage {
            Coverage::Never => Some(None),
            Coverage::Unwritten => Some(messenger.recent().await),
            Coverage::Written => None,
        };
        if let Some(since) = since {
            let known = self.history.borrow().known().clone();
            for event in messenger.stored_except(&known, since).await {
                let opened = messenger.open(&event).await;
                self.take_opened(Wrap::of(&event), &opened).await;
            }
        }
        if self.messaging_epoch.get() != epoch {
            messenger.stop().await;
            return None;
        }
        *self.outbox.borrow_mut() = waiting;
        Some(Rc::new(messenger))
    }

    fn messaging_failed(&self, reason: impl std::fmt::Display) -> Option<Rc<Messenger>> {
        self.set_messaging_state(MessagingState::Failed {
            reason: reason.to_string(),
        });
        None
    }

    /// The history's index, read markers and sent receipts, and the outbox
    /// as the vault keeps them, with what the outbox is kept under (asked
    /// of `signer` for a profile without a passphrase). Markers or receipts
    /// that cannot be read are forgotten (messages show as unread again, or
    /// without their delivery), a list or known wraps that cannot be read
    /// are rebuilt from the event database; an outbox that cannot be read
    /// is an error, never overwritten. An outbox kept in the clear before
    /// is kept sealed now.
    async fn stored_messaging(
        &self,
        signer: &dyn NostrSigner,
        me: &PublicKey,
    ) -> Result<(History, AtRestKey, Vec<Sealed>), String> {
        let source = {
            let guard = self.vault.lock().await;
            let vault = opened(&guard).map_err(|error| error.to_string())?;
            KeySource::of(vault)
                .await
                .map_err(|error| error.to_string())?
        };
        // Outside the vault's lock: an extension may wait for the user.
        let (key, new_wrapped) = source
            .key(signer, me)
            .await
            .map_err(|error| error.to_string())?;
        let mut guard = self.vault.lock().await;
        let vault = opened_mut(&mut guard).map_err(|error| error.to_string())?;
        if let Some(wrapped) = new_wrapped {
            AtRestKey::keep_wrapped(vault, &wrapped)
                .await
                .map_err(|error| error.to_string())?;
        }
        let read: BTreeMap<String, ReadMarker> = record_json(&key, vault, READ).await;
        let sent: SentReceipts = record_json(&key, vault, SENT).await;
        let list: Vec<Listed> = record_json(&key, vault, LIST).await;
        let unwritten = key.record(vault, UNWRITTEN).await.ok().flatten();
        // A whole index's known wraps are read once the list is shown (see
        // `run`); any other index is completed before, from them.
        let history = if unwritten.is_some_and(|unwritten| unwritten.is_empty()) {
            History::with_stored(list, HashSet::new(), read, sent)
                .covering(Coverage::Written)
                .awaiting_known()
        } else {
            let known = key.record(vault, KNOWN).await.ok().flatten();
            let coverage = match known {
                None => Coverage::Never,
                Some(_) => Coverage::Unwritten,
            };
            let known = known.map_or_else(Default::default, |record| history::known_wraps(&record));
            History::with_stored(list, known, read, sent).covering(coverage)
        };
        let kept = key.read(vault).await.map_err(|error| error.to_string())?;
        let mut outbox = Vec::new();
        let kept_record = kept.record.as_ref().map(|record| record.as_slice());
        for record in [kept_record, kept.in_the_clear.as_deref()]
            .into_iter()
            .flatten()
        {
            let sealed = Outbox::parse_record(record)
                .map_err(|error| format!("the outbox cannot be read: {error}"))?;
            outbox.extend(sealed);
        }
        if kept.in_the_clear.is_some() {
            key.write(vault, &Outbox::record_of(&outbox), true)
                .await
                .map_err(|error| format!("the outbox could not be sealed: {error}"))?;
        }
        Ok((history, key, outbox))
    }

    /// Reads the record of the wraps opened into the history; false if it
    /// could not be read (the wraps are opened again then, and their
    /// messages filed once).
    async fn learn_known(&self) -> bool {
        let key = self.at_rest_key();
        let record = {
            let guard = self.vault.lock().await;
            match (opened(&guard), key) {
                (Ok(vault), Some(key)) => key.record(vault, KNOWN).await.ok(),
                _ => None,
            }
        };
        let read = record.is_some();
        let known = record
            .flatten()
            .map_or_else(Default::default, |record| history::known_wraps(&record));
        self.history.borrow_mut().learn_known(known);
        read
    }

    /// What messaging's records are kept under this session (none before
    /// messaging has started, or after it stopped).
    fn at_rest_key(&self) -> Option<AtRestKey> {
        self.outbox.borrow().key().cloned()
    }

    /// Reads `conversation`'s thread from the vault, unless it is read or
    /// new. A thread that cannot be read is taken as empty.
    async fn read_thread(&self, conversation: &str) {
        let Some(record) = self.history.borrow().unread_thread(conversation) else {
            return;
        };
        let Some(key) = self.at_rest_key() else {
            return;
        };
        let entries = {
            let guard = self.vault.lock().await;
            let Ok(vault) = opened(&guard) else {
                return;
            };
            let stored = key.record(vault, &format!("{THREAD}{record}")).await;
            stored
                .ok()
                .flatten()
                .map(|record| history::decode_thread(&record))
        };
        let entries = entries.unwrap_or_default();
        let mut history = self.history.borrow_mut();
        // Another command may have read it meanwhile, or the wallet locked.
        if history.unread_thread(conversation).as_ref() == Some(&record) {
            history.read_thread(conversation, entries);
        }
    }

    /// Files `message`, which came in `wrap`, with its `delivery` if it is
    /// the user's and known, after reading its thread; true if it is new.
    /// Strangers over their quota lose their oldest messages then.
    async fn file(&self, message: &PrivateMessage, delivery: Option<Delivery>, wrap: Wrap) -> bool {
        let chat = ChatMessage {
            delivery,
            ..chat_message(message)
        };
        self.read_thread(&chat.conversation).await;
        let first = chat.id.clone();
        let filed = self
            .history
            .borrow_mut()
            .file(&message.room.npubs(), chat, wrap, || thread_record(&first));
        if filed && self.history.borrow().over_quota() {
            let unread = self.history.borrow().unread_stranger_threads();
            for (conversation, _) in unread {
                self.read_thread(&conversation).await;
            }
            self.history.borrow_mut().drop_strangers();
        }
        // Said before anyone is told of the message: a session that ends
        // before the records are written leaves the next one a note to
        // file it again.
        if self.history.borrow().needs_mark() {
            self.history.borrow_mut().marked();
            self.save_secret(UNWRITTEN, Ok(vec![1]), self.messaging_epoch.get())
                .await;
        }
        filed
    }

    /// Writes the index's records that changed and the read markers, unless
    /// messaging stopped since `epoch`, and says which wraps to delete from
    /// the event database then: those that did not open and the strangers'
    /// dropped. What is not written is rebuilt at the next unlock from the
    /// event database (the wraps are there), and a wrap not deleted is
    /// opened once more.
    async fn write_history(&self, epoch: u64) -> Vec<EventId> {
        let Ok(writes) = self.history.borrow_mut().take_changes() else {
            return Vec::new();
        };
        let mut records: Vec<(String, Vec<u8>)> = writes
            .threads
            .into_iter()
            .map(|(record, entries)| (format!("{THREAD}{record}"), entries))
            .collect();
        records.extend(writes.list.map(|list| (LIST.to_owned(), list)));
        records.extend(writes.read.map(|read| (READ.to_owned(), read)));
        records.extend(writes.known.map(|known| (KNOWN.to_owned(), known)));
        // Written with the rest: nothing is left unwritten (unless the
        // loop marks a change again).
        if writes.whole {
            records.push((UNWRITTEN.to_owned(), Vec::new()));
        }
        {
            let mut guard = self.vault.lock().await;
            if self.messaging_epoch.get() != epoch {
                return Vec::new();
            }
            let (Some(vault), Some(key)) = (guard.as_mut(), self.at_rest_key()) else {
                return Vec::new();
            };
            let batch: Vec<(&str, &[u8])> = records
                .iter()
                .map(|(name, record)| (name.as_str(), record.as_slice()))
                .collect();
            if key.put_records(vault, &batch).await.is_err() {
                return Vec::new();
            }
            for record in &writes.removed {
                let _ = key.delete_record(vault, &format!("{THREAD}{record}")).await;
            }
        }
        writes.forget
    }

    /// Writes the outbox, as it is when the vault is free, unless messaging
    /// stopped since `epoch` (the outbox in memory was emptied then).
    async fn save_outbox(&self, epoch: u64) -> Result<(), EngineError> {
        let mut guard = self.vault.lock().await;
        if self.messaging_epoch.get() != epoch {
            return Err(stopped());
        }
        let vault = opened_mut(&mut guard)?;
        let (record, key) = {
            let outbox = self.outbox.borrow();
            (outbox.to_record(), outbox.key().cloned())
        };
        let key = key.ok_or_else(stopped)?;
        Ok(key.write(vault, &record, false).await?)
    }

    /// Writes the sent receipts, under the same condition as the outbox.
    async fn save_sent_receipts(&self, epoch: u64) {
        let record = serde_json::to_vec(self.history.borrow().sent_receipts());
        self.save_secret(SENT, record, epoch).await;
    }

    /// Writes one of the history's records. They hold in memory for this
    /// session either way; a failed write only shows messages as unread,
    /// or without their delivery, after the next unlock.
    async fn save_secret(&self, name: &str, record: serde_json::Result<Vec<u8>>, epoch: u64) {
        let mut guard = self.vault.lock().await;
        if self.messaging_epoch.get() != epoch {
            return;
        }
        let (Some(vault), Some(key), Ok(record)) = (guard.as_mut(), self.at_rest_key(), record)
        else {
            return;
        };
        let _ = key.put_records(vault, &[(name, &record)]).await;
    }

    /// Runs one messaging session until it stops or is asked to restart.
    async fn run(
        &self,
        messenger: &Messenger,
        epoch: u64,
        requests: &mut UnboundedReceiver<MessagingStart>,
        deliveries: &mut UnboundedReceiver<String>,
    ) -> Ended {
        // Listening starts before connecting, so no status change is missed.
        let sources: [LocalBoxStream<'_, Input>; 4] = [
            receive(messenger.notifications())
                .map(Input::Relay)
                .boxed_local(),
            receive(messenger.statuses())
                .map(Input::Status)
                .boxed_local(),
            deliveries.by_ref().map(Input::Deliver).boxed_local(),
            requests.by_ref().map(Input::Start).boxed_local(),
        ];
        let mut inputs = stream::select_all(sources);
        messenger.connect().await;
        let mut ready = BTreeSet::new();
        // The app asks for the list now, and gets it while the known wraps
        // are read: before any relay's event is looked at.
        self.show_relays(messenger, &ready);
        let awaits_known = self.history.borrow().awaits_known();
        let learnt = match awaits_known {
            true => Some(self.learn_known().await),
            false => None,
        };
        if self.messaging_epoch.get() != epoch {
            return Ended::Stopped;
        }
        let mut work: FuturesUnordered<LocalBoxFuture<'_, Done>> = FuturesUnordered::new();
        let (known, coverage) = {
            let history = self.history.borrow();
            (history.known().clone(), history.coverage())
        };
        // What an unlock need not wait for (see `open_messaging`); a known
        // record that could not be read is rebuilt from every wrap.
        match (coverage, learnt) {
            (_, Some(false)) | (Coverage::Unwritten, _) => {
                work.push(unindexed(messenger, known, true));
            }
            (Coverage::Never, _) => {}
            (Coverage::Written, _) => work.push(unindexed(messenger, known, false)),
        }
        let mut write_due = false;
        let mut opening = Opening::default();
        loop {
            if !write_due && self.history.borrow().changed() {
                write_due = true;
                work.push(
                    async {
                        async_utility::time::sleep(WRITE_DELAY).await;
                        Done::WriteDue
                    }
                    .boxed_local(),
                );
            }
            let woken = futures::select! {
                input = inputs.next() => Woken::Input(input),
                done = work.select_next_some() => Woken::Done(done),
            };
            if self.messaging_epoch.get() != epoch {
                return Ended::Stopped;
            }
            let input = match woken {
                Woken::Done(Done::WriteDue) => {
                    write_due = false;
                    let forget = self.write_history(epoch).await;
                    if !forget.is_empty() {
                        work.push(forgotten(messenger, forget));
                    }
                    continue;
                }
                Woken::Done(done) => {
                    self.finish(done, messenger, epoch, &mut ready, &mut opening, &mut work)
                        .await;
                    continue;
                }
                Woken::Input(None) => return Ended::Stopped,
                Woken::Input(Some(input)) => input,
            };
            match input {
                Input::Start(start) => return Ended::Restart(start),
                Input::Relay(Ok(RelayPoolNotification::Shutdown) | Err(RecvError::Closed))
                | Input::Status(Err(RecvError::Closed)) => return Ended::Stopped,
                Input::Relay(Ok(RelayPoolNotification::Event { event, .. })) => {
                    self.show_relays(messenger, &ready);
                    self.open_new(messenger, vec![*event], &mut opening, &mut work);
                }
                Input::Relay(Ok(RelayPoolNotification::Message { .. })) => {
                    self.show_relays(messenger, &ready);
                }
                // Too many at once: some were missed, but every event that
                // verified is in the database.
                Input::Relay(Err(RecvError::Lagged(_))) => {
                    if opening.search_due() {
                        work.push(missed(messenger, self.history.borrow().known().clone()));
                    }
                }
                Input::Status(Ok(MonitorNotification::StatusChanged { relay_url, status })) => {
                    self.show_relay_views(messenger);
                    if status != RelayStatus::Connected {
                        if ready.remove(&relay_url) {
                            self.show_relays(messenger, &ready);
                        }
                    } else if messenger.relays().contains(&relay_url) {
                        work.push(use_relay(messenger, relay_url));
                    } else {
                        // A recipient's relay is back: what waits for it
                        // may go now.
                        self.deliver_due(messenger, &mut work);
                    }
                }
                Input::Status(Err(RecvError::Lagged(_))) => {
                    work.push(connected(messenger));
                }
                Input::Deliver(id) => self.deliver(messenger, id, &mut work),
            }
        }
    }

    /// Applies what background work ended with.
    async fn finish<'a>(
        &self,
        done: Done,
        messenger: &'a Messenger,
        epoch: u64,
        ready: &mut BTreeSet<RelayUrl>,
        opening: &mut Opening,
        work: &mut FuturesUnordered<LocalBoxFuture<'a, Done>>,
    ) {
        match done {
            Done::Opened(wrap, opened) => {
                if let (true, Ok(message)) = (self.take_opened(wrap, &opened).await, &opened) {
                    self.announce(&chat_message(message));
                }
            }
            Done::WriteDue => {}
            Done::Unindexed(events) => self.open_new(messenger, events, opening, work),
            Done::Missed(events) => {
                self.open_new(messenger, events, opening, work);
                if opening.searched() {
                    work.push(missed(messenger, self.history.borrow().known().clone()));
                }
            }
            Done::RelayReady(url, subscribed) => {
                // Not subscribed: tried again when it reconnects.
                self.keep_settled_relays(messenger).await;
                if subscribed {
                    ready.insert(url.clone());
                    self.show_relays(messenger, ready);
                    self.deliver_due(messenger, work);
                    work.push(
                        async move {
                            messenger.catch_up(&url).await;
                            Done::CaughtUp
                        }
                        .boxed_local(),
                    );
                }
            }
            Done::CaughtUp | Done::Forgotten => {}
            Done::Connected(connected) => {
                ready.retain(|url| connected.contains(url));
                self.show_relays(messenger, ready);
                for url in connected {
                    if !ready.contains(&url) {
                        work.push(use_relay(messenger, url));
                    }
                }
            }
            Done::Delivered(id, outcome) => {
                let delivery = {
                    let mut outbox = self.outbox.borrow_mut();
                    match outcome {
                        Outcome::Sent { accepted, tried } => {
                            outbox.remove(&id);
                            Delivery::Sent { accepted, tried }
                        }
                        Outcome::Unreachable => {
                            outbox.not_delivered(&id, None);
                            Delivery::Waiting
                        }
                        Outcome::Refused(reason) => {
                            outbox.not_delivered(&id, Some(reason.clone()));
                            Delivery::Failed { reason }
                        }
                    }
                };
                let sent = matches!(delivery, Delivery::Sent { .. });
                if let Some(message) = self.history.borrow_mut().set_delivery(&id, delivery) {
                    self.announce(&message);
                }
                if sent {
                    self.save_sent_receipts(epoch).await;
                }
                // A failed write leaves a delivered message in the stored
                // outbox: it goes out again next session, and relays and
                // recipients know it by its id.
                let _ = self.save_outbox(epoch).await;
            }
        }
    }

    /// Starts opening those of `events` this session has not taken yet.
    fn open_new<'a>(
        &self,
        messenger: &'a Messenger,
        events: Vec<NostrEvent>,
        opening: &mut Opening,
        work: &mut FuturesUnordered<LocalBoxFuture<'a, Done>>,
    ) {
        let history = self.history.borrow();
        for event in events {
            if !history.knows(&event.id) && opening.take(event.id) {
                work.push(open(messenger, event));
            }
        }
    }

    /// Starts delivering message `id`, unless it is not in the outbox or
    /// already under way.
    fn deliver<'a>(
        &self,
        messenger: &'a Messenger,
        id: String,
        work: &mut FuturesUnordered<LocalBoxFuture<'a, Done>>,
    ) {
        let Some(sealed) = self.outbox.borrow_mut().start_sending(&id) else {
            return;
        };
        if let Some(message) = self
            .history
            .borrow_mut()
            .set_delivery(&id, Delivery::Sending)
        {
            self.announce(&message);
        }
        work.push(
            async move { Done::Delivered(id, messenger.deliver(&sealed).await) }.boxed_local(),
        );
    }

    /// Starts delivering every message waiting for a relay.
    fn deliver_due<'a>(
        &self,
        messenger: &'a Messenger,
        work: &mut FuturesUnordered<LocalBoxFuture<'a, Done>>,
    ) {
        let due = self.outbox.borrow().due();
        for id in due {
            self.deliver(messenger, id, work);
        }
    }

    /// Takes what opening `wrap` gave: files its message (true if it is
    /// new), or has it deleted if it is junk.
    async fn take_opened(&self, wrap: Wrap, opened: &Result<PrivateMessage, Unopened>) -> bool {
        match opened {
            Ok(message) => self.file(message, None, wrap).await,
            Err(Unopened::Junk) => {
                self.history.borrow_mut().junk(wrap.id);
                false
            }
            // Tried again next session.
            Err(Unopened::SignerUnavailable) => false,
        }
    }

    /// Tells the app how many relays are ready and how many bad events were
    /// dropped, when that changed.
    fn show_relays(&self, messenger: &Messenger, ready: &BTreeSet<RelayUrl>) {
        self.show_relay_views(messenger);
        let state = MessagingState::Ready {
            relays: super::relays::addresses(&messenger.relays()),
            connected: ready.len(),
            dropped: messenger.dropped(),
        };
        if *self.messaging_state.borrow() != state {
            self.set_messaging_state(state);
        }
    }

    fn set_messaging_state(&self, state: MessagingState) {
        *self.messaging_state.borrow_mut() = state.clone();
        self.push(Event::Messaging { state });
    }
}

/// Opens `event`, a private message arrived or found in the database.
fn open(messenger: &Messenger, event: NostrEvent) -> LocalBoxFuture<'_, Done> {
    async move { Done::Opened(Wrap::of(&event), messenger.open(&event).await) }.boxed_local()
}

/// A moment after messaging starts, the events of the database that are
/// not among `known`: all of them (`full`), or the recent ones (see
/// [`Messenger::recent`]; stored while the wallet was locked, say).
fn unindexed(
    messenger: &Messenger,
    known: HashSet<EventId>,
    full: bool,
) -> LocalBoxFuture<'_, Done> {
    async move {
        async_utility::time::sleep(UNINDEXED_DELAY).await;
        let since = match full {
            true => None,
            false => match messenger.recent().await {
                Some(since) => Some(since),
                None => return Done::Unindexed(Vec::new()),
            },
        };
        Done::Unindexed(messenger.stored_except(&known, since).await)
    }
    .boxed_local()
}

/// The name of a new conversation's thread record, from its first
/// message's id: the rumor's id is known only to the conversation's
/// people, so the name says nothing of who is in it.
fn thread_record(first: &str) -> String {
    let digest = sha256::Hash::hash(format!("flash thread {first}").as_bytes());
    digest.to_string()[..32].to_owned()
}

/// Deletes the wraps `ids` from the event database.
fn forgotten(messenger: &Messenger, ids: Vec<EventId>) -> LocalBoxFuture<'_, Done> {
    async move {
        let _ = messenger.forget(ids).await;
        Done::Forgotten
    }
    .boxed_local()
}

/// The user's relays connected now.
fn connected(messenger: &Messenger) -> LocalBoxFuture<'_, Done> {
    async move { Done::Connected(messenger.connected().await) }.boxed_local()
}

/// The events of the database not among `known`, searched for after the
/// relays' notifications overran: every event that verified is there.
fn missed(messenger: &Messenger, known: HashSet<EventId>) -> LocalBoxFuture<'_, Done> {
    async move { Done::Missed(messenger.stored_except(&known, None).await) }.boxed_local()
}

/// Makes `url` ready for messages (see [`Messenger::use_relay`]).
fn use_relay(messenger: &Messenger, url: RelayUrl) -> LocalBoxFuture<'_, Done> {
    async move {
        let subscribed = messenger.use_relay(&url).await.is_ok();
        Done::RelayReady(url, subscribed)
    }
    .boxed_local()
}

/// What a broadcast channel receives, as a stream that ends after telling
/// that the channel closed.
fn receive<T: Clone>(receiver: broadcast::Receiver<T>) -> impl Stream<Item = Result<T, RecvError>> {
    stream::unfold(Some(receiver), |receiver| async move {
        let mut receiver = receiver?;
        let next = receiver.recv().await;
        let open = !matches!(next, Err(RecvError::Closed));
        Some((next, open.then_some(receiver)))
    })
}

fn chat_message(message: &PrivateMessage) -> ChatMessage {
    ChatMessage {
        id: message.id.to_hex(),
        conversation: message.room.id(),
        author: message
            .author
            .to_bech32()
            .unwrap_or_else(|_| message.author.to_hex()),
        from_me: message.from_me,
        text: message.text.clone(),
        subject: message.subject.clone(),
        created_at: message.created_at,
        legacy: message.legacy,
        delivery: None,
    }
}

/// A conversation's id as the history files it: an npub (also read from
/// hex), or a group's id.
fn parse_conversation(text: &str) -> Result<String, EngineError> {
    let text = text.trim();
    if text.starts_with("group-") {
        return Ok(text.to_owned());
    }
    let key = PublicKey::parse(text).map_err(|_| not_an_npub(text))?;
    key.to_bech32().map_err(|_| not_an_npub(text))
}

/// The people a message goes to: at least one, at most [`MAX_RECIPIENTS`].
fn parse_recipients(to: &[String]) -> Result<Vec<PublicKey>, EngineError> {
    if to.is_empty() {
        return Err(EngineError::Invalid {
            field: Some(Field::Person),
            message: "say whom the message is for".to_owned(),
        });
    }
    if to.len() > MAX_RECIPIENTS {
        return Err(EngineError::Invalid {
            field: None,
            message: format!("a group can have at most {MAX_RECIPIENTS} people"),
        });
    }
    to.iter()
        .map(|who| PublicKey::parse(who.trim()).map_err(|_| not_an_npub(who)))
        .collect()
}

fn not_an_npub(text: &str) -> EngineError {
    let shown: String = text.trim().chars().take(24).collect();
    EngineError::Invalid {
        field: Some(Field::Person),
        message: format!("“{shown}” is not a NOSTR public key: paste an npub1…"),
    }
}

fn stopped() -> EngineError {
    EngineError::Messaging {
        reason: "messaging stopped (the wallet locked): nothing was sent".to_owned(),
    }
}

/// A secret record of the vault read as JSON; its default when missing or
/// unreadable.
async fn record_json<T: serde::de::DeserializeOwned + Default>(
    key: &AtRestKey,
    vault: &Vault<impl VaultStore>,
    name: &str,
) -> T {
    key.record(vault, name)
        .await
        .ok()
        .flatten()
        .and_then(|record| serde_json::from_slice(&record).ok())
        .unwrap_or_default()
}
