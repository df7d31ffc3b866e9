//! Figures for the Lightning accounts, on loopback in one process: the
//! account routes (NIP-98 signed, through the router) on the server's
//! production LND client against the dev network's LND stand-in.
//!
//! Prints, on SQLite and (when `PGHOST` is set, as `scripts/bench-accounts.sh`
//! arranges) on PostgreSQL: create-invoice p50/p99, and internal payments
//! per second with p50/p99 latency at 1, 10 and 100 concurrent payers.
//!
//!     scripts/bench-accounts.sh
// A benchmark program: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::{sync::Arc, time::Instant};

use axum::{
    body::Body,
    http::{header, Request, StatusCode},
    Router,
};
use flash_dev::lightning::{LndStandIn, Network};
use flash_server::{
    accounts::{
        ledger::{Entry, EntryKind, Line},
        AccountId, Accounts, Ledger, Limits, Node,
    },
    auth::Nip98,
    lightning::{Lightning, Lnd, LndConfig},
    limits::{Rate, RateConfig, RateLimits},
    Database,
};
use futures_util::future::join_all;
use nostr::{
    hashes::{sha256::Hash as Sha256Hash, Hash},
    nips::nip98::{HttpData, HttpMethod},
    EventBuilder, JsonUtil, Keys, Tag, TagKind, Timestamp, Url,
};
use serde_json::{json, Value};
use tower::ServiceExt;

const ORIGIN: &str = "http://127.0.0.1:8080";
const INVOICES: usize = 200;
/// Payments per payer at each concurrency.
const PAYMENTS: [(usize, usize); 3] = [(1, 200), (10, 30), (100, 5)];

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let mut databases = vec![(
        "SQLite",
        format!("sqlite://{}", dir.path().join("bench.sqlite3").display()),
    )];
    if let Ok(host) = std::env::var("PGHOST") {
        let var = |name: &str, default: &str| std::env::var(name).unwrap_or(default.to_owned());
        databases.push((
            "PostgreSQL",
            format!(
                "postgres://{}:{}@localhost:{}/{}?host={host}",
                var("PGUSER", "postgres"),
                var("PGPASSWORD", ""),
                var("PGPORT", "5432"),
                var("PGDATABASE", "postgres"),
            ),
        ));
    } else {
        println!("(no PGHOST: PostgreSQL skipped; scripts/bench-accounts.sh starts one)");
    }
    for (name, url) in databases {
        bench(name, &url).await;
    }
}

struct Bench {
    router: Router,
    ledger: Ledger,
}

async fn bench(name: &str, url: &str) {
    let network = Network::new();
    let stand_in = LndStandIn::spawn(network.add_node("server").unwrap())
        .await
        .unwrap();
    use bitcoin::hex::FromHex;
    let lnd: Arc<dyn Lightning> = Arc::new(
        Lnd::new(LndConfig {
            url: stand_in.url().to_owned(),
            macaroon: Vec::from_hex(stand_in.macaroon_hex()).unwrap(),
            certificate: stand_in.certificate_pem().into_bytes(),
        })
        .unwrap(),
    );
    let db = Database::open(url).await.unwrap();
    let ledger = Ledger::open(db.clone()).await.unwrap();
    let accounts = Accounts {
        ledger: ledger.clone(),
        auth: Nip98::new(Url::parse(ORIGIN).unwrap(), db),
        node: Some(Node::connect(lnd).await.unwrap()),
        limits: Limits::default(),
        zapper: None,
    };
    // The ledger's speed, not the limiter's: no client is throttled here.
    let unlimited = Rate {
        burst: u32::MAX,
        per_second: u32::MAX,
    };
    let limits = RateLimits::new(RateConfig {
        per_address: unlimited,
        per_account: unlimited,
        behind_proxy: false,
    });
    let bench = Bench {
        router: Router::new().nest(
            "/api/account",
            flash_server::accounts::router(accounts, limits),
        ),
        ledger,
    };

    let payee = Keys::generate();
    let mut latencies = Vec::with_capacity(INVOICES);
    for _ in 0..INVOICES {
        let started = Instant::now();
        bench.invoice(&payee, 1_000).await;
        latencies.push(started.elapsed().as_secs_f64() * 1e3);
    }
    let (p50, p99) = percentiles(&mut latencies);
    println!("{name}: create invoice p50 {p50:.2} ms, p99 {p99:.2} ms ({INVOICES} invoices)");

    for (payers, each) in PAYMENTS {
        let mut invoices = Vec::with_capacity(payers * each);
        for _ in 0..payers * each {
            invoices.push(bench.invoice(&payee, 1_000).await);
        }
        let mut work = Vec::with_capacity(payers);
        for chunk in invoices.chunks(each) {
            let keys = Keys::generate();
            bench.fund(&keys, 1_000 * each as i64).await;
            work.push((keys, chunk.to_vec()));
        }
        let started = Instant::now();
        let runs = work.iter().map(|(keys, invoices)| async {
            let mut latencies = Vec::with_capacity(invoices.len());
            for (i, bolt11) in invoices.iter().enumerate() {
                let asked = Instant::now();
                let (status, paid) = bench
                    .post(
                        keys,
                        "/api/account/payments",
                        json!({ "bolt11": bolt11, "idempotency_key": format!("p{i}") }),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{paid}");
                assert_eq!(paid["route"], "internal");
                latencies.push(asked.elapsed().as_secs_f64() * 1e3);
            }
            latencies
        });
        let mut latencies: Vec<f64> = join_all(runs).await.into_iter().flatten().collect();
        let seconds = started.elapsed().as_secs_f64();
        let count = latencies.len();
        let (p50, p99) = percentiles(&mut latencies);
        println!(
            "{name}: {payers:>3} concurrent payers: {:.0} internal payments/s, p50 {p50:.2} ms, \
             p99 {p99:.2} ms ({count} payments)",
            count as f64 / seconds
        );
    }
    let audit = bench.ledger.audit().await.unwrap();
    assert_eq!((audit.balances_msat, audit.lines_msat), (0, 0));
}

impl Bench {
    async fn invoice(&self, keys: &Keys, amount_msat: u64) -> String {
        let (status, invoice) = self
            .post(
                keys,
                "/api/account/invoices",
                json!({ "amount_msat": amount_msat }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{invoice}");
        invoice["bolt11"].as_str().unwrap().to_owned()
    }

    /// Credits `msat` to the account of `keys` as if received.
    async fn fund(&self, keys: &Keys, msat: i64) {
        let user = AccountId::user(&keys.public_key().to_hex());
        self.ledger.create_account(&user).await.unwrap();
        self.ledger
            .post(Entry {
                initiator: user.clone(),
                idempotency_key: "bench-funds".to_owned(),
                kind: EntryKind::Received,
                lines: vec![
                    Line {
                        account: AccountId::liquidity(),
                        amount_msat: -msat,
                    },
                    Line {
                        account: user,
                        amount_msat: msat,
                    },
                ],
            })
            .await
            .unwrap();
    }

    async fn post(&self, keys: &Keys, path: &str, body: Value) -> (StatusCode, Value) {
        let body = body.to_string().into_bytes();
        let data = HttpData::new(
            Url::parse(&format!("{ORIGIN}{path}")).unwrap(),
            HttpMethod::POST,
        )
        .payload(Sha256Hash::hash(&body));
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce).unwrap();
        let nonce: String = nonce.iter().map(|byte| format!("{byte:02x}")).collect();
        let event = EventBuilder::http_auth(data)
            .tag(Tag::custom(TagKind::custom("nonce"), [nonce]))
            .custom_created_at(Timestamp::now())
            .sign_with_keys(keys)
            .unwrap();
        use base64::Engine;
        let authorization = format!(
            "Nostr {}",
            base64::engine::general_purpose::STANDARD.encode(event.as_json())
        );
        let request = Request::post(path)
            .header(header::AUTHORIZATION, authorization)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }
}

fn percentiles(latencies: &mut [f64]) -> (f64, f64) {
    latencies.sort_by(f64::total_cmp);
    let at = |fraction: f64| {
        let index = ((latencies.len() as f64 - 1.0) * fraction).round() as usize;
        latencies.get(index).copied().unwrap_or_default()
    };
    (at(0.5), at(0.99))
}
