//! The document `GET /api/dev/config` serves: where the app finds the
//! development services.

use serde::{Deserialize, Serialize};

/// The chain the dev services' Lightning invoices are for (`lnbcrt…`), as the
/// app names networks.
pub const DEV_NETWORK: &str = "regtest";

/// Where the app finds the development services, used instead of its
/// production defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevConfig {
    /// NOSTR relay URLs (`ws://127.0.0.1:<port>`).
    pub relays: Vec<String>,
    /// Cashu mint URLs (`http://<server address>/mint`).
    pub mints: Vec<String>,
    /// The chain the dev mint's and accounts' invoices are for:
    /// [`DEV_NETWORK`], so the app accepts regtest invoices in dev.
    pub network: String,
}
