//! [`CashuStore`] as cdk's `WalletDatabase`: each method a query of memory
//! or a planned write (see the parent module for how writes are made).

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use cdk_common::bitcoin::bip32::DerivationPath;
use cdk_common::database::{validate_kvstore_params, Error, WalletDatabase};
use cdk_common::mint_url::MintUrl;
use cdk_common::nuts::{
    CurrencyUnit, Id, KeySet, KeySetInfo, Keys, MintInfo, PublicKey, SpendingConditions, State,
};
use cdk_common::util::unix_time;
use cdk_common::wallet::{
    MeltQuote, MintQuote, P2PKSigningKey, ProofInfo, Transaction, TransactionDirection,
    TransactionId, WalletSaga,
};
use cdk_common::{Amount, PaymentMethod};
use uuid::Uuid;

use super::record::{key, with_prefix, Record, Records};
use super::{Batch, CashuStore, Persistence};

/// The records of one kind, typed: `$variant` is the [`Record`] variant
/// stored under `$prefix`.
macro_rules! kind {
    ($name:ident, $prefix:expr, $variant:ident, $type:ty) => {
        fn $name(records: &Records) -> impl Iterator<Item = &$type> {
            with_prefix(records, $prefix).filter_map(|(_, record)| match record {
                Record::$variant(value) => Some(&**value),
                _ => None,
            })
        }
    };
}

kind!(proofs, key::PROOF, Proof, ProofInfo);
kind!(mint_quotes, key::MINT_QUOTE, MintQuote, MintQuote);
kind!(melt_quotes, key::MELT_QUOTE, MeltQuote, MeltQuote);
kind!(transactions, key::TRANSACTION, Transaction, Transaction);
kind!(sagas, key::SAGA, Saga, WalletSaga);

fn p2pk_keys(records: &Records) -> impl Iterator<Item = &P2PKSigningKey> {
    with_prefix(records, key::P2PK).filter_map(|(_, record)| match record {
        Record::P2pkKey(signing_key) => Some(signing_key),
        _ => None,
    })
}

/// Every keyset with the mint it belongs to.
fn keysets(records: &Records) -> impl Iterator<Item = (&MintUrl, &KeySetInfo)> {
    with_prefix(records, key::KEYSET).filter_map(|(_, record)| match record {
        Record::Keyset { mint_url, info } => Some((mint_url, info)),
        _ => None,
    })
}

fn proof<'a>(batch: &'a Batch<'_>, y: &PublicKey) -> Option<&'a ProofInfo> {
    match batch.get(&key::proof(y)) {
        Some(Record::Proof(proof)) => Some(proof),
        _ => None,
    }
}

fn mint_quote<'a>(batch: &'a Batch<'_>, id: &str) -> Option<&'a MintQuote> {
    match batch.get(&key::mint_quote(id)) {
        Some(Record::MintQuote(quote)) => Some(quote),
        _ => None,
    }
}

fn melt_quote<'a>(batch: &'a Batch<'_>, id: &str) -> Option<&'a MeltQuote> {
    match batch.get(&key::melt_quote(id)) {
        Some(Record::MeltQuote(quote)) => Some(quote),
        _ => None,
    }
}

/// Adds `count` to the counter at `key` (0 if absent) and returns the sum.
fn increment(
    batch: &mut Batch<'_>,
    key: &str,
    count: u32,
    record: impl FnOnce(u32) -> Record,
) -> Result<u32, Error> {
    let current = match batch.get(key) {
        Some(Record::KeysetCounter { value, .. } | Record::DerivationCounter { value, .. }) => {
            *value
        }
        _ => 0,
    };
    // Adding 0 only reads the counter: nothing to write.
    if count == 0 {
        return Ok(current);
    }
    let value = current.checked_add(count).ok_or(Error::AmountOverflow)?;
    batch.put(record(value));
    Ok(value)
}

#[cfg_attr(target_arch = "wasm32", async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait)]
impl<P: Persistence> WalletDatabase<Error> for CashuStore<P> {
    async fn get_mint(&self, mint_url: MintUrl) -> Result<Option<MintInfo>, Error> {
        self.read(|records| match records.get(&key::mint(&mint_url)) {
            Some(Record::Mint { info, .. }) => info.as_deref().cloned(),
            _ => None,
        })
        .await
    }

    async fn get_mints(&self) -> Result<HashMap<MintUrl, Option<MintInfo>>, Error> {
        self.read(|records| {
            with_prefix(records, key::MINT)
                .filter_map(|(_, record)| match record {
                    Record::Mint { url, info } => Some((url.clone(), info.as_deref().cloned())),
                    _ => None,
                })
                .collect()
        })
        .await
    }

    async fn get_mint_keysets(&self, mint_url: MintUrl) -> Result<Option<Vec<KeySetInfo>>, Error> {
        self.read(|records| {
            let found: Vec<KeySetInfo> = keysets(records)
                .filter(|(url, _)| **url == mint_url)
                .map(|(_, info)| info.clone())
                .collect();
            (!found.is_empty()).then_some(found)
        })
        .await
    }

    async fn get_keyset_by_id(&self, keyset_id: &Id) -> Result<Option<KeySetInfo>, Error> {
        self.read(|records| match records.get(&key::keyset(keyset_id)) {
            Some(Record::Keyset { info, .. }) => Some(info.clone()),
            _ => None,
        })
        .await
    }

    async fn get_mint_quote(&self, quote_id: &str) -> Result<Option<MintQuote>, Error> {
        self.read(|records| match records.get(&key::mint_quote(quote_id)) {
            Some(Record::MintQuote(quote)) => Some((**quote).clone()),
            _ => None,
        })
        .await
    }

    async fn get_mint_quotes(&self) -> Result<Vec<MintQuote>, Error> {
        self.read(|records| mint_quotes(records).cloned().collect())
            .await
    }

    async fn get_unissued_mint_quotes(&self) -> Result<Vec<MintQuote>, Error> {
        // As the trait says: nothing issued yet, or BOLT12 (reusable).
        self.read(|records| {
            mint_quotes(records)
                .filter(|quote| {
                    quote.amount_issued == Amount::ZERO
                        || quote.payment_method == PaymentMethod::BOLT12
                })
                .cloned()
                .collect()
        })
        .await
    }

    async fn get_melt_quote(&self, quote_id: &str) -> Result<Option<MeltQuote>, Error> {
        self.read(|records| match records.get(&key::melt_quote(quote_id)) {
            Some(Record::MeltQuote(quote)) => Some((**quote).clone()),
            _ => None,
        })
        .await
    }

    async fn get_melt_quotes(&self) -> Result<Vec<MeltQuote>, Error> {
        self.read(|records| melt_quotes(records).cloned().collect())
            .await
    }

    async fn get_keys(&self, id: &Id) -> Result<Option<Keys>, Error> {
        self.read(|records| match records.get(&key::keys(id)) {
            Some(Record::Keys { keys, .. }) => Some(keys.clone()),
            _ => None,
        })
        .await
    }

    async fn get_proofs(
        &self,
        mint_url: Option<MintUrl>,
        unit: Option<CurrencyUnit>,
        state: Option<Vec<State>>,
        spending_conditions: Option<Vec<SpendingConditions>>,
    ) -> Result<Vec<ProofInfo>, Error> {
        self.read(|records| {
            proofs(records)
                .filter(|proof| {
                    proof.matches_conditions(&mint_url, &unit, &state, &spending_conditions)
                })
                .cloned()
                .collect()
        })
        .await
    }

    async fn get_proofs_by_ys(&self, ys: Vec<PublicKey>) -> Result<Vec<ProofInfo>, Error> {
        self.read(|records| {
            let mut seen = HashSet::new();
            ys.iter()
                .filter(|y| seen.insert(**y))
                .filter_map(|y| match records.get(&key::proof(y)) {
                    Some(Record::Proof(proof)) => Some((**proof).clone()),
                    _ => None,
                })
                .collect()
        })
        .await
    }

    async fn get_balance(
        &self,
        mint_url: Option<MintUrl>,
        unit: Option<CurrencyUnit>,
        state: Option<Vec<State>>,
    ) -> Result<u64, Error> {
        // As in cdk's SQL store, an empty list of states filters nothing.
        let state = state.filter(|states| !states.is_empty());
        self.read(|records| {
            proofs(records)
                .filter(|proof| proof.matches_conditions(&mint_url, &unit, &state, &None))
                .try_fold(0u64, |sum, proof| {
                    sum.checked_add(u64::from(proof.proof.amount))
                        .ok_or(Error::AmountOverflow)
                })
        })
        .await?
    }

    async fn get_transaction(
        &self,
        transaction_id: TransactionId,
    ) -> Result<Option<Transaction>, Error> {
        self.read(
            |records| match records.get(&key::transaction(&transaction_id)) {
                Some(Record::Transaction(transaction)) => Some((**transaction).clone()),
                _ => None,
            },
        )
        .await
    }

    async fn list_transactions(
        &self,
        mint_url: Option<MintUrl>,
        direction: Option<TransactionDirection>,
        unit: Option<CurrencyUnit>,
    ) -> Result<Vec<Transaction>, Error> {
        let mut found: Vec<Transaction> = self
            .read(|records| {
                transactions(records)
                    .filter(|transaction| {
                        transaction.matches_conditions(&mint_url, &direction, &unit)
                    })
                    .cloned()
                    .collect()
            })
            .await?;
        // Newest first (`Transaction`'s order), not in key order.
        found.sort();
        Ok(found)
    }

    async fn update_proofs(
        &self,
        added: Vec<ProofInfo>,
        removed_ys: Vec<PublicKey>,
    ) -> Result<(), Error> {
        self.write(|batch| {
            for mut added in added {
                // A proof's derivation index never changes: an update that
                // does not know it (legacy or rebuilt metadata) keeps it.
                if added.derivation_index.is_none() {
                    added.derivation_index =
                        proof(batch, &added.y).and_then(|p| p.derivation_index);
                }
                batch.put(Record::Proof(Box::new(added)));
            }
            for y in &removed_ys {
                batch.delete(key::proof(y));
            }
            Ok(())
        })
        .await
    }

    async fn update_proofs_state(&self, ys: Vec<PublicKey>, state: State) -> Result<(), Error> {
        self.write(|batch| {
            for y in &ys {
                // As in cdk's SQL store, unknown proofs are skipped.
                if let Some(found) = proof(batch, y) {
                    let mut updated = found.clone();
                    updated.state = state;
                    batch.put(Record::Proof(Box::new(updated)));
                }
            }
            Ok(())
        })
        .await
    }

    async fn add_transaction(&self, transaction: Transaction) -> Result<(), Error> {
        self.write(|batch| {
            batch.put(Record::Transaction(Box::new(transaction)));
            Ok(())
        })
        .await
    }

    async fn update_mint_url(
        &self,
        old_mint_url: MintUrl,
        new_mint_url: MintUrl,
    ) -> Result<(), Error> {
        self.write(|batch| {
            let records = batch.records;
            for found in proofs(records).filter(|p| p.mint_url == old_mint_url) {
                let mut moved = found.clone();
                moved.mint_url = new_mint_url.clone();
                batch.put(Record::Proof(Box::new(moved)));
            }
            for found in mint_quotes(records).filter(|q| q.mint_url == old_mint_url) {
                let mut moved = found.clone();
                moved.mint_url = new_mint_url.clone();
                batch.put(Record::MintQuote(Box::new(moved)));
            }
            for (_, info) in keysets(records).filter(|(url, _)| **url == old_mint_url) {
                batch.put(Record::Keyset {
                    mint_url: new_mint_url.clone(),
                    info: info.clone(),
                });
            }
            let old_key = key::mint(&old_mint_url);
            if let Some(Record::Mint { info, .. }) = records.get(&old_key) {
                // The new URL's own info, if already fetched, is newer.
                if batch.get(&key::mint(&new_mint_url)).is_none() {
                    batch.put(Record::Mint {
                        url: new_mint_url.clone(),
                        info: info.clone(),
                    });
                }
                batch.delete(old_key);
            }
            Ok(())
        })
        .await
    }

    async fn increment_keyset_counter(&self, keyset_id: &Id, count: u32) -> Result<u32, Error> {
        self.write(|batch| {
            increment(batch, &key::keyset_counter(keyset_id), count, |value| {
                Record::KeysetCounter {
                    keyset_id: *keyset_id,
                    value,
                }
            })
        })
        .await
    }

    async fn increment_derivation_counter(
        &self,
        namespace: &str,
        count: u32,
    ) -> Result<u32, Error> {
        self.write(|batch| {
            increment(batch, &key::derivation_counter(namespace), count, |value| {
                Record::DerivationCounter {
                    namespace: namespace.to_owned(),
                    value,
                }
            })
        })
        .await
    }

    async fn add_mint(&self, mint_url: MintUrl, mint_info: Option<MintInfo>) -> Result<(), Error> {
        self.write(|batch| {
            batch.put(Record::Mint {
                url: mint_url,
                info: mint_info.map(Box::new),
            });
            Ok(())
        })
        .await
    }

    async fn remove_mint(&self, mint_url: MintUrl) -> Result<(), Error> {
        // Only the mint: its proofs are money, and stay.
        self.write(|batch| {
            batch.delete(key::mint(&mint_url));
            Ok(())
        })
        .await
    }

    async fn add_mint_keysets(
        &self,
        mint_url: MintUrl,
        keysets_to_add: Vec<KeySetInfo>,
    ) -> Result<(), Error> {
        self.write(|batch| {
            // NUT-13 derives secrets from a keyset id's 31-bit integer: two
            // keysets sharing one would derive the same secrets.
            let mut taken: HashMap<u32, Id> = keysets(batch.records)
                .map(|(_, info)| (u32::from(info.id), info.id))
                .collect();
            for info in keysets_to_add {
                match taken.insert(u32::from(info.id), info.id) {
                    Some(other) if other != info.id => return Err(Error::Duplicate),
                    _ => {}
                }
                let record = match batch.get(&key::keyset(&info.id)) {
                    // Known: only what a mint may change, as cdk's SQL store.
                    Some(Record::Keyset {
                        mint_url: known_mint,
                        info: known,
                    }) => Record::Keyset {
                        mint_url: known_mint.clone(),
                        info: KeySetInfo {
                            active: info.active,
                            input_fee_ppk: info.input_fee_ppk,
                            ..known.clone()
                        },
                    },
                    _ => Record::Keyset {
                        mint_url: mint_url.clone(),
                        info,
                    },
                };
                batch.put(record);
            }
            Ok(())
        })
        .await
    }

    async fn add_mint_quote(&self, mut quote: MintQuote) -> Result<(), Error> {
        self.write(|batch| {
            // Optimistic locking: an update must come from the version stored.
            if let Some(stored) = mint_quote(batch, &quote.id) {
                if stored.version != quote.version {
                    return Err(Error::ConcurrentUpdate);
                }
                quote.version = quote.version.wrapping_add(1);
            }
            batch.put(Record::MintQuote(Box::new(quote)));
            Ok(())
        })
        .await
    }

    async fn remove_mint_quote(&self, quote_id: &str) -> Result<(), Error> {
        self.write(|batch| {
            batch.delete(key::mint_quote(quote_id));
            Ok(())
        })
        .await
    }

    async fn add_melt_quote(&self, mut quote: MeltQuote) -> Result<(), Error> {
        self.write(|batch| {
            if let Some(stored) = melt_quote(batch, &quote.id) {
                if stored.version != quote.version {
                    return Err(Error::ConcurrentUpdate);
                }
                quote.version = quote.version.wrapping_add(1);
                // A payment proof, once known, is never forgotten.
                if quote.payment_proof.is_none() {
                    quote.payment_proof = stored.payment_proof.clone();
                }
            }
            batch.put(Record::MeltQuote(Box::new(quote)));
            Ok(())
        })
        .await
    }

    async fn remove_melt_quote(&self, quote_id: &str) -> Result<(), Error> {
        self.write(|batch| {
            batch.delete(key::melt_quote(quote_id));
            Ok(())
        })
        .await
    }

    async fn add_keys(&self, keyset: KeySet) -> Result<(), Error> {
        keyset.verify_id()?;
        self.write(|batch| {
            if batch.get(&key::keys(&keyset.id)).is_some() {
                return Err(Error::Duplicate);
            }
            // As for keysets: no two sets of keys may share a 31-bit id.
            let id_u32 = u32::from(keyset.id);
            let clash = with_prefix(batch.records, key::KEYS).any(
                |(_, record)| matches!(record, Record::Keys { id, .. } if u32::from(*id) == id_u32),
            );
            if clash {
                return Err(Error::Duplicate);
            }
            batch.put(Record::Keys {
                id: keyset.id,
                keys: keyset.keys,
            });
            Ok(())
        })
        .await
    }

    async fn remove_keys(&self, id: &Id) -> Result<(), Error> {
        self.write(|batch| {
            batch.delete(key::keys(id));
            Ok(())
        })
        .await
    }

    async fn remove_transaction(&self, transaction_id: TransactionId) -> Result<(), Error> {
        self.write(|batch| {
            batch.delete(key::transaction(&transaction_id));
            Ok(())
        })
        .await
    }

    async fn add_saga(&self, saga: WalletSaga) -> Result<(), Error> {
        self.write(|batch| {
            if batch.get(&key::saga(&saga.id)).is_some() {
                return Err(Error::Duplicate);
            }
            batch.put(Record::Saga(Box::new(saga)));
            Ok(())
        })
        .await
    }

    async fn get_saga(&self, id: &Uuid) -> Result<Option<WalletSaga>, Error> {
        self.read(|records| match records.get(&key::saga(id)) {
            Some(Record::Saga(saga)) => Some((**saga).clone()),
            _ => None,
        })
        .await
    }

    async fn update_saga(&self, mut saga: WalletSaga) -> Result<bool, Error> {
        self.write(|batch| {
            // The caller has already bumped the version: the stored one must
            // be the one before it, or another instance got there first.
            let expected = saga.version.saturating_sub(1);
            match batch.get(&key::saga(&saga.id)) {
                Some(Record::Saga(stored)) if stored.version == expected => {
                    saga.created_at = stored.created_at;
                    batch.put(Record::Saga(Box::new(saga)));
                    Ok(true)
                }
                _ => Ok(false),
            }
        })
        .await
    }

    async fn delete_saga(&self, id: &Uuid) -> Result<(), Error> {
        self.write(|batch| {
            batch.delete(key::saga(id));
            Ok(())
        })
        .await
    }

    async fn get_incomplete_sagas(&self) -> Result<Vec<WalletSaga>, Error> {
        let mut found: Vec<WalletSaga> = self
            .read(|records| sagas(records).cloned().collect())
            .await?;
        // Oldest first, to be resumed in the order they were started.
        found.sort_by_key(|saga| saga.created_at);
        Ok(found)
    }

    async fn reserve_proofs(&self, ys: Vec<PublicKey>, operation_id: &Uuid) -> Result<(), Error> {
        self.write(|batch| {
            // All or nothing: every proof is checked before any is reserved.
            let mut reserved = Vec::with_capacity(ys.len());
            for y in ys.iter().collect::<HashSet<_>>() {
                let found = proof(batch, y).ok_or(Error::ProofNotFound)?;
                if found.state != State::Unspent {
                    return Err(Error::ProofNotUnspent);
                }
                let mut updated = found.clone();
                updated.state = State::Reserved;
                updated.used_by_operation = Some(*operation_id);
                reserved.push(updated);
            }
            for updated in reserved {
                batch.put(Record::Proof(Box::new(updated)));
            }
            Ok(())
        })
        .await
    }

    async fn release_proofs(&self, operation_id: &Uuid) -> Result<(), Error> {
        self.write(|batch| {
            // Spent proofs stay spent, and other operations' stay theirs.
            let released: Vec<ProofInfo> = proofs(batch.records)
                .filter(|p| {
                    p.used_by_operation == Some(*operation_id)
                        && matches!(p.state, State::Reserved | State::Pending)
                })
                .map(|p| ProofInfo {
                    state: State::Unspent,
                    used_by_operation: None,
                    ..p.clone()
                })
                .collect();
            for updated in released {
                batch.put(Record::Proof(Box::new(updated)));
            }
            Ok(())
        })
        .await
    }

    async fn get_reserved_proofs(&self, operation_id: &Uuid) -> Result<Vec<ProofInfo>, Error> {
        self.read(|records| {
            proofs(records)
                .filter(|p| p.used_by_operation == Some(*operation_id))
                .cloned()
                .collect()
        })
        .await
    }

    async fn reserve_melt_quote(&self, quote_id: &str, operation_id: &Uuid) -> Result<(), Error> {
        self.write(|batch| {
            let quote = melt_quote(batch, quote_id).ok_or(Error::UnknownQuote)?;
            if quote.used_by_operation.is_some() {
                return Err(Error::QuoteAlreadyInUse);
            }
            let mut reserved = quote.clone();
            reserved.used_by_operation = Some(operation_id.to_string());
            batch.put(Record::MeltQuote(Box::new(reserved)));
            Ok(())
        })
        .await
    }

    async fn release_melt_quote(&self, operation_id: &Uuid) -> Result<(), Error> {
        let operation = operation_id.to_string();
        self.write(|batch| {
            let released: Vec<MeltQuote> = melt_quotes(batch.records)
                .filter(|q| q.used_by_operation.as_deref() == Some(operation.as_str()))
                .cloned()
                .collect();
            for mut quote in released {
                quote.used_by_operation = None;
                batch.put(Record::MeltQuote(Box::new(quote)));
            }
            Ok(())
        })
        .await
    }

    async fn reserve_mint_quote(&self, quote_id: &str, operation_id: &Uuid) -> Result<(), Error> {
        self.write(|batch| {
            let quote = mint_quote(batch, quote_id).ok_or(Error::UnknownQuote)?;
            if quote.used_by_operation.is_some() {
                return Err(Error::QuoteAlreadyInUse);
            }
            let mut reserved = quote.clone();
            reserved.used_by_operation = Some(operation_id.to_string());
            batch.put(Record::MintQuote(Box::new(reserved)));
            Ok(())
        })
        .await
    }

    async fn release_mint_quote(&self, operation_id: &Uuid) -> Result<(), Error> {
        let operation = operation_id.to_string();
        self.write(|batch| {
            let released: Vec<MintQuote> = mint_quotes(batch.records)
                .filter(|q| q.used_by_operation.as_deref() == Some(operation.as_str()))
                .cloned()
                .collect();
            for mut quote in released {
                quote.used_by_operation = None;
                batch.put(Record::MintQuote(Box::new(quote)));
            }
            Ok(())
        })
        .await
    }

    async fn kv_read(
        &self,
        primary_namespace: &str,
        secondary_namespace: &str,
        key: &str,
    ) -> Result<Option<Vec<u8>>, Error> {
        validate_kvstore_params(primary_namespace, secondary_namespace, Some(key))?;
        let key = key::kv(primary_namespace, secondary_namespace, key);
        self.read(|records| match records.get(&key) {
            Some(Record::Kv { value, .. }) => Some(value.clone()),
            _ => None,
        })
        .await
    }

    async fn kv_list(
        &self,
        primary_namespace: &str,
        secondary_namespace: &str,
    ) -> Result<Vec<String>, Error> {
        validate_kvstore_params(primary_namespace, secondary_namespace, None)?;
        let prefix = key::kv_namespace(primary_namespace, secondary_namespace);
        // In key order, as cdk's SQL store.
        self.read(|records| {
            with_prefix(records, &prefix)
                .filter_map(|(_, record)| match record {
                    Record::Kv { key, .. } => Some(key.clone()),
                    _ => None,
                })
                .collect()
        })
        .await
    }

    async fn kv_write(
        &self,
        primary_namespace: &str,
        secondary_namespace: &str,
        key: &str,
        value: &[u8],
    ) -> Result<(), Error> {
        validate_kvstore_params(primary_namespace, secondary_namespace, Some(key))?;
        self.write(|batch| {
            batch.put(Record::Kv {
                primary: primary_namespace.to_owned(),
                secondary: secondary_namespace.to_owned(),
                key: key.to_owned(),
                value: value.to_vec(),
            });
            Ok(())
        })
        .await
    }

    async fn kv_remove(
        &self,
        primary_namespace: &str,
        secondary_namespace: &str,
        key: &str,
    ) -> Result<(), Error> {
        validate_kvstore_params(primary_namespace, secondary_namespace, Some(key))?;
        self.write(|batch| {
            batch.delete(key::kv(primary_namespace, secondary_namespace, key));
            Ok(())
        })
        .await
    }

    async fn add_p2pk_key(
        &self,
        pubkey: &PublicKey,
        derivation_path: DerivationPath,
        derivation_index: u32,
    ) -> Result<(), Error> {
        self.write(|batch| {
            // Keys are derived once; a second derivation of the same key is
            // a bug, not an update.
            if batch.get(&key::p2pk(pubkey)).is_some() {
                return Err(Error::Duplicate);
            }
            batch.put(Record::P2pkKey(P2PKSigningKey {
                pubkey: *pubkey,
                derivation_path,
                derivation_index,
                created_time: unix_time(),
            }));
            Ok(())
        })
        .await
    }

    async fn get_p2pk_key(&self, pubkey: &PublicKey) -> Result<Option<P2PKSigningKey>, Error> {
        self.read(|records| match records.get(&key::p2pk(pubkey)) {
            Some(Record::P2pkKey(signing_key)) => Some(signing_key.clone()),
            _ => None,
        })
        .await
    }

    async fn list_p2pk_keys(&self) -> Result<Vec<P2PKSigningKey>, Error> {
        let mut found: Vec<P2PKSigningKey> = self
            .read(|records| p2pk_keys(records).cloned().collect())
            .await?;
        // Latest derivation first, as cdk's SQL store.
        found.sort_by_key(|signing_key| std::cmp::Reverse(signing_key.derivation_index));
        Ok(found)
    }

    async fn latest_p2pk(&self) -> Result<Option<P2PKSigningKey>, Error> {
        self.read(|records| {
            p2pk_keys(records)
                .max_by_key(|signing_key| signing_key.derivation_index)
                .cloned()
        })
        .await
    }
}
