//! Helpers shared by the integration tests: a built `dist/`, requests
//! through the router in memory, and runs of the real `server` binary.

// Each test file uses its own subset of these helpers.
#![allow(dead_code)]

pub mod lightning;

use std::{
    ffi::OsStr,
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use axum::{
    body::{Body, Bytes},
    http::{header, HeaderMap, Request, StatusCode},
    response::Response,
    Router,
};
use flash_server::Config;
use tempfile::TempDir;
use tower::ServiceExt;

/// The wasm loader Trunk inlines into index.html.
pub const LOADER: &str = "\nimport init, * as bindings from '/flash-app-0123456789abcdef.js';\n\
                      const wasm = await init({ module_or_path: '/flash-app-0123456789abcdef_bg.wasm' });\n\
                      window.wasmBindings = bindings;\n";
pub const WASM: &[u8] = b"\0asm\x01\0\0\0";
pub const WASM_BROTLI: &[u8] = b"pretend this is brotli";

pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

pub fn index_html() -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Flash</title>
  <meta name="flash-engine" content="/engine-0123456789abcdef.js">
  <link rel="manifest" href="/manifest.webmanifest">
  <link rel="modulepreload" href="/flash-app-0123456789abcdef.js" crossorigin="anonymous">
  <script type="module">{LOADER}</script>
</head>
<body></body>
</html>
"#
    )
}

/// A `dist/` directory laid out the way the release build writes it.
pub fn built_dist() -> TempDir {
    let dist = tempfile::tempdir().expect("create temp dist");
    let index = index_html();
    let files: [(&str, &[u8]); 9] = [
        ("index.html", index.as_bytes()),
        ("flash-app-0123456789abcdef_bg.wasm", WASM),
        ("flash-app-0123456789abcdef_bg.wasm.br", WASM_BROTLI),
        (
            "flash-app-0123456789abcdef.js",
            b"export default function init() {}",
        ),
        ("manifest.webmanifest", br#"{"name":"Flash"}"#),
        ("sw.js", b"self.addEventListener('fetch', () => {});"),
        (
            "engine-0123456789abcdef.js",
            b"importScripts('./flash-worker-0123456789abcdef.js');",
        ),
        ("flash-worker-0123456789abcdef.js", b"let wasm_bindgen;"),
        ("flash-worker-0123456789abcdef_bg.wasm", WASM),
    ];
    for (name, contents) in files {
        std::fs::write(dist.path().join(name), contents).expect("write dist file");
    }
    dist
}

pub fn app(dist: &Path) -> Router {
    let config = Config {
        dist: dist.to_owned(),
        ..Config::default()
    };
    flash_server::router(&config).expect("router for a built dist")
}

pub async fn send(app: &Router, request: Request<Body>) -> (StatusCode, HeaderMap, Bytes) {
    let response: Response = app.clone().oneshot(request).await.expect("infallible");
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .expect("read body");
    (parts.status, parts.headers, body)
}

pub async fn get(app: &Router, path: &str) -> (StatusCode, HeaderMap, Bytes) {
    send(
        app,
        Request::get(path).body(Body::empty()).expect("request"),
    )
    .await
}

pub fn header(headers: &HeaderMap, name: header::HeaderName) -> &str {
    headers
        .get(&name)
        .map(|value| value.to_str().expect("ASCII header"))
        .unwrap_or_else(|| panic!("missing {name} header in {headers:?}"))
}

// ---- The real binary ----

/// Every environment variable the server reads.
pub const VARS: [&str; 21] = [
    "FLASH_ZAPPER_KEY_FILE",
    "FLASH_ZAP_PRIVATE_RELAYS",
    "FLASH_NWC_KEY_FILE",
    "FLASH_NWC_RELAYS",
    "FLASH_REQUEST_TIMEOUT",
    "FLASH_MAX_CONCURRENT_REQUESTS",
    "FLASH_ACCOUNT_RATE",
    "FLASH_ADDRESS_RATE",
    "FLASH_MAX_AMOUNT_SAT",
    "FLASH_BEHIND_PROXY",
    "FLASH_DATABASE",
    "FLASH_PUBLIC_URL",
    "FLASH_LND_URL",
    "FLASH_LND_MACAROON",
    "FLASH_LND_CERT",
    "FLASH_LISTEN",
    "FLASH_DIST",
    "FLASH_DEV",
    "FLASH_DEV_PUBLIC",
    "FLASH_DEV_RELAY_PORT",
    "FLASH_CONFIG",
];

/// How long the server may take to print a line.
const LINE_TIMEOUT: Duration = Duration::from_secs(30);

pub fn server_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    // Settings from the developer's shell must not leak into the test.
    for var in VARS {
        command.env_remove(var);
    }
    command
}

/// A running `server`, killed even when an assertion fails half-way.
pub struct Server {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Server {
    /// Starts the server on a free port with `dist` and `extra` arguments, and
    /// returns it with the URL it announced on its first line.
    pub fn start<S: AsRef<OsStr>>(dist: &Path, extra: &[S]) -> (Self, String) {
        let mut child = server_command()
            .args(["--listen", "127.0.0.1:0", "--dist"])
            .arg(dist)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start server");
        let stdout = child.stdout.take().expect("piped stdout");

        // Read on a thread so a server that never announces itself fails the
        // test instead of hanging it.
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let server = Self { child, lines };
        let line = server.next_line();
        let url = line
            .strip_prefix("Flash Web is running at ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_owned();
        (server, url)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The next line the server prints on stdout, without its line ending.
    pub fn next_line(&self) -> String {
        self.lines
            .recv_timeout(LINE_TIMEOUT)
            .expect("server printed a line within 30 s")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // The child may already have exited; nothing useful to do about errors.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The databases every accounts test runs on: a SQLite file, and the
/// PostgreSQL that `scripts/test.sh` starts (`pg_virtualenv` sets `PG*`).
/// Without `PGHOST` the PostgreSQL run is skipped, unless
/// `FLASH_TEST_POSTGRES=required` (as the test command sets) makes that a
/// failure. Each call has databases of its own (a fresh PostgreSQL
/// database too), so tests running at once never share the server's state.
/// The directory holds the SQLite file.
pub async fn database_urls() -> Vec<(&'static str, String, Option<TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("ledger.sqlite3").display());
    let mut urls = vec![("sqlite", sqlite, Some(dir))];
    let admin_database = std::env::var("PGDATABASE").unwrap_or_else(|_| "postgres".to_owned());
    match postgres_url(&admin_database) {
        Some(url) => {
            use sqlx::Connection;
            let mut id = [0u8; 8];
            getrandom::fill(&mut id).unwrap();
            let name: String = std::iter::once("test_".to_owned())
                .chain(id.iter().map(|byte| format!("{byte:02x}")))
                .collect();
            let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
            sqlx::Executor::execute(&mut admin, format!("CREATE DATABASE {name}").as_str())
                .await
                .unwrap();
            urls.push(("postgres", postgres_url(&name).unwrap(), None));
        }
        None if std::env::var("FLASH_TEST_POSTGRES").as_deref() == Ok("required") => {
            panic!("FLASH_TEST_POSTGRES=required but no PGHOST: run under pg_virtualenv")
        }
        None => eprintln!("no PGHOST: the PostgreSQL half of this test is skipped"),
    }
    urls
}

/// The URL of database `name` on the test PostgreSQL (`PG*`), if any.
fn postgres_url(name: &str) -> Option<String> {
    let var = |name: &str| std::env::var(name).ok();
    let host = var("PGHOST")?;
    Some(
        format!(
            "postgres://{}:{}@{}:{}/{}",
            var("PGUSER").unwrap_or_else(|| "postgres".to_owned()),
            var("PGPASSWORD").unwrap_or_default(),
            // A socket directory is passed as the host query parameter.
            if host.starts_with('/') {
                "localhost"
            } else {
                &host
            },
            var("PGPORT").unwrap_or_else(|| "5432".to_owned()),
            name,
        ) + &if host.starts_with('/') {
            format!("?host={host}")
        } else {
            String::new()
        },
    )
}

/// The origin a server started with the default `Config` names itself by,
/// which NIP-98 events must name.
pub const ORIGIN: &str = "http://127.0.0.1:8080";

/// A NIP-98 `Authorization` header for `method url` (with `body`'s hash),
/// signed by `keys` at `at`.
pub fn signed(
    keys: &nostr::Keys,
    url: &str,
    method: nostr::nips::nip98::HttpMethod,
    body: Option<&[u8]>,
    at: nostr::Timestamp,
) -> String {
    use nostr::{
        hashes::{sha256::Hash as Sha256Hash, Hash},
        nips::nip98::HttpData,
        EventBuilder, JsonUtil, Url,
    };
    let mut data = HttpData::new(Url::parse(url).unwrap(), method);
    if let Some(body) = body {
        data = data.payload(Sha256Hash::hash(body));
    }
    // Two requests alike in the same second would otherwise be one event,
    // the second refused as a replay: a client adds a nonce, as the app does.
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce).unwrap();
    let nonce: String = nonce.iter().map(|byte| format!("{byte:02x}")).collect();
    let event = EventBuilder::http_auth(data)
        .tag(nostr::Tag::custom(nostr::TagKind::custom("nonce"), [nonce]))
        .custom_created_at(at)
        .sign_with_keys(keys)
        .unwrap();
    header_for(&event.as_json())
}

/// The `Authorization` header carrying `json` as its event.
pub fn header_for(json: &str) -> String {
    use base64::Engine;
    format!(
        "Nostr {}",
        base64::engine::general_purpose::STANDARD.encode(json)
    )
}

/// The ledger's invariants hold: balances and lines each sum to zero, and
/// every account's balance is the sum of its lines.
pub async fn assert_balanced(ledger: &flash_server::accounts::Ledger, name: &str) {
    let audit = ledger.audit().await.unwrap();
    assert_eq!((audit.balances_msat, audit.lines_msat), (0, 0), "{name}");
    assert!(
        audit.mismatched.is_empty(),
        "{name}: {:?}",
        audit.mismatched
    );
}
