//! The eCash store's own behaviour, written once and run on every
//! persistence: natively in memory (`tests/native/cashu_store.rs`) and in headless
//! Chromium on IndexedDB (`tests/browser/cashu_store.rs`). cdk's conformance
//! suite runs beside it in both.
#![allow(dead_code)] // Each test file uses its own part of this.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;

use cdk::wallet::WalletBuilder;
use cdk_common::bitcoin::bip32::DerivationPath;
use cdk_common::database::WalletDatabase;
use cdk_common::mint_url::MintUrl;
use cdk_common::nuts::{
    CurrencyUnit, Id, KeySet, KeySetInfo, Keys, MintInfo, Proof, SecretKey, State,
};
use cdk_common::secret::Secret;
use cdk_common::wallet::{
    MeltQuote, MintQuote, OperationData, P2PKSigningKey, ProofInfo, SwapOperationData,
    SwapSagaState, Transaction, TransactionDirection, TransactionStatus, WalletSaga,
    WalletSagaState,
};
use cdk_common::{Amount, MeltQuoteState, PaymentMethod};
use flash_worker::ecash::store::{CashuStore, Persistence};

pub fn mint_url() -> MintUrl {
    MintUrl::from_str("https://mint.example.com").unwrap()
}

/// A keyset's keys and the id derived from them.
pub fn keys() -> (Keys, Id) {
    let keys = Keys::new(
        [1u64, 2, 4, 8]
            .into_iter()
            .map(|amount| (Amount::from(amount), SecretKey::generate().public_key()))
            .collect::<BTreeMap<_, _>>(),
    );
    let id = Id::v1_from_keys(&keys);
    (keys, id)
}

/// A fresh unspent proof of `amount` sat.
pub fn proof(keyset_id: Id, amount: u64) -> ProofInfo {
    let proof = Proof {
        amount: Amount::from(amount),
        keyset_id,
        secret: Secret::generate(),
        c: SecretKey::generate().public_key(),
        witness: None,
        dleq: None,
        p2pk_e: None,
    };
    ProofInfo::new(proof, mint_url(), State::Unspent, CurrencyUnit::Sat).unwrap()
}

/// What a store answers, query by query: equal dumps, equal stores.
#[derive(Debug, PartialEq)]
pub struct Dump {
    pub mints: HashMap<MintUrl, Option<MintInfo>>,
    pub keysets: Option<Vec<KeySetInfo>>,
    pub keys: Option<Keys>,
    pub mint_quotes: Vec<MintQuote>,
    pub melt_quotes: Vec<MeltQuote>,
    pub proofs: Vec<ProofInfo>,
    pub transactions: Vec<Transaction>,
    pub sagas: Vec<WalletSaga>,
    pub kv: Option<Vec<u8>>,
    pub p2pk_keys: Vec<P2PKSigningKey>,
    /// The keyset counter and the P2PK derivation counter.
    pub counters: (u32, u32),
}

pub async fn dump(db: &impl WalletDatabase<cdk_common::database::Error>, id: Id) -> Dump {
    Dump {
        mints: db.get_mints().await.unwrap(),
        keysets: db.get_mint_keysets(mint_url()).await.unwrap(),
        keys: db.get_keys(&id).await.unwrap(),
        mint_quotes: db.get_mint_quotes().await.unwrap(),
        melt_quotes: db.get_melt_quotes().await.unwrap(),
        proofs: db.get_proofs(None, None, None, None).await.unwrap(),
        transactions: db.list_transactions(None, None, None).await.unwrap(),
        sagas: db.get_incomplete_sagas().await.unwrap(),
        kv: db.kv_read("flash", "test", "blob").await.unwrap(),
        p2pk_keys: db.list_p2pk_keys().await.unwrap(),
        counters: (
            db.increment_keyset_counter(&id, 0).await.unwrap(),
            db.increment_derivation_counter("p2pk", 0).await.unwrap(),
        ),
    }
}

/// What [`fill`] wrote that must never be stored in the clear.
pub struct Secrets {
    /// Every proof's secret.
    pub proof_secrets: Vec<String>,
    /// The mint quote's NUT-20 signing key, hex.
    pub quote_key: String,
}

/// Writes one or more records of every kind, through the trait as cdk
/// would, and returns the keyset id (to [`dump`]) and the secrets written.
pub async fn fill(db: &impl WalletDatabase<cdk_common::database::Error>) -> (Id, Secrets) {
    let url = mint_url();
    let info = MintInfo {
        name: Some("Test mint".into()),
        description: Some("for tests".into()),
        ..MintInfo::default()
    };
    db.add_mint(url.clone(), Some(info)).await.unwrap();
    db.add_mint(
        MintUrl::from_str("https://other.example.com").unwrap(),
        None,
    )
    .await
    .unwrap();

    let (keys, id) = keys();
    db.add_mint_keysets(
        url.clone(),
        vec![KeySetInfo {
            id,
            unit: CurrencyUnit::Sat,
            active: true,
            input_fee_ppk: 100,
            final_expiry: None,
        }],
    )
    .await
    .unwrap();
    db.add_keys(KeySet {
        id,
        unit: CurrencyUnit::Sat,
        active: Some(true),
        keys,
        input_fee_ppk: 100,
        final_expiry: None,
    })
    .await
    .unwrap();

    let proofs: Vec<ProofInfo> = [1, 2, 4, 8]
        .into_iter()
        .map(|amount| proof(id, amount).with_derivation_index(amount as u32))
        .collect();
    let proof_secrets = proofs.iter().map(|p| p.proof.secret.to_string()).collect();
    db.update_proofs(proofs.clone(), vec![]).await.unwrap();
    let operation = uuid::Uuid::new_v4();
    db.reserve_proofs(vec![proofs[0].y], &operation)
        .await
        .unwrap();
    db.update_proofs_state(vec![proofs[1].y], State::Pending)
        .await
        .unwrap();

    let quote_key = SecretKey::generate();
    let mut quote = MintQuote::new(
        "mint-quote-1".into(),
        url.clone(),
        PaymentMethod::BOLT11,
        Some(Amount::from(100)),
        CurrencyUnit::Sat,
        "lnbc1000n1...".into(),
        4_000_000_000,
        Some(quote_key.clone()),
    );
    db.add_mint_quote(quote.clone()).await.unwrap();
    quote.amount_paid = Amount::from(100);
    db.add_mint_quote(quote).await.unwrap();
    db.reserve_mint_quote("mint-quote-1", &operation)
        .await
        .unwrap();
    db.add_melt_quote(MeltQuote {
        id: "melt-quote-1".into(),
        mint_url: Some(url.clone()),
        unit: CurrencyUnit::Sat,
        amount: Amount::from(50),
        request: "lnbc500n1...".into(),
        fee_reserve: Amount::from(2),
        state: MeltQuoteState::Paid,
        expiry: 4_000_000_000,
        payment_proof: Some("preimage".into()),
        estimated_blocks: None,
        fee_index: None,
        payment_method: PaymentMethod::BOLT11,
        used_by_operation: None,
        version: 0,
    })
    .await
    .unwrap();

    db.add_transaction(Transaction {
        mint_url: url.clone(),
        direction: TransactionDirection::Incoming,
        amount: Amount::from(15),
        fee: Amount::ZERO,
        unit: CurrencyUnit::Sat,
        ys: proofs.iter().map(|p| p.y).collect(),
        timestamp: 1_700_000_000,
        memo: Some("hello".into()),
        metadata: HashMap::from([("source".into(), "test".into())]),
        quote_id: Some("mint-quote-1".into()),
        payment_request: None,
        payment_proof: None,
        payment_method: Some(PaymentMethod::BOLT11),
        saga_id: None,
        status: TransactionStatus::Completed,
    })
    .await
    .unwrap();

    db.increment_keyset_counter(&id, 5).await.unwrap();
    db.increment_derivation_counter("p2pk", 3).await.unwrap();
    db.add_saga(WalletSaga::new(
        operation,
        WalletSagaState::Swap(SwapSagaState::ProofsReserved),
        Amount::from(1),
        url.clone(),
        CurrencyUnit::Sat,
        OperationData::Swap(SwapOperationData {
            input_amount: Amount::from(1),
            output_amount: Amount::from(1),
            counter_start: Some(0),
            counter_end: Some(1),
            blinded_messages: None,
        }),
    ))
    .await
    .unwrap();
    db.kv_write("flash", "test", "blob", &[0, 1, 2, 255])
        .await
        .unwrap();
    db.add_p2pk_key(
        &SecretKey::generate().public_key(),
        DerivationPath::from_str("m/129372'/0'/1'/0").unwrap(),
        0,
    )
    .await
    .unwrap();

    (
        id,
        Secrets {
            proof_secrets,
            quote_key: quote_key.to_secret_hex(),
        },
    )
}

/// Everything written through one store is read back, unchanged, through
/// the store `reopen` opens over the same persistence.
pub async fn every_record_survives_a_reopen<P, F, Fut>(store: CashuStore<P>, reopen: F)
where
    P: Persistence,
    F: FnOnce() -> Fut,
    Fut: Future<Output = CashuStore<P>>,
{
    let (id, _) = fill(&store).await;
    let before = dump(&store, id).await;
    // The dump sees every kind of record, and what the writes made of them.
    assert_eq!(before.mints.len(), 2);
    assert_eq!(before.keysets.as_ref().map(Vec::len), Some(1));
    assert!(before.keys.is_some());
    assert_eq!(before.mint_quotes[0].version, 1);
    assert_eq!(before.melt_quotes.len(), 1);
    let states: Vec<State> = before.proofs.iter().map(|p| p.state).collect();
    assert_eq!(states.len(), 4);
    assert!(states.contains(&State::Reserved) && states.contains(&State::Pending));
    assert!(before.proofs.iter().all(|p| p.derivation_index.is_some()));
    assert_eq!(before.transactions.len(), 1);
    assert_eq!(before.sagas.len(), 1);
    assert_eq!(before.kv.as_deref(), Some(&[0, 1, 2, 255][..]));
    assert_eq!(before.p2pk_keys.len(), 1);
    assert_eq!(before.counters, (5, 3));
    drop(store);

    let reopened = reopen().await;
    assert_eq!(dump(&reopened, id).await, before);
}

/// cdk's `Wallet` takes the store as its database and reads it.
pub async fn a_cdk_wallet_runs_on_the_store<P: Persistence + 'static>(store: CashuStore<P>) {
    let store = Arc::new(store);
    let (_, id) = keys();
    store
        .update_proofs(vec![proof(id, 8), proof(id, 2)], vec![])
        .await
        .unwrap();
    let wallet = WalletBuilder::new()
        .mint_url(mint_url())
        .unit(CurrencyUnit::Sat)
        .localstore(store)
        .seed([7; 64])
        .build()
        .unwrap();
    assert_eq!(wallet.total_balance().await.unwrap(), Amount::from(10));
}
