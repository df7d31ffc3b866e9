//! Private messages (NIP-17): conversations, their messages, and how far
//! each message the user sent got.

use serde::{Deserialize, Serialize};

/// The most messages one [`Command::OpenConversation`](crate::Command::OpenConversation) returns.
pub const MAX_MESSAGES_PAGE: usize = 200;

/// The most people a message goes to: each costs a gift wrap and a lookup
/// of their inbox relays (NIP-17 rooms are meant to be small).
pub const MAX_RECIPIENTS: usize = 100;

/// Whether private messages can be sent and received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum MessagingState {
    /// Locked, or no key to message with.
    Off,
    Connecting,
    /// Messages can be read and written. `connected` of the user's `relays`
    /// are in use; with none, new messages wait in the outbox. `dropped`
    /// counts what relays sent that was not a valid event (bad signature
    /// or id, unreadable, expired) and was thrown away.
    Ready {
        relays: Vec<String>,
        connected: usize,
        dropped: u64,
    },
    Failed {
        reason: String,
    },
}

/// many of their messages came since the user last opened it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationSummary {
    /// Names the conversation: the other person's npub, or for a group,
    /// `group-` and a digest of who is in it (a NIP-17 room is its people).
    pub conversation: String,
    /// Everyone in it but the user (npubs, sorted); just the user in notes
    /// to self.
    pub members: Vec<String>,
    /// The group's latest subject, if it was given one.
    pub subject: Option<String>,
    pub last: ChatMessage,
    pub unread: usize,
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub id: String,
    /// The conversation it belongs to ([`ConversationSummary::conversation`]).
    pub conversation: String,
    /// Who wrote it (npub).
    pub author: String,
    pub from_me: bool,
    pub text: String,
    /// The group's name from this message on, when it gives one (NIP-17
    /// `subject`).
    pub subject: Option<String>,
    /// Seconds since the Unix epoch, as the author wrote it.
    pub created_at: u64,
    /// A NIP-04 message (kind 4): legacy and less private, since relays see
    /// who wrote to whom and when. Read, never sent.
    pub legacy: bool,
    /// How far a message the user sent got: known for those sent in this
    /// session and those still in the outbox; `None` for the rest.
    pub delivery: Option<Delivery>,
}

/// Where a message the user sent stands.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Delivery {
    /// Being handed to the recipient's relays.
    Sending,
    /// No relay could be reached: kept in the outbox, and sent as soon as
    /// one can.
    Waiting,
    /// `accepted` of the recipient's `tried` inbox relays took it.
    Sent { accepted: usize, tried: usize },
    /// The relays refused it or the recipient cannot be reached: kept in the
    /// outbox until [`Command::RetryMessage`](crate::Command::RetryMessage).
    Failed { reason: String },
}

/// (conversations are ordered by time, then id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageCursor {
    pub created_at: u64,
    pub id: String,
}
