//! Zaps (NIP-57) to a Lightning address, through the real router on the
//! dev Lightning network, with receipts published to a real relay (the dev
//! relay) and read back with nostr-sdk, on SQLite and on PostgreSQL: a zap
//! request's invoice commits to the request, the outside pays it, the
//! account is credited once and the receipt that reaches the relay passes
//! Appendix F's checks; bad zap requests are refused with their reason and
//! nothing written; a receipt written before the server is killed is
//! published after its restart.

use std::{path::PathBuf, str::FromStr, time::Instant};

use axum::{
    body::Bytes,
    http::{Method, Request, StatusCode},
};
use flash_server::{dev::DevRelay, App};
use lightning_invoice::{Bolt11Invoice, Bolt11InvoiceDescriptionRef};
use nostr::{
    Event, EventBuilder, EventId, Filter, JsonUtil, Keys, Kind, PublicKey, Tag, Timestamp, Url,
};
use nostr_sdk::{Client, RelayPoolNotification};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

use crate::support::{
    self,
    lightning::{eventually, Api, Lightning, User, WAIT},
    Server,
};

/// The server's zapper key, in a file as an operator keeps it.
struct ZapperKey {
    keys: Keys,
    _dir: TempDir,
    path: PathBuf,
}

impl ZapperKey {
    fn new() -> Self {
        let keys = Keys::generate();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("zapper.key");
        std::fs::write(&path, format!("{}\n", keys.secret_key().to_secret_hex())).unwrap();
        Self {
            keys,
            _dir: dir,
            path,
        }
    }

    /// The arguments that give the `server` binary this key, with the
    /// test's relay on loopback allowed.
    fn args(&self) -> Vec<String> {
        vec![
            "--zapper-key-file".to_owned(),
            self.path.display().to_string(),
            "--zap-private-relays".to_owned(),
        ]
    }
}

/// A server in this process on `url` taking zaps signed by `zapper`.
async fn zapping_server(lightning: &Lightning, url: &str, zapper: &ZapperKey) -> (App, TempDir) {
    let dist = support::built_dist();
    let mut config = lightning.config(url, &dist);
    config.zapper_key_file = Some(zapper.path.clone());
    config.zap_private_relays = true;
    (App::start(&config).await.unwrap(), dist)
}

/// A zap request of `sender` for `amount_msat` to `recipient` (hex) with
/// `tags` besides (the relays, the amount and the recipient, unless
/// `tags` replaces them), as JSON.
fn zap_request(sender: &Keys, message: &str, tags: Vec<Vec<String>>) -> String {
    let tags = tags.into_iter().map(|tag| Tag::parse(tag).unwrap());
    EventBuilder::new(Kind::ZapRequest, message)
        .tags(tags)
        .sign_with_keys(sender)
        .unwrap()
        .as_json()
}

fn tag(values: &[&str]) -> Vec<String> {
    values.iter().map(|value| (*value).to_owned()).collect()
}

/// The usual tags: to `recipient`, for `amount_msat`, receipt to `relay`.
fn usual_tags(recipient: &str, amount_msat: u64, relay: &str) -> Vec<Vec<String>> {
    vec![
        tag(&["relays", relay]),
        tag(&["amount", &amount_msat.to_string()]),
        tag(&["p", recipient]),
    ]
}

/// The callback path for a zap of `amount_msat` to `name` with `request`.
fn callback(name: &str, amount_msat: u64, request: &str) -> String {
    let mut url = Url::parse(&format!("http://127.0.0.1:8080/lnurlp/{name}/callback")).unwrap();
    url.query_pairs_mut()
        .append_pair("amount", &amount_msat.to_string())
        .append_pair("nostr", request);
    format!("{}?{}", url.path(), url.query().unwrap_or_default())
}

/// An unsigned GET of `path` on `api`: its status and JSON.
async fn get(api: &Api, path: &str) -> (StatusCode, Value) {
    let uri = match api {
        Api::InProcess(_) => path.to_owned(),
        Api::Process(url) => format!("{}{path}", url.trim_end_matches('/')),
    };
    let request = Request::builder()
        .method(Method::GET)
        .uri(uri)
        .body(Bytes::new())
        .unwrap();
    let (status, body) = api.send(request).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// The zap receipts for one recipient, as a NOSTR client subscribed to a
/// relay (nostr-sdk) receives them.
struct Receipts {
    client: Client,
    notifications: tokio::sync::broadcast::Receiver<RelayPoolNotification>,
}

impl Receipts {
    /// Subscribes to `recipient`'s receipts on `relay`.
    async fn on(relay: &str, recipient: &PublicKey) -> Self {
        let client = Client::default();
        // Before subscribing, so no event slips between the two.
        let notifications = client.notifications();
        client.add_relay(relay).await.unwrap();
        client.try_connect_relay(relay, WAIT).await.unwrap();
        client
            .subscribe(
                Filter::new().kind(Kind::ZapReceipt).pubkey(*recipient),
                None,
            )
            .await
            .unwrap();
        Self {
            client,
            notifications,
        }
    }

    /// The next receipt, within `within`.
    async fn next_within(&mut self, within: std::time::Duration) -> Event {
        tokio::time::timeout(within, async {
            loop {
                match self.notifications.recv().await {
                    Ok(RelayPoolNotification::Event { event, .. })
                        if event.kind == Kind::ZapReceipt =>
                    {
                        return *event
                    }
                    Ok(_) => {}
                    Err(err) => panic!("the client's notifications: {err}"),
                }
            }
        })
        .await
        .expect("a zap receipt reaches the relay in time")
    }

    async fn next(&mut self) -> Event {
        self.next_within(WAIT).await
    }
}

/// The values of `event`'s tags named `name`.
fn tag_values(event: &Event, name: &str) -> Vec<String> {
    event
        .tags
        .iter()
        .filter(|tag| tag.as_slice().first().map(String::as_str) == Some(name))
        .filter_map(|tag| tag.as_slice().get(1).cloned())
        .collect()
}

/// Appendix F, as a client checks a receipt of a zap request for `pr`:
/// signed by the address's `nostrPubkey`, its description's SHA-256 the
/// invoice's description hash, and its invoice's amount the request's.
fn assert_valid_receipt(receipt: &Event, nostr_pubkey: &str, pr: &str, request: &str) {
    receipt.verify().expect("a valid signature");
    assert_eq!(
        receipt.pubkey.to_hex(),
        nostr_pubkey,
        "signed by nostrPubkey"
    );
    assert_eq!(tag_values(receipt, "bolt11"), [pr.to_owned()]);
    let description = tag_values(receipt, "description");
    assert_eq!(description, [request.to_owned()], "the request as sent");
    let invoice = Bolt11Invoice::from_str(pr).unwrap();
    let expected: [u8; 32] = Sha256::digest(description[0].as_bytes()).into();
    match invoice.description() {
        Bolt11InvoiceDescriptionRef::Hash(hash) => {
            assert_eq!(hash.0.as_ref() as &[u8], &expected[..])
        }
        other => panic!("a description, not its hash: {other:?}"),
    }
    let request = Event::from_json(request).unwrap();
    let amount = tag_values(&request, "amount");
    assert_eq!(
        amount,
        [invoice.amount_milli_satoshis().unwrap().to_string()],
        "the invoice's amount is the request's"
    );
    assert_eq!(tag_values(receipt, "P"), [request.pubkey.to_hex()]);
    assert_eq!(tag_values(receipt, "p"), tag_values(&request, "p"));
    assert_eq!(tag_values(receipt, "e"), tag_values(&request, "e"));
}

/// Rows of `table` in the database at `url`.
async fn count(url: &str, table: &str) -> i64 {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let count = sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    pool.close().await;
    count
}

/// A user called `name` on `api`.
async fn named(api: &Api, name: &str) -> User {
    let user = User::new();
    let (status, answer) = user
        .call(
            api,
            Method::PUT,
            "/api/account/name",
            Some(json!({ "name": name })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    user
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zap_is_credited_once_and_its_receipt_reaches_the_relay_it_names() {
    let relay = DevRelay::start(0).await.unwrap();
    for (db, url, _dir) in support::database_urls().await {
        let lightning = Lightning::start().await;
        let zapper = ZapperKey::new();
        let (app, _dist) = zapping_server(&lightning, &url, &zapper).await;
        let api = Api::InProcess(app.router());
        let alice = named(&api, "alice").await;
        let (status, offer) = get(&api, "/.well-known/lnurlp/alice").await;
        assert_eq!(status, StatusCode::OK, "{db}: {offer}");
        assert_eq!(offer["allowsNostr"], true, "{db}");
        let nostr_pubkey = offer["nostrPubkey"].as_str().unwrap().to_owned();
        assert_eq!(nostr_pubkey, zapper.keys.public_key().to_hex(), "{db}");

        let bob = Keys::generate();
        let zapped = EventId::all_zeros().to_hex();
        let mut tags = usual_tags(&alice.pubkey(), 21_000, &relay.url());
        tags.push(tag(&["e", &zapped]));
        let request = zap_request(&bob, "thanks for the talk", tags);
        let (status, answer) = get(&api, &callback("alice", 21_000, &request)).await;
        assert_eq!(status, StatusCode::OK, "{db}: {answer}");
        let pr = answer["pr"].as_str().unwrap().to_owned();
        let invoice = Bolt11Invoice::from_str(&pr).unwrap();
        let expected: [u8; 32] = Sha256::digest(request.as_bytes()).into();
        assert!(
            matches!(invoice.description(),
                Bolt11InvoiceDescriptionRef::Hash(hash) if hash.0.as_ref() as &[u8] == &expected[..]),
            "{db}: the invoice commits to the zap request as sent"
        );

        let alice_key = PublicKey::from_hex(&alice.pubkey()).unwrap();
        let mut receipts = Receipts::on(&relay.url(), &alice_key).await;
        let before = Timestamp::now();
        lightning.outside.pay(&pr, None, 10_000).unwrap();
        let receipt = receipts.next().await;
        assert_valid_receipt(&receipt, &nostr_pubkey, &pr, &request);
        assert_eq!(tag_values(&receipt, "e"), [zapped], "{db}");
        assert!(receipt.created_at >= before, "{db}: the time it was paid");

        assert_eq!(alice.balance(&api).await, 21_000, "{db}: credited");
        let (_, history) = alice
            .call(&api, Method::GET, "/api/account/history", None)
            .await;
        let movements = history["movements"].as_array().unwrap();
        assert_eq!(movements.len(), 1, "{db}: credited once: {history}");
        assert_eq!(movements[0]["zapper"], bob.public_key().to_hex(), "{db}");
        assert_eq!(movements[0]["description"], "thanks for the talk", "{db}");
        // Published once, and never again.
        eventually("the receipt is marked published", || async {
            count(&url, "zap_receipts WHERE state = 'published'").await == 1
        })
        .await;
        assert_eq!(count(&url, "zap_receipts").await, 1, "{db}");
        receipts.client.shutdown().await;
        app.shutdown();
    }
    relay.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zap_paid_by_another_user_inside_the_server_has_its_receipt_too() {
    let relay = DevRelay::start(0).await.unwrap();
    for (db, url, _dir) in support::database_urls().await {
        let lightning = Lightning::start().await;
        let zapper = ZapperKey::new();
        let (app, _dist) = zapping_server(&lightning, &url, &zapper).await;
        let api = Api::InProcess(app.router());
        let alice = named(&api, "alice").await;
        let carol = User::new();
        carol.receive_from(&api, &lightning.outside, 50_000).await;
        // Carol's NOSTR client signs with her key; her account pays.
        let request = zap_request(
            &Keys::generate(),
            "from a neighbour",
            usual_tags(&alice.pubkey(), 12_000, &relay.url()),
        );
        let (status, answer) = get(&api, &callback("alice", 12_000, &request)).await;
        assert_eq!(status, StatusCode::OK, "{db}: {answer}");
        let pr = answer["pr"].as_str().unwrap().to_owned();
        let alice_key = PublicKey::from_hex(&alice.pubkey()).unwrap();
        let mut receipts = Receipts::on(&relay.url(), &alice_key).await;
        let (status, paid) = carol.pay(&api, &pr, "zap-alice").await;
        assert_eq!(
            (status, paid["state"].as_str()),
            (StatusCode::OK, Some("succeeded")),
            "{db}: {paid}"
        );
        let receipt = receipts.next().await;
        assert_valid_receipt(&receipt, &zapper.keys.public_key().to_hex(), &pr, &request);
        assert_eq!(alice.balance(&api).await, 12_000, "{db}");
        receipts.client.shutdown().await;
        app.shutdown();
    }
    relay.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_dev_takes_zaps_with_receipts_on_its_dev_relay() {
    let dist = support::built_dist();
    let app = App::start(&flash_server::Config {
        dist: dist.path().to_owned(),
        dev: true,
        ..flash_server::Config::default()
    })
    .await
    .unwrap();
    let api = Api::InProcess(app.router());
    let dev = app.dev().unwrap();
    let relay = dev.relay().url();
    let alice = named(&api, "alice").await;
    let (_, offer) = get(&api, "/.well-known/lnurlp/alice").await;
    assert_eq!(offer["allowsNostr"], true, "{offer}");
    let nostr_pubkey = offer["nostrPubkey"].as_str().unwrap().to_owned();
    // The dev relay is on loopback, and --dev takes it.
    let request = zap_request(
        &Keys::generate(),
        "",
        usual_tags(&alice.pubkey(), 3_000, &relay),
    );
    let (status, answer) = get(&api, &callback("alice", 3_000, &request)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let pr = answer["pr"].as_str().unwrap().to_owned();
    let alice_key = PublicKey::from_hex(&alice.pubkey()).unwrap();
    let mut receipts = Receipts::on(&relay, &alice_key).await;
    dev.lightning().outside().pay(&pr, None, 10_000).unwrap();
    let receipt = receipts.next().await;
    assert_valid_receipt(&receipt, &nostr_pubkey, &pr, &request);
    receipts.client.shutdown().await;
    app.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_zapper_key_an_address_offers_no_zaps_and_relays_must_be_public() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("zaps.sqlite3").display());
    let lightning = Lightning::start().await;
    let dist = support::built_dist();
    let app = lightning.server(&url, &dist).await;
    let api = Api::InProcess(app.router());
    let alice = named(&api, "alice").await;
    let (_, offer) = get(&api, "/.well-known/lnurlp/alice").await;
    assert!(offer.get("allowsNostr").is_none(), "{offer}");
    assert!(offer.get("nostrPubkey").is_none(), "{offer}");
    app.shutdown();

    // With a key but not --zap-private-relays, a receipt never goes to a
    // relay on this machine or its network.
    let zapper = ZapperKey::new();
    let mut config = lightning.config(&url, &dist);
    config.zapper_key_file = Some(zapper.path.clone());
    let app = App::start(&config).await.unwrap();
    let api = Api::InProcess(app.router());
    for relay in [
        "ws://127.0.0.1:7777",
        "wss://192.168.1.10",
        "wss://[::1]:7777",
        "wss://localhost",
    ] {
        let request = zap_request(
            &Keys::generate(),
            "",
            usual_tags(&alice.pubkey(), 1_000, relay),
        );
        let (status, body) = get(&api, &callback("alice", 1_000, &request)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{relay}: {body}");
        assert!(
            body["reason"].as_str().unwrap().contains("no public relay"),
            "{relay}: {body}"
        );
    }
    app.shutdown();

    // A key file that holds no key stops the start, and the message does
    // not repeat what it holds.
    std::fs::write(&zapper.path, "not-a-key-but-maybe-a-secret").unwrap();
    let err = App::start(&config).await.unwrap_err().to_string();
    assert!(err.contains("holds no NOSTR secret key"), "{err}");
    assert!(!err.contains("maybe-a-secret"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_zap_requests_are_refused_with_their_reason_and_nothing_written() {
    let relay = "wss://relay.example.com";
    for (db, url, _dir) in support::database_urls().await {
        let lightning = Lightning::start().await;
        let zapper = ZapperKey::new();
        let (app, _dist) = zapping_server(&lightning, &url, &zapper).await;
        let api = Api::InProcess(app.router());
        let alice = named(&api, "alice").await;
        let carol = User::new();
        let bob = Keys::generate();
        let mallory = Keys::generate();
        let p = alice.pubkey();
        let amount = 5_000;

        let tampered = {
            let mut event: Value =
                serde_json::from_str(&zap_request(&bob, "hi", usual_tags(&p, amount, relay)))
                    .unwrap();
            event["content"] = json!("hi, from someone else");
            event.to_string()
        };
        let resigned = {
            let mut event: Value =
                serde_json::from_str(&zap_request(&bob, "hi", usual_tags(&p, amount, relay)))
                    .unwrap();
            let other: Value =
                serde_json::from_str(&zap_request(&mallory, "hi", usual_tags(&p, amount, relay)))
                    .unwrap();
            event["sig"] = other["sig"].clone();
            event.to_string()
        };
        let two_p = {
            let mut tags = usual_tags(&p, amount, relay);
            tags.push(tag(&["p", &carol.pubkey()]));
            zap_request(&bob, "", tags)
        };
        let two_e = {
            let mut tags = usual_tags(&p, amount, relay);
            let id = EventId::all_zeros().to_hex();
            tags.push(tag(&["e", &id]));
            tags.push(tag(&["e", &id]));
            zap_request(&bob, "", tags)
        };
        let wrong_sender = {
            let mut tags = usual_tags(&p, amount, relay);
            tags.push(tag(&["P", &mallory.public_key().to_hex()]));
            zap_request(&bob, "", tags)
        };
        let bad_coordinate = {
            let mut tags = usual_tags(&p, amount, relay);
            tags.push(tag(&["a", "not a coordinate"]));
            zap_request(&bob, "", tags)
        };
        let not_a_zap = EventBuilder::new(Kind::TextNote, "")
            .tags(
                usual_tags(&p, amount, relay)
                    .into_iter()
                    .map(|tag| Tag::parse(tag).unwrap()),
            )
            .sign_with_keys(&bob)
            .unwrap()
            .as_json();
        let cases: Vec<(&str, String, &str)> = vec![
            ("wrong signature", tampered, "signature"),
            ("another's signature", resigned, "signature"),
            (
                "wrong amount tag",
                zap_request(&bob, "", usual_tags(&p, 6_000, relay)),
                "amount tag (6000) is not the amount asked for (5000 msat)",
            ),
            (
                "no relays",
                zap_request(&bob, "", vec![tag(&["amount", "5000"]), tag(&["p", &p])]),
                "no relays",
            ),
            ("two p tags", two_p, "exactly one recipient"),
            (
                "p not the name's key",
                zap_request(&bob, "", usual_tags(&carol.pubkey(), amount, relay)),
                "not this address's key",
            ),
            ("two e tags", two_e, "at most one event"),
            ("a P tag not its author", wrong_sender, "P tag"),
            ("a bad a tag", bad_coordinate, "coordinate"),
            ("no tags", zap_request(&bob, "", Vec::new()), "no tags"),
            ("not kind 9734", not_a_zap, "kind 9734"),
            (
                "not JSON",
                "{\"kind\": 9734".to_owned(),
                "not a NOSTR event",
            ),
            (
                "a relay that is not ws://",
                zap_request(
                    &bob,
                    "",
                    usual_tags(&p, amount, "https://relay.example.com"),
                ),
                "ws:// or wss://",
            ),
            (
                "too large",
                zap_request(&bob, &"z".repeat(17_000), usual_tags(&p, amount, relay)),
                "over 16384 bytes",
            ),
        ];
        for (what, request, reason) in cases {
            let (status, body) = get(&api, &callback("alice", amount, &request)).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{db}: {what}: {body}");
            assert_eq!(body["status"], "ERROR", "{db}: {what}");
            let got = body["reason"].as_str().unwrap();
            assert!(got.contains(reason), "{db}: {what}: {got}");
        }
        assert_eq!(
            count(&url, "account_invoices").await,
            0,
            "{db}: nothing written"
        );
        app.shutdown();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receipt_written_before_the_server_is_killed_is_published_after_its_restart() {
    let dist = support::built_dist();
    for (db, url, _dir) in support::database_urls().await {
        let lightning = Lightning::start().await;
        let zapper = ZapperKey::new();
        let mut args = lightning.server_args(&url);
        args.extend(zapper.args());
        // The relay the request names is down until after the restart.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let relay_url = format!("ws://127.0.0.1:{port}");
        let (server, server_url) = Server::start(dist.path(), &args);
        let api = Api::Process(server_url);
        let alice = named(&api, "alice").await;
        let bob = Keys::generate();
        let request = zap_request(&bob, "", usual_tags(&alice.pubkey(), 8_000, &relay_url));
        let (status, answer) = get(&api, &callback("alice", 8_000, &request)).await;
        assert_eq!(status, StatusCode::OK, "{db}: {answer}");
        let pr = answer["pr"].as_str().unwrap().to_owned();
        lightning.outside.pay(&pr, None, 10_000).unwrap();
        eventually("the zap is credited", || async {
            alice.balance(&api).await == 8_000
        })
        .await;
        assert_eq!(
            count(&url, "zap_receipts WHERE state = 'pending'").await,
            1,
            "{db}: written with the credit, not yet published"
        );

        drop(server); // SIGKILL
        let relay = DevRelay::start(port).await.unwrap();
        let alice_key = PublicKey::from_hex(&alice.pubkey()).unwrap();
        let mut receipts = Receipts::on(&relay_url, &alice_key).await;
        let (_server, server_url) = Server::start(dist.path(), &args);
        let receipt = receipts.next().await;
        assert_valid_receipt(&receipt, &zapper.keys.public_key().to_hex(), &pr, &request);
        let api = Api::Process(server_url);
        assert_eq!(alice.balance(&api).await, 8_000, "{db}: credited once");
        receipts.client.shutdown().await;
        relay.shutdown();
    }
}

/// Figures: LNURL callback → invoice with a zap request, p50/p99 (through
/// the router, on the dev network's LND stand-in), and how fast receipts
/// of paid zaps reach the relay. Printed, never asserted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_zap_callback_latency_and_receipts_per_second() {
    const ZAPS: usize = 200;
    let relay = DevRelay::start(0).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("zaps.sqlite3").display());
    let lightning = Lightning::start().await;
    let zapper = ZapperKey::new();
    let (app, _dist) = zapping_server(&lightning, &url, &zapper).await;
    let router = app.router();
    let api = Api::InProcess(router.clone());
    let alice = named(&api, "alice").await;
    let bob = Keys::generate();
    let mut latencies = Vec::with_capacity(ZAPS);
    let mut invoices = Vec::with_capacity(ZAPS);
    for i in 0..ZAPS {
        let request = zap_request(
            &bob,
            &format!("zap {i}"),
            usual_tags(&alice.pubkey(), 1_000, &relay.url()),
        );
        let path = callback("alice", 1_000, &request);
        let started = Instant::now();
        let (status, _, body) = support::get(&router, &path).await;
        latencies.push(started.elapsed());
        assert_eq!(status, StatusCode::OK);
        let answer: Value = serde_json::from_slice(&body).unwrap();
        invoices.push(answer["pr"].as_str().unwrap().to_owned());
    }
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    eprintln!(
        "LNURL zap callback → invoice (debug build, SQLite): p50 {:?}, p99 {:?} over {ZAPS}",
        at(0.50),
        at(0.99)
    );

    let alice_key = PublicKey::from_hex(&alice.pubkey()).unwrap();
    let mut receipts = Receipts::on(&relay.url(), &alice_key).await;
    let started = Instant::now();
    for pr in &invoices {
        lightning.outside.pay(pr, None, 10_000).unwrap();
    }
    let paid = started.elapsed();
    eventually("every zap is credited", || async {
        alice.balance(&api).await == 1_000 * ZAPS as i64
    })
    .await;
    let credited = started.elapsed();
    let mut received = std::collections::HashSet::new();
    while received.len() < ZAPS {
        received.insert(receipts.next_within(WAIT * 2).await.id);
    }
    let elapsed = started.elapsed();
    eprintln!(
        "zap receipts: {ZAPS} paid in {paid:?}, credited after {credited:?}, all at the relay \
         after {elapsed:?}: {:.0} receipts/s",
        ZAPS as f64 / elapsed.as_secs_f64()
    );
    receipts.client.shutdown().await;
    app.shutdown();
    relay.shutdown();
}
