//! `--dev`: the Cashu mint the server runs at `/mint` on its own origin, its
//! node on the dev Lightning network beside the server's and the outside
//! world's, driven through the real `server` binary by real cdk wallets.

use crate::support::{
    self,
    lightning::{eventually, Api, User},
};

use std::{sync::Arc, time::Duration};

use axum::{
    body::Bytes,
    http::{header, HeaderMap, StatusCode},
};
use cdk::{
    nuts::{CurrencyUnit, MeltOptions, MeltQuoteState, PaymentMethod, Token},
    wallet::{ReceiveOptions, SendOptions, Wallet},
    Amount,
};
use http_body_util::{BodyExt, Empty, Full};
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

/// `POST /api/dev/lightning/pay`: the outside world pays `invoice`; what the
/// payment did.
async fn outside_pays(dev: &DevServer, invoice: &str) -> String {
    outside_pays_at(dev, "api/dev/lightning/pay", invoice).await
}

/// Like [`outside_pays`], through the route at `path`.
async fn outside_pays_at(dev: &DevServer, path: &str, invoice: &str) -> String {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let request = axum::http::Request::post(format!("{}{path}", dev.url))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(
            json!({ "invoice": invoice }).to_string(),
        )))
        .expect("request");
    let response = client.request(request).await.expect("the server answers");
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let body: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(status, StatusCode::OK, "{body}");
    body["status"].as_str().unwrap_or_default().to_owned()
}

/// An invoice of the outside world for `sat`, from `path` (either name).
async fn outside_invoice(dev: &DevServer, path: &str, sat: u64) -> cdk::Bolt11Invoice {
    let (status, _, body) = get_json(&format!("{}{path}?sat={sat}", dev.url)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["invoice"]
        .as_str()
        .and_then(|invoice| invoice.parse().ok())
        .unwrap_or_else(|| panic!("not an invoice: {body}"))
}

/// Mints `amount` sats into `wallet`, the quote's invoice paid by the
/// outside world.
async fn mint(dev: &DevServer, wallet: &Wallet, amount: u64) {
    let quote = wallet
        .mint_quote(
            PaymentMethod::BOLT11,
            Some(Amount::from(amount)),
            None,
            None,
        )
        .await
        .expect("mint quote");
    // A regtest invoice of the mint's node, which nothing pays by itself.
    assert!(quote.request.starts_with("lnbcrt1"), "{}", quote.request);
    assert_eq!(outside_pays(dev, &quote.request).await, "succeeded");
    wallet
        .wait_and_mint_quote(quote, Default::default(), None, WAIT)
        .await
        .expect("the quote is paid and minted");
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
    // The chain the dev services' invoices are for.
    assert_eq!(config["network"], "regtest", "{config}");
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

    mint(&dev, &alice, 100).await;
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

    let invoice = outside_invoice(&dev, "api/dev/invoice", 20).await;
    let melted = melt(&alice, &invoice, None).await;
    assert_eq!(melted.state(), MeltQuoteState::Paid);
    assert_eq!(melted.amount(), Amount::from(20));
    // The network's fee: 1 sat + 0.1 % of 20 sats, charged as 2 sats.
    assert_eq!(melted.fee_paid(), Amount::from(2));
    assert_eq!(balance(&alice).await, 60 - 20 - 2);

    // An invoice that leaves the amount to the payer, paid with 10 sats.
    let invoice = amountless_outside_invoice(&dev).await;
    let melted = melt(&alice, &invoice, Some(MeltOptions::new_amountless(10_000))).await;
    assert_eq!(melted.amount(), Amount::from(10));
    // 1 sat + 0.1 % of 10 sats, charged as 2 sats.
    assert_eq!(melted.fee_paid(), Amount::from(2));
    assert_eq!(balance(&alice).await, 38 - 10 - 2);
}

/// `wallet` pays `invoice` through the mint, which pays it across the dev
/// network.
async fn melt(
    wallet: &Wallet,
    invoice: &cdk::Bolt11Invoice,
    options: Option<MeltOptions>,
) -> cdk::types::FinalizedMelt {
    let quote = wallet
        .melt_quote(PaymentMethod::BOLT11, invoice.to_string(), options, None)
        .await
        .expect("melt quote");
    wallet
        .prepare_melt(&quote.id, Default::default())
        .await
        .expect("prepare the melt")
        .confirm()
        .await
        .expect("the mint's node pays the invoice")
}

/// An invoice of the outside world without an amount.
async fn amountless_outside_invoice(dev: &DevServer) -> cdk::Bolt11Invoice {
    let (status, _, body) = get_json(&format!("{}api/dev/lightning/invoice", dev.url)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let invoice: cdk::Bolt11Invoice = body["invoice"]
        .as_str()
        .and_then(|invoice| invoice.parse().ok())
        .unwrap_or_else(|| panic!("not an invoice: {body}"));
    assert_eq!(invoice.amount_milli_satoshis(), None);
    invoice
}

#[tokio::test]
async fn both_invoice_routes_give_the_outside_worlds_regtest_invoices() {
    let dev = dev_server();
    for path in ["api/dev/invoice", "api/dev/lightning/invoice"] {
        let invoice = outside_invoice(&dev, path, 30).await;
        assert_eq!(invoice.amount_milli_satoshis(), Some(30_000), "{path}");
        assert_eq!(
            invoice.currency(),
            cdk::lightning_invoice::Currency::Regtest,
            "{path}"
        );
    }
    let (status, _, body) = get_json(&format!("{}api/dev/invoice?sat=0", dev.url)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "bad_request", "{body}");
}

#[tokio::test]
async fn money_moves_between_an_account_and_the_mint_across_the_dev_network() {
    let dev = dev_server();
    let api = Api::Process(dev.url.clone());
    let user = User::new();
    // The account is funded by the outside world.
    let invoice = user.invoice(&api, 1_000_000, "top up").await;
    assert_eq!(
        // The shorter name the README gives newcomers.
        outside_pays_at(&dev, "api/dev/pay", invoice["bolt11"].as_str().unwrap()).await,
        "succeeded"
    );
    eventually("the top-up is credited", || async {
        user.balance(&api).await == 1_000_000
    })
    .await;

    // The account pays the mint's invoice: the wallet mints.
    let wallet = wallet(&dev.mint).await;
    let quote = wallet
        .mint_quote(PaymentMethod::BOLT11, Some(Amount::from(300)), None, None)
        .await
        .expect("mint quote");
    let (status, paid) = user.pay(&api, &quote.request, "to-the-mint").await;
    assert!(status.is_success(), "{status}: {paid}");
    wallet
        .wait_and_mint_quote(quote, Default::default(), None, WAIT)
        .await
        .expect("the account's payment mints");
    assert_eq!(balance(&wallet).await, 300);

    // The wallet melts to the account's invoice: the account is credited.
    let before = user.balance(&api).await;
    assert!(
        before < 1_000_000 - 300_000,
        "the account paid a fee: {before}"
    );
    let invoice = user.invoice(&api, 100_000, "from ecash").await;
    let quote = wallet
        .melt_quote(
            PaymentMethod::BOLT11,
            invoice["bolt11"].as_str().unwrap().to_owned(),
            None,
            None,
        )
        .await
        .expect("melt quote");
    let melted = wallet
        .prepare_melt(&quote.id, Default::default())
        .await
        .expect("prepare the melt")
        .confirm()
        .await
        .expect("the mint pays the account");
    assert_eq!(melted.state(), MeltQuoteState::Paid);
    eventually("the melt is credited to the account", || async {
        user.balance(&api).await == before + 100_000
    })
    .await;
    let fee: u64 = melted.fee_paid().into();
    assert_eq!(balance(&wallet).await, 300 - 100 - fee);
}
