//! The user's relays (NIP-65, NIP-17 inbox relays), their live
//! connections (NIP-42) and what they say about themselves (NIP-11).

use serde::{Deserialize, Serialize};

/// One of the user's relays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayView {
    /// Normalised (`wss://relay.example.com`).
    pub url: String,
    /// Private messages are fetched there; it is one of the inbox relays.
    pub read: bool,
    /// What the user publishes goes there.
    pub write: bool,
    pub connection: RelayConnection,
    pub auth: RelayAuth,
}

/// A relay's connection, live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum RelayConnection {
    /// Messaging is not running (locked, or no key to message with).
    Off,
    Connecting,
    Connected,
    Disconnected,
    /// The last attempt failed, for `reason` (as the connection reported
    /// it); it is tried again.
    Failed {
        reason: String,
    },
}

/// that went on this connection. The engine answers by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelayAuth {
    NotAsked,
    Authenticated,
    Failed,
}

/// What a relay says about itself (NIP-11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayInfo {
    pub name: Option<String>,
    pub description: Option<String>,
    pub contact: Option<String>,
    pub software: Option<String>,
    pub version: Option<String>,
    pub supported_nips: Vec<u16>,
    /// Only authenticated users (NIP-42) may use it.
    pub auth_required: bool,
    /// Only paying users may use it.
    pub payment_required: bool,
}
