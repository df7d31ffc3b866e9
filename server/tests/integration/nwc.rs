//! Nostr Wallet Connect (NIP-47) end to end: a user connects apps to their
//! account through the signed API, and each app — a nostr-sdk client with
//! the connection's secret — talks to the server's wallet service through a
//! real relay (the dev relay), on SQLite and on PostgreSQL: the balance,
//! invoices, payments within the budget and refused beyond it, NIP-04 and
//! NIP-44, revoked and unknown keys, a replayed request, a server killed
//! while a payment is in flight, and two instances answering once.

use std::{collections::HashMap, path::Path, time::Duration};

use axum::http::{Method, StatusCode};
use bitcoin::hex::DisplayHex;
use flash_dev::lightning::InvoiceTerms;
use flash_server::{accounts::Ledger, dev::DevRelay, App, Config, Database};
use nostr::{
    nips::{nip04, nip44},
    Event, EventBuilder, EventId, Filter, Keys, Kind, PublicKey, Tag, TagKind,
};
use nostr_sdk::{Client, RelayPoolNotification};
use serde_json::{json, Value};
use tempfile::TempDir;

use crate::support::{
    self,
    lightning::{dev_fee_msat, eventually, Api, Lightning, User},
    Server,
};

/// How long an answer may take (a payment the server lost in a crash is
/// finished by the background work some 20 s later).
const ANSWER_WITHIN: Duration = Duration::from_secs(60);

const ALL: [&str; 6] = [
    "pay_invoice",
    "get_balance",
    "get_info",
    "make_invoice",
    "lookup_invoice",
    "list_transactions",
];

/// The wallet service's key, in a file as an operator keeps it.
struct ServiceKey {
    keys: Keys,
    dir: TempDir,
}

impl ServiceKey {
    fn new() -> Self {
        let keys = Keys::generate();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("nwc.key"),
            format!("{}\n", keys.secret_key().to_secret_hex()),
        )
        .unwrap();
        Self { keys, dir }
    }

    fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("nwc.key")
    }

    fn config(&self, lightning: &Lightning, url: &str, dist: &TempDir, relay: &DevRelay) -> Config {
        Config {
            nwc_key_file: Some(self.path()),
            nwc_relays: vec![relay.url()],
            ..lightning.config(url, dist)
        }
    }

    fn args(&self, lightning: &Lightning, url: &str, relay: &DevRelay) -> Vec<String> {
        let mut args = lightning.server_args(url);
        args.extend([
            "--nwc-key-file".to_owned(),
            path_arg(&self.path()),
            "--nwc-relay".to_owned(),
            relay.url(),
        ]);
        args
    }
}

fn path_arg(path: &Path) -> String {
    path.display().to_string()
}

/// A connected app: the connection's secret, talking to the wallet through
/// the relay, NIP-44 or NIP-04.
struct Connected {
    keys: Keys,
    wallet: PublicKey,
    nip44: bool,
    relay: Client,
    notifications: tokio::sync::broadcast::Receiver<RelayPoolNotification>,
    /// The answers received, by the request they answer.
    answers: HashMap<EventId, Vec<Value>>,
}

impl Connected {
    async fn new(relay_url: &str, wallet: PublicKey, keys: Keys, nip44: bool) -> Self {
        let relay = Client::default();
        relay.add_relay(relay_url).await.unwrap();
        relay.connect().await;
        relay.wait_for_connection(Duration::from_secs(10)).await;
        let notifications = relay.notifications();
        relay
            .subscribe(
                Filter::new()
                    .kind(Kind::WalletConnectResponse)
                    .author(wallet)
                    .pubkey(keys.public_key()),
                None,
            )
            .await
            .unwrap();
        Self {
            keys,
            wallet,
            nip44,
            relay,
            notifications,
            answers: HashMap::new(),
        }
    }

    fn request(&self, method: &str, params: Value) -> Event {
        let body = json!({ "method": method, "params": params }).to_string();
        let secret = self.keys.secret_key();
        let mut tags = vec![Tag::public_key(self.wallet)];
        let content = if self.nip44 {
            tags.push(Tag::custom(TagKind::custom("encryption"), ["nip44_v2"]));
            nip44::encrypt(secret, &self.wallet, body, nip44::Version::V2).unwrap()
        } else {
            nip04::encrypt(secret, &self.wallet, body).unwrap()
        };
        EventBuilder::new(Kind::WalletConnectRequest, content)
            .tags(tags)
            .sign_with_keys(&self.keys)
            .unwrap()
    }

    async fn send(&self, event: &Event) {
        let sent = self.relay.send_event(event).await.unwrap();
        assert!(!sent.success.is_empty(), "the relay took the request");
    }

    /// Reads the relay until `id` is answered, and returns the answer.
    async fn answer(&mut self, id: EventId) -> Value {
        tokio::time::timeout(ANSWER_WITHIN, async {
            loop {
                if let Some(answer) = self.answers.get(&id).and_then(|all| all.first()) {
                    return answer.clone();
                }
                self.read_one().await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no answer to {id} in time"))
    }

    async fn read_one(&mut self) {
        let notification = self.notifications.recv().await.unwrap();
        let RelayPoolNotification::Event { event, .. } = notification else {
            return;
        };
        assert_eq!(event.kind, Kind::WalletConnectResponse);
        assert_eq!(event.pubkey, self.wallet, "signed by the wallet service");
        event.verify().unwrap();
        let request = *event.tags.event_ids().next().expect("an e tag");
        let secret = self.keys.secret_key();
        // Answered in the request's own encryption.
        let text = if self.nip44 {
            nip44::decrypt(secret, &self.wallet, &event.content).unwrap()
        } else {
            nip04::decrypt(secret, &self.wallet, &event.content).unwrap()
        };
        let answer: Value = serde_json::from_str(&text).unwrap();
        self.answers.entry(request).or_default().push(answer);
    }

    async fn call(&mut self, method: &str, params: Value) -> Value {
        let request = self.request(method, params);
        self.send(&request).await;
        let answer = self.answer(request.id).await;
        assert_eq!(answer["result_type"], method, "{answer}");
        answer
    }

    /// The answer's result, which must not be an error.
    async fn result(&mut self, method: &str, params: Value) -> Value {
        let answer = self.call(method, params).await;
        assert!(answer["error"].is_null(), "{method}: {answer}");
        answer["result"].clone()
    }

    /// The answer's error code, which must be one.
    async fn refused(&mut self, method: &str, params: Value) -> String {
        let answer = self.call(method, params).await;
        assert!(answer["result"].is_null(), "{method}: {answer}");
        answer["error"]["code"].as_str().unwrap().to_owned()
    }

    /// Asks for the balance until an instance answers (one must hold the
    /// lease and be subscribed before a request reaches it: the relay keeps
    /// no request for later).
    async fn until_answered(&mut self) {
        let deadline = tokio::time::Instant::now() + ANSWER_WITHIN;
        loop {
            let request = self.request("get_balance", json!({}));
            self.send(&request).await;
            let waited = tokio::time::timeout(Duration::from_secs(1), async {
                while !self.answers.contains_key(&request.id) {
                    self.read_one().await;
                }
            })
            .await;
            if waited.is_ok() {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no instance answers"
            );
        }
    }

    fn answers_to(&self, id: EventId) -> usize {
        self.answers.get(&id).map_or(0, Vec::len)
    }
}

/// Connects an app with `keys` to `user`'s account.
async fn connect(
    user: &User,
    api: &Api,
    keys: &Keys,
    methods: &[&str],
    budget_sat: Option<u64>,
) -> Value {
    let (status, created) = user
        .call(
            api,
            Method::POST,
            "/api/nwc/connections",
            Some(json!({
                "pubkey": keys.public_key().to_hex(),
                "name": "Test app",
                "methods": methods,
                "budget_sat": budget_sat,
                "budget_renewal": "daily",
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created
}

async fn connection(user: &User, api: &Api, keys: &Keys) -> Value {
    let (status, list) = user
        .call(api, Method::GET, "/api/nwc/connections", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["connections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|connection| connection["pubkey"] == keys.public_key().to_hex())
        .cloned()
        .unwrap()
}

async fn assert_balanced(url: &str, name: &str) {
    let ledger = Ledger::open(Database::open(url).await.unwrap())
        .await
        .unwrap();
    support::assert_balanced(&ledger, name).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connected_app_reads_receives_and_pays_within_its_budget_and_no_further() {
    let dist = support::built_dist();
    let relay = DevRelay::start(0).await.unwrap();
    for (name, url, _dir) in support::database_urls().await {
        let lightning = Lightning::start().await;
        let key = ServiceKey::new();
        let app = App::start(&key.config(&lightning, &url, &dist, &relay))
            .await
            .unwrap();
        let api = Api::InProcess(app.router());
        let alice = User::new();
        alice.receive_from(&api, &lightning.outside, 100_000).await;

        let app_keys = Keys::generate();
        let created = connect(&alice, &api, &app_keys, &ALL, Some(10)).await;
        assert_eq!(
            created["wallet_pubkey"],
            key.keys.public_key().to_hex(),
            "{name}"
        );
        assert_eq!(created["relays"], json!([relay.url()]), "{name}");
        let mut app_a = Connected::new(&relay.url(), key.keys.public_key(), app_keys, true).await;
        app_a.until_answered().await;

        let info = app_a.result("get_info", json!({})).await;
        assert_eq!(info["network"], "regtest", "{name}");
        assert_eq!(info["methods"], json!(ALL), "{name}");
        let balance = app_a.result("get_balance", json!({})).await;
        assert_eq!(balance["balance"], 100_000, "{name}");

        // An invoice the app makes, paid from outside, is the account's.
        let made = app_a
            .result(
                "make_invoice",
                json!({ "amount": 2_000, "description": "tip" }),
            )
            .await;
        assert_eq!(
            (made["type"].as_str(), made["state"].as_str()),
            (Some("incoming"), Some("pending")),
            "{name}"
        );
        lightning
            .outside
            .pay(made["invoice"].as_str().unwrap(), None, 100_000)
            .unwrap();
        eventually("the invoice is credited", || async {
            alice.balance(&api).await == 102_000
        })
        .await;
        let looked_up = app_a
            .result(
                "lookup_invoice",
                json!({ "payment_hash": made["payment_hash"] }),
            )
            .await;
        assert_eq!(
            (looked_up["state"].as_str(), looked_up["amount"].as_i64()),
            (Some("settled"), Some(2_000)),
            "{name}"
        );

        // Within the budget of 10 sat: 5 sat and its fee reserve (2 sat).
        let outside = lightning
            .outside
            .add_invoice(InvoiceTerms::new(5_000, "within the budget"))
            .unwrap();
        let paid = app_a
            .result("pay_invoice", json!({ "invoice": outside.bolt11 }))
            .await;
        assert_eq!(
            paid["preimage"],
            outside.preimage.to_lower_hex_string(),
            "{name}"
        );
        assert_eq!(paid["fees_paid"], dev_fee_msat(5_000), "{name}");
        let after_paying = 102_000 - 5_000 - dev_fee_msat(5_000);
        assert_eq!(alice.balance(&api).await, after_paying, "{name}");
        assert_eq!(
            connection(&alice, &api, &app_a.keys).await["spent_msat"],
            5_000 + dev_fee_msat(5_000),
            "{name}"
        );

        // Beyond it: refused, nothing charged, nothing sent.
        let beyond = lightning
            .outside
            .add_invoice(InvoiceTerms::new(5_000, "beyond the budget"))
            .unwrap();
        let code = app_a
            .refused("pay_invoice", json!({ "invoice": beyond.bolt11 }))
            .await;
        assert_eq!(code, "QUOTA_EXCEEDED", "{name}");
        assert_eq!(alice.balance(&api).await, after_paying, "{name}");
        assert!(
            lightning.ours.track_payment(&beyond.payment_hash).is_none(),
            "{name}"
        );

        let listed = app_a
            .result("list_transactions", json!({ "limit": 10 }))
            .await;
        // Newest first, to the second: these three came within one.
        let mut kinds: Vec<&str> = listed["transactions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|transaction| transaction["type"].as_str().unwrap())
            .collect();
        kinds.sort_unstable();
        assert_eq!(
            kinds,
            ["incoming", "incoming", "outgoing"],
            "{name}: {listed}"
        );
        assert_eq!(
            app_a
                .refused("pay_keysend", json!({ "amount": 1_000, "pubkey": "00" }))
                .await,
            "NOT_IMPLEMENTED",
            "{name}"
        );

        // A second app, on NIP-04, may read but not pay.
        let reader_keys = Keys::generate();
        connect(&alice, &api, &reader_keys, &["get_balance"], None).await;
        let mut reader =
            Connected::new(&relay.url(), key.keys.public_key(), reader_keys, false).await;
        let balance = reader.result("get_balance", json!({})).await;
        assert_eq!(balance["balance"], after_paying, "{name}");
        let code = reader
            .refused("pay_invoice", json!({ "invoice": beyond.bolt11 }))
            .await;
        assert_eq!(code, "RESTRICTED", "{name}");

        // Revoked, the first app is a stranger; so is a key never connected.
        let path = format!(
            "/api/nwc/connections/{}/revoke",
            app_a.keys.public_key().to_hex()
        );
        let (status, revoked) = alice.call(&api, Method::POST, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{revoked}");
        assert!(revoked["revoked_at"].is_i64(), "{name}: {revoked}");
        assert_eq!(
            app_a.refused("get_balance", json!({})).await,
            "UNAUTHORIZED",
            "{name}"
        );
        let mut stranger =
            Connected::new(&relay.url(), key.keys.public_key(), Keys::generate(), true).await;
        assert_eq!(
            stranger.refused("get_balance", json!({})).await,
            "UNAUTHORIZED",
            "{name}"
        );
        assert_eq!(alice.balance(&api).await, after_paying, "{name}");
        app.shutdown();
        assert_balanced(&url, name).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_connections_are_refused_with_their_reason() {
    let dist = support::built_dist();
    let relay = DevRelay::start(0).await.unwrap();
    let (_, url, _dir) = support::database_urls().await.remove(0);
    let lightning = Lightning::start().await;
    let key = ServiceKey::new();
    let app = App::start(&key.config(&lightning, &url, &dist, &relay))
        .await
        .unwrap();
    let api = Api::InProcess(app.router());
    let alice = User::new();
    let keys = Keys::generate();
    let pubkey = keys.public_key().to_hex();
    for (body, status, code) in [
        (
            json!({ "pubkey": "npub1", "name": "x", "methods": ["get_info"] }),
            StatusCode::BAD_REQUEST,
            "pubkey_invalid",
        ),
        (
            json!({ "pubkey": pubkey, "name": "", "methods": ["get_info"] }),
            StatusCode::BAD_REQUEST,
            "name_invalid",
        ),
        (
            json!({ "pubkey": pubkey, "name": "x", "methods": ["pay_keysend"] }),
            StatusCode::BAD_REQUEST,
            "methods_invalid",
        ),
        (
            json!({ "pubkey": pubkey, "name": "x", "methods": [] }),
            StatusCode::BAD_REQUEST,
            "methods_invalid",
        ),
        (
            json!({ "pubkey": pubkey, "name": "x", "methods": ["get_info"], "budget_sat": 0 }),
            StatusCode::BAD_REQUEST,
            "budget_invalid",
        ),
        (
            json!({ "pubkey": pubkey, "name": "x", "methods": ["get_info"], "expires_at": 1 }),
            StatusCode::BAD_REQUEST,
            "expiry_invalid",
        ),
    ] {
        let (got, answer) = alice
            .call(
                &api,
                Method::POST,
                "/api/nwc/connections",
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            (got, answer["error"].as_str()),
            (status, Some(code)),
            "{body}: {answer}"
        );
    }
    connect(&alice, &api, &keys, &["get_info"], None).await;
    let (status, answer) = User::new()
        .call(
            &api,
            Method::POST,
            "/api/nwc/connections",
            Some(json!({ "pubkey": pubkey, "name": "x", "methods": ["get_info"] })),
        )
        .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::CONFLICT, Some("pubkey_taken"))
    );
    // Another user cannot revoke it.
    let path = format!("/api/nwc/connections/{pubkey}/revoke");
    let (status, _) = User::new().call(&api, Method::POST, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(connection(&alice, &api, &keys).await["revoked_at"].is_null());
    app.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_request_is_paid_once_even_by_a_restarted_server() {
    let dist = support::built_dist();
    let relay = DevRelay::start(0).await.unwrap();
    for (name, url, _dir) in support::database_urls().await {
        let lightning = Lightning::start().await;
        let key = ServiceKey::new();
        let config = key.config(&lightning, &url, &dist, &relay);
        let first = App::start(&config).await.unwrap();
        let api = Api::InProcess(first.router());
        let alice = User::new();
        alice.receive_from(&api, &lightning.outside, 50_000).await;
        let keys = Keys::generate();
        connect(&alice, &api, &keys, &ALL, None).await;
        let mut app = Connected::new(&relay.url(), key.keys.public_key(), keys, false).await;
        app.until_answered().await;

        let invoice = lightning
            .outside
            .add_invoice(InvoiceTerms::new(10_000, "once"))
            .unwrap();
        let request = app.request("pay_invoice", json!({ "invoice": invoice.bolt11 }));
        app.send(&request).await;
        let paid = app.answer(request.id).await;
        assert!(paid["error"].is_null(), "{name}: {paid}");
        let after = 50_000 - 10_000 - dev_fee_msat(10_000);
        assert_eq!(alice.balance(&api).await, after, "{name}");
        first.shutdown();

        // The same event again, to a server that never saw it in memory.
        let second = App::start(&config).await.unwrap();
        let api = Api::InProcess(second.router());
        app.until_answered().await;
        app.send(&request).await;
        // Requests are taken in order of arrival; one sent after the
        // replay is answered after it was taken.
        app.until_answered().await;
        assert_eq!(app.answers_to(request.id), 1, "{name}: answered once");
        assert_eq!(alice.balance(&api).await, after, "{name}: paid once");
        second.shutdown();
        assert_balanced(&url, name).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_in_flight_when_the_server_is_killed_is_answered_after_the_restart() {
    let dist = support::built_dist();
    let relay = DevRelay::start(0).await.unwrap();
    for (name, url, _dir) in support::database_urls().await {
        let lightning = Lightning::start().await;
        let holds = lightning.network.add_node("holds").unwrap();
        holds.hold_payments(true);
        let key = ServiceKey::new();
        let args = key.args(&lightning, &url, &relay);
        let (server, server_url) = Server::start(dist.path(), &args);
        let api = Api::Process(server_url);
        let alice = User::new();
        alice.receive_from(&api, &lightning.outside, 50_000).await;
        let keys = Keys::generate();
        connect(&alice, &api, &keys, &ALL, Some(40)).await;
        let mut app = Connected::new(&relay.url(), key.keys.public_key(), keys, true).await;
        app.until_answered().await;

        let invoice = holds
            .add_invoice(InvoiceTerms::new(20_000, "held"))
            .unwrap();
        let request = app.request("pay_invoice", json!({ "invoice": invoice.bolt11 }));
        app.send(&request).await;
        eventually("the payment is in flight", || async {
            alice.balance(&api).await == 50_000 - 20_000 - 2_000
        })
        .await;
        drop(server); // SIGKILL, with the payment held and unanswered
        holds.settle_held().unwrap();

        let (_server, server_url) = Server::start(dist.path(), &args);
        let api = Api::Process(server_url);
        let paid = app.answer(request.id).await;
        assert!(paid["error"].is_null(), "{name}: {paid}");
        assert_eq!(paid["result"]["fees_paid"], dev_fee_msat(20_000), "{name}");
        assert_eq!(
            alice.balance(&api).await,
            50_000 - 20_000 - dev_fee_msat(20_000),
            "{name}"
        );
        // The budget counts the payment once, at its real fee.
        assert_eq!(
            connection(&alice, &api, &app.keys).await["spent_msat"],
            20_000 + dev_fee_msat(20_000),
            "{name}"
        );
        app.until_answered().await;
        assert_eq!(app.answers_to(request.id), 1, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_answer_each_request_once_and_the_survivor_goes_on() {
    let dist = support::built_dist();
    let relay = DevRelay::start(0).await.unwrap();
    for (name, url, _dir) in support::database_urls().await {
        let lightning = Lightning::start().await;
        let key = ServiceKey::new();
        let config = key.config(&lightning, &url, &dist, &relay);
        let first = App::start(&config).await.unwrap();
        let second = App::start(&config).await.unwrap();
        let api = Api::InProcess(second.router());
        let alice = User::new();
        alice.receive_from(&api, &lightning.outside, 50_000).await;
        let keys = Keys::generate();
        connect(&alice, &api, &keys, &ALL, None).await;
        let mut app = Connected::new(&relay.url(), key.keys.public_key(), keys, true).await;
        app.until_answered().await;

        let mut requests = Vec::new();
        for _ in 0..5 {
            let request = app.request("get_balance", json!({}));
            app.send(&request).await;
            requests.push(request.id);
        }
        let invoice = lightning
            .outside
            .add_invoice(InvoiceTerms::new(3_000, "one of two instances"))
            .unwrap();
        let pay = app.request("pay_invoice", json!({ "invoice": invoice.bolt11 }));
        app.send(&pay).await;
        requests.push(pay.id);
        for id in &requests {
            app.answer(*id).await;
        }
        app.until_answered().await;
        for id in &requests {
            assert_eq!(app.answers_to(*id), 1, "{name}: {id} answered once");
        }
        let after = 50_000 - 3_000 - dev_fee_msat(3_000);
        assert_eq!(alice.balance(&api).await, after, "{name}");

        // The instance that took the lease first goes; the other answers.
        first.shutdown();
        app.until_answered().await;
        let balance = app.result("get_balance", json!({})).await;
        assert_eq!(balance["balance"], after, "{name}");
        second.shutdown();
        assert_balanced(&url, name).await;
    }
}

/// Prints NWC `pay_invoice` request → answer through the dev relay, p50 and
/// p90 over 20 payments to outside invoices (SQLite, in process).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pay_invoice_round_trip_through_the_dev_relay() {
    let dist = support::built_dist();
    let relay = DevRelay::start(0).await.unwrap();
    let (_, url, _dir) = support::database_urls().await.remove(0);
    let lightning = Lightning::start().await;
    let key = ServiceKey::new();
    let app = App::start(&key.config(&lightning, &url, &dist, &relay))
        .await
        .unwrap();
    let api = Api::InProcess(app.router());
    let alice = User::new();
    alice.receive_from(&api, &lightning.outside, 200_000).await;
    let keys = Keys::generate();
    connect(&alice, &api, &keys, &ALL, None).await;
    let mut client = Connected::new(&relay.url(), key.keys.public_key(), keys, true).await;
    client.until_answered().await;
    let mut times = Vec::new();
    for i in 0..20 {
        let invoice = lightning
            .outside
            .add_invoice(InvoiceTerms::new(1_000, &format!("bench {i}")))
            .unwrap();
        let request = client.request("pay_invoice", json!({ "invoice": invoice.bolt11 }));
        let started = std::time::Instant::now();
        client.send(&request).await;
        let answer = client.answer(request.id).await;
        times.push(started.elapsed());
        assert!(answer["error"].is_null(), "{answer}");
    }
    times.sort();
    println!(
        "NWC pay_invoice request → answer through the dev relay: p50 {:?}, p90 {:?} (20 payments)",
        times[times.len() / 2],
        times[times.len() * 9 / 10]
    );
    app.shutdown();
}
