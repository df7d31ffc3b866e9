//! The UI↔engine protocol, read top to bottom.
//!
//! Every message crosses `postMessage` as a JSON string, so both sides share
//! exactly these types and nothing else:
//!
//! 0. The engine's first message is a [`Hello`] naming the protocol it
//!    speaks; the app goes on only if that is its own [`PROTOCOL_VERSION`].
//! 1. The engine announces itself with [`Event::Started`] once it listens.
//! 2. The app sends [`ToEngine::Request`]s, each with a fresh [`RequestId`].
//! 3. The engine answers every request with one [`FromEngine::Response`]
//!    carrying the same id, and pushes [`FromEngine::Event`]s whenever its
//!    state changes.
//!
//! The envelope is here; what it carries is one module per capability, read
//! in this order: [`profiles`], [`vault`] and [`signer`], [`messaging`],
//! [`contacts`], [`relays`], [`lightning`], [`ecash`], [`account`],
//! [`history`]. Each holds the types its commands and replies carry;
//! [`Command`], [`Reply`] and [`Event`] list them in marked sections in the
//! same order, and [`EngineError`] says what can go wrong. Passphrases,
//! mnemonics and keys cross as [`Secret`]s.

mod handshake;

pub mod command;
pub mod error;
pub mod event;
pub mod reply;
pub mod secret;

pub mod account;
pub mod contacts;
pub mod ecash;
pub mod history;
pub mod lightning;
pub mod messaging;
pub mod profiles;
pub mod relays;
pub mod signer;
pub mod vault;

pub use account::*;
pub use command::Command;
pub use contacts::*;
pub use ecash::*;
pub use error::{EngineError, Field};
pub use event::Event;
pub use handshake::{Hello, PROTOCOL_VERSION};
pub use history::*;
pub use lightning::*;
pub use messaging::*;
pub use profiles::*;
pub use relays::*;
pub use reply::Reply;
pub use secret::Secret;
pub use signer::*;
pub use vault::*;

use serde::{Deserialize, Serialize};

/// Names one request so its response finds its way back to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RequestId(pub u32);

/// Everything the app sends to the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToEngine {
    Request { id: RequestId, command: Command },
}

/// Everything the engine sends to the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FromEngine {
    /// The answer to the request with the same id.
    Response {
        id: RequestId,
        outcome: Result<Reply, EngineError>,
    },
    /// A state change the app did not ask for.
    Event(Event),
}

/// Where the engine is in its life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum EngineStatus {
    Starting,
    Ready {
        version: String,
    },
    /// The engine cannot work; `message` says why in words a user can act on.
    Failed {
        message: String,
    },
}

// ---------------------------------------------------------------------------
// Wire format
// ---------------------------------------------------------------------------

/// Why a message could not be read.
#[derive(Debug, thiserror::Error)]
#[error("malformed protocol message: {0}")]
pub struct DecodeError(#[from] serde_json::Error);

/// Serialises a protocol message for `postMessage`.
pub fn encode<T: Serialize>(message: &T) -> String {
    // The protocol types are plain data (no maps with non-string keys, no
    // failing Serialize impls), so serde_json cannot fail on them.
    serde_json::to_string(message)
        .unwrap_or_else(|error| unreachable!("protocol types always serialise: {error}"))
}

/// Reads a protocol message received from `postMessage`.
pub fn decode<'a, T: Deserialize<'a>>(text: &'a str) -> Result<T, DecodeError> {
    Ok(serde_json::from_str(text)?)
}
