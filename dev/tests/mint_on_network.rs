//! The dev mint on a node of the dev Lightning network, driven by a real cdk
//! wallet: its invoices are paid by another node, its melts pay other nodes'
//! invoices, with the network's fee, and wait while the payee holds them.
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{sync::Arc, time::Duration};

use bitcoin::hex::DisplayHex;
use cdk::{
    nuts::{CurrencyUnit, MeltQuoteState, MintQuoteState, PaymentMethod},
    wallet::{MeltOutcome, PendingMelt, Wallet},
    Amount,
};
use flash_dev::{
    lightning::{Invoice, InvoiceState, InvoiceTerms, Network, Node, PaymentStatus},
    DevMint, RunningMint,
};

/// How long the mint may take to see a paid quote.
const WAIT: Duration = Duration::from_secs(20);

/// What the outside node spends on fees at most when it pays the mint.
const FEE_LIMIT_MSAT: u64 = 100_000;

struct Setup {
    outside: Node,
    mint_node: Node,
    wallet: Wallet,
    // Served while the test runs.
    _mint: RunningMint,
}

async fn setup() -> Setup {
    let network = Network::new();
    let mint_node = network.add_node("mint").expect("the mint's node");
    let outside = network.add_node("outside").expect("another node");
    let mint = DevMint::spawn_on_network(mint_node.clone())
        .await
        .expect("start the mint");
    let database = cdk_sqlite::wallet::memory::empty()
        .await
        .expect("in-memory wallet database");
    let mut seed = [0; 64];
    getrandom::fill(&mut seed).expect("random seed");
    let wallet = Wallet::new(
        &mint.url().to_string(),
        CurrencyUnit::Sat,
        Arc::new(database),
        seed,
        None,
    )
    .expect("wallet");
    Setup {
        outside,
        mint_node,
        wallet,
        _mint: mint,
    }
}

async fn balance(wallet: &Wallet) -> u64 {
    wallet.total_balance().await.expect("balance").into()
}

/// Mints `amount` sats, the quote's invoice paid by the outside node.
async fn mint(setup: &Setup, amount: u64) {
    let quote = setup
        .wallet
        .mint_quote(
            PaymentMethod::BOLT11,
            Some(Amount::from(amount)),
            None,
            None,
        )
        .await
        .expect("mint quote");
    let paid = setup
        .outside
        .pay(&quote.request, None, FEE_LIMIT_MSAT)
        .expect("the outside node pays");
    assert_eq!(paid.status, PaymentStatus::Succeeded, "{paid:?}");
    setup
        .wallet
        .wait_and_mint_quote(quote, Default::default(), None, WAIT)
        .await
        .expect("the quote is paid and minted");
}

fn outside_invoice(setup: &Setup, sat: u64) -> Invoice {
    setup
        .outside
        .add_invoice(InvoiceTerms::new(sat * 1000, "outside"))
        .expect("an outside invoice")
}

#[tokio::test]
async fn a_mint_quote_is_a_real_invoice_of_the_mints_node_and_mints_once_another_node_pays_it() {
    let setup = setup().await;
    let quote = setup
        .wallet
        .mint_quote(PaymentMethod::BOLT11, Some(Amount::from(100)), None, None)
        .await
        .expect("mint quote");
    assert!(quote.request.starts_with("lnbcrt1"), "{}", quote.request);
    let invoice: cdk::Bolt11Invoice = quote.request.parse().expect("a bolt11 invoice");
    assert_eq!(invoice.amount_milli_satoshis(), Some(100_000));
    let hash = *invoice.payment_hash().as_ref();
    let on_node = setup
        .mint_node
        .lookup_invoice(&hash)
        .expect("the mint's node issued it");
    assert_eq!(on_node.state, InvoiceState::Open);

    // Nothing pays it by itself.
    let unpaid = setup
        .wallet
        .check_mint_quote_status(&quote.id)
        .await
        .expect("quote state");
    assert_eq!(unpaid.state, MintQuoteState::Unpaid);

    let paid = setup
        .outside
        .pay(&quote.request, None, FEE_LIMIT_MSAT)
        .expect("the outside node pays");
    assert_eq!(paid.status, PaymentStatus::Succeeded, "{paid:?}");
    setup
        .wallet
        .wait_and_mint_quote(quote, Default::default(), None, WAIT)
        .await
        .expect("the quote is paid and minted");
    assert_eq!(balance(&setup.wallet).await, 100);
    assert_eq!(
        setup.mint_node.lookup_invoice(&hash).map(|i| i.state),
        Some(InvoiceState::Settled)
    );
}

#[tokio::test]
async fn a_melt_pays_the_outside_node_and_charges_only_the_networks_fee() {
    let setup = setup().await;
    mint(&setup, 2_000).await;
    let invoice = outside_invoice(&setup, 1_000);

    let quote = setup
        .wallet
        .melt_quote(PaymentMethod::BOLT11, invoice.bolt11.clone(), None, None)
        .await
        .expect("melt quote");
    assert_eq!(quote.amount, Amount::from(1_000));
    // 1 %, at least 2 sats.
    assert_eq!(quote.fee_reserve, Amount::from(10));
    let melted = setup
        .wallet
        .prepare_melt(&quote.id, Default::default())
        .await
        .expect("prepare the melt")
        .confirm()
        .await
        .expect("the mint's node pays");
    assert_eq!(melted.state(), MeltQuoteState::Paid);
    // The network charges 1 sat + 0.1 %: 2 sats; the other 8 of the reserve
    // come back as change.
    assert_eq!(melted.fee_paid(), Amount::from(2));
    assert_eq!(balance(&setup.wallet).await, 2_000 - 1_000 - 2);
    assert_eq!(
        melted.payment_proof(),
        Some(invoice.preimage.to_lower_hex_string().as_str())
    );

    let received = setup
        .outside
        .lookup_invoice(&invoice.payment_hash)
        .expect("the outside invoice");
    assert_eq!(received.state, InvoiceState::Settled);
    assert_eq!(received.amount_paid_msat, 1_000_000);
}

/// A melt of `sat` to an outside invoice whose payee holds the payment:
/// the invoice, the melt quote's id and the melt, pending.
async fn held_melt(setup: &Setup, sat: u64) -> (Invoice, String, PendingMelt<'_>) {
    setup.outside.hold_payments(true);
    let invoice = outside_invoice(setup, sat);
    let quote = setup
        .wallet
        .melt_quote(PaymentMethod::BOLT11, invoice.bolt11.clone(), None, None)
        .await
        .expect("melt quote");
    let outcome = setup
        .wallet
        .prepare_melt(&quote.id, Default::default())
        .await
        .expect("prepare the melt")
        .confirm_prefer_async()
        .await
        .expect("the mint answers");
    let MeltOutcome::Pending(pending) = outcome else {
        panic!("a held payment is not paid yet");
    };
    (invoice, quote.id, pending)
}

#[tokio::test]
async fn a_melt_the_payee_holds_is_pending_until_settled_then_paid() {
    let setup = setup().await;
    mint(&setup, 500).await;
    let (invoice, quote_id, pending) = held_melt(&setup, 100).await;
    // The proofs for the amount and the reserve are out, neither spent nor
    // spendable.
    let in_flight = u64::from(setup.wallet.total_pending_balance().await.unwrap());
    assert!(in_flight >= 100 + 2, "{in_flight}");
    assert_eq!(balance(&setup.wallet).await, 500 - in_flight);
    assert_eq!(
        setup
            .outside
            .lookup_invoice(&invoice.payment_hash)
            .map(|i| i.state),
        Some(InvoiceState::Accepted)
    );

    assert_eq!(setup.outside.settle_held().unwrap(), 1);
    let melted = pending.await.expect("the melt completes");
    assert_eq!(melted.state(), MeltQuoteState::Paid);
    // 1 sat + 0.1 % of 100 sats is 1.1 sats, charged as 2.
    assert_eq!(melted.fee_paid(), Amount::from(2));
    assert_eq!(balance(&setup.wallet).await, 500 - 100 - 2);
    let checked = setup
        .wallet
        .check_melt_quote_status(&quote_id)
        .await
        .expect("the mint's state of the quote");
    assert_eq!(checked.state, MeltQuoteState::Paid);
}

#[tokio::test]
async fn a_melt_the_payee_holds_then_fails_gives_the_proofs_back() {
    let setup = setup().await;
    mint(&setup, 500).await;
    let (invoice, quote_id, pending) = held_melt(&setup, 100).await;
    assert!(balance(&setup.wallet).await < 500);

    assert_eq!(setup.outside.fail_held().unwrap(), 1);
    // However the wallet reports the failure, the payment did not happen.
    if let Ok(melted) = pending.await {
        assert_ne!(melted.state(), MeltQuoteState::Paid);
    }
    let checked = setup
        .wallet
        .check_melt_quote_status(&quote_id)
        .await
        .expect("the mint's state of the quote");
    assert!(
        matches!(
            checked.state,
            MeltQuoteState::Unpaid | MeltQuoteState::Failed
        ),
        "{:?}",
        checked.state
    );
    assert_eq!(
        u64::from(setup.wallet.total_pending_balance().await.unwrap()),
        0
    );
    assert_eq!(balance(&setup.wallet).await, 500);
    assert_eq!(
        setup
            .outside
            .lookup_invoice(&invoice.payment_hash)
            .map(|i| i.state),
        Some(InvoiceState::Open)
    );

    // The proofs are spendable again: the same ecash pays another invoice.
    setup.outside.hold_payments(false);
    let again = outside_invoice(&setup, 100);
    let quote = setup
        .wallet
        .melt_quote(PaymentMethod::BOLT11, again.bolt11, None, None)
        .await
        .expect("melt quote");
    let melted = setup
        .wallet
        .prepare_melt(&quote.id, Default::default())
        .await
        .expect("prepare the melt")
        .confirm()
        .await
        .expect("the mint's node pays");
    assert_eq!(melted.state(), MeltQuoteState::Paid);
    assert_eq!(balance(&setup.wallet).await, 500 - 100 - 2);
}
