//! Web servers the engine does not trust (a NIP-05 domain, a relay's NIP-11
//! document) answering as an attacker would: an endless body, a body that
//! trickles in to hold the request open, a redirect. Each fetch ends within
//! its deadline with a reason, having read no more than its cap.
#![cfg(not(target_arch = "wasm32"))]

use std::convert::Infallible;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use flash_worker::contacts::nip05::{self, Address, Nip05Error};
use flash_worker::fetch::Limits;
use flash_worker::relays::info;
use futures::stream;
use nostr::RelayUrl;

const LIMITS: Limits = Limits {
    deadline: Duration::from_secs(2),
    max_bytes: 64 * 1024,
};

/// Chunks of 16 KiB for ever, as fast as the client reads them.
fn endless() -> Response {
    let chunks = stream::repeat_with(|| Ok::<_, Infallible>(Bytes::from(vec![b' '; 16 * 1024])));
    (
        [("content-type", "application/json")],
        Body::from_stream(chunks),
    )
        .into_response()
}

/// A byte every 100 ms for ever: each read succeeds, the whole never ends.
fn trickling() -> Response {
    let chunks = stream::unfold((), |()| async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        Some((Ok::<_, Infallible>(Bytes::from_static(b" ")), ()))
    });
    (
        [("content-type", "application/json")],
        Body::from_stream(chunks),
    )
        .into_response()
}

/// A server answering every path with `answer`; its `host:port`.
async fn server(answer: fn() -> Response) -> String {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("a port");
    let address = listener.local_addr().expect("an address").to_string();
    let app = Router::new().fallback(get(move || async move { answer() }));
    tokio::spawn(async move { axum::serve(listener, app).await });
    address
}

fn redirect() -> Response {
    Redirect::temporary("/elsewhere.json").into_response()
}

async fn nip05_against(answer: fn() -> Response) -> (Nip05Error, Duration) {
    let domain = server(answer).await;
    let address = Address::parse(&format!("bob@{domain}")).expect("an address");
    let started = Instant::now();
    let error = nip05::lookup_within(&address, LIMITS)
        .await
        .expect_err("a hostile domain confirms nothing");
    (error, started.elapsed())
}

async fn nip11_against(answer: fn() -> Response) -> (String, Duration) {
    let host = server(answer).await;
    let url = RelayUrl::parse(&format!("ws://{host}")).expect("a relay address");
    let started = Instant::now();
    let error = info::fetch_within(&url, LIMITS)
        .await
        .expect_err("a hostile relay's document is refused");
    (error, started.elapsed())
}

#[tokio::test]
async fn an_endless_nostr_json_is_refused_at_its_cap() {
    let (error, took) = nip05_against(endless).await;
    assert!(matches!(error, Nip05Error::BadAnswer { .. }), "{error:?}");
    assert!(
        took < LIMITS.deadline,
        "refused at the cap, not the deadline: {took:?}"
    );
}

#[tokio::test]
async fn a_trickling_nostr_json_is_given_up_at_the_deadline() {
    let (error, took) = nip05_against(trickling).await;
    assert!(matches!(error, Nip05Error::TimedOut { .. }), "{error:?}");
    assert!(took < LIMITS.deadline * 2, "{took:?}");
}

#[tokio::test]
async fn a_redirected_nostr_json_is_ignored() {
    let (error, _) = nip05_against(redirect).await;
    assert!(error.to_string().contains("redirect"), "{error}");
}

#[tokio::test]
async fn an_endless_or_trickling_relay_document_is_refused() {
    let (error, took) = nip11_against(endless).await;
    assert!(error.contains("larger than 64 KiB"), "{error}");
    assert!(took < LIMITS.deadline, "{took:?}");

    let (error, took) = nip11_against(trickling).await;
    assert!(error.contains("did not answer within 2 s"), "{error}");
    assert!(took < LIMITS.deadline * 2, "{took:?}");
}
