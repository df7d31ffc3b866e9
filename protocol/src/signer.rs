//! Who signs for the user's NOSTR key, and what the engine asks of a
//! NIP-07 extension through the page.

use serde::{Deserialize, Serialize};

use crate::Secret;

/// Who signs for the user's NOSTR key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignerKind {
    /// A key derived from the seed (NIP-06) or imported, held in the vault.
    Local,
    /// A NIP-07 browser extension; the engine never sees the key.
    Extension,
    /// A NIP-46 remote signer ("bunker"); the engine never sees the key.
    RemoteSigner,
    /// No key at all: an npub followed read-only.
    ReadOnly,
}

/// What the engine asks of the page's NIP-07 extension; each answers a
/// string. Plaintexts are [`Secret`]s: they are private messages' text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "method")]
pub enum ExtensionCall {
    /// `signEvent` of `event` (JSON of an unsigned event): the signed
    /// event's JSON, which the engine verifies.
    SignEvent { event: String },
    /// `nip44.encrypt(pubkey, plaintext)`.
    Nip44Encrypt { pubkey: String, plaintext: Secret },
    /// `nip44.decrypt(pubkey, ciphertext)`.
    Nip44Decrypt { pubkey: String, ciphertext: String },
    /// `nip04.encrypt(pubkey, plaintext)`.
    Nip04Encrypt { pubkey: String, plaintext: Secret },
    /// `nip04.decrypt(pubkey, ciphertext)`.
    Nip04Decrypt { pubkey: String, ciphertext: String },
}
