//! What the engine pushes without being asked.

use serde::{Deserialize, Serialize};

use crate::*;

/// State changes the engine pushes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Event {
    /// The engine is listening: requests sent from now on are answered.
    Started,
    /// The engine's status changed.
    Status { status: EngineStatus },
    /// A message from the app could not be read, so it has no id to answer.
    Rejected { error: EngineError },
    /// The engine needs the page's NIP-07 extension (`window.nostr`, which
    /// a worker cannot reach) for the user's key; answer with
    /// [`Command::ExtensionAnswer`].
    ExtensionRequest {
        request_id: u32,
        call: ExtensionCall,
    },
    /// The identity changed without a request (e.g. auto-lock).
    Identity { identity: Identity },
    /// A private message arrived (or the copy of one the user sent), or the
    /// delivery of one the user sent changed: which one. The page asks for
    /// what it shows ([`Command::GetMessages`], [`Command::OpenConversation`]),
    /// so no message's text leaves the engine unasked.
    Message { conversation: String, id: String },
    /// The relays' state for messaging changed.
    Messaging { state: MessagingState },
    /// The user's relays changed, or how one of them is connected.
    Relays { relays: Vec<RelayView> },
    /// The eCash wallet changed without a request (e.g. a token reclaimed).
    Ecash { wallet: EcashWallet },
    /// A NUT-13 restore reached `done` of `of` mints, `amount` sat found so far.
    Restoring { done: usize, of: usize, amount: u64 },
    /// The Lightning account changed (see [`Command::WatchAccount`]).
    Account { account: LightningAccount },
}
