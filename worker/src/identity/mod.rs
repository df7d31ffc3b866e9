//! Identity: one BIP39 seed and every key derived from it.
//!
//! The user backs up a single phrase ([`mnemonic`]); from its 64-byte seed
//! come the NOSTR key ([`nostr_key`], NIP-06), the on-chain account
//! ([`onchain`], BIP84) and the eCash secrets ([`cashu`], NUT-13). Secrets
//! are wiped on drop and no `Debug` here prints one.

mod bip32;
pub mod cashu;
pub mod mnemonic;
pub mod nostr_key;
pub mod onchain;

pub use self::bip32::DerivationError;
pub use self::cashu::{CashuError, CashuSeed, ProofSecrets};
pub use self::mnemonic::{
    generate, parse, suggest, GenerateError, Mnemonic, MnemonicError, UnknownWord, WordCount,
};
pub use self::onchain::{Bip84Account, Keychain};
