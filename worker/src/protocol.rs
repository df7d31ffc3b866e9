//! The UI↔engine protocol, read top to bottom.
//!
//! Every message crosses `postMessage` as a JSON string, so both sides share
//! exactly these types and nothing else:
//!
//! 1. The engine announces itself with [`Event::Started`] once it listens.
//! 2. The app sends [`ToEngine::Request`]s, each with a fresh [`RequestId`].
//! 3. The engine answers every request with one [`FromEngine::Response`]
//!    carrying the same id, and pushes [`FromEngine::Event`]s whenever its
//!    state changes.

use serde::{Deserialize, Serialize};

/// Names one request so its response finds its way back to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RequestId(pub u32);

// ---------------------------------------------------------------------------
// App → engine
// ---------------------------------------------------------------------------

/// Everything the app sends to the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToEngine {
    Request { id: RequestId, command: Command },
}

/// What the app can ask of the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Command {
    /// Report the engine's current status; answered with [`Reply::Status`].
    GetStatus,
}

// ---------------------------------------------------------------------------
// Engine → app
// ---------------------------------------------------------------------------

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

/// The successful answer to a [`Command`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Reply {
    Status { status: EngineStatus },
}

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

/// Why the engine could not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum EngineError {
    #[error("the engine could not read a message from the app: {reason}")]
    MalformedMessage { reason: String },
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
