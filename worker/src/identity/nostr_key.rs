//! The NOSTR key, by NIP-06: `m/44'/1237'/<account>'/0/0` from the BIP39 seed.
//!
//! Derived from the seed the identity already computed rather than through
//! `nostr`'s `FromMnemonic`, which would run the slow BIP39 key stretching a
//! second time and keep its own unwiped copy of the seed; the tests check
//! both give the same keys.

use bitcoin::NetworkKind;
use nostr::Keys;

use super::bip32::{hardened, normal, DerivationError, SecretXpriv};

/// NIP-06: "A basic client can simply use an account of 0".
pub const DEFAULT_ACCOUNT: u32 = 0;

/// BIP44 purpose.
const PURPOSE: u32 = 44;

/// NOSTR's SLIP-44 coin type.
const COIN_TYPE: u32 = 1237;

/// The NOSTR keys of `account` for a 64-byte BIP39 seed.
pub fn derive(seed: &[u8; 64], account: u32) -> Result<Keys, DerivationError> {
    let path = [
        hardened("NIP-06 purpose", PURPOSE)?,
        hardened("NIP-06 coin type", COIN_TYPE)?,
        hardened("NOSTR account", account)?,
        normal("NIP-06 change", 0)?,
        normal("NIP-06 index", 0)?,
    ];
    // The network kind only labels a serialised xprv, never written here.
    let key = SecretXpriv::master(seed, NetworkKind::Main)?.derive(&path)?;
    Ok(Keys::new(nostr::SecretKey::from(key.xpriv().private_key)))
}
