//! Users' names through the real router, on SQLite and on PostgreSQL: the
//! rules a name must follow, one account per name, changing and giving one
//! up, and NIP-05 answering for them.

use std::sync::Arc;

use axum::{
    http::{header, Method, StatusCode},
    Router,
};
use flash_server::{App, Config};
use serde_json::{json, Value};

use crate::support::{
    self,
    lightning::{Api, User},
};

/// `method` on `/api/account/name` by `user`, with `body`; POST is the
/// release.
async fn name(api: &Api, user: &User, method: Method, body: Option<Value>) -> (StatusCode, Value) {
    let path = match method {
        Method::POST => "/api/account/name/release",
        _ => "/api/account/name",
    };
    user.call(api, method, path, body).await
}

/// What `/.well-known/nostr.json` answers for `query`, and its CORS header.
async fn nip05(router: &Router, query: &str) -> (Value, String) {
    let (status, headers, body) =
        support::get(router, &format!("/.well-known/nostr.json{query}")).await;
    assert_eq!(status, StatusCode::OK);
    let origin = support::header(&headers, header::ACCESS_CONTROL_ALLOW_ORIGIN).to_owned();
    (serde_json::from_slice(&body).unwrap(), origin)
}

#[tokio::test]
async fn a_name_is_the_users_nip05_address_unique_changeable_and_given_up() {
    for (db, url, _dir) in support::database_urls().await {
        let dist = support::built_dist();
        let config = Config {
            dist: dist.path().to_owned(),
            database: Some(url),
            ..Config::default()
        };
        let app = Arc::new(App::start(&config).await.unwrap());
        let router = app.router();
        let (alice, bob) = (User::new(), User::new());
        let api = Api::InProcess(router.clone());
        let relays = json!(["wss://relay.example.com"]);

        // Before any name: none, and NIP-05 knows nobody.
        let (status, error) = name(&api, &alice, Method::GET, None).await;
        assert_eq!(
            (status, error["error"].as_str()),
            (StatusCode::NOT_FOUND, Some("not_found")),
            "{db}"
        );

        let body = json!({ "name": " Alice ", "relays": relays });
        let (status, taken) = name(&api, &alice, Method::PUT, Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{db}: {taken}");
        assert_eq!(taken, json!({ "name": "alice", "relays": relays }), "{db}");
        let (_, shown) = name(&api, &alice, Method::GET, None).await;
        assert_eq!(shown["name"], "alice", "{db}");
        let (answer, origin) = nip05(&router, "?name=alice").await;
        let alice_hex = alice.pubkey();
        assert_eq!(
            answer,
            json!({ "names": { "alice": alice_hex }, "relays": { alice_hex.clone(): relays } }),
            "{db}"
        );
        assert_eq!(origin, "*", "{db}: NIP-05 must be readable by web clients");
        // Case does not matter in an address; no name lists nobody.
        assert_eq!(
            nip05(&router, "?name=ALICE").await.0["names"]["alice"],
            alice_hex,
            "{db}"
        );
        assert_eq!(nip05(&router, "").await.0, json!({ "names": {} }), "{db}");
        assert_eq!(
            nip05(&router, "?name=nobody").await.0,
            json!({ "names": {} }),
            "{db}"
        );

        // Refused, each with its reason, and nothing changes.
        for (bad, code) in [
            ("alice", "name_taken"),
            ("admin", "name_reserved"),
            ("a", "name_invalid"),
            ("-bob", "name_invalid"),
            ("bo b", "name_invalid"),
            ("bób", "name_invalid"),
            (&"b".repeat(33), "name_invalid"),
        ] {
            let (status, error) = name(&api, &bob, Method::PUT, Some(json!({ "name": bad }))).await;
            let expected = if code == "name_taken" {
                StatusCode::CONFLICT
            } else {
                StatusCode::BAD_REQUEST
            };
            assert_eq!(
                (status, error["error"].as_str()),
                (expected, Some(code)),
                "{db}: {bad}"
            );
            assert!(
                error["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{db}"
            );
        }
        let plain = json!({ "name": "bob", "relays": ["ws://relay.example.com"] });
        let (status, error) = name(&api, &bob, Method::PUT, Some(plain)).await;
        assert_eq!(
            (status, error["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("relays_invalid")),
            "{db}"
        );
        assert_eq!(
            nip05(&router, "?name=alice").await.0["names"]["alice"],
            alice_hex,
            "{db}"
        );
        assert_eq!(
            nip05(&router, "?name=bob").await.0,
            json!({ "names": {} }),
            "{db}"
        );

        // Alice changes her name: the old one is free, and Bob takes it.
        let renamed = json!({ "name": "alice.w" });
        assert_eq!(
            name(&api, &alice, Method::PUT, Some(renamed)).await.1["name"],
            "alice.w",
            "{db}"
        );
        assert_eq!(
            nip05(&router, "?name=alice.w").await.0,
            json!({ "names": { "alice.w": alice_hex } }),
            "{db}"
        );
        assert_eq!(
            nip05(&router, "?name=alice").await.0,
            json!({ "names": {} }),
            "{db}"
        );
        let (status, _) = name(&api, &bob, Method::PUT, Some(json!({ "name": "alice" }))).await;
        assert_eq!(status, StatusCode::OK, "{db}");
        assert_eq!(
            nip05(&router, "?name=alice").await.0["names"]["alice"],
            bob.pubkey(),
            "{db}"
        );

        // Given up, it is gone.
        let (status, _) = name(&api, &alice, Method::POST, None).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{db}");
        assert_eq!(
            name(&api, &alice, Method::GET, None).await.1["error"],
            "not_found",
            "{db}"
        );
        assert_eq!(
            nip05(&router, "?name=alice.w").await.0,
            json!({ "names": {} }),
            "{db}"
        );
    }
}
