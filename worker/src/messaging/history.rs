//! The conversations of one unlocked session, decrypted.
//!
//! Plaintext lives here and nowhere else: it is rebuilt from the event
//! database's gift wraps at each unlock and dropped at each lock. What the
//! app sees is cut from it: a summary per conversation and pages of
//! messages, never the whole history.

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::protocol::{ChatMessage, ConversationSummary, Delivery, MessageCursor};

/// Every conversation, by its id (see [`crate::messaging::room::Room::id`]),
/// with how far the user has read each.
#[derive(Debug, Default)]
pub struct History {
    conversations: HashMap<String, Thread>,
    /// Each message's conversation, by message id: finds a message to update.
    filed_in: HashMap<String, String>,
    /// Per conversation, how far the user has read.
    read: BTreeMap<String, ReadMarker>,
    /// How far the user's sent messages got once relays took them: the
    /// outbox forgets a message then, and its conversation still tells.
    sent: SentReceipts,
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

/// One conversation.
#[derive(Debug, Default)]
struct Thread {
    /// Everyone in it but the user (npubs).
    members: Vec<String>,
    /// Oldest first, ordered by `(created_at, id)`.
    messages: Vec<ChatMessage>,
    /// The latest subject given, and when.
    subject: Option<(u64, String, String)>,
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
    /// Whether the user has seen `message`. One older than the marker
    /// counts as seen even if it arrived after: relays deliver late rarely,
    /// and the marker stays one record per conversation.
    fn covers(&self, message: &ChatMessage) -> bool {
        message.created_at < self.at
            || (message.created_at == self.at && self.ids.contains(&message.id))
    }
}

impl History {
    /// A history where the user has read each conversation up to `read`'s
    /// markers, and relays took messages as `sent` says.
    pub fn with_stored(read: BTreeMap<String, ReadMarker>, sent: SentReceipts) -> Self {
        Self {
            read,
            sent,
            ..Self::default()
        }
    }

    /// Adds `message` to its conversation, whose people but the user are
    /// `members`; false if it was already there (the copy of a message the
    /// user sent comes back with the same id).
    pub fn file(&mut self, members: &[String], mut message: ChatMessage) -> bool {
        if self.filed_in.contains_key(&message.id) {
            return false;
        }
        if message.from_me && message.delivery.is_none() {
            message.delivery = self.sent.delivery(&message.id);
        }
        self.filed_in
            .insert(message.id.clone(), message.conversation.clone());
        let thread = self
            .conversations
            .entry(message.conversation.clone())
            .or_insert_with(|| Thread {
                members: members.to_vec(),
                ..Thread::default()
            });
        if let Some(subject) = &message.subject {
            let given = (message.created_at, message.id.clone(), subject.clone());
            if thread.subject.as_ref() < Some(&given) {
                thread.subject = Some(given);
            }
        }
        let messages = &mut thread.messages;
        let at = messages.partition_point(|known| order(known) <= order(&message));
        messages.insert(at, message);
        true
    }

    /// The people in `conversation` but the user, and its subject, if it is
    /// known.
    pub fn about(&self, conversation: &str) -> Option<(Vec<String>, Option<String>)> {
        let thread = self.conversations.get(conversation)?;
        Some((thread.members.clone(), thread.subject()))
    }

    /// Records how far message `id` got; returns the message as it now is.
    pub fn set_delivery(&mut self, id: &str, delivery: Delivery) -> Option<ChatMessage> {
        if let Delivery::Sent { accepted, tried } = delivery {
            self.sent.record(id, accepted, tried);
        }
        let conversation = self.filed_in.get(id)?;
        let message = self
            .conversations
            .get_mut(conversation)?
            .messages
            .iter_mut()
            .rev()
            .find(|message| message.id == id)?;
        message.delivery = Some(delivery);
        Some(message.clone())
    }

    /// A summary per conversation, the most recent first.
    pub fn summaries(&self) -> Vec<ConversationSummary> {
        let mut summaries: Vec<ConversationSummary> = self
            .conversations
            .iter()
            .filter_map(|(conversation, thread)| {
                Some(ConversationSummary {
                    conversation: conversation.clone(),
                    members: thread.members.clone(),
                    subject: thread.subject(),
                    last: thread.messages.last()?.clone(),
                    unread: self.unread(conversation, &thread.messages),
                })
            })
            .collect();
        summaries.sort_by(|a, b| order(&b.last).cmp(&order(&a.last)));
        summaries
    }

    /// Their messages the read marker does not cover. Messages are ordered
    /// by time, so only the tail from the marker's second is looked at.
    fn unread(&self, conversation: &str, messages: &[ChatMessage]) -> usize {
        let Some(read) = self.read.get(conversation) else {
            return messages.iter().filter(|message| !message.from_me).count();
        };
        let from = messages.partition_point(|message| message.created_at < read.at);
        messages[from..]
            .iter()
            .filter(|message| !message.from_me && !read.covers(message))
            .count()
    }

    /// Up to `limit` messages of `conversation` before `before` (the
    /// latest ones when `None`), oldest first, and where the page before
    /// them starts if there is one.
    pub fn page(
        &self,
        conversation: &str,
        before: Option<&MessageCursor>,
        limit: usize,
    ) -> (Vec<ChatMessage>, Option<MessageCursor>) {
        let Some(Thread { messages, .. }) = self.conversations.get(conversation) else {
            return (Vec::new(), None);
        };
        let end = match before {
            Some(cursor) => messages.partition_point(|message| {
                order(message) < (cursor.created_at, cursor.id.as_str())
            }),
            None => messages.len(),
        };
        let start = end.saturating_sub(limit);
        let earlier = (start > 0).then(|| cursor(&messages[start]));
        (messages[start..end].to_vec(), earlier)
    }

    /// Marks all of `conversation` read; true if that changed the marker.
    pub fn mark_read(&mut self, conversation: &str) -> bool {
        let Some(Thread { messages, .. }) = self.conversations.get(conversation) else {
            return false;
        };
        let Some(latest) = messages.last() else {
            return false;
        };
        let at = latest.created_at;
        let from = messages.partition_point(|message| message.created_at < at);
        let marker = ReadMarker {
            at,
            ids: messages[from..].iter().map(|m| m.id.clone()).collect(),
        };
        if self.read.get(conversation) == Some(&marker) {
            return false;
        }
        self.read.insert(conversation.to_owned(), marker);
        true
    }

    pub fn read_markers(&self) -> &BTreeMap<String, ReadMarker> {
        &self.read
    }

    pub fn sent_receipts(&self) -> &SentReceipts {
        &self.sent
    }
}

impl Thread {
    fn subject(&self) -> Option<String> {
        self.subject.as_ref().map(|(_, _, subject)| subject.clone())
    }
}

fn order(message: &ChatMessage) -> (u64, &str) {
    (message.created_at, message.id.as_str())
}

fn cursor(message: &ChatMessage) -> MessageCursor {
    MessageCursor {
        created_at: message.created_at,
        id: message.id.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Files `message` in a conversation of two.
    fn file(history: &mut History, message: ChatMessage) -> bool {
        let members = [message.conversation.clone()];
        history.file(&members, message)
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
            history
                .read_markers()
                .get("bob")
                .map(|m| (m.at, m.ids.len())),
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
        history.file(&members, named("b", 20, "Later name"));
        history.file(&members, named("a", 10, "First name"));
        history.file(&members, message("group-x", "c", 30, true));
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

        let mut next = History::with_stored(BTreeMap::new(), kept);
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
}
