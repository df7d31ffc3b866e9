//! Lightning accounts: the ledger under concurrent payments and retries, on
//! SQLite and on PostgreSQL, and NIP-98 sign-in through the real router.

use std::sync::Arc;

use axum::{
    body::Body,
    http::{header, Method, Request, StatusCode},
};
use flash_server::{
    accounts::{
        ledger::{Entry, EntryKind, Line, Posted},
        AccountId, Ledger, LedgerError,
    },
    auth::{AuthError, Nip98},
    App, Config, Database,
};
use nostr::{nips::nip98::HttpMethod, EventBuilder, JsonUtil, Keys, Kind, Tag, Timestamp, Url};
use tempfile::TempDir;

use crate::support::{self, header_for, signed, ORIGIN};

/// The databases every ledger test runs on (see [`support::database_urls`]).
async fn databases() -> Vec<(&'static str, Database, Option<TempDir>)> {
    let mut databases = Vec::new();
    for (name, url, dir) in support::database_urls().await {
        databases.push((name, Database::open(&url).await.unwrap(), dir));
    }
    databases
}

/// A fresh user account (random key, so tests sharing a PostgreSQL never
/// meet) funded with `msat` as if the node had received it.
async fn funded_user(ledger: &Ledger, msat: i64) -> AccountId {
    let user = AccountId::user(&Keys::generate().public_key().to_hex());
    ledger.create_account(&user).await.unwrap();
    if msat > 0 {
        ledger
            .post(Entry {
                initiator: user.clone(),
                idempotency_key: "deposit".to_owned(),
                kind: EntryKind::Received,
                lines: vec![
                    Line {
                        account: AccountId::liquidity(),
                        amount_msat: -msat,
                    },
                    Line {
                        account: user.clone(),
                        amount_msat: msat,
                    },
                ],
            })
            .await
            .unwrap();
    }
    user
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundred_concurrent_payments_from_an_account_that_affords_ten() {
    for (name, db, _dir) in databases().await {
        let ledger = Ledger::open(db).await.unwrap();
        let payer = funded_user(&ledger, 10_000).await;
        let payee = funded_user(&ledger, 0).await;

        let payments = (0..100).map(|i| {
            let (ledger, payer, payee) = (ledger.clone(), payer.clone(), payee.clone());
            tokio::spawn(async move {
                ledger
                    .pay_internal(&payer, &payee, 1_000, &format!("pay-{i}"))
                    .await
            })
        });
        let results = futures_util::future::join_all(payments).await;
        let (mut paid, mut refused) = (0, 0);
        for result in results {
            match result.unwrap() {
                Ok(Posted::New { .. }) => paid += 1,
                Err(LedgerError::InsufficientBalance { available_msat }) => {
                    assert!(
                        available_msat < 1_000,
                        "{name}: refused with {available_msat} left"
                    );
                    refused += 1;
                }
                other => panic!("{name}: unexpected {other:?}"),
            }
        }
        assert_eq!((paid, refused), (10, 90), "{name}");
        assert_eq!(ledger.balance(&payer).await.unwrap(), 0, "{name}");
        assert_eq!(ledger.balance(&payee).await.unwrap(), 10_000, "{name}");
        support::assert_balanced(&ledger, name).await;
    }
}

#[tokio::test]
async fn a_retried_payment_moves_the_money_once() {
    for (name, db, _dir) in databases().await {
        let ledger = Ledger::open(db).await.unwrap();
        let payer = funded_user(&ledger, 5_000).await;
        let payee = funded_user(&ledger, 0).await;

        let first = ledger
            .pay_internal(&payer, &payee, 2_000, "order-7")
            .await
            .unwrap();
        let again = ledger
            .pay_internal(&payer, &payee, 2_000, "order-7")
            .await
            .unwrap();
        assert!(matches!(first, Posted::New { .. }), "{name}");
        assert_eq!(
            again,
            Posted::Repeated {
                entry_id: first.entry_id().to_owned()
            },
            "{name}"
        );
        assert_eq!(ledger.balance(&payer).await.unwrap(), 3_000, "{name}");

        // A refused attempt leaves its key free, and nothing moved.
        let too_much = ledger.pay_internal(&payer, &payee, 4_000, "order-8").await;
        assert!(
            matches!(
                too_much,
                Err(LedgerError::InsufficientBalance {
                    available_msat: 3_000
                })
            ),
            "{name}: {too_much:?}"
        );
        ledger
            .pay_internal(&payer, &payee, 3_000, "order-8")
            .await
            .unwrap();
        assert_eq!(ledger.balance(&payer).await.unwrap(), 0, "{name}");
        assert_eq!(ledger.balance(&payee).await.unwrap(), 5_000, "{name}");

        let bad = ledger
            .pay_internal(&payer, &payee, 1, "no spaces allowed")
            .await;
        assert!(
            matches!(bad, Err(LedgerError::BadIdempotencyKey)),
            "{name}: {bad:?}"
        );
        let zero = ledger.pay_internal(&payee, &payer, 0, "zero").await;
        assert!(
            matches!(zero, Err(LedgerError::AmountOutOfRange)),
            "{name}: {zero:?}"
        );
    }
}

#[tokio::test]
async fn nip98_refuses_each_wrong_signature_with_its_reason() {
    for (name, db, _dir) in databases().await {
        let auth = Nip98::new(Url::parse(ORIGIN).unwrap(), db);
        let keys = Keys::generate();
        let url = format!("{ORIGIN}/api/account/pay");
        let body = br#"{"amount_msat":1000}"#;
        let now = Timestamp::now();
        let verify = |header: String, method: Method, body: &'static [u8]| {
            let auth = auth.clone();
            async move {
                auth.verify(&header, &method, "/api/account/pay", body)
                    .await
            }
        };

        let good = signed(&keys, &url, HttpMethod::POST, Some(body), now);
        assert_eq!(
            verify(good.clone(), Method::POST, body).await.unwrap(),
            keys.public_key(),
            "{name}"
        );
        let cases = [
            ("replayed", verify(good, Method::POST, body).await),
            (
                "wrong url",
                verify(
                    signed(
                        &keys,
                        &format!("{ORIGIN}/api/account"),
                        HttpMethod::POST,
                        Some(body),
                        now,
                    ),
                    Method::POST,
                    body,
                )
                .await,
            ),
            (
                "wrong method",
                verify(
                    signed(&keys, &url, HttpMethod::PUT, Some(body), now),
                    Method::POST,
                    body,
                )
                .await,
            ),
            (
                "wrong payload",
                verify(
                    signed(&keys, &url, HttpMethod::POST, Some(b"{}"), now),
                    Method::POST,
                    body,
                )
                .await,
            ),
            (
                "stale",
                verify(
                    signed(&keys, &url, HttpMethod::POST, Some(body), now - 120),
                    Method::POST,
                    body,
                )
                .await,
            ),
            (
                "from the future",
                verify(
                    signed(&keys, &url, HttpMethod::POST, Some(body), now + 120),
                    Method::POST,
                    body,
                )
                .await,
            ),
            ("missing", verify(String::new(), Method::POST, body).await),
            (
                "not base64",
                verify("Nostr !!!".to_owned(), Method::POST, body).await,
            ),
        ];
        let codes: Vec<(&str, &str)> = cases
            .iter()
            .map(|(case, result)| {
                (
                    *case,
                    result.as_ref().map_or_else(AuthError::code, |_| "accepted"),
                )
            })
            .collect();
        assert_eq!(
            codes,
            [
                ("replayed", "auth_replayed"),
                ("wrong url", "auth_wrong_request"),
                ("wrong method", "auth_wrong_request"),
                ("wrong payload", "auth_wrong_payload"),
                ("stale", "auth_stale"),
                ("from the future", "auth_stale"),
                ("missing", "auth_required"),
                ("not base64", "auth_malformed"),
            ],
            "{name}"
        );

        // Another key's signature over the same event: the id no longer matches.
        let event = EventBuilder::new(Kind::HttpAuth, "")
            .tags([
                Tag::parse(["u", url.as_str()]).unwrap(),
                Tag::parse(["method", "GET"]).unwrap(),
            ])
            .sign_with_keys(&keys)
            .unwrap();
        let forged = event.as_json().replace(
            &keys.public_key().to_hex(),
            &Keys::generate().public_key().to_hex(),
        );
        let refused = verify(header_for(&forged), Method::GET, b"")
            .await
            .unwrap_err();
        assert_eq!(refused.code(), "auth_bad_signature", "{name}: {refused}");
    }
}

#[tokio::test]
async fn a_signed_request_opens_the_account_and_an_unsigned_one_is_refused() {
    let dist = support::built_dist();
    let data = tempfile::tempdir().unwrap();
    let config = Config {
        dist: dist.path().to_owned(),
        database: Some(format!(
            "sqlite://{}",
            data.path().join("a.sqlite3").display()
        )),
        ..Config::default()
    };
    let app = Arc::new(App::start(&config).await.unwrap());
    let router = app.router();

    let (status, _, body) = support::get(&router, "/api/config").await;
    assert_eq!(status, StatusCode::OK);
    let offered: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(offered["accounts"], true);

    let (status, headers, body) = support::get(&router, "/api/account").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(support::header(&headers, header::WWW_AUTHENTICATE), "Nostr");
    let error: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["error"], "auth_required");

    let keys = Keys::generate();
    let authorization = signed(
        &keys,
        &format!("{ORIGIN}/api/account"),
        HttpMethod::GET,
        None,
        Timestamp::now(),
    );
    let request = Request::get("/api/account")
        .header(header::AUTHORIZATION, authorization)
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = support::send(&router, request).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let account: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(account["pubkey"], keys.public_key().to_hex());
    assert_eq!(account["balance_msat"], 0);
}

#[tokio::test]
async fn without_a_database_no_accounts_are_offered() {
    let dist = support::built_dist();
    let router = support::app(dist.path());
    let (_, _, body) = support::get(&router, "/api/config").await;
    let offered: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(offered["accounts"], false);
    let (status, _, _) = support::get(&router, "/api/account").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
