//! The document `GET /api/dev/config` serves: where the app finds the
//! development services.

use serde::{Deserialize, Serialize};

/// Where the app finds the development services, used instead of its
/// production defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevConfig {
    /// NOSTR relay URLs (`ws://127.0.0.1:<port>`).
    pub relays: Vec<String>,
    /// Cashu mint URLs (`http://<server address>/mint`).
    pub mints: Vec<String>,
}
