//! The conversations of one unlocked session, and the sealed index that
//! lets an unlock show them without decrypting the history.
//!
//! Each gift wrap is opened once, when it arrives (or, for a history kept
//! by an earlier build, once at the first unlock). What that teaches goes
//! into three kinds of sealed vault records, written by the engine from
//! [`History::take_changes`]:
//!
//! - the list: per conversation, its people, subject, latest message and
//!   unread count ([`Listed`]): all an unlock reads to paint the list;
//! - one thread per conversation, under a name of its own: where each of its
//!   messages is ([`Entry`]: the wrap's id, the message's id and time), read
//!   when the conversation is first opened, whose pages then open only their
//!   own wraps;
//! - the wraps already opened (their ids), so a relay sending one again
//!   costs no decryption. It grows with the history (32 bytes a message),
//!   so an unlock whose index is whole reads it after the list is shown,
//!   before the relays' events are taken in ([`History::learn_known`]).
//!
//! Who talks to whom is only in sealed records: a thread is named by a
//! digest of its first message's id, which only the conversation's people
//! know.
//! Plaintext lives in memory for the session (the pages opened, the list's
//! latest messages) and, sealed, in the list's previews.
//!
//! Strangers (people in conversations the user never wrote in) get a quota:
//! past [`STRANGER_MESSAGES`] messages or [`STRANGER_BYTES`] of wraps, their
//! oldest are dropped, wraps and all; conversations the user took part in
//! are never dropped. With wraps that do not open deleted too, the event
//! store holds, of private messages, the user's own conversations and at
//! most that much from anyone else: a flood cannot fill the storage the
//! eCash store needs. (The relay pool stores a wrap before it can be opened:
//! junk takes room until the next writes delete it, a second or so later.)

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use nostr_sdk::prelude::EventId;
use serde::{Deserialize, Serialize};

use crate::protocol::{ChatMessage, ConversationSummary, Delivery, MessageCursor};

/// How many messages from strangers are kept: enough for a week of a
/// well-known user's unsolicited mail, and for a new device's history from
/// a correspondent whose conversation shows as the user's only once the
/// user's own copies arrive (the quota drops a stranger's oldest first).
pub const STRANGER_MESSAGES: usize = 1_000;

/// How many bytes of strangers' wraps are kept: a real message is a
/// kilobyte or two, a junk one up to 96 KiB (the largest the pool reads).
pub const STRANGER_BYTES: u64 = 8 * 1024 * 1024;

/// How much of the latest message the list keeps: a line of preview.
const PREVIEW_CHARS: usize = 280;

/// The conversations: the list at hand, the threads read so far, and what
/// changed since the records were last written.
#[derive(Debug, Default)]
pub struct History {
    /// Every conversation, by its id (see
    /// [`crate::messaging::room::Room::id`]).
    conversations: HashMap<String, Listed>,
    /// The threads read this session, by conversation.
    threads: HashMap<String, Thread>,
    /// The wraps (and NIP-04 events) opened, kept in the database.
    known: HashSet<EventId>,
    /// While the record of `known` is not read yet: the wraps dropped from
    /// it meanwhile, which the record must not bring back.
    unlearned: Option<HashSet<EventId>>,
    /// Per conversation, how far the user has read.
    read: BTreeMap<String, ReadMarker>,
    /// How far the user's sent messages got once relays took them: the
    /// outbox forgets a message then, and its conversation still tells.
    sent: SentReceipts,
    /// How far messages got this session (sending, waiting, failed).
    deliveries: HashMap<String, Delivery>,
    /// How far the records this history was read from cover the event
    /// database.
    coverage: Coverage,
    changes: Changes,
}

/// How far a history's records cover the event database, as the last
/// session left them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Coverage {
    /// Never written: a history kept by an earlier build, or none yet.
    #[default]
    Never,
    /// A session ended with changes not written: it may have filed recent
    /// messages, or older ones it was catching up with, that the records
    /// lack.
    Unwritten,
    /// Every message the last session filed.
    Written,
}

/// One conversation as the list shows it: its sealed record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listed {
    pub conversation: String,
    /// Its thread record's name.
    pub record: String,
    /// Everyone in it but the user (npubs).
    pub members: Vec<String>,
    /// The latest subject given: when, by which message, and what.
    pub subject: Option<(u64, String, String)>,
    /// The latest message, its text cut to a preview.
    pub last: ChatMessage,
    pub unread: usize,
    /// Whether the user wrote in it: never dropped for the strangers' quota.
    pub mine: bool,
    pub messages: usize,
    /// The size of its wraps in the event store.
    pub bytes: u64,
}

/// Where one message is: its wrap, and its place in the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The gift wrap (or NIP-04 event) that holds it.
    pub wrap: EventId,
    pub id: String,
    pub at: u64,
    pub mine: bool,
    /// The wrap's size.
    pub bytes: u32,
}

/// A stored event a message came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wrap {
    pub id: EventId,
    pub bytes: u32,
}

/// One conversation's messages, as far as they were read this session.
#[derive(Debug, Default)]
struct Thread {
    /// Oldest first, ordered by `(at, id)`.
    entries: Vec<Entry>,
    ids: HashSet<String>,
    /// The messages opened this session, by id.
    opened: HashMap<String, ChatMessage>,
}

/// What changed since the records were last written.
#[derive(Debug, Default)]
struct Changes {
    /// Whether the vault says that the records lack what changed.
    marked: bool,
    list: bool,
    /// Whether a read marker moved.
    read: bool,
    known: bool,
    /// Conversations whose thread changed.
    threads: BTreeSet<String>,
    /// Thread records of conversations dropped.
    removed: Vec<String>,
    /// Events to delete from the event store.
    forget: Vec<EventId>,
}

/// The records to write, and the events to delete, for what changed.
#[derive(Debug, Default)]
pub struct Writes {
    /// The list, serialised, if it changed.
    pub list: Option<Vec<u8>>,
    /// The read markers, serialised, if one moved.
    pub read: Option<Vec<u8>>,
    /// The known wraps, 32 bytes each, if they changed.
    pub known: Option<Vec<u8>>,
    /// Whether these are all the changes: false while the known wraps wait
    /// for their record to be read.
    pub whole: bool,
    /// Threads by record name, in [`decode_thread`]'s form.
    pub threads: Vec<(String, Vec<u8>)>,
    /// Thread records to delete.
    pub removed: Vec<String>,
    pub forget: Vec<EventId>,
}

/// The latest [`KEPT_RECEIPTS`] messages relays took, and how many of the
/// relays tried took each.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Vec<Receipt>", into = "Vec<Receipt>")]
pub struct SentReceipts {
    by_id: HashMap<String, (usize, usize)>,
    /// Oldest first: the first forgotten.
    order: VecDeque<String>,
}

/// One message taken by `accepted` of `tried` relays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub id: String,
    pub accepted: usize,
    pub tried: usize,
}

/// How many receipts are kept: far more than a screen of conversation.
pub const KEPT_RECEIPTS: usize = 5_000;

impl SentReceipts {
    fn record(&mut self, id: &str, accepted: usize, tried: usize) {
        if self
            .by_id
            .insert(id.to_owned(), (accepted, tried))
            .is_none()
        {
            self.order.push_back(id.to_owned());
        }
        while self.order.len() > KEPT_RECEIPTS {
            if let Some(oldest) = self.order.pop_front() {
                self.by_id.remove(&oldest);
            }
        }
    }

    fn delivery(&self, id: &str) -> Option<Delivery> {
        let (accepted, tried) = *self.by_id.get(id)?;
        Some(Delivery::Sent { accepted, tried })
    }
}

impl From<Vec<Receipt>> for SentReceipts {
    fn from(receipts: Vec<Receipt>) -> Self {
        let mut sent = Self::default();
        for receipt in receipts {
            sent.record(&receipt.id, receipt.accepted, receipt.tried);
        }
        sent
    }
}

impl From<SentReceipts> for Vec<Receipt> {
    fn from(sent: SentReceipts) -> Self {
        sent.order
            .iter()
            .filter_map(|id| {
                let (accepted, tried) = *sent.by_id.get(id)?;
                Some(Receipt {
                    id: id.clone(),
                    accepted,
                    tried,
                })
            })
            .collect()
    }
}

/// The latest second of a conversation the user has seen, and the messages
/// of that second they saw: times are in whole seconds, so a message can
/// come later and still bear the same second.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadMarker {
    pub at: u64,
    pub ids: Vec<String>,
}

impl ReadMarker {
    /// Whether the user has seen the message `id` of second `at`. One older
    /// than the marker counts as seen even if it arrived after: relays
    /// deliver late rarely, and the marker stays one record per
    /// conversation.
    fn covers(&self, at: u64, id: &str) -> bool {
        at < self.at || (at == self.at && self.ids.iter().any(|seen| seen == id))
    }
}

impl History {
    /// The history the vault keeps: the list, the wraps opened, how far the
    /// user has read each conversation and how far sent messages got.
    pub fn with_stored(
        list: Vec<Listed>,
        known: HashSet<EventId>,
        read: BTreeMap<String, ReadMarker>,
        sent: SentReceipts,
    ) -> Self {
        let conversations = list
            .into_iter()
            .map(|listed| (listed.conversation.clone(), listed))
            .collect();
        Self {
            conversations,
            known,
            read,
            sent,
            ..Self::default()
        }
    }

    /// Says how far the records it was read from cover the event database.
    pub fn covering(self, coverage: Coverage) -> Self {
        Self { coverage, ..self }
    }

    /// Says the record of the wraps opened is still to be read
    /// ([`History::learn_known`]): until then the known wraps are not
    /// written, so the record is never replaced by a part of itself.
    pub fn awaiting_known(self) -> Self {
        Self {
            unlearned: Some(HashSet::new()),
            ..self
        }
    }

    /// Whether the record of the wraps opened is still to be read.
    pub fn awaits_known(&self) -> bool {
        self.unlearned.is_some()
    }

    /// Adds the wraps the record lists to those opened this session, but
    /// for the ones dropped since.
    pub fn learn_known(&mut self, stored: HashSet<EventId>) {
        let Some(dropped) = self.unlearned.take() else {
            return;
        };
        self.known
            .extend(stored.into_iter().filter(|wrap| !dropped.contains(wrap)));
    }

    /// How far the records it was read from cover the event database.
    pub fn coverage(&self) -> Coverage {
        self.coverage
    }

    /// Whether the event `wrap` was opened already.
    pub fn knows(&self, wrap: &EventId) -> bool {
        self.known.contains(wrap)
    }

    /// The events opened already.
    pub fn known(&self) -> &HashSet<EventId> {
        &self.known
    }

    /// The thread record to read before `conversation` can be filed in or
    /// paged, if it is not read yet.
    pub fn unread_thread(&self, conversation: &str) -> Option<String> {
        let listed = self.conversations.get(conversation)?;
        (!self.threads.contains_key(conversation)).then(|| listed.record.clone())
    }

    /// The thread records of strangers' conversations not read yet.
    pub fn unread_stranger_threads(&self) -> Vec<(String, String)> {
        self.conversations
            .values()
            .filter(|listed| !listed.mine && !self.threads.contains_key(&listed.conversation))
            .map(|listed| (listed.conversation.clone(), listed.record.clone()))
            .collect()
    }

    /// Takes `conversation`'s thread as its record holds it.
    pub fn read_thread(&mut self, conversation: &str, mut entries: Vec<Entry>) {
        entries.sort_by(|a, b| entry_order(a).cmp(&entry_order(b)));
        let ids = entries.iter().map(|entry| entry.id.clone()).collect();
        self.threads.insert(
            conversation.to_owned(),
            Thread {
                entries,
                ids,
                opened: HashMap::new(),
            },
        );
    }

    /// Adds `message`, which came in `wrap`, to its conversation, whose
    /// people but the user are `members`; false if it was already there
    /// (the copy of a message the user sent comes back with the same id),
    /// or if the conversation's thread is not read yet
    /// ([`History::unread_thread`]), which the engine reads first.
    /// `record` names the thread of a conversation new to the list.
    pub fn file(
        &mut self,
        members: &[String],
        mut message: ChatMessage,
        wrap: Wrap,
        record: impl FnOnce() -> String,
    ) -> bool {
        if self.unread_thread(&message.conversation).is_some() {
            return false;
        }
        if self.known.insert(wrap.id) {
            self.changes.known = true;
        }
        let conversation = message.conversation.clone();
        if message.delivery.is_none() {
            message.delivery = self.delivery(&message);
        }
        let unread = !message.from_me
            && !self
                .read
                .get(&conversation)
                .is_some_and(|read| read.covers(message.created_at, &message.id));
        let thread = self.threads.entry(conversation.clone()).or_default();
        if !thread.ids.insert(message.id.clone()) {
            return false;
        }
        let entry = Entry {
            wrap: wrap.id,
            id: message.id.clone(),
            at: message.created_at,
            mine: message.from_me,
            bytes: wrap.bytes,
        };
        let at = thread
            .entries
            .partition_point(|known| entry_order(known) <= entry_order(&entry));
        thread.entries.insert(at, entry);
        thread.opened.insert(message.id.clone(), message.clone());
        let listed = self
            .conversations
            .entry(conversation.clone())
            .or_insert_with(|| Listed {
                conversation: conversation.clone(),
                record: record(),
                members: members.to_vec(),
                subject: None,
                last: preview(&message),
                unread: 0,
                mine: false,
                messages: 0,
                bytes: 0,
            });
        if let Some(subject) = &message.subject {
            let given = (message.created_at, message.id.clone(), subject.clone());
            if listed.subject.as_ref() < Some(&given) {
                listed.subject = Some(given);
            }
        }
        if order(&listed.last) <= order(&message) {
            listed.last = preview(&message);
        }
        listed.unread += usize::from(unread);
        listed.mine |= message.from_me;
        listed.messages += 1;
        listed.bytes += u64::from(wrap.bytes);
        self.changes.list = true;
        self.changes.threads.insert(conversation);
        true
    }

    /// Keeps `message`, opened again for a page, for the rest of the
    /// session.
    pub fn reopened(&mut self, mut message: ChatMessage) {
        message.delivery = self.delivery(&message);
        if let Some(thread) = self.threads.get_mut(&message.conversation) {
            if thread.ids.contains(&message.id) {
                thread.opened.insert(message.id.clone(), message);
            }
        }
    }

    /// Notes that the event `wrap` holds no message for the user: it is
    /// deleted from the event store with the next writes.
    pub fn junk(&mut self, wrap: EventId) {
        self.changes.forget.push(wrap);
    }

    /// The people in `conversation` but the user, and its subject, if it is
    /// known.
    pub fn about(&self, conversation: &str) -> Option<(Vec<String>, Option<String>)> {
        let listed = self.conversations.get(conversation)?;
        Some((listed.members.clone(), subject(listed)))
    }

    /// Records how far message `id` got; returns the message as it now is,
    /// if it was opened this session.
    pub fn set_delivery(&mut self, id: &str, delivery: Delivery) -> Option<ChatMessage> {
        if let Delivery::Sent { accepted, tried } = delivery {
            self.sent.record(id, accepted, tried);
        }
        self.deliveries.insert(id.to_owned(), delivery.clone());
        self.threads.values_mut().find_map(|thread| {
            let message = thread.opened.get_mut(id)?;
            message.delivery = Some(delivery.clone());
            Some(message.clone())
        })
    }

    /// How far a message the user sent got, if that is known.
    fn delivery(&self, message: &ChatMessage) -> Option<Delivery> {
        if !message.from_me {
            return None;
        }
        let this_session = self.deliveries.get(&message.id).cloned();
        this_session.or_else(|| self.sent.delivery(&message.id))
    }

    /// A summary per conversation, the most recent first.
    pub fn summaries(&self) -> Vec<ConversationSummary> {
        let mut summaries: Vec<ConversationSummary> = self
            .conversations
            .values()
            .map(|listed| ConversationSummary {
                conversation: listed.conversation.clone(),
                members: listed.members.clone(),
                subject: subject(listed),
                last: ChatMessage {
                    delivery: self.delivery(&listed.last),
                    ..listed.last.clone()
                },
                unread: listed.unread,
            })
            .collect();
        summaries.sort_by(|a, b| order(&b.last).cmp(&order(&a.last)));
        summaries
    }

    /// The wraps to open before [`History::page`] can show that page: those
    /// of its messages not opened this session.
    pub fn page_wraps(
        &self,
        conversation: &str,
        before: Option<&MessageCursor>,
        limit: usize,
    ) -> Vec<EventId> {
        let Some(thread) = self.threads.get(conversation) else {
            return Vec::new();
        };
        let (start, end) = thread.page(before, limit);
        thread.entries[start..end]
            .iter()
            .filter(|entry| !thread.opened.contains_key(&entry.id))
            .map(|entry| entry.wrap)
            .collect()
    }

    /// Up to `limit` messages of `conversation` before `before` (the
    /// latest ones when `None`), oldest first, and where the page before
    /// them starts if there is one. A message whose wrap did not open again
    /// is left out.
    pub fn page(
        &self,
        conversation: &str,
        before: Option<&MessageCursor>,
        limit: usize,
    ) -> (Vec<ChatMessage>, Option<MessageCursor>) {
        let Some(thread) = self.threads.get(conversation) else {
            return (Vec::new(), None);
        };
        let (start, end) = thread.page(before, limit);
        let messages = thread.entries[start..end]
            .iter()
            .filter_map(|entry| thread.opened.get(&entry.id).cloned())
            .collect();
        let earlier = (start > 0).then(|| MessageCursor {
            created_at: thread.entries[start].at,
            id: thread.entries[start].id.clone(),
        });
        (messages, earlier)
    }

    /// Those of `ids` of `conversation` opened this session, in that order.
    pub fn opened(&self, conversation: &str, ids: &[String]) -> Vec<ChatMessage> {
        let Some(thread) = self.threads.get(conversation) else {
            return Vec::new();
        };
        ids.iter()
            .filter_map(|id| thread.opened.get(id).cloned())
            .collect()
    }

    /// Marks all of `conversation` read; true if that changed the marker.
    pub fn mark_read(&mut self, conversation: &str) -> bool {
        let Some(Thread { entries, .. }) = self.threads.get(conversation) else {
            return false;
        };
        let Some(latest) = entries.last() else {
            return false;
        };
        let at = latest.at;
        let from = entries.partition_point(|entry| entry.at < at);
        let marker = ReadMarker {
            at,
            ids: entries[from..]
                .iter()
                .map(|entry| entry.id.clone())
                .collect(),
        };
        if let Some(listed) = self.conversations.get_mut(conversation) {
            if listed.unread != 0 {
                listed.unread = 0;
                self.changes.list = true;
            }
        }
        if self.read.get(conversation) == Some(&marker) {
            return false;
        }
        self.read.insert(conversation.to_owned(), marker);
        self.changes.read = true;
        true
    }

    /// Whether strangers' messages are over their quota.
    pub fn over_quota(&self) -> bool {
        let (messages, bytes) = self
            .conversations
            .values()
            .filter(|listed| !listed.mine)
            .fold((0, 0), |(messages, bytes), listed| {
                (messages + listed.messages, bytes + listed.bytes)
            });
        messages > STRANGER_MESSAGES || bytes > STRANGER_BYTES
    }

    /// Drops strangers' oldest messages until they are within their quota;
    /// their wraps are deleted with the next writes. Their threads must be
    /// read ([`History::unread_stranger_threads`]).
    pub fn drop_strangers(&mut self) {
        while self.over_quota() {
            let oldest = self
                .conversations
                .values()
                .filter(|listed| !listed.mine)
                .filter_map(|listed| {
                    let first = self.threads.get(&listed.conversation)?.entries.first()?;
                    Some((entry_order(first), listed.conversation.clone()))
                })
                .min();
            let Some((_, conversation)) = oldest else {
                return;
            };
            self.drop_oldest(&conversation);
        }
    }

    /// Drops the oldest message of `conversation`, and the conversation
    /// with its last.
    fn drop_oldest(&mut self, conversation: &str) {
        let (Some(thread), Some(listed)) = (
            self.threads.get_mut(conversation),
            self.conversations.get_mut(conversation),
        ) else {
            return;
        };
        let entry = thread.entries.remove(0);
        thread.ids.remove(&entry.id);
        thread.opened.remove(&entry.id);
        self.known.remove(&entry.wrap);
        if let Some(unlearned) = &mut self.unlearned {
            unlearned.insert(entry.wrap);
        }
        self.changes.forget.push(entry.wrap);
        self.changes.known = true;
        self.changes.list = true;
        listed.messages = listed.messages.saturating_sub(1);
        listed.bytes = listed.bytes.saturating_sub(u64::from(entry.bytes));
        let read = self.read.get(conversation);
        if !entry.mine && !read.is_some_and(|read| read.covers(entry.at, &entry.id)) {
            listed.unread = listed.unread.saturating_sub(1);
        }
        if thread.entries.is_empty() {
            self.changes.removed.push(listed.record.clone());
            self.changes.threads.remove(conversation);
            self.conversations.remove(conversation);
            self.threads.remove(conversation);
            self.read.remove(conversation);
        } else {
            self.changes.threads.insert(conversation.to_owned());
        }
    }

    /// Whether messages were filed that the records lack, and the vault
    /// does not say so yet.
    pub fn needs_mark(&self) -> bool {
        let changes = &self.changes;
        !changes.marked && (changes.known || !changes.threads.is_empty())
    }

    /// Notes that the vault says the records lack what changed.
    pub fn marked(&mut self) {
        self.changes.marked = true;
    }

    /// Whether anything changed since [`History::take_changes`].
    pub fn changed(&self) -> bool {
        let changes = &self.changes;
        changes.list
            || changes.read
            || changes.known
            || !changes.threads.is_empty()
            || !changes.removed.is_empty()
            || !changes.forget.is_empty()
    }

    /// The records to write for what changed, and the events to delete.
    /// The known wraps wait for their record to be read; until then the
    /// writes are not [`Writes::whole`].
    pub fn take_changes(&mut self) -> serde_json::Result<Writes> {
        let mut changes = std::mem::take(&mut self.changes);
        let whole = !(changes.known && self.awaits_known());
        if !whole {
            changes.known = false;
            self.changes.known = true;
            // The vault's note that the records lack changes stays.
            self.changes.marked = changes.marked;
        }
        let list = changes
            .list
            .then(|| serde_json::to_vec(&self.conversations.values().collect::<Vec<_>>()))
            .transpose()?;
        let read = changes
            .read
            .then(|| serde_json::to_vec(&self.read))
            .transpose()?;
        let known = changes.known.then(|| {
            let mut bytes = Vec::with_capacity(self.known.len() * 32);
            self.known
                .iter()
                .for_each(|id| bytes.extend_from_slice(id.as_bytes()));
            bytes
        });
        let mut threads = Vec::with_capacity(changes.threads.len());
        for conversation in &changes.threads {
            let (Some(listed), Some(thread)) = (
                self.conversations.get(conversation),
                self.threads.get(conversation),
            ) else {
                continue;
            };
            threads.push((listed.record.clone(), encode_thread(&thread.entries)));
        }
        Ok(Writes {
            list,
            read,
            known,
            whole,
            threads,
            removed: changes.removed,
            forget: changes.forget,
        })
    }

    pub fn sent_receipts(&self) -> &SentReceipts {
        &self.sent
    }
}

impl Thread {
    /// The entries of the page of `limit` before `before` (the latest when
    /// `None`).
    fn page(&self, before: Option<&MessageCursor>, limit: usize) -> (usize, usize) {
        let end = match before {
            Some(cursor) => self.entries.partition_point(|entry| {
                entry_order(entry) < (cursor.created_at, cursor.id.as_str())
            }),
            None => self.entries.len(),
        };
        (end.saturating_sub(limit), end)
    }
}

/// How long one entry is in a thread record: the wrap's id, the message's,
/// its time, whether it is the user's, and its wrap's size. Fixed-size
/// entries, not JSON: opening a conversation of 20,000 messages reads its
/// thread, and this is a fraction of the JSON's size and parse.
const ENTRY_BYTES: usize = 32 + 32 + 8 + 1 + 4;

/// A thread record: its entries, one after the other.
fn encode_thread(entries: &[Entry]) -> Vec<u8> {
    let mut record = Vec::with_capacity(entries.len() * ENTRY_BYTES);
    for entry in entries {
        // Message ids are event ids (rumors' or NIP-04 events').
        let Ok(id) = EventId::from_hex(&entry.id) else {
            continue;
        };
        record.extend_from_slice(entry.wrap.as_bytes());
        record.extend_from_slice(id.as_bytes());
        record.extend_from_slice(&entry.at.to_be_bytes());
        record.push(u8::from(entry.mine));
        record.extend_from_slice(&entry.bytes.to_be_bytes());
    }
    record
}

/// The entries of a thread record (see [`ENTRY_BYTES`]); what is not in
/// that form is left out.
pub fn decode_thread(record: &[u8]) -> Vec<Entry> {
    record
        .chunks_exact(ENTRY_BYTES)
        .filter_map(|entry| {
            let (wrap, rest) = entry.split_at(32);
            let (id, rest) = rest.split_at(32);
            let (at, rest) = rest.split_at(8);
            let (mine, bytes) = rest.split_at(1);
            Some(Entry {
                wrap: EventId::from_slice(wrap).ok()?,
                id: EventId::from_slice(id).ok()?.to_hex(),
                at: u64::from_be_bytes(at.try_into().ok()?),
                mine: mine == [1],
                bytes: u32::from_be_bytes(bytes.try_into().ok()?),
            })
        })
        .collect()
}

/// The wraps a record of [`Writes::known`] lists; a damaged record is none
/// (every wrap is opened again once).
pub fn known_wraps(record: &[u8]) -> HashSet<EventId> {
    record
        .chunks_exact(32)
        .filter_map(|id| EventId::from_slice(id).ok())
        .collect()
}

fn subject(listed: &Listed) -> Option<String> {
    listed
        .subject
        .as_ref()
        .map(|(_, _, subject)| subject.clone())
}

/// `message` as the list keeps it: its text cut to a preview.
fn preview(message: &ChatMessage) -> ChatMessage {
    ChatMessage {
        text: message.text.chars().take(PREVIEW_CHARS).collect(),
        delivery: None,
        ..message.clone()
    }
}

fn order(message: &ChatMessage) -> (u64, &str) {
    (message.created_at, message.id.as_str())
}

fn entry_order(entry: &Entry) -> (u64, &str) {
    (entry.at, entry.id.as_str())
}

impl Wrap {
    /// The wrap `event` is.
    pub fn of(event: &nostr_sdk::prelude::Event) -> Self {
        use nostr_sdk::prelude::JsonUtil;
        Self {
            id: event.id,
            bytes: u32::try_from(event.as_json().len()).unwrap_or(u32::MAX),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nostr::hashes::{sha256, Hash};

    fn message(conversation: &str, id: &str, created_at: u64, from_me: bool) -> ChatMessage {
        ChatMessage {
            id: id.to_owned(),
            conversation: conversation.to_owned(),
            author: if from_me { "me" } else { conversation }.to_owned(),
            from_me,
            text: format!("text {id}"),
            subject: None,
            created_at,
            legacy: false,
            delivery: None,
        }
    }

    /// A wrap of `bytes` named after `message`'s id.
    fn wrap_of(message: &ChatMessage, bytes: u32) -> Wrap {
        let id =
            EventId::from_byte_array(sha256::Hash::hash(message.id.as_bytes()).to_byte_array());
        Wrap { id, bytes }
    }

    /// Files `message` in a conversation of two.
    fn file(history: &mut History, message: ChatMessage) -> bool {
        let members = [message.conversation.clone()];
        let wrap = wrap_of(&message, 1000);
        let record = message.conversation.clone();
        history.file(&members, message, wrap, || record)
    }

    /// The history of the next unlock: what `history`'s records say.
    fn reopened(history: &mut History) -> History {
        let writes = history.take_changes().expect("serialises");
        let list: Vec<Listed> =
            serde_json::from_slice(&writes.list.expect("a list")).expect("parses");
        let known = known_wraps(&writes.known.expect("known wraps"));
        let mut next =
            History::with_stored(list, known, history.read.clone(), history.sent.clone());
        for (record, entries) in writes.threads {
            let conversation = next
                .conversations
                .values()
                .find(|listed| listed.record == record)
                .map(|listed| listed.conversation.clone())
                .expect("a listed thread");
            next.read_thread(&conversation, decode_thread(&entries));
        }
        next
    }

    fn ids(messages: &[ChatMessage]) -> Vec<&str> {
        messages.iter().map(|message| message.id.as_str()).collect()
    }

    #[test]
    fn messages_are_ordered_by_time_then_id_and_filed_once() {
        let mut history = History::default();
        assert!(file(&mut history, message("bob", "c", 30, false)));
        assert!(file(&mut history, message("bob", "b", 10, true)));
        assert!(file(&mut history, message("bob", "a", 30, false)));
        assert!(!file(&mut history, message("bob", "b", 10, true)));
        let (page, earlier) = history.page("bob", None, 10);
        assert_eq!(ids(&page), ["b", "a", "c"]);
        assert_eq!(earlier, None);
    }

    #[test]
    fn pages_go_back_in_time_until_the_first_message() {
        let mut history = History::default();
        for n in 0..7u64 {
            file(
                &mut history,
                message("bob", &format!("m{n}"), 100 + n, n % 2 == 0),
            );
        }
        let (latest, earlier) = history.page("bob", None, 3);
        assert_eq!(ids(&latest), ["m4", "m5", "m6"]);
        let (middle, earlier) = history.page("bob", earlier.as_ref(), 3);
        assert_eq!(ids(&middle), ["m1", "m2", "m3"]);
        let (first, earlier) = history.page("bob", earlier.as_ref(), 3);
        assert_eq!(ids(&first), ["m0"]);
        assert_eq!(earlier, None);
        assert_eq!(history.page("carol", None, 3), (Vec::new(), None));
    }

    #[test]
    fn unread_counts_their_messages_the_marker_does_not_cover() {
        let marker = ReadMarker {
            at: 20,
            ids: vec!["seen".to_owned()],
        };
        let mut history = History::with_stored(
            Vec::new(),
            HashSet::new(),
            BTreeMap::from([("bob".to_owned(), marker)]),
            SentReceipts::default(),
        );
        file(&mut history, message("bob", "old", 10, false));
        file(&mut history, message("bob", "seen", 20, false));
        file(&mut history, message("bob", "same second", 20, false));
        file(&mut history, message("bob", "mine", 25, true));
        file(&mut history, message("bob", "new", 30, false));
        file(&mut history, message("carol", "hi", 5, false));
        let summaries = history.summaries();
        let unread: Vec<(&str, usize, &str)> = summaries
            .iter()
            .map(|s| (s.conversation.as_str(), s.unread, s.last.id.as_str()))
            .collect();
        assert_eq!(unread, [("bob", 2, "new"), ("carol", 1, "hi")]);

        assert!(history.mark_read("bob"));
        assert!(!history.mark_read("bob"));
        assert_eq!(history.summaries()[0].unread, 0);
        // A message bearing the second already read is still new.
        file(&mut history, message("bob", "also at 30", 30, false));
        assert_eq!(history.summaries()[0].unread, 1);
        assert!(history.mark_read("bob"));
        assert_eq!(
            history.read.get("bob").map(|m| (m.at, m.ids.len())),
            Some((30, 2))
        );
    }

    #[test]
    fn a_delivery_updates_the_message_in_place() {
        let mut history = History::default();
        file(&mut history, message("bob", "x", 10, true));
        let updated = history.set_delivery("x", Delivery::Waiting);
        assert_eq!(updated.map(|m| m.delivery), Some(Some(Delivery::Waiting)));
        let (page, _) = history.page("bob", None, 1);
        assert_eq!(page[0].delivery, Some(Delivery::Waiting));
        assert_eq!(history.set_delivery("unknown", Delivery::Sending), None);
    }

    #[test]
    fn a_group_keeps_its_members_and_its_latest_subject() {
        let mut history = History::default();
        let members = ["bob".to_owned(), "carol".to_owned()];
        let named = |id: &str, at: u64, subject: &str| ChatMessage {
            subject: Some(subject.to_owned()),
            ..message("group-x", id, at, false)
        };
        for message in [
            named("b", 20, "Later name"),
            named("a", 10, "First name"),
            message("group-x", "c", 30, true),
        ] {
            let wrap = wrap_of(&message, 1000);
            history.file(&members, message, wrap, || "group".to_owned());
        }
        let summary = &history.summaries()[0];
        assert_eq!(summary.members, members);
        assert_eq!(summary.subject.as_deref(), Some("Later name"));
        assert_eq!(
            history.about("group-x"),
            Some((members.to_vec(), Some("Later name".to_owned())))
        );
        assert_eq!(history.about("group-y"), None);
    }

    #[test]
    fn what_relays_took_is_remembered_for_the_next_session_up_to_a_bound() {
        let mut history = History::default();
        file(&mut history, message("bob", "x", 10, true));
        history.set_delivery(
            "x",
            Delivery::Sent {
                accepted: 2,
                tried: 3,
            },
        );
        let record = serde_json::to_vec(history.sent_receipts()).expect("serialises");
        let kept: SentReceipts = serde_json::from_slice(&record).expect("parses");

        let mut next = History::with_stored(Vec::new(), HashSet::new(), BTreeMap::new(), kept);
        file(&mut next, message("bob", "x", 10, true));
        file(&mut next, message("bob", "theirs", 11, false));
        let (page, _) = next.page("bob", None, 10);
        let deliveries: Vec<_> = page.iter().map(|m| m.delivery.clone()).collect();
        assert_eq!(
            deliveries,
            [
                Some(Delivery::Sent {
                    accepted: 2,
                    tried: 3
                }),
                None
            ]
        );

        let mut many = SentReceipts::default();
        for n in 0..=KEPT_RECEIPTS {
            many.record(&n.to_string(), 1, 1);
        }
        assert_eq!(many.delivery("0"), None, "the oldest is forgotten");
        assert!(many.delivery(&KEPT_RECEIPTS.to_string()).is_some());
    }

    #[test]
    fn the_next_unlock_lists_from_the_records_and_pages_once_the_wraps_open_again() {
        // Message ids are event ids, as the records keep them.
        let m = |n: u64| format!("{n:064x}");
        let mut history = History::default();
        for n in 0..5u64 {
            file(&mut history, message("bob", &m(n), 100 + n, n == 4));
        }
        file(&mut history, message("carol", &m(9), 50, false));
        let summaries = history.summaries();
        let mut next = reopened(&mut history);
        assert_eq!(next.summaries(), summaries, "the list needs no wrap opened");
        assert!(!next.changed());

        // A page asks for its own wraps, and shows what opened of them.
        let wraps = next.page_wraps("bob", None, 2);
        let m3 = message("bob", &m(3), 103, false);
        let m4 = message("bob", &m(4), 104, true);
        assert_eq!(wraps, [wrap_of(&m3, 1000).id, wrap_of(&m4, 1000).id]);
        next.reopened(m4);
        let (page, earlier) = next.page("bob", None, 2);
        assert_eq!(ids(&page), [m(4)], "m3's wrap did not open");
        assert_eq!(earlier.map(|cursor| cursor.id), Some(m(3)));
        assert!(next.knows(&wrap_of(&m3, 1000).id));
        // A message seen before is filed once, in any session.
        assert!(!file(&mut next, message("bob", &m(2), 102, false)));
    }

    #[test]
    fn strangers_past_their_quota_lose_their_oldest_messages_and_the_users_never() {
        let mut history = History::default();
        // The user wrote to Bob, whose message is older than any stranger's.
        file(&mut history, message("bob", "old", 1, false));
        file(&mut history, message("bob", "mine", 2, true));
        for n in 0..STRANGER_MESSAGES + 10 {
            let stranger = format!("stranger{}", n % 3);
            file(
                &mut history,
                message(&stranger, &format!("s{n:04}"), 10 + n as u64, false),
            );
        }
        assert!(history.over_quota());
        history.drop_strangers();
        assert!(!history.over_quota());
        let (bob, _) = history.page("bob", None, 10);
        assert_eq!(ids(&bob), ["old", "mine"]);
        let kept: usize = ["stranger0", "stranger1", "stranger2"]
            .iter()
            .map(|stranger| history.page(stranger, None, usize::MAX).0.len())
            .sum();
        assert_eq!(kept, STRANGER_MESSAGES);
        let writes = history.take_changes().expect("serialises");
        let dropped: Vec<EventId> = (0..10)
            .map(|n| wrap_of(&message("", &format!("s{n:04}"), 0, false), 0).id)
            .collect();
        assert_eq!(writes.forget, dropped, "the oldest ten, wraps and all");

        // A stranger whose every message goes leaves the list.
        let mut history = History::default();
        file(&mut history, message("big", "huge", 1, false));
        history.conversations.get_mut("big").expect("listed").bytes = STRANGER_BYTES + 1;
        file(&mut history, message("small", "hello", 2, false));
        history.drop_strangers();
        let left: Vec<String> = history
            .summaries()
            .into_iter()
            .map(|s| s.conversation)
            .collect();
        assert_eq!(left, ["small"]);
        assert_eq!(history.take_changes().expect("serialises").removed, ["big"]);
    }

    #[test]
    fn junk_is_forgotten_with_the_next_writes_and_the_list_keeps_a_preview() {
        let mut history = History::default();
        let junk = EventId::all_zeros();
        history.junk(junk);
        assert!(history.changed());
        assert_eq!(history.take_changes().expect("serialises").forget, [junk]);
        assert!(!history.changed());

        let long = ChatMessage {
            text: "x".repeat(10_000),
            ..message("bob", "long", 1, false)
        };
        file(&mut history, long);
        assert_eq!(history.summaries()[0].last.text.len(), PREVIEW_CHARS);
        assert_eq!(history.page("bob", None, 1).0[0].text.len(), 10_000);
    }
}
