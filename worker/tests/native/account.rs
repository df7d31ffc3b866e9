//! The account client against a server that misbehaves on purpose: every
//! answer it cannot trust is an error with its code, never a balance, and
//! every request it sends is a NIP-98 signature a real verifier accepts.

use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::{any, get};
use axum::Router;
use flash_worker::account::{AccountClient, AccountError};
use nostr::nips::nip98::{verify_auth_header, HttpMethod};
use nostr::{Keys, Timestamp, Url};

/// What the stand-in answers `GET /api/account` with.
#[derive(Clone)]
enum Answer {
    Json(&'static str),
    Status(StatusCode, &'static str),
    Huge,
}

/// A request as the stand-in received it.
#[derive(Debug, Clone)]
struct Received {
    url: String,
    method: Method,
    authorization: String,
    body: Vec<u8>,
}

/// A server whose `/api/account/*` answers `answer`, recording every
/// request; returns its origin and the record.
async fn stand_in(answer: Answer) -> (Url, Arc<Mutex<Vec<Received>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("a port");
    let origin = Url::parse(&format!(
        "http://127.0.0.1:{}",
        listener.local_addr().expect("an address").port()
    ))
    .expect("an origin");
    let record = Arc::clone(&received);
    let base = origin.clone();
    let answering = any(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let (record, base, answer) = (Arc::clone(&record), base.clone(), answer.clone());
            async move {
                record.lock().unwrap().push(Received {
                    url: base.join(&uri.to_string()).unwrap().to_string(),
                    method,
                    authorization: headers
                        .get("authorization")
                        .map(|value| value.to_str().unwrap().to_owned())
                        .unwrap_or_default(),
                    body: body.to_vec(),
                });
                match answer {
                    Answer::Json(json) => {
                        ([("content-type", "application/json")], json).into_response()
                    }
                    Answer::Status(status, body) => (status, body).into_response(),
                    Answer::Huge => "x".repeat(2 << 20).into_response(),
                }
            }
        },
    );
    let app = Router::new()
        .route(
            "/api/config",
            get(|| async { r#"{"accounts":true,"lightning":true}"# }),
        )
        .route("/api/account", answering.clone())
        .route("/api/account/{*rest}", answering);
    tokio::spawn(async move { axum::serve(listener, app).await });
    (origin, received)
}

fn client(origin: Url, keys: &Keys) -> AccountClient {
    // The workspace's reqwest has rustls without a provider (the server
    // brings its own); the browser build uses fetch and needs none.
    let _ = rustls::crypto::ring::default_provider().install_default();
    AccountClient::new(origin, Arc::new(keys.clone())).unwrap()
}

#[tokio::test]
async fn every_request_is_signed_for_its_url_method_and_body_with_a_fresh_nonce() {
    let keys = Keys::generate();
    let (origin, received) = stand_in(Answer::Json(
        r#"{"id":"p1","amount_msat":5000,"fee_msat":0,"state":"succeeded","failure":null}"#,
    ))
    .await;
    let client = client(origin, &keys);
    client.pay("lnbcrt1…", None, "key-1").await.unwrap();
    client.pay("lnbcrt1…", None, "key-1").await.unwrap();

    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    for request in &received {
        assert_eq!(request.method, Method::POST);
        let signer = verify_auth_header(
            &request.authorization,
            &Url::parse(&request.url).unwrap(),
            HttpMethod::POST,
            Timestamp::now(),
            Some(&request.body),
        )
        .expect("a NIP-98 header the server's verifier accepts");
        assert_eq!(signer, keys.public_key());
    }
    // The same request twice within a second: two events, or the second
    // would be refused as a replay.
    assert_ne!(received[0].authorization, received[1].authorization);
}

#[tokio::test]
async fn a_refusal_keeps_the_servers_code_in_the_users_words() {
    let (origin, _) = stand_in(Answer::Status(
        StatusCode::BAD_REQUEST,
        r#"{"error":"insufficient_balance","message":"balance 10 msat"}"#,
    ))
    .await;
    let error = client(origin, &Keys::generate())
        .pay("lnbcrt1…", None, "key-2")
        .await
        .unwrap_err();
    assert_eq!(error.code(), "insufficient_balance");
    assert!(
        error.to_string().contains("not enough in your account"),
        "{error}"
    );
    assert!(error.to_string().contains("nothing moved"), "{error}");
}

#[tokio::test]
async fn a_server_that_gave_up_waiting_or_was_busy_is_no_refusal() {
    // A payment the server timed out on goes on: it must stay written
    // down for the next try, as an unanswered one does.
    let (origin, _) = stand_in(Answer::Status(
        StatusCode::SERVICE_UNAVAILABLE,
        r#"{"error":"timeout","message":"no answer within 30 s"}"#,
    ))
    .await;
    let error = client(origin, &Keys::generate())
        .pay("lnbcrt1…", None, "key-3")
        .await
        .unwrap_err();
    assert_eq!(error, AccountError::TimedOut);
    assert!(
        error.to_string().contains("unless the history says so"),
        "{error}"
    );

    let (origin, _) = stand_in(Answer::Status(
        StatusCode::SERVICE_UNAVAILABLE,
        r#"{"error":"overloaded","message":"too many requests at once"}"#,
    ))
    .await;
    let error = client(origin, &Keys::generate())
        .pay("lnbcrt1…", None, "key-4")
        .await
        .unwrap_err();
    assert_eq!(error.code(), "unreachable");
    assert!(error.to_string().contains("the server is busy"), "{error}");
}

#[tokio::test]
async fn garbage_is_an_error_not_a_balance() {
    let cases = [
        Answer::Json("not json at all"),
        Answer::Json(r#"{"balance_msat":"a lot"}"#),
        Answer::Status(StatusCode::NOT_FOUND, "<html>no such page</html>"),
        Answer::Huge,
    ];
    for answer in cases {
        let (origin, received) = stand_in(answer).await;
        let error = client(origin, &Keys::generate())
            .account()
            .await
            .unwrap_err();
        assert!(matches!(error, AccountError::BadAnswer(_)), "{error:?}");
        assert_eq!(
            received.lock().unwrap().len(),
            1,
            "the request reached the stand-in"
        );
    }
}

#[tokio::test]
async fn a_proxy_page_in_front_of_a_server_that_is_down_says_unreachable() {
    let (origin, _) = stand_in(Answer::Status(
        StatusCode::BAD_GATEWAY,
        "<html>502 Bad Gateway</html>",
    ))
    .await;
    let error = client(origin, &Keys::generate())
        .account()
        .await
        .unwrap_err();
    assert_eq!(error.code(), "unreachable");
}

#[tokio::test]
async fn a_server_that_is_not_running_is_unreachable() {
    // Bound and dropped: nothing listens there any more.
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let origin = Url::parse(&format!(
        "http://127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    ))
    .unwrap();
    drop(listener);
    let error = client(origin, &Keys::generate())
        .offered()
        .await
        .unwrap_err();
    assert_eq!(error.code(), "unreachable");
}
