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

use core::fmt;

pub use self::bip32::DerivationError;
pub use self::cashu::{CashuError, CashuSeed, ProofSecrets};
pub use self::mnemonic::{
    generate, parse, suggest, GenerateError, Mnemonic, MnemonicError, UnknownWord, WordCount,
};
pub use self::onchain::{Bip84Account, Keychain};

/// Every key of one user, derived from their phrase.
pub struct Identity {
    nostr: nostr::Keys,
    onchain: Bip84Account,
    cashu: CashuSeed,
}

impl Identity {
    /// Derives every key from `mnemonic`, with the on-chain account for
    /// `network`. The NOSTR key is account 0 of NIP-06.
    pub fn derive(mnemonic: &Mnemonic, network: bitcoin::Network) -> Result<Self, DerivationError> {
        // BIP39's key stretching is slow in wasm: run it once for all keys.
        let seed = mnemonic.to_seed();
        Ok(Self {
            nostr: nostr_key::derive(&seed, nostr_key::DEFAULT_ACCOUNT)?,
            onchain: Bip84Account::derive(&seed, network)?,
            cashu: CashuSeed::from_seed(seed),
        })
    }

    pub fn nostr_keys(&self) -> &nostr::Keys {
        &self.nostr
    }

    pub fn onchain(&self) -> &Bip84Account {
        &self.onchain
    }

    pub fn cashu(&self) -> &CashuSeed {
        &self.cashu
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("nostr_public_key", &self.nostr.public_key())
            .field("onchain", &self.onchain)
            .finish_non_exhaustive()
    }
}
