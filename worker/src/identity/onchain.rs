//! The on-chain wallet's account, by BIP84 (native segwit, P2WPKH):
//! `m/84'/0'/0'` on mainnet, `m/84'/1'/0'` on the test networks.
//!
//! It hands out output descriptors for a descriptor wallet (BDK) and derives
//! addresses itself so the BIP84 test vectors pin the derivation down.

use core::fmt;
use core::fmt::Write as _;

use bitcoin::bip32::{ChildNumber, Fingerprint, Xpub};
use bitcoin::{Address, CompressedPublicKey, Network, NetworkKind};
use zeroize::Zeroizing;

use super::bip32::{hardened, normal, DerivationError, SecretXpriv};

/// BIP84 purpose.
const PURPOSE: u32 = 84;

/// The only account: one wallet per seed keeps recovery simple.
const ACCOUNT: u32 = 0;

/// Which chain of addresses below the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keychain {
    /// Receive addresses, `…/0/*`.
    External,
    /// Change addresses, `…/1/*`.
    Internal,
}

impl Keychain {
    fn index(self) -> u32 {
        match self {
            Self::External => 0,
            Self::Internal => 1,
        }
    }
}

/// The BIP84 account `m/84'/coin'/0'` of a seed.
///
/// `Debug` shows only the network and fingerprint: the xpub is public but
/// would reveal every address of the wallet in a log.
pub struct Bip84Account {
    network: Network,
    master_fingerprint: Fingerprint,
    coin_type: u32,
    account: SecretXpriv,
    xpub: Xpub,
}

impl Bip84Account {
    /// The account of a 64-byte BIP39 seed on `network`.
    pub fn derive(seed: &[u8; 64], network: Network) -> Result<Self, DerivationError> {
        let kind = NetworkKind::from(network);
        // SLIP-44: every test network shares coin type 1.
        let coin_type = match kind {
            NetworkKind::Main => 0,
            NetworkKind::Test => 1,
        };
        let master = SecretXpriv::master(seed, kind)?;
        let account = master.derive(&[
            hardened("BIP84 purpose", PURPOSE)?,
            hardened("BIP84 coin type", coin_type)?,
            hardened("BIP84 account", ACCOUNT)?,
        ])?;
        let xpub = Xpub::from_priv(nostr::SECP256K1, account.xpriv());
        Ok(Self {
            network,
            master_fingerprint: master.xpriv().fingerprint(nostr::SECP256K1),
            coin_type,
            account,
            xpub,
        })
    }

    pub fn network(&self) -> Network {
        self.network
    }

    /// The fingerprint of the master key, which descriptors name as the
    /// key's origin.
    pub fn master_fingerprint(&self) -> Fingerprint {
        self.master_fingerprint
    }

    /// The account's extended public key (`xpub` or `tpub`).
    pub fn xpub(&self) -> Xpub {
        self.xpub
    }

    /// The key origin, `[fingerprint/84'/coin'/0']`, that lets a signer
    /// find the key.
    fn origin(&self) -> String {
        format!(
            "[{}/{PURPOSE}'/{}'/{ACCOUNT}']",
            self.master_fingerprint, self.coin_type
        )
    }

    /// The spending descriptor of a keychain,
    /// `wpkh([fingerprint/84'/coin'/0']xprv…/0/*)`, without checksum (BDK
    /// adds it). It holds the private key: keep it in the vault.
    pub fn descriptor(&self, keychain: Keychain) -> Zeroizing<String> {
        let mut descriptor = Zeroizing::new(String::with_capacity(160));
        // Writing into a String cannot fail.
        let _ = write!(
            descriptor,
            "wpkh({}{}/{}/*)",
            self.origin(),
            self.account.xpriv(),
            keychain.index()
        );
        descriptor
    }

    /// The watch-only descriptor of a keychain,
    /// `wpkh([fingerprint/84'/coin'/0']xpub…/0/*)`.
    pub fn public_descriptor(&self, keychain: Keychain) -> String {
        format!(
            "wpkh({}{}/{}/*)",
            self.origin(),
            self.xpub,
            keychain.index()
        )
    }

    /// The spending descriptor of receive addresses.
    pub fn external_descriptor(&self) -> Zeroizing<String> {
        self.descriptor(Keychain::External)
    }

    /// The spending descriptor of change addresses.
    pub fn internal_descriptor(&self) -> Zeroizing<String> {
        self.descriptor(Keychain::Internal)
    }

    pub fn external_public_descriptor(&self) -> String {
        self.public_descriptor(Keychain::External)
    }

    pub fn internal_public_descriptor(&self) -> String {
        self.public_descriptor(Keychain::Internal)
    }

    /// The P2WPKH address at `…/keychain/index`.
    pub fn address(&self, keychain: Keychain, index: u32) -> Result<Address, DerivationError> {
        let path: [ChildNumber; 2] = [
            normal("BIP84 keychain", keychain.index())?,
            normal("address index", index)?,
        ];
        let child = self.xpub.derive_pub(nostr::SECP256K1, &path)?;
        Ok(Address::p2wpkh(
            &CompressedPublicKey(child.public_key),
            self.network,
        ))
    }
}

impl fmt::Debug for Bip84Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bip84Account")
            .field("network", &self.network)
            .field("master_fingerprint", &self.master_fingerprint)
            .finish_non_exhaustive()
    }
}
