//! `--dev`: the Cashu mint the server runs at `/mint` on its own origin,
//! driven through the real `server` binary by real cdk wallets.

use crate::support;

use std::{sync::Arc, time::Duration};

use axum::{
    body::Bytes,
    http::{header, HeaderMap, StatusCode},
};
use cdk::{
    nuts::{CurrencyUnit, MeltQuoteState, PaymentMethod, Token},
    wallet::{ReceiveOptions, SendOptions, Wallet},
    Amount,
};
use http_body_util::{BodyExt, Empty};
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use serde_json::{json, Value};
use tempfile::TempDir;

use support::{built_dist, Server};

/// How long the mint may take to settle a quote.
const WAIT: Duration = Duration::from_secs(20);

/// A `server --dev` and the URLs it announced.
struct DevServer {
    // Killed before its dist is removed.
    _server: Server,
    _dist: TempDir,
    /// `http://127.0.0.1:<port>/`
    url: String,
    /// `http://127.0.0.1:<port>/mint`
    mint: String,
}

fn dev_server() -> DevServer {
    let dist = built_dist();
    let (server, url) = Server::start(dist.path(), &["--dev"]);
    let relay = server.next_line();
    assert!(relay.starts_with("Dev relay at ws://"), "{relay:?}");
    let line = server.next_line();
    let mint = line
        .strip_prefix("Dev mint at ")
        .unwrap_or_else(|| panic!("unexpected third line: {line:?}"))
        .to_owned();
    DevServer {
        _server: server,
        _dist: dist,
        url,
        mint,
    }
}

async fn get_json(url: &str) -> (StatusCode, HeaderMap, Value) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let response = client
        .get(url.parse().expect("URI"))
        .await
        .unwrap_or_else(|err| panic!("GET {url}: {err}"));
    let (parts, body) = response.into_parts();
    let body = body.collect().await.expect("read body").to_bytes();
    let json = serde_json::from_slice(&body)
        .unwrap_or_else(|err| panic!("GET {url} is not JSON ({err}): {body:?}"));
    (parts.status, parts.headers, json)
}

async fn wallet(mint_url: &str) -> Wallet {
    let database = cdk_sqlite::wallet::memory::empty()
        .await
        .expect("in-memory wallet database");
    let mut seed = [0; 64];
    getrandom::fill(&mut seed).expect("random seed");
    Wallet::new(mint_url, CurrencyUnit::Sat, Arc::new(database), seed, None).expect("wallet")
}

async fn balance(wallet: &Wallet) -> u64 {
    wallet.total_balance().await.expect("balance").into()
}

#[tokio::test]
async fn the_mint_is_announced_advertised_and_names_itself() {
    let dev = dev_server();
    assert_eq!(
        dev.mint,
        format!("{}mint", dev.url),
        "same origin, at /mint"
    );

    let (status, headers, config) = get_json(&format!("{}api/dev/config", dev.url)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(config["mints"], json!([dev.mint]), "{config}");
    assert_eq!(
        config["relays"].as_array().map(Vec::len),
        Some(1),
        "{config}"
    );

    let (status, headers, info) = get_json(&format!("{}/v1/info", dev.mint)).await;
    assert_eq!(status, StatusCode::OK);
    // A mint's answers are live state, like the API's.
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(info["name"], "Flash dev mint", "{info}");
    assert_eq!(info["urls"], json!([dev.mint]), "{info}");
    assert!(info["description"].is_string(), "{info}");
    assert_eq!(info["contact"][0]["method"], "email", "{info}");
    let nuts = &info["nuts"];
    for nut in ["4", "5"] {
        assert_eq!(nuts[nut]["disabled"], false, "NUT-{nut}: {info}");
        let methods = &nuts[nut]["methods"];
        assert_eq!(methods[0]["method"], "bolt11", "NUT-{nut}: {info}");
        assert_eq!(methods[0]["unit"], "sat", "NUT-{nut}: {info}");
    }
    for nut in ["7", "9", "11", "12"] {
        assert_eq!(nuts[nut]["supported"], true, "NUT-{nut}: {info}");
    }
    assert_eq!(nuts["17"]["supported"][0]["method"], "bolt11", "{info}");

    // An unknown mint path is a JSON 404, not the app's page.
    let (status, _, body) = get_json(&format!("{}/v1/nothing-here", dev.mint)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found", "{body}");
}

#[tokio::test]
async fn wallets_mint_send_receive_and_melt_through_the_servers_mint() {
    let dev = dev_server();
    let alice = wallet(&dev.mint).await;
    let bob = wallet(&dev.mint).await;

    // The fake Lightning node pays the quote's invoice by itself.
    let quote = alice
        .mint_quote(PaymentMethod::BOLT11, Some(Amount::from(100)), None, None)
        .await
        .expect("mint quote");
    assert!(quote.request.starts_with("lnbc1"), "{}", quote.request);
    alice
        .wait_and_mint_quote(quote, Default::default(), None, WAIT)
        .await
        .expect("the quote is paid and minted");
    assert_eq!(balance(&alice).await, 100);

    let token = alice
        .prepare_send(Amount::from(40), SendOptions::default())
        .await
        .expect("prepare the send")
        .confirm(None)
        .await
        .expect("make the token")
        .to_string();
    assert!(token.starts_with("cashuB"), "{token}");
    let parsed: Token = token.parse().expect("a token");
    assert_eq!(parsed.mint_url().expect("its mint").to_string(), dev.mint);

    let received = bob
        .receive(&token, ReceiveOptions::default())
        .await
        .expect("receive the token");
    assert_eq!(received, Amount::from(40));
    assert_eq!(balance(&bob).await, 40);
    assert_eq!(balance(&alice).await, 60);
    // The mint knows the token is spent now.
    bob.receive(&token, ReceiveOptions::default())
        .await
        .expect_err("a token is received once");

    let quote = alice
        .melt_quote(
            PaymentMethod::BOLT11,
            flash_dev::fake_invoice(20),
            None,
            None,
        )
        .await
        .expect("melt quote");
    let melted = alice
        .prepare_melt(&quote.id, Default::default())
        .await
        .expect("prepare the melt")
        .confirm()
        .await
        .expect("the fake node pays the invoice");
    assert_eq!(melted.state(), MeltQuoteState::Paid);
    assert_eq!(melted.amount(), Amount::from(20));
    let fee: u64 = melted.fee_paid().into();
    assert_eq!(balance(&alice).await, 60 - 20 - fee);
}

#[tokio::test]
async fn someone_elses_invoice_is_offered_for_wallets_to_pay() {
    let dev = dev_server();
    let (status, _, body) = get_json(&format!("{}api/dev/invoice?sat=30", dev.url)).await;
    assert_eq!(status, StatusCode::OK);
    let invoice: cdk::Bolt11Invoice = body["invoice"]
        .as_str()
        .and_then(|invoice| invoice.parse().ok())
        .unwrap_or_else(|| panic!("not an invoice: {body}"));
    assert_eq!(invoice.amount_milli_satoshis(), Some(30_000));

    // The mint pays it: its fake node "pays" any invoice.
    let alice = wallet(&dev.mint).await;
    let quote = alice
        .mint_quote(
            cdk::nuts::PaymentMethod::Known(cdk::nuts::nut00::KnownMethod::Bolt11),
            Some(100.into()),
            None,
            None,
        )
        .await
        .expect("mint quote");
    alice
        .wait_and_mint_quote(quote, Default::default(), None, Duration::from_secs(10))
        .await
        .expect("minted");
    let melt = alice
        .melt_quote(
            cdk::nuts::PaymentMethod::Known(cdk::nuts::nut00::KnownMethod::Bolt11),
            invoice.to_string(),
            None,
            None,
        )
        .await
        .expect("melt quote");
    let paid = alice
        .prepare_melt(&melt.id, Default::default())
        .await
        .expect("prepared")
        .confirm()
        .await
        .expect("paid");
    assert_eq!(u64::from(paid.amount()), 30);

    let (status, _, body) = get_json(&format!("{}api/dev/invoice?sat=0", dev.url)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "bad_request", "{body}");
}
