//! The rate limits of a real `server` process behind a (pretend) proxy: a
//! flood from one account or one address is refused with 429 and
//! `Retry-After` while other users still get answers, and a flood from
//! thousands of addresses leaves its memory bounded.

use std::time::Instant;

use axum::{
    body::Bytes,
    http::{header, Method, Request, StatusCode},
};
use futures_util::{stream, StreamExt};

use crate::support::{
    self,
    lightning::{Api, User},
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
