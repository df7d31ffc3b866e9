//! The records of a wallet's state, the key each is stored under, and their
//! encoding at rest.
//!
//! A record carries its own identity (a proof its Y, a counter its keyset),
//! so its key is computed from it in one place, [`Record::key`], and a
//! loaded record whose key does not match what it holds is refused.

use std::collections::BTreeMap;
use std::ops::Bound;

use cdk_common::mint_url::MintUrl;
use cdk_common::nuts::{Id, KeySetInfo, Keys, MintInfo, PublicKey};
use cdk_common::wallet::{
    MeltQuote, MintQuote, P2PKSigningKey, ProofInfo, Transaction, TransactionId, WalletSaga,
};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::storage::StoreError;

/// One record of a wallet's state.
///
/// Encoded (as JSON) in cdk 0.18's own serde form of each type; a cdk
/// upgrade that changes one of them needs a migration here.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Record {
    /// A mint the wallet knows, with its info once fetched.
    Mint {
        url: MintUrl,
        info: Option<Box<MintInfo>>,
    },
    /// A keyset's public description, and the mint it belongs to.
    Keyset {
        mint_url: MintUrl,
        info: KeySetInfo,
    },
    /// A keyset's public keys.
    Keys {
        id: Id,
        keys: Keys,
    },
    MintQuote(Box<MintQuote>),
    MeltQuote(Box<MeltQuote>),
    /// A proof: its secret is what the money is, so this record must never
    /// reach the disk unsealed.
    Proof(Box<ProofInfo>),
    Transaction(Box<Transaction>),
    /// NUT-13: how many secrets were derived from a keyset.
    KeysetCounter {
        keyset_id: Id,
        value: u32,
    },
    /// How many indexes a namespace (e.g. P2PK keys) has handed out.
    DerivationCounter {
        namespace: String,
        value: u32,
    },
    /// An operation in progress, for recovery after a crash.
    Saga(Box<WalletSaga>),
    /// cdk's key-value store.
    Kv {
        primary: String,
        secondary: String,
        key: String,
        #[serde(with = "crate::vault::base64_bytes")]
        value: Vec<u8>,
    },
    /// The derivation of a P2PK key (not the key itself).
    P2pkKey(P2PKSigningKey),
}

impl Record {
    /// The key this record is stored under.
    pub fn key(&self) -> String {
        match self {
            Self::Mint { url, .. } => key::mint(url),
            Self::Keyset { info, .. } => key::keyset(&info.id),
            Self::Keys { id, .. } => key::keys(id),
            Self::MintQuote(quote) => key::mint_quote(&quote.id),
            Self::MeltQuote(quote) => key::melt_quote(&quote.id),
            Self::Proof(proof) => key::proof(&proof.y),
            Self::Transaction(transaction) => key::transaction(&transaction.id()),
            Self::KeysetCounter { keyset_id, .. } => key::keyset_counter(keyset_id),
            Self::DerivationCounter { namespace, .. } => key::derivation_counter(namespace),
            Self::Saga(saga) => key::saga(&saga.id),
            Self::Kv {
                primary,
                secondary,
                key,
                ..
            } => key::kv(primary, secondary, key),
            Self::P2pkKey(signing_key) => key::p2pk(&signing_key.pubkey),
        }
    }
}

/// A change to one record: `Some` writes it, `None` deletes it.
pub type Change = (String, Option<Record>);

/// Record keys: a prefix naming the kind, then the record's identity.
/// Identities that may contain `/` (quote ids, namespaces) come last, and
/// the key-value store's namespaces cannot contain `/`, so no two records
/// share a key and a prefix selects exactly one kind.
pub(crate) mod key {
    use super::*;

    pub const MINT: &str = "mint/";
    pub const KEYSET: &str = "keyset/";
    pub const KEYS: &str = "keys/";
    pub const MINT_QUOTE: &str = "mint_quote/";
    pub const MELT_QUOTE: &str = "melt_quote/";
    pub const PROOF: &str = "proof/";
    pub const TRANSACTION: &str = "tx/";
    pub const SAGA: &str = "saga/";
    pub const P2PK: &str = "p2pk/";

    pub fn mint(url: &MintUrl) -> String {
        format!("{MINT}{url}")
    }
    pub fn keyset(id: &Id) -> String {
        format!("{KEYSET}{id}")
    }
    pub fn keys(id: &Id) -> String {
        format!("{KEYS}{id}")
    }
    pub fn mint_quote(id: &str) -> String {
        format!("{MINT_QUOTE}{id}")
    }
    pub fn melt_quote(id: &str) -> String {
        format!("{MELT_QUOTE}{id}")
    }
    pub fn proof(y: &PublicKey) -> String {
        format!("{PROOF}{}", y.to_hex())
    }
    pub fn transaction(id: &TransactionId) -> String {
        format!("{TRANSACTION}{id}")
    }
    pub fn keyset_counter(id: &Id) -> String {
        format!("counter/{id}")
    }
    pub fn derivation_counter(namespace: &str) -> String {
        format!("dcounter/{namespace}")
    }
    pub fn saga(id: &uuid::Uuid) -> String {
        format!("{SAGA}{id}")
    }
    /// The prefix of every key in one namespace of the key-value store.
    pub fn kv_namespace(primary: &str, secondary: &str) -> String {
        format!("kv/{primary}/{secondary}/")
    }
    pub fn kv(primary: &str, secondary: &str, key: &str) -> String {
        format!("{}{key}", kv_namespace(primary, secondary))
    }
    pub fn p2pk(pubkey: &PublicKey) -> String {
        format!("{P2PK}{}", pubkey.to_hex())
    }
}

/// Every record, by key.
pub(crate) type Records = BTreeMap<String, Record>;

/// The records whose key starts with `prefix`, in key order.
pub(crate) fn with_prefix<'a>(
    records: &'a Records,
    prefix: &'a str,
) -> impl Iterator<Item = (&'a String, &'a Record)> + 'a {
    records
        .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
        .take_while(move |(key, _)| key.starts_with(prefix))
}

/// Serialises a record (JSON) for a persistence to keep. The bytes may hold
/// a proof's secret: they are wiped when dropped, and must be sealed before
/// they reach a disk.
pub(crate) fn encode(key: &str, record: &Record) -> Result<Zeroizing<Vec<u8>>, StoreError> {
    serde_json::to_vec(record)
        .map(Zeroizing::new)
        .map_err(|error| StoreError::Failed {
            reason: format!("the record \"{key}\" could not be encoded: {error}"),
        })
}

/// Reads back what [`encode`] wrote under `key`.
pub(crate) fn decode(key: &str, bytes: &[u8]) -> Result<Record, StoreError> {
    serde_json::from_slice(bytes).map_err(|_| StoreError::Malformed {
        name: key.to_owned(),
    })
}
