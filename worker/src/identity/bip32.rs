//! BIP32 derivation from the BIP39 seed, shared by every key of the identity.

use bitcoin::bip32::{ChainCode, ChildNumber, Xpriv};
use bitcoin::NetworkKind;

/// Why a key could not be derived from the seed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DerivationError {
    /// BIP32 indexes are 31-bit: the top bit marks hardened derivation.
    #[error("{what} {index} is too large: it must be between 0 and 2147483647")]
    IndexOutOfRange { what: &'static str, index: u32 },
    /// BIP32 itself refused (a chance of about 1 in 2^127 per key).
    #[error("this recovery phrase cannot derive a valid key ({reason}); create or restore another phrase")]
    Bip32 { reason: String },
}

impl From<bitcoin::bip32::Error> for DerivationError {
    fn from(error: bitcoin::bip32::Error) -> Self {
        Self::Bip32 {
            reason: error.to_string(),
        }
    }
}

/// An extended private key that is wiped when dropped.
///
/// `Xpriv` is `Copy` and has no zeroize support, so this is best effort: the
/// copy held here is erased, temporaries inside the bitcoin crate are not.
pub(crate) struct SecretXpriv(Xpriv);

impl SecretXpriv {
    /// The BIP32 master key of a 64-byte BIP39 seed.
    pub(crate) fn master(seed: &[u8; 64], network: NetworkKind) -> Result<Self, DerivationError> {
        Ok(Self(Xpriv::new_master(network, seed)?))
    }

    /// The child at `path` below this key.
    pub(crate) fn derive(&self, path: &[ChildNumber]) -> Result<Self, DerivationError> {
        Ok(Self(self.0.derive_priv(nostr::SECP256K1, &path)?))
    }

    pub(crate) fn xpriv(&self) -> &Xpriv {
        &self.0
    }
}

impl Drop for SecretXpriv {
    fn drop(&mut self) {
        self.0.private_key.non_secure_erase();
        self.0.chain_code = ChainCode::from([0; 32]);
    }
}

/// A hardened child number, `index'`.
pub(crate) fn hardened(what: &'static str, index: u32) -> Result<ChildNumber, DerivationError> {
    ChildNumber::from_hardened_idx(index)
        .map_err(|_| DerivationError::IndexOutOfRange { what, index })
}

/// A normal (public-derivable) child number.
pub(crate) fn normal(what: &'static str, index: u32) -> Result<ChildNumber, DerivationError> {
    ChildNumber::from_normal_idx(index)
        .map_err(|_| DerivationError::IndexOutOfRange { what, index })
}
