//! The dev mint served on its own port, driven by a real cdk wallet.
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{sync::Arc, time::Duration};

use axum::{body::Body, http::Request};
use cdk::{
    nuts::{CurrencyUnit, KeysetResponse, MeltQuoteState, PaymentMethod},
    wallet::Wallet,
    Amount,
};
use flash_dev::{fake_invoice, DevMint, NAME};
use tokio::{net::TcpStream, time::Instant};
use tower::ServiceExt;

/// How long the mint may take to settle a quote or answer.
const WAIT: Duration = Duration::from_secs(20);

async fn wallet(mint_url: &str) -> Wallet {
    let database = cdk_sqlite::wallet::memory::empty()
        .await
        .expect("in-memory wallet database");
    let mut seed = [0; 64];
    getrandom::fill(&mut seed).expect("random seed");
    Wallet::new(mint_url, CurrencyUnit::Sat, Arc::new(database), seed, None).expect("wallet")
}

/// Mints `amount` sats through a bolt11 quote that the fake node pays by itself.
async fn mint(wallet: &Wallet, amount: u64) {
    let quote = wallet
        .mint_quote(
            PaymentMethod::BOLT11,
            Some(Amount::from(amount)),
            None,
            None,
        )
        .await
        .expect("mint quote");
    wallet
        .wait_and_mint_quote(quote, Default::default(), None, WAIT)
        .await
        .expect("the quote is paid and minted");
}

#[tokio::test]
async fn a_wallet_mints_from_the_standalone_mint_and_melts_a_fake_invoice() {
    let running = DevMint::spawn_standalone().await.expect("start the mint");
    let url = running.url().to_string();
    assert_eq!(url, format!("http://{}", running.addr()));
    let wallet = wallet(&url).await;

    let info = wallet
        .fetch_mint_info()
        .await
        .expect("GET /v1/info")
        .expect("mint info");
    assert_eq!(info.name.as_deref(), Some(NAME));
    assert_eq!(info.urls, Some(vec![url.clone()]));

    mint(&wallet, 100).await;
    assert_eq!(wallet.total_balance().await.unwrap(), Amount::from(100));

    let quote = wallet
        .melt_quote(PaymentMethod::BOLT11, fake_invoice(10), None, None)
        .await
        .expect("melt quote");
    assert_eq!(quote.amount, Amount::from(10));
    let melted = wallet
        .prepare_melt(&quote.id, Default::default())
        .await
        .expect("prepare the melt")
        .confirm()
        .await
        .expect("the fake node pays");
    assert_eq!(melted.state(), MeltQuoteState::Paid);
    // The fake node always spends 1 sat in fees; the rest of the reserve
    // comes back as change.
    assert_eq!(melted.fee_paid(), Amount::from(1));
    assert_eq!(wallet.total_balance().await.unwrap(), Amount::from(89));
}

#[tokio::test]
async fn dropping_the_standalone_mint_stops_serving() {
    let running = DevMint::spawn_standalone().await.expect("start the mint");
    let addr = running.addr();
    drop(TcpStream::connect(addr).await.expect("the mint accepts"));
    drop(running);
    // The listener closes once the aborted server task is dropped.
    let deadline = Instant::now() + WAIT;
    while TcpStream::connect(addr).await.is_ok() {
        assert!(Instant::now() < deadline, "still serving after drop");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The active keysets, through the router in memory.
async fn keysets(mint: &DevMint) -> KeysetResponse {
    let request = Request::get("/v1/keysets").body(Body::empty()).unwrap();
    let response = mint.router().oneshot(request).await.unwrap();
    assert!(response.status().is_success(), "{response:?}");
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    serde_json::from_slice(&body).expect("a keyset response")
}

#[tokio::test]
async fn a_work_directory_reopens_with_the_same_keys() {
    let dir = tempfile::tempdir().unwrap();
    let url = "http://127.0.0.1:9/mint";
    let first = DevMint::new(url, dir.path()).await.expect("first start");
    let before = keysets(&first).await;
    drop(first);
    let second = DevMint::new(url, dir.path()).await.expect("second start");
    assert_eq!(keysets(&second).await.keysets, before.keysets);

    let other = tempfile::tempdir().unwrap();
    let fresh = DevMint::new(url, other.path()).await.expect("another mint");
    assert_ne!(
        keysets(&fresh).await.keysets[0].id,
        before.keysets[0].id,
        "a new work directory is a new mint"
    );
}

#[tokio::test]
async fn a_url_without_a_scheme_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = DevMint::new("127.0.0.1:8080", dir.path())
        .await
        .expect_err("not a URL");
    assert_eq!(err.to_string(), "invalid dev mint URL \"127.0.0.1:8080\"");
}
