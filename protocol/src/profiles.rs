//! Profiles: the wallets kept in this browser, one database each, and
//! which of them this tab has open.

use serde::{Deserialize, Serialize};

/// What the user types to confirm deleting a profile.
pub const DELETE_CONFIRMATION: &str = "delete";

/// One profile in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileSummary {
    pub id: String,
    /// Who it belongs to, if onboarding got that far.
    pub npub: Option<String>,
}
