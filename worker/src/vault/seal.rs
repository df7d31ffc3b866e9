//! Sealing: passphrase → key-encryption key (Argon2id), and authenticated
//! encryption of records (XChaCha20-Poly1305).
//!
//! Nothing here is a cryptographic primitive of our own: Argon2id comes from
//! `argon2`, the AEAD from `chacha20poly1305`, randomness from `getrandom`
//! (`crypto.getRandomValues` in the browser). This module only fixes how they
//! are combined and what a sealed record looks like:
//!
//! ```text
//! sealed = format (1 byte) ‖ nonce (24 bytes) ‖ ciphertext ‖ tag (16 bytes)
//! associated data = "flash-vault" ‖ 0 ‖ format ‖ record name
//! ```
//!
//! The associated data binds each ciphertext to the name it is stored under
//! and to its record format (the schema version of sealed records), so a
//! record copied to another name, or replayed under another format, fails to
//! open instead of being read as something it is not.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

/// Length of every key in the vault: the data key and the key-encryption key.
pub const KEY_LEN: usize = 32;
/// XChaCha20's nonce: long enough that random nonces never collide.
pub const NONCE_LEN: usize = 24;
/// Poly1305's tag.
const TAG_LEN: usize = 16;
/// Salt drawn for each new passphrase.
pub const SALT_LEN: usize = 16;
/// Longest salt accepted from a stored profile or a backup.
const MAX_SALT_LEN: usize = 64;

/// The format of sealed records, written as their first byte and
/// authenticated; a new format gets a new number so old records still open.
pub const RECORD_FORMAT: u8 = 1;

/// A 32-byte key that is wiped from memory when dropped.
pub type Key = Zeroizing<[u8; KEY_LEN]>;

/// What can go wrong while sealing or opening.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("the browser could not provide secure random numbers: {0}")]
    Random(String),
    #[error("key-derivation parameters out of range: {0}")]
    KdfParams(String),
    /// Authentication failed: wrong key, or the record was altered or moved.
    #[error(
        "the record does not open with this key: it was altered, moved or sealed with another key"
    )]
    Open,
    #[error("the record is not a sealed record: {0}")]
    Malformed(String),
}

/// Argon2id parameters, stored beside what they protect so that changing the
/// defaults later never locks anyone out of an existing profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_cost_kib: u32,
    /// Passes over the memory.
    pub t_cost: u32,
    /// Lanes. Browsers give a worker one thread, so more lanes only cost time.
    pub p_cost: u32,
    #[serde(with = "crate::vault::base64_bytes")]
    pub salt: Vec<u8>,
}

impl KdfParams {
    /// Default memory: 64 MiB, with 3 passes and 1 lane.
    ///
    /// Aimed at about half a second per unlock on a mid-range phone. Measured
    /// with this crate's Argon2id (median of 5, on one core of an AMD EPYC
    /// server; `tests/vault_kdf_timing.rs`). "release" is the shipped
    /// profile (`-Oz`, LTO); the other wasm figures are the test profile,
    /// which builds Argon2 at `-O3`; the range is the machine's load:
    ///
    /// | m, t         | native release | wasm32 in a Chromium worker |
    /// |--------------|----------------|-----------------------------|
    /// | 64 MiB, t=1  |  62 ms         |  43 ms (58 ms release)      |
    /// | 64 MiB, t=3  | 138 ms         | 130–175 ms (141 ms release) |
    /// | 46 MiB, t=1  |  44 ms         |  31 ms                      |
    /// | 19 MiB, t=2  |  25 ms         |  23 ms                      |
    ///
    /// A mid-range phone core runs wasm roughly 3–4× slower than that server
    /// core, so m = 64 MiB, t = 3 lands near 0.4–0.6 s there, and well under
    /// that on laptops. Memory is what makes guessing expensive on GPUs and
    /// ASICs, so it is kept at RFC 9106's second recommended option (64 MiB)
    /// — comfortably above OWASP's minimum (m = 19 MiB, t = 2) — and the
    /// remaining time budget goes to passes. One lane: a worker has one
    /// thread, so more lanes only add time. The wasm heap keeps the 64 MiB
    /// after the first unlock (wasm memory never shrinks), an accepted cost.
    ///
    /// A strong passphrase, not the KDF, is what really protects a stolen
    /// profile; the KDF multiplies the cost of each guess. The parameters are
    /// stored with each profile, so a later version can raise them at the
    /// next passphrase change without locking anyone out.
    pub const DEFAULT_M_COST_KIB: u32 = 64 * 1024;
    /// Default passes: see [`Self::DEFAULT_M_COST_KIB`].
    pub const DEFAULT_T_COST: u32 = 3;
    /// Default lanes: see [`Self::DEFAULT_M_COST_KIB`].
    pub const DEFAULT_P_COST: u32 = 1;

    /// Largest memory accepted from a stored profile or a backup (1 GiB): a
    /// damaged or hostile file must not make the worker allocate without bound.
    pub const MAX_M_COST_KIB: u32 = 1024 * 1024;
    /// Most passes accepted from a stored profile or a backup: a hostile file
    /// must not hang the worker for hours.
    pub const MAX_T_COST: u32 = 64;
    /// Most lanes accepted from a stored profile or a backup.
    pub const MAX_P_COST: u32 = 16;

    /// The recommended parameters with a fresh random salt.
    pub fn recommended() -> Result<Self, SealError> {
        Self::with_fresh_salt(
            Self::DEFAULT_M_COST_KIB,
            Self::DEFAULT_T_COST,
            Self::DEFAULT_P_COST,
        )
    }

    /// Fast parameters for tests: still Argon2id, with 64 KiB and one pass.
    pub fn for_tests() -> Result<Self, SealError> {
        Self::with_fresh_salt(64, 1, 1)
    }

    /// Given costs with a fresh random salt.
    pub fn with_fresh_salt(m_cost_kib: u32, t_cost: u32, p_cost: u32) -> Result<Self, SealError> {
        let params = Self {
            m_cost_kib,
            t_cost,
            p_cost,
            salt: random_bytes::<SALT_LEN>()?.to_vec(),
        };
        params.check()?;
        Ok(params)
    }

    /// Refuses parameters Argon2 would reject or that would exhaust the
    /// worker, before any memory is allocated.
    pub fn check(&self) -> Result<(), SealError> {
        let out_of_range = |what: String| Err(SealError::KdfParams(what));
        if self.p_cost == 0 || self.p_cost > Self::MAX_P_COST {
            return out_of_range(format!(
                "{} lanes (1 to {} allowed)",
                self.p_cost,
                Self::MAX_P_COST
            ));
        }
        if self.t_cost == 0 || self.t_cost > Self::MAX_T_COST {
            return out_of_range(format!(
                "{} passes (1 to {} allowed)",
                self.t_cost,
                Self::MAX_T_COST
            ));
        }
        let min_m = 8 * self.p_cost;
        if self.m_cost_kib < min_m || self.m_cost_kib > Self::MAX_M_COST_KIB {
            return out_of_range(format!(
                "{} KiB of memory ({} to {} KiB allowed)",
                self.m_cost_kib,
                min_m,
                Self::MAX_M_COST_KIB
            ));
        }
        if !(argon2::MIN_SALT_LEN..=MAX_SALT_LEN).contains(&self.salt.len()) {
            return out_of_range(format!(
                "a {}-byte salt ({} to {} bytes allowed)",
                self.salt.len(),
                argon2::MIN_SALT_LEN,
                MAX_SALT_LEN
            ));
        }
        Ok(())
    }
}

/// Derives the key-encryption key from a passphrase with Argon2id.
///
/// The passphrase is NFKC-normalised first (as NIP-49 does), so the same
/// words typed on two keyboards, with a precomposed "é" on one and "e" plus
/// a combining accent on the other, open the same vault.
pub fn derive_key(passphrase: &str, params: &KdfParams) -> Result<Key, SealError> {
    params.check()?;
    let passphrase = Zeroizing::new(passphrase.nfkc().collect::<String>());
    let passphrase = passphrase.as_bytes();
    let argon_params = Params::new(
        params.m_cost_kib,
        params.t_cost,
        params.p_cost,
        Some(KEY_LEN),
    )
    .map_err(|e| SealError::KdfParams(e.to_string()))?;
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params)
        .hash_password_into(passphrase, &params.salt, key.as_mut())
        .map_err(|e| SealError::KdfParams(e.to_string()))?;
    Ok(key)
}

/// A fresh random key (the data key).
pub fn random_key() -> Result<Key, SealError> {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    fill_random(key.as_mut())?;
    Ok(key)
}

fn random_bytes<const N: usize>() -> Result<[u8; N], SealError> {
    let mut bytes = [0u8; N];
    fill_random(&mut bytes)?;
    Ok(bytes)
}

fn fill_random(bytes: &mut [u8]) -> Result<(), SealError> {
    getrandom::fill(bytes).map_err(|e| SealError::Random(e.to_string()))
}

fn associated_data(format: u8, name: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(13 + name.len());
    aad.extend_from_slice(b"flash-vault\0");
    aad.push(format);
    aad.extend_from_slice(name.as_bytes());
    aad
}

/// Seals `plaintext` for the record `name` under `key`, with a fresh nonce.
pub fn seal(key: &Key, name: &str, plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
    let nonce = random_bytes::<NONCE_LEN>()?;
    let aad = associated_data(RECORD_FORMAT, name);
    let ciphertext = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(key.as_ref()))
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| SealError::Malformed("the record is too large to seal".to_owned()))?;
    let mut sealed = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
    sealed.push(RECORD_FORMAT);
    sealed.extend_from_slice(&nonce);
    sealed.extend_from_slice(&ciphertext);
    Ok(sealed)
}

/// Opens what [`seal`] sealed for the same `name` under the same `key`.
pub fn open(key: &Key, name: &str, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
    let Some((&format, rest)) = sealed.split_first() else {
        return Err(SealError::Malformed("it is empty".to_owned()));
    };
    if format != RECORD_FORMAT {
        return Err(SealError::Malformed(format!(
            "unknown record format {format}"
        )));
    }
    if rest.len() < NONCE_LEN + TAG_LEN {
        return Err(SealError::Malformed(format!(
            "{} bytes is too short",
            sealed.len()
        )));
    }
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let aad = associated_data(format, name);
    XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(key.as_ref()))
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad: &aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| SealError::Open)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key {
        random_key().unwrap()
    }

    #[test]
    fn a_sealed_record_opens_with_its_key_and_name() {
        let k = key();
        let sealed = seal(&k, "secret/a", b"hello").unwrap();
        assert_eq!(open(&k, "secret/a", &sealed).unwrap().as_slice(), b"hello");
    }

    #[test]
    fn each_seal_draws_a_new_nonce() {
        let k = key();
        assert_ne!(seal(&k, "n", b"x").unwrap(), seal(&k, "n", b"x").unwrap());
    }

    #[test]
    fn another_name_another_key_or_a_flipped_byte_fail_to_open() {
        let k = key();
        let sealed = seal(&k, "secret/a", b"hello").unwrap();
        assert_eq!(open(&k, "secret/b", &sealed), Err(SealError::Open));
        assert_eq!(open(&key(), "secret/a", &sealed), Err(SealError::Open));
        for i in 1..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 1;
            assert_eq!(open(&k, "secret/a", &bad), Err(SealError::Open), "byte {i}");
        }
        let mut other_format = sealed.clone();
        other_format[0] = 2;
        assert!(matches!(
            open(&k, "secret/a", &other_format),
            Err(SealError::Malformed(_))
        ));
        for len in 0..(1 + NONCE_LEN + TAG_LEN) {
            assert!(open(&k, "secret/a", &sealed[..len]).is_err());
        }
    }

    #[test]
    fn derivation_depends_on_passphrase_and_salt() {
        let params = KdfParams::for_tests().unwrap();
        let a = derive_key("pass", &params).unwrap();
        assert_eq!(a, derive_key("pass", &params).unwrap());
        assert_ne!(a, derive_key("pasS", &params).unwrap());
        let other_salt = KdfParams::for_tests().unwrap();
        assert_ne!(a, derive_key("pass", &other_salt).unwrap());
        // Precomposed and decomposed accents are the same passphrase.
        assert_eq!(
            derive_key("caf\u{e9}", &params).unwrap(),
            derive_key("cafe\u{301}", &params).unwrap()
        );
    }

    #[test]
    fn hostile_parameters_are_refused_before_allocating() {
        let good = KdfParams::for_tests().unwrap();
        let cases = [
            KdfParams {
                m_cost_kib: u32::MAX,
                ..good.clone()
            },
            KdfParams {
                m_cost_kib: 0,
                ..good.clone()
            },
            KdfParams {
                t_cost: 0,
                ..good.clone()
            },
            KdfParams {
                t_cost: u32::MAX,
                ..good.clone()
            },
            KdfParams {
                p_cost: 0,
                ..good.clone()
            },
            KdfParams {
                salt: vec![],
                ..good.clone()
            },
            KdfParams {
                salt: vec![0; 1000],
                ..good.clone()
            },
        ];
        for params in cases {
            assert!(matches!(
                derive_key("p", &params),
                Err(SealError::KdfParams(_))
            ));
        }
    }

    #[test]
    fn recommended_parameters_are_valid() {
        let params = KdfParams::recommended().unwrap();
        params.check().unwrap();
        assert_eq!(params.salt.len(), SALT_LEN);
    }
}
