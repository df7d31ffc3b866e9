//! The vault: who the user is, whether their keys are open, and the
//! mnemonic and secrets it keeps.

use serde::{Deserialize, Serialize};

use crate::SignerKind;

/// Who the user is, as far as the app may know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Identity {
    /// The profile is open in another tab; taking it over closes it there.
    Elsewhere,
    /// No wallet in this browser yet: onboarding.
    None,
    /// A vault exists and is closed.
    Locked { npub: Option<String> },
    /// Keys are available to the engine.
    Unlocked {
        npub: String,
        signer: SignerKind,
        has_seed: bool,
        auto_lock_minutes: u32,
    },
}

/// How long a new mnemonic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WordCount {
    Twelve,
    TwentyFour,
}

/// A secret the user can take out of the vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    /// The BIP39 words.
    Mnemonic,
    /// The NOSTR secret key, bech32 (`nsec1…`).
    Nsec,
    /// The NOSTR secret key encrypted with the passphrase (NIP-49, `ncryptsec1…`).
    Ncryptsec,
}

/// What is wrong with a typed mnemonic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum MnemonicProblem {
    WrongLength { count: usize },
    UnknownWords { words: Vec<UnknownWord> },
    BadChecksum,
}

/// A word that is not in the BIP39 list, with likely intended words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnknownWord {
    /// 1-based position in the phrase.
    pub position: usize,
    pub word: String,
    pub suggestions: Vec<String>,
}
