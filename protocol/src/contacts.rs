//! People: profiles (NIP-01 kind 0, NIP-05), who the user follows
//! (NIP-02), and what a search finds.

use serde::{Deserialize, Serialize};

/// The most npubs one [`Command::GetNames`](crate::Command::GetNames) answers for.
pub const MAX_NAMES: usize = 500;

/// The profile fields the user edits ([`crate::Command::SetMyProfile`]); an
/// empty one is removed from the profile.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileFields {
    pub name: String,
    pub display_name: String,
    pub about: String,
    /// A picture's web address.
    pub picture: String,
    /// A NIP-05 address, name@domain.
    pub nip05: String,
    /// A Lightning address, name@domain.
    pub lud16: String,
}

/// Redacted: what the user types stays out of logs until it is published.
impl std::fmt::Debug for ProfileFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProfileFields(…)")
    }
}

/// Someone's public profile (kind 0), as the app shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub npub: String,
    /// The npub with relays where they publish (NIP-19), to share.
    pub nprofile: String,
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub about: Option<String>,
    /// The picture's web address, as they wrote it.
    pub picture: Option<String>,
    pub nip05: Option<Nip05>,
    /// Their Lightning address (LUD-16).
    pub lud16: Option<String>,
    /// Whether the user follows them.
    pub followed: bool,
    /// Whether this is the user.
    pub me: bool,
    /// When their profile was written (seconds since the Unix epoch);
    /// `None` when no profile of theirs was found.
    pub updated_at: Option<u64>,
}

/// A NIP-05 address a profile claims, and whether its domain confirms it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nip05 {
    /// As people write it (`name@domain`, or `domain` for `_@domain`).
    pub address: String,
    pub status: Nip05Status,
}

/// Whether a NIP-05 address belongs to the key that claims it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Nip05Status {
    /// Not checked (yet): lists show what was checked before only.
    Unchecked,
    /// The domain names this key: show the badge.
    Verified,
    /// The domain names another key, or none: never show a badge.
    Mismatch,
    /// The domain could not be asked; `reason` says why.
    Failed { reason: String },
}

/// An event a pasted nevent, note or naddr points to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotePreview {
    /// The event's nevent (or the naddr pasted), to share.
    pub code: String,
    pub kind: u16,
    pub author: String,
    /// The first few hundred characters of its content.
    pub preview: String,
    pub created_at: u64,
}

/// The name to show for `npub`: display name, else name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName {
    pub npub: String,
    pub name: String,
}
