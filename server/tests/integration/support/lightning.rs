//! What the Lightning accounts tests share: a dev Lightning network with the
//! server's node behind its LND stand-in, a signed-in user, and a way to
//! wait for the server's background work.

use std::{future::Future, path::Path, time::Duration};

use axum::{
    body::{Body, Bytes},
    http::{header, Method, Request, StatusCode},
    Router,
};
use flash_dev::lightning::{LndStandIn, Network, Node};
use flash_server::{config::LndFiles, App, Config};
use http_body_util::{BodyExt, Full};
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use nostr::{nips::nip98::HttpMethod, Keys, Timestamp};
use serde_json::{json, Value};
use tempfile::TempDir;

/// How long the server may take to credit or finish something.
pub const WAIT: Duration = Duration::from_secs(45);

/// The dev network's routing fee: 1 sat plus 0.1 %.
pub fn dev_fee_msat(amount_msat: i64) -> i64 {
    1_000 + amount_msat / 1_000
}

/// The dev network a test's servers use: the server's node behind its LND
/// stand-in (its macaroon and certificate in files, as an operator has
/// them) and the outside world.
pub struct Lightning {
    pub network: Network,
    pub ours: Node,
    pub outside: Node,
    pub stand_in: LndStandIn,
    files: TempDir,
}

impl Lightning {
    pub async fn start() -> Self {
        use bitcoin::hex::FromHex;
        let network = Network::new();
        let ours = network.add_node("server").unwrap();
        let outside = network.add_node("outside").unwrap();
        let stand_in = LndStandIn::spawn(ours.clone()).await.unwrap();
        let files = tempfile::tempdir().unwrap();
        let macaroon = Vec::<u8>::from_hex(stand_in.macaroon_hex()).unwrap();
        std::fs::write(files.path().join("admin.macaroon"), macaroon).unwrap();
        std::fs::write(files.path().join("tls.cert"), stand_in.certificate_pem()).unwrap();
        Self {
            network,
            ours,
            outside,
            stand_in,
            files,
        }
    }

    fn lnd_files(&self) -> LndFiles {
        LndFiles {
            url: self.stand_in.url().to_owned(),
            macaroon: self.files.path().join("admin.macaroon"),
            certificate: self.files.path().join("tls.cert"),
        }
    }

    /// The settings of a server on `database`, using this network's node.
    pub fn config(&self, database: &str, dist: &TempDir) -> Config {
        Config {
            dist: dist.path().to_owned(),
            database: Some(database.to_owned()),
            lnd: Some(self.lnd_files()),
            ..Config::default()
        }
    }

    /// A server in this process on `database`, using this network's node.
    pub async fn server(&self, database: &str, dist: &TempDir) -> App {
        App::start(&self.config(database, dist)).await.unwrap()
    }

    /// The arguments that start the `server` binary on `database` with this
    /// network's node.
    pub fn server_args(&self, database: &str) -> Vec<String> {
        let files = self.lnd_files();
        let path = |path: &Path| path.display().to_string();
        vec![
            "--database".to_owned(),
            database.to_owned(),
            "--lnd-url".to_owned(),
            files.url,
            "--lnd-macaroon".to_owned(),
            path(&files.macaroon),
            "--lnd-cert".to_owned(),
            path(&files.certificate),
        ]
    }
}

/// Where a test reaches the API: a router in this process, or a `server`
/// process at its URL.
pub enum Api {
    InProcess(Router),
    Process(String),
}

impl Api {
    /// The origin NIP-98 signatures name.
    fn origin(&self) -> &str {
        match self {
            // What `Config::default()` listens on.
            Self::InProcess(_) => "http://127.0.0.1:8080",
            Self::Process(url) => url.trim_end_matches('/'),
        }
    }

    pub async fn send(&self, request: Request<Bytes>) -> (StatusCode, Bytes) {
        match self {
            Self::InProcess(router) => {
                let (parts, body) = request.into_parts();
                let request = Request::from_parts(parts, Body::from(body));
                let (status, _, body) = super::send(router, request).await;
                (status, body)
            }
            Self::Process(_) => {
                let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
                let (parts, body) = request.into_parts();
                let response = client
                    .request(Request::from_parts(parts, Full::new(body)))
                    .await
                    .expect("the server answers");
                let status = response.status();
                let body = response.into_body().collect().await.unwrap().to_bytes();
                (status, body)
            }
        }
    }
}

/// A user of the server, signing each request with their key.
pub struct User {
    keys: Keys,
    /// The address a proxy in front of the server would say they come from.
    forwarded_for: Option<String>,
}

impl User {
    pub fn new() -> Self {
        Self {
            keys: Keys::generate(),
            forwarded_for: None,
        }
    }

    /// Their public key, hex.
    pub fn pubkey(&self) -> String {
        self.keys.public_key().to_hex()
    }

    /// A user whose requests a proxy forwards from `address`.
    pub fn at(address: &str) -> Self {
        Self {
            keys: Keys::generate(),
            forwarded_for: Some(address.to_owned()),
        }
    }

    /// The same user, now coming from `address`.
    pub fn moved_to(&self, address: &str) -> Self {
        Self {
            keys: self.keys.clone(),
            forwarded_for: Some(address.to_owned()),
        }
    }

    pub async fn call(
        &self,
        api: &Api,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let body = body.map(|body| body.to_string().into_bytes());
        let nip98_method = match method.as_str() {
            "POST" => HttpMethod::POST,
            "PUT" => HttpMethod::PUT,
            _ => HttpMethod::GET,
        };
        let url = format!("{}{path}", api.origin());
        let authorization = super::signed(
            &self.keys,
            &url,
            nip98_method,
            body.as_deref(),
            Timestamp::now(),
        );
        let uri = match api {
            Api::InProcess(_) => path.to_owned(),
            Api::Process(_) => url,
        };
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, authorization)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(address) = &self.forwarded_for {
            request = request.header("x-forwarded-for", address);
        }
        let request = request.body(Bytes::from(body.unwrap_or_default())).unwrap();
        let (status, body) = api.send(request).await;
        // An answer without a body (204) reads as null.
        let json = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&body)
                .unwrap_or_else(|_| panic!("{status}: {}", String::from_utf8_lossy(&body)))
        };
        (status, json)
    }

    /// Opens the account's event stream (in process only).
    pub async fn events(&self, router: &Router) -> Events {
        let path = "/api/account/events";
        let authorization = super::signed(
            &self.keys,
            &format!("http://127.0.0.1:8080{path}"),
            HttpMethod::GET,
            None,
            Timestamp::now(),
        );
        let request = Request::get(path)
            .header(header::AUTHORIZATION, authorization)
            .body(Body::empty())
            .unwrap();
        use tower::ServiceExt;
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            super::header(response.headers(), header::CONTENT_TYPE),
            "text/event-stream"
        );
        Events {
            body: response.into_body(),
            buffer: String::new(),
        }
    }

    pub async fn balance(&self, api: &Api) -> i64 {
        let (status, account) = self.call(api, Method::GET, "/api/account", None).await;
        assert_eq!(status, StatusCode::OK, "{account}");
        account["balance_msat"].as_i64().unwrap()
    }

    pub async fn invoice(&self, api: &Api, amount_msat: u64, description: &str) -> Value {
        let (status, invoice) = self
            .call(
                api,
                Method::POST,
                "/api/account/invoices",
                Some(json!({ "amount_msat": amount_msat, "description": description })),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{invoice}");
        invoice
    }

    pub async fn pay(&self, api: &Api, bolt11: &str, key: &str) -> (StatusCode, Value) {
        self.call(
            api,
            Method::POST,
            "/api/account/payments",
            Some(json!({ "bolt11": bolt11, "idempotency_key": key })),
        )
        .await
    }

    /// Funds the account from outside: an invoice of `amount_msat`, paid.
    pub async fn receive_from(&self, api: &Api, outside: &Node, amount_msat: u64) {
        let before = self.balance(api).await;
        let invoice = self.invoice(api, amount_msat, "top up").await;
        outside
            .pay(invoice["bolt11"].as_str().unwrap(), None, 100_000)
            .unwrap();
        let expected = before + i64::try_from(amount_msat).unwrap();
        eventually("the payment from outside is credited", || async {
            self.balance(api).await == expected
        })
        .await;
    }
}

/// Waits until `check` holds, checking after each short pause (within an
/// account's rate limit), for at most [`WAIT`].
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// A server-sent event stream, read event by event.
pub struct Events {
    body: Body,
    buffer: String,
}

impl Events {
    /// The data of the next event (keep-alive comments skipped).
    pub async fn next(&mut self) -> Value {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                let data = event
                    .lines()
                    .filter_map(|line| line.strip_prefix("data:"))
                    .map(str::trim)
                    .collect::<String>();
                if !data.is_empty() {
                    return serde_json::from_str(&data).expect("JSON event data");
                }
                continue;
            }
            let frame = tokio::time::timeout(WAIT, self.body.frame())
                .await
                .expect("an event in time")
                .expect("the stream is open")
                .expect("the stream reads");
            if let Ok(data) = frame.into_data() {
                self.buffer.push_str(&String::from_utf8_lossy(&data));
            }
        }
    }
}
