//! The rate limits of a real `server` process behind a (pretend) proxy: a
//! flood from one account or one address is refused with 429 and
//! `Retry-After` while other users still get answers, and a flood from
//! thousands of addresses leaves its memory bounded. And the API's other
//! limits: a body over 64 KiB, an answer over the timeout (which an event
//! stream outlives), and requests past the concurrency limit are each
//! refused with their reason.

use std::time::{Duration, Instant};

use axum::{
    body::{Body, Bytes},
    http::{header, Method, Request, StatusCode},
};
use flash_dev::lightning::InvoiceTerms;
use flash_server::{App, Config};
use futures_util::{stream, StreamExt};
use serde_json::Value;

use crate::support::{
    self,
    lightning::{dev_fee_msat, eventually, Api, Lightning, User},
    Server,
};

/// Requests in flight at once during a flood.
const CONCURRENCY: usize = 16;

fn resident_kib(server: &Server) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid())).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

async fn config_from(api: &Api, base: &str, address: &str) -> (StatusCode, Option<String>) {
    let Api::Process(_) = api else {
        unreachable!("a process")
    };
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Full<Bytes>>();
    let request = Request::get(format!("{base}api/config"))
        .header("x-forwarded-for", address)
        .body(http_body_util::Full::new(Bytes::new()))
        .unwrap();
    let response = client.request(request).await.unwrap();
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .map(|value| value.to_str().unwrap().to_owned());
    (response.status(), retry_after)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_is_refused_while_other_users_are_answered_and_memory_stays_bounded() {
    let dist = support::built_dist();
    let data = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", data.path().join("limits.sqlite3").display());
    let (server, base) = Server::start(
        dist.path(),
        &["--database", database.as_str(), "--behind-proxy"],
    );
    let api = Api::Process(base.clone());

    // One account flooding from addresses it rotates: its own limit holds.
    let attacker = User::at("198.51.100.1");
    let started = Instant::now();
    let statuses: Vec<StatusCode> = stream::iter(0..300)
        .map(|i| {
            let (api, from) = (
                &api,
                attacker.moved_to(&format!("198.51.100.{}", i % 250 + 1)),
            );
            async move { from.call(api, Method::GET, "/api/account", None).await.0 }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let elapsed = started.elapsed().as_secs_f64();
    let answered = statuses
        .iter()
        .filter(|status| **status == StatusCode::OK)
        .count();
    let refused = statuses
        .iter()
        .filter(|status| **status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(answered + refused, statuses.len(), "{statuses:?}");
    // The account's budget: a burst of 40, then 10 a second.
    let budget = 40 + (10.0 * elapsed).ceil() as usize + 1;
    assert!(answered <= budget, "{answered} answered in {elapsed:.2} s");
    assert!(refused > 0);

    // One address flooding with unsigned requests, while another user is
    // served throughout.
    let bystander = User::at("203.0.113.9");
    let mut bystander_ms = Vec::new();
    let mut flood_refused = 0;
    for _ in 0..10 {
        let flood: Vec<(StatusCode, Option<String>)> = stream::iter(0..40)
            .map(|_| async { config_from(&api, &base, "192.0.2.66").await })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        for (status, retry_after) in flood {
            if status == StatusCode::TOO_MANY_REQUESTS {
                flood_refused += 1;
                let retry_after: u64 = retry_after.expect("Retry-After").parse().unwrap();
                assert!((1..=60).contains(&retry_after), "{retry_after}");
            } else {
                assert_eq!(status, StatusCode::OK);
            }
        }
        let asked = Instant::now();
        let (status, account) = bystander
            .call(&api, Method::GET, "/api/account", None)
            .await;
        bystander_ms.push(asked.elapsed().as_secs_f64() * 1e3);
        assert_eq!(
            status,
            StatusCode::OK,
            "the bystander is answered: {account}"
        );
    }
    assert!(flood_refused > 0, "the flooding address is limited");
    bystander_ms.sort_by(f64::total_cmp);
    eprintln!(
        "flood: {refused}/{} of one account's requests refused in {elapsed:.2} s; \
         {flood_refused}/400 of one address's; the bystander's slowest answer {:.1} ms",
        statuses.len(),
        bystander_ms.last().copied().unwrap_or_default()
    );

    // Thousands of addresses: each tracked, and the process stays small.
    let before_kib = resident_kib(&server);
    let distinct: Vec<StatusCode> = stream::iter(0..5_000u32)
        .map(|i| {
            let address = format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255);
            let (api, base) = (&api, &base);
            async move { config_from(api, base, &address).await.0 }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    assert!(distinct.iter().all(|status| *status == StatusCode::OK));
    let grown_kib = resident_kib(&server).saturating_sub(before_kib);
    eprintln!("5000 distinct addresses grew the server by {grown_kib} KiB");
    assert!(grown_kib < 32 * 1024, "grew by {grown_kib} KiB");
}

fn sqlite(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("limits.sqlite3").display())
}

fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(body)))
}

#[tokio::test]
async fn a_body_over_64_kib_is_refused_with_413_and_says_so() {
    let dist = support::built_dist();
    let data = tempfile::tempdir().unwrap();
    let app = App::start(&Config {
        dist: dist.path().to_owned(),
        database: Some(sqlite(&data)),
        ..Config::default()
    })
    .await
    .unwrap();
    let oversized = format!(r#"{{"description": "{}"}}"#, "x".repeat(65 * 1024));
    // Announced by its length (refused unread, whatever the route), and
    // streamed without one.
    let to_config = Request::post("/api/config")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, oversized.len())
        .body(Body::from(oversized.clone()))
        .unwrap();
    let announced = Request::post("/api/account/invoices")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, oversized.len())
        .body(Body::from(oversized.clone()))
        .unwrap();
    let chunks: Vec<Result<Bytes, std::io::Error>> = oversized
        .as_bytes()
        .chunks(8 * 1024)
        .map(|chunk| Ok(Bytes::copy_from_slice(chunk)))
        .collect();
    let streamed = Request::post("/api/account/invoices")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(stream::iter(chunks)))
        .unwrap();
    for (how, request) in [
        ("announced to a route that reads no body", to_config),
        ("announced", announced),
        ("streamed", streamed),
    ] {
        let (status, headers, body) = support::send(&app.router(), request).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{how}");
        assert_eq!(
            support::header(&headers, header::CONTENT_TYPE),
            "application/json",
            "{how}"
        );
        let refused = json(&body);
        assert_eq!(refused["error"], "payload_too_large", "{how}: {refused}");
        assert!(
            refused["message"].as_str().unwrap().contains("65536 bytes"),
            "{how}: {refused}"
        );
    }
    app.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_over_the_timeout_is_a_clear_error_the_payment_goes_on_and_the_event_stream_outlives_it(
) {
    let dist = support::built_dist();
    let data = tempfile::tempdir().unwrap();
    let lightning = Lightning::start().await;
    let app = App::start(&Config {
        request_timeout: Duration::from_secs(2),
        ..lightning.config(&sqlite(&data), &dist)
    })
    .await
    .unwrap();
    let api = Api::InProcess(app.router());
    let alice = User::new();
    alice.receive_from(&api, &lightning.outside, 50_000).await;
    let mut events = alice.events(&app.router()).await;
    assert_eq!(events.next().await["balance_msat"], 50_000);

    // A payment the payee holds waits 5 s for the node's verdict before it
    // answers "pending": longer than this server's timeout.
    lightning.outside.hold_payments(true);
    let held = lightning
        .outside
        .add_invoice(InvoiceTerms::new(10_000, "slow"))
        .unwrap();
    let (status, late) = alice.pay(&api, &held.bolt11, "slow").await;
    assert_eq!(
        (status, late["error"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("timeout")),
        "{late}"
    );
    assert!(
        late["message"].as_str().unwrap().contains("within 2 s"),
        "{late}"
    );
    // The payment went on: asked again with its key, it is pending.
    let (status, pending) = alice.pay(&api, &held.bolt11, "slow").await;
    assert_eq!(
        (status, pending["state"].as_str()),
        (StatusCode::ACCEPTED, Some("pending")),
        "{pending}"
    );

    // The event stream, open since before that request, still tells of
    // what happens after it.
    lightning.outside.settle_held().unwrap();
    let after = 50_000 - 10_000 - dev_fee_msat(10_000);
    let mut seen = Vec::new();
    while seen.last() != Some(&after) {
        seen.push(events.next().await["balance_msat"].as_i64().unwrap());
        assert!(seen.len() < 4, "{seen:?}");
    }
    app.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_concurrency_limit_a_request_is_turned_away_at_once_with_retry_after() {
    let dist = support::built_dist();
    let data = tempfile::tempdir().unwrap();
    let lightning = Lightning::start().await;
    let app = App::start(&Config {
        max_concurrent_requests: 1,
        ..lightning.config(&sqlite(&data), &dist)
    })
    .await
    .unwrap();
    let api = Api::InProcess(app.router());
    let alice = User::new();
    alice.receive_from(&api, &lightning.outside, 20_000).await;
    lightning.outside.hold_payments(true);
    let held = lightning
        .outside
        .add_invoice(InvoiceTerms::new(5_000, "held"))
        .unwrap();

    // While the payment's request waits for the node's verdict, it is the
    // one request the server takes: the others are turned away.
    let paying = alice.pay(&api, &held.bolt11, "held");
    let meanwhile = async {
        eventually("the payment reaches the node", || async {
            lightning.ours.track_payment(&held.payment_hash).is_some()
        })
        .await;
        let mut answers = Vec::new();
        for path in ["/api/config", "/"] {
            answers.push((path, support::get(&app.router(), path).await));
        }
        lightning.outside.settle_held().unwrap();
        answers
    };
    let ((status, paid), answers) = tokio::join!(paying, meanwhile);
    assert_eq!(
        (status, paid["state"].as_str()),
        (StatusCode::OK, Some("succeeded")),
        "{paid}"
    );
    for (path, (status, headers, body)) in answers {
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_eq!(
            support::header(&headers, header::RETRY_AFTER),
            "1",
            "{path}"
        );
        assert_eq!(json(&body)["error"], "overloaded", "{path}");
        // Still with the security headers.
        assert!(
            headers.contains_key(header::CONTENT_SECURITY_POLICY),
            "{path}"
        );
    }
    let (status, _, _) = support::get(&app.router(), "/api/config").await;
    assert_eq!(status, StatusCode::OK, "answered again once the payment is");
    app.shutdown();
}
