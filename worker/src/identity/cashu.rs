//! eCash secrets, by NUT-13: each proof's `secret` and blinding factor `r`
//! come from the BIP39 seed, a keyset id and a counter, so the mint can
//! re-sign them (NUT-09) when the wallet is restored from its phrase.
//!
//! The derivation depends on the keyset id's version byte:
//! - `00` (keyset V1, deprecated): BIP32,
//!   `m/129372'/0'/{keyset_id_int}'/{counter}'/0` for the secret and
//!   `…/1` for `r`;
//! - `01` (keyset V2): HMAC-SHA256 keyed with the seed over
//!   `"Cashu_KDF_HMAC_SHA256" || keyset_id || counter (u64, big-endian) ||
//!   0x00` for the secret and `0x01` for `r`, reduced modulo the curve order.

use core::fmt;

use bitcoin::hashes::{hmac, sha256, Hash, HashEngine};
use bitcoin::hex::{DisplayHex, FromHex};
use bitcoin::secp256k1::{constants::CURVE_ORDER, SecretKey};
use bitcoin::NetworkKind;
use zeroize::Zeroizing;

use super::bip32::{hardened, normal, DerivationError, SecretXpriv};
use super::mnemonic::Mnemonic;

/// NUT-13's BIP32 purpose, the UTF-8 of 🥜 read as an integer.
const PURPOSE: u32 = 129372;

/// NUT-13's coin type, the same for every unit.
const COIN_TYPE: u32 = 0;

/// NUT-13's domain separator for keyset V2.
const HMAC_DOMAIN: &[u8] = b"Cashu_KDF_HMAC_SHA256";

/// NUT-02: a V1 id is the version byte and 7 bytes of a hash.
const V1_ID_BYTES: usize = 8;

/// NUT-02: a V2 id is the version byte and a SHA-256 hash.
const V2_ID_BYTES: usize = 33;

/// Why the secrets for a keyset could not be derived.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CashuError {
    #[error("the mint's keyset id {id:?} is not valid: {reason}")]
    InvalidKeysetId { id: String, reason: &'static str },
    #[error("the mint uses keyset version {version}, which this wallet does not know yet: update the app to use this mint")]
    UnsupportedKeysetVersion { version: String },
    /// NUT-13 rejects r = 0; the chance is about 1 in 2^256.
    #[error("the blinding factor for counter {counter} is zero; skip to the next counter")]
    ZeroBlindingFactor { counter: u32 },
    #[error(transparent)]
    Derivation(#[from] DerivationError),
}

/// The NUT-13 wallet seed: the 64-byte BIP39 seed (empty passphrase).
///
/// It is the same seed the bitcoin and NOSTR keys come from, so it is
/// wiped on drop and never printed.
#[derive(Clone)]
pub struct CashuSeed(Zeroizing<[u8; 64]>);

impl CashuSeed {
    pub fn from_mnemonic(mnemonic: &Mnemonic) -> Self {
        Self(mnemonic.to_seed())
    }

    /// The raw seed, for an eCash library that derives by itself.
    pub fn bytes(&self) -> &[u8; 64] {
        &self.0
    }

    /// The secret and blinding factor of the proof number `counter` in the
    /// keyset `keyset_id` (hex, as the mint gives it).
    pub fn derive(&self, keyset_id: &str, counter: u32) -> Result<ProofSecrets, CashuError> {
        let id = KeysetId::parse(keyset_id)?;
        match id.version() {
            0x00 => self.derive_v1(&id, counter),
            0x01 => self.derive_v2(&id, counter),
            version => Err(CashuError::UnsupportedKeysetVersion {
                version: format!("{version:02x}"),
            }),
        }
    }

    /// BIP32 derivation for version `00` keysets.
    fn derive_v1(&self, id: &KeysetId, counter: u32) -> Result<ProofSecrets, CashuError> {
        let keyset = SecretXpriv::master(&self.0, NetworkKind::Main)?.derive(&[
            hardened("NUT-13 purpose", PURPOSE)?,
            hardened("NUT-13 coin type", COIN_TYPE)?,
            hardened("keyset id", id.legacy_int())?,
            hardened("proof counter", counter)?,
        ])?;
        let secret = keyset.derive(&[normal("NUT-13 secret", 0)?])?;
        let blinding = keyset.derive(&[normal("NUT-13 blinding factor", 1)?])?;
        Ok(ProofSecrets {
            secret: Zeroizing::new(secret.xpriv().private_key.secret_bytes()),
            blinding_factor: blinding.xpriv().private_key,
        })
    }

    /// HMAC-SHA256 derivation for version `01` keysets.
    fn derive_v2(&self, id: &KeysetId, counter: u32) -> Result<ProofSecrets, CashuError> {
        let digest = |kind: u8| {
            let mut engine = hmac::HmacEngine::<sha256::Hash>::new(&self.0[..]);
            engine.input(HMAC_DOMAIN);
            engine.input(&id.0);
            engine.input(&u64::from(counter).to_be_bytes());
            engine.input(&[kind]);
            Zeroizing::new(hmac::Hmac::<sha256::Hash>::from_engine(engine).to_byte_array())
        };
        let secret = digest(0x00);
        let blinding_factor =
            reduce_mod_order(&digest(0x01)).ok_or(CashuError::ZeroBlindingFactor { counter })?;
        Ok(ProofSecrets {
            secret,
            blinding_factor,
        })
    }
}

impl fmt::Debug for CashuSeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CashuSeed(..)")
    }
}

/// A keyset id, decoded from hex.
struct KeysetId(Vec<u8>);

impl KeysetId {
    fn parse(hex: &str) -> Result<Self, CashuError> {
        let invalid = |reason| CashuError::InvalidKeysetId {
            id: hex.to_owned(),
            reason,
        };
        let bytes = Vec::<u8>::from_hex(hex).map_err(|_| invalid("it is not hexadecimal"))?;
        let expected = match bytes.first() {
            Some(0x00) => V1_ID_BYTES,
            Some(0x01) => V2_ID_BYTES,
            Some(_) => return Ok(Self(bytes)),
            None => return Err(invalid("it is empty")),
        };
        if bytes.len() != expected {
            return Err(invalid("it has the wrong length for its version"));
        }
        Ok(Self(bytes))
    }

    fn version(&self) -> u8 {
        self.0.first().copied().unwrap_or_default()
    }

    /// NUT-13's `keyset_id_int`: the first 8 bytes as a big-endian integer,
    /// modulo 2^31 - 1, so it fits a hardened BIP32 index.
    fn legacy_int(&self) -> u32 {
        let mut first = [0u8; 8];
        for (to, from) in first.iter_mut().zip(&self.0) {
            *to = *from;
        }
        // The remainder is below 2^31, so it always fits.
        (u64::from_be_bytes(first) % 0x7fff_ffff) as u32
    }
}

/// `x mod n` for a 256-bit `x`, as a secret key; `None` when it is zero.
///
/// `x < 2^256 < 2n`, so the remainder is `x` or `x - n`: one subtraction.
fn reduce_mod_order(x: &[u8; 32]) -> Option<SecretKey> {
    if let Ok(key) = SecretKey::from_slice(x) {
        return Some(key);
    }
    // x is zero or at least n.
    let mut reduced = Zeroizing::new([0u8; 32]);
    let mut borrow = 0u16;
    for i in (0..32).rev() {
        let minuend = u16::from(x[i]);
        let subtrahend = u16::from(CURVE_ORDER[i]) + borrow;
        borrow = u16::from(minuend < subtrahend);
        reduced[i] = (minuend + (borrow << 8) - subtrahend) as u8;
    }
    // A borrow out means x < n, which is x = 0 here.
    if borrow != 0 {
        return None;
    }
    SecretKey::from_slice(&reduced[..]).ok()
}

/// The secret and blinding factor of one proof.
pub struct ProofSecrets {
    secret: Zeroizing<[u8; 32]>,
    blinding_factor: SecretKey,
}

impl ProofSecrets {
    /// The secret's 32 bytes.
    pub fn secret(&self) -> &[u8; 32] {
        &self.secret
    }

    /// The secret as the proof carries it: lowercase hex of the bytes.
    pub fn secret_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(self.secret.to_lower_hex_string())
    }

    /// The blinding factor `r`.
    pub fn blinding_factor(&self) -> &SecretKey {
        &self.blinding_factor
    }
}

impl Drop for ProofSecrets {
    fn drop(&mut self) {
        self.blinding_factor.non_secure_erase();
    }
}

impl fmt::Debug for ProofSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProofSecrets(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reduction_below_the_order_is_the_identity() {
        let mut x = [0u8; 32];
        x[31] = 7;
        assert_eq!(reduce_mod_order(&x).unwrap().secret_bytes(), x);
    }

    #[test]
    fn reduction_subtracts_the_order_once() {
        // n + 5 → 5
        let mut x = CURVE_ORDER;
        x[31] += 5;
        let mut five = [0u8; 32];
        five[31] = 5;
        assert_eq!(reduce_mod_order(&x).unwrap().secret_bytes(), five);

        // 2^256 - 1 → 2^256 - 1 - n, which is 2^128 + 0x4551231950b75fc4402da1732fc9bebe
        let top = reduce_mod_order(&[0xff; 32]).unwrap().secret_bytes();
        let expected =
            Vec::<u8>::from_hex("000000000000000000000000000000014551231950b75fc4402da1732fc9bebe")
                .unwrap();
        assert_eq!(top.as_slice(), expected.as_slice());
    }

    #[test]
    fn reduction_rejects_zero() {
        assert!(reduce_mod_order(&[0; 32]).is_none());
        assert!(reduce_mod_order(&CURVE_ORDER).is_none());
    }

    #[test]
    fn legacy_keyset_int_matches_nut13() {
        let id = KeysetId::parse("009a1f293253e41e").unwrap();
        assert_eq!(id.legacy_int(), 864559728);
    }
}
