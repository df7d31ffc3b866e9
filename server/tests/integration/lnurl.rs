//! Lightning addresses: LNURL-pay (LUD-06/16, LUD-12 comments) to a user's
//! name through the real router, on the dev Lightning network, on SQLite
//! and on PostgreSQL: the pay request, an invoice whose description hash
//! is the metadata's, paid from outside into the account, and each bad
//! request refused in LUD-06's words with nothing written.

use std::str::FromStr;

use axum::http::{header, Method, StatusCode};
use lightning_invoice::{Bolt11Invoice, Bolt11InvoiceDescriptionRef};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::support::{
    self,
    lightning::{eventually, Api, Lightning, User},
};

/// `path` of `router`, unsigned: its status, JSON and CORS header.
async fn lnurl(router: &axum::Router, path: &str) -> (StatusCode, Value, String) {
    let (status, headers, body) = support::get(router, path).await;
    let origin = support::header(&headers, header::ACCESS_CONTROL_ALLOW_ORIGIN).to_owned();
    (
        status,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
        origin,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lightning_address_is_paid_into_the_names_account() {
    let dist = support::built_dist();
    for (db, url, _dir) in support::database_urls().await {
        let lightning = Lightning::start().await;
        let app = lightning.server(&url, &dist).await;
        let router = app.router();
        let api = Api::InProcess(router.clone());
        let alice = User::new();
        let (status, named) = alice
            .call(
                &api,
                Method::PUT,
                "/api/account/name",
                Some(json!({ "name": "alice" })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{db}: {named}");

        let (status, offer, origin) = lnurl(&router, "/.well-known/lnurlp/alice").await;
        assert_eq!(status, StatusCode::OK, "{db}: {offer}");
        assert_eq!(origin, "*", "{db}");
        assert_eq!(offer["tag"], "payRequest", "{db}");
        assert_eq!(
            offer["callback"], "http://127.0.0.1:8080/lnurlp/alice/callback",
            "{db}"
        );
        assert_eq!(
            (
                offer["minSendable"].as_u64(),
                offer["commentAllowed"].as_u64()
            ),
            (Some(1_000), Some(255)),
            "{db}"
        );
        assert_eq!(offer["maxSendable"].as_u64(), Some(1_000_000_000), "{db}");
        let metadata = offer["metadata"].as_str().unwrap();
        let entries: Vec<(String, String)> = serde_json::from_str(metadata).unwrap();
        assert!(
            entries.contains(&(
                "text/identifier".to_owned(),
                "alice@127.0.0.1:8080".to_owned()
            )),
            "{db}: {metadata}"
        );

        let (status, answer, _) = lnurl(
            &router,
            "/lnurlp/alice/callback?amount=21000&comment=for%20the%20coffee",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{db}: {answer}");
        assert_eq!(answer["routes"], json!([]), "{db}");
        let pr = answer["pr"].as_str().unwrap();
        let invoice = Bolt11Invoice::from_str(pr).unwrap();
        assert_eq!(invoice.amount_milli_satoshis(), Some(21_000), "{db}");
        let expected: [u8; 32] = Sha256::digest(metadata.as_bytes()).into();
        match invoice.description() {
            Bolt11InvoiceDescriptionRef::Hash(hash) => {
                assert_eq!(
                    hash.0.as_ref() as &[u8],
                    &expected[..],
                    "{db}: the wallet's check"
                )
            }
            other => panic!("{db}: a description, not its hash: {other:?}"),
        }
        lightning.outside.pay(pr, None, 10_000).unwrap();
        eventually("the address's payment is credited", || async {
            alice.balance(&api).await == 21_000
        })
        .await;
        let (_, history) = alice
            .call(&api, Method::GET, "/api/account/history", None)
            .await;
        assert!(
            history.to_string().contains("for the coffee"),
            "{db}: {history}"
        );

        // Refused in LUD-06's words, and nothing written.
        for (path, status, reason) in [
            (
                "/.well-known/lnurlp/nobody",
                StatusCode::NOT_FOUND,
                "no one here",
            ),
            (
                "/lnurlp/nobody/callback?amount=1000",
                StatusCode::NOT_FOUND,
                "no one here",
            ),
            ("/lnurlp/alice/callback", StatusCode::BAD_REQUEST, "amount"),
            (
                "/lnurlp/alice/callback?amount=999",
                StatusCode::BAD_REQUEST,
                "amount",
            ),
            (
                "/lnurlp/alice/callback?amount=ten",
                StatusCode::BAD_REQUEST,
                "amount",
            ),
            (
                "/lnurlp/alice/callback?amount=1000000001",
                StatusCode::BAD_REQUEST,
                "amount",
            ),
        ] {
            let (got, body, _) = lnurl(&router, path).await;
            assert_eq!(got, status, "{db}: {path}: {body}");
            assert_eq!(body["status"], "ERROR", "{db}: {path}");
            assert!(
                body["reason"].as_str().unwrap().contains(reason),
                "{db}: {path}: {body}"
            );
        }
        let long = "a".repeat(256);
        let (got, body, _) = lnurl(
            &router,
            &format!("/lnurlp/alice/callback?amount=1000&comment={long}"),
        )
        .await;
        assert_eq!(
            (got, body["status"].as_str()),
            (StatusCode::BAD_REQUEST, Some("ERROR")),
            "{db}"
        );
        let (_, after) = alice
            .call(&api, Method::GET, "/api/account/history", None)
            .await;
        assert_eq!(
            after, history,
            "{db}: a refused request leaves nothing behind"
        );
    }
}
