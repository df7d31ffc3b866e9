//! Helpers shared by the integration tests: a built `dist/`, requests
//! through the router in memory, and runs of the real `server` binary.

// Each test file uses its own subset of these helpers.
#![allow(dead_code)]

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
    let files: [(&str, &[u8]); 7] = [
        ("index.html", index.as_bytes()),
        ("flash-app-0123456789abcdef_bg.wasm", WASM),
        ("flash-app-0123456789abcdef_bg.wasm.br", WASM_BROTLI),
        (
            "flash-app-0123456789abcdef.js",
            b"export default function init() {}",
        ),
        ("manifest.webmanifest", br#"{"name":"Flash"}"#),
        ("sw.js", b"self.addEventListener('fetch', () => {});"),
        ("engine.js", b"export const engine = 1;"),
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
pub const VARS: [&str; 6] = [
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
