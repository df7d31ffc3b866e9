//! Behaviour of the served app as a browser sees it: driven through the
//! router in memory, plus a few runs of the real `server` binary.

use std::{
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
use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use flash_server::Config;
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use tower::ServiceExt;

/// The wasm loader Trunk inlines into index.html.
const LOADER: &str = "\nimport init, * as bindings from '/flash-app-0123456789abcdef.js';\n\
                      const wasm = await init({ module_or_path: '/flash-app-0123456789abcdef_bg.wasm' });\n\
                      window.wasmBindings = bindings;\n";
const WASM: &[u8] = b"\0asm\x01\0\0\0";
const WASM_BROTLI: &[u8] = b"pretend this is brotli";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn index_html() -> String {
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
fn built_dist() -> TempDir {
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

fn app(dist: &Path) -> Router {
    let config = Config {
        dist: dist.to_owned(),
        ..Config::default()
    };
    flash_server::router(&config).expect("router for a built dist")
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, HeaderMap, Bytes) {
    let response: Response = app.clone().oneshot(request).await.expect("infallible");
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .expect("read body");
    (parts.status, parts.headers, body)
}

async fn get(app: &Router, path: &str) -> (StatusCode, HeaderMap, Bytes) {
    send(
        app,
        Request::get(path).body(Body::empty()).expect("request"),
    )
    .await
}

fn header(headers: &HeaderMap, name: header::HeaderName) -> &str {
    headers
        .get(&name)
        .map(|value| value.to_str().expect("ASCII header"))
        .unwrap_or_else(|| panic!("missing {name} header in {headers:?}"))
}

#[tokio::test]
async fn wasm_is_served_as_wasm_and_cached_forever() {
    let dist = built_dist();
    let (status, headers, body) =
        get(&app(dist.path()), "/flash-app-0123456789abcdef_bg.wasm").await;
    assert_eq!(status, StatusCode::OK);
    // Anything else makes `WebAssembly.instantiateStreaming` reject the module.
    assert_eq!(header(&headers, header::CONTENT_TYPE), "application/wasm");
    assert_eq!(header(&headers, header::CACHE_CONTROL), IMMUTABLE);
    assert_eq!(&body[..], WASM);
}

#[tokio::test]
async fn precompressed_wasm_is_served_to_clients_that_accept_it() {
    let dist = built_dist();
    let request = Request::get("/flash-app-0123456789abcdef_bg.wasm")
        .header(header::ACCEPT_ENCODING, "gzip, br")
        .body(Body::empty())
        .expect("request");
    let (status, headers, body) = send(&app(dist.path()), request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, header::CONTENT_ENCODING), "br");
    assert_eq!(header(&headers, header::CONTENT_TYPE), "application/wasm");
    assert_eq!(header(&headers, header::VARY), "accept-encoding");
    assert_eq!(&body[..], WASM_BROTLI);
}

#[tokio::test]
async fn hashed_js_is_javascript_and_cached_forever() {
    let dist = built_dist();
    let (status, headers, _) = get(&app(dist.path()), "/flash-app-0123456789abcdef.js").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, header::CONTENT_TYPE), "text/javascript");
    assert_eq!(header(&headers, header::CACHE_CONTROL), IMMUTABLE);
}

#[tokio::test]
async fn manifest_is_a_web_app_manifest_and_revalidated() {
    let dist = built_dist();
    let (status, headers, _) = get(&app(dist.path()), "/manifest.webmanifest").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        header(&headers, header::CONTENT_TYPE),
        "application/manifest+json"
    );
    assert_eq!(header(&headers, header::CACHE_CONTROL), "no-cache");
}

#[tokio::test]
async fn files_with_stable_names_are_revalidated() {
    let dist = built_dist();
    let app = app(dist.path());
    for path in ["/", "/index.html", "/sw.js", "/engine.js"] {
        let (status, headers, _) = get(&app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        // A cached sw.js or index.html would pin users to an old release.
        assert_eq!(
            header(&headers, header::CACHE_CONTROL),
            "no-cache",
            "{path}"
        );
    }
}

#[tokio::test]
async fn revalidating_an_unchanged_file_is_a_304() {
    let dist = built_dist();
    let app = app(dist.path());
    let (_, headers, _) = get(&app, "/sw.js").await;
    let last_modified = header(&headers, header::LAST_MODIFIED).to_owned();

    let request = Request::get("/sw.js")
        .header(header::IF_MODIFIED_SINCE, last_modified)
        .body(Body::empty())
        .expect("request");
    let (status, _, body) = send(&app, request).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
}

#[tokio::test]
async fn root_serves_the_app_shell() {
    let dist = built_dist();
    let (status, headers, body) = get(&app(dist.path()), "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(header(&headers, header::CONTENT_TYPE).starts_with("text/html"));
    assert_eq!(body, index_html().as_bytes());
}

#[tokio::test]
async fn client_side_routes_serve_the_app_shell() {
    let dist = built_dist();
    let app = app(dist.path());
    for path in ["/send", "/chat/xyz"] {
        let (status, headers, body) = get(&app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            header(&headers, header::CONTENT_TYPE).starts_with("text/html"),
            "{path}"
        );
        assert_eq!(
            header(&headers, header::CACHE_CONTROL),
            "no-cache",
            "{path}"
        );
        assert_eq!(body, index_html().as_bytes(), "{path}");
    }
}

#[tokio::test]
async fn missing_asset_is_a_plain_404_not_the_app_shell() {
    let dist = built_dist();
    let (status, headers, body) = get(&app(dist.path()), "/missing.wasm").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(headers.get(header::CONTENT_TYPE).is_none(), "{headers:?}");
    assert!(body.is_empty(), "{body:?}");
    // A 404 must not be cached as if it were the real (immutable) file.
    assert_eq!(header(&headers, header::CACHE_CONTROL), "no-cache");
}

#[tokio::test]
async fn unknown_api_path_is_a_json_404() {
    let dist = built_dist();
    let (status, headers, body) = get(&app(dist.path()), "/api/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(header(&headers, header::CONTENT_TYPE), "application/json");
    assert_eq!(header(&headers, header::CACHE_CONTROL), "no-store");
    let json: serde_json::Value = serde_json::from_slice(&body).expect("JSON body");
    assert_eq!(
        json,
        serde_json::json!({"error": "not_found", "message": "no API endpoint at /api/nope"})
    );
}

#[tokio::test]
async fn healthz_reports_ok_and_version() {
    let dist = built_dist();
    let (status, headers, body) = get(&app(dist.path()), "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, header::CONTENT_TYPE), "application/json");
    assert_eq!(header(&headers, header::CACHE_CONTROL), "no-store");
    let json: serde_json::Value = serde_json::from_slice(&body).expect("JSON body");
    assert_eq!(
        json,
        serde_json::json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")})
    );
}

#[tokio::test]
async fn csp_allows_the_wasm_loader_and_no_other_inline_script() {
    let dist = built_dist();
    let (_, headers, _) = get(&app(dist.path()), "/").await;
    let csp = header(&headers, header::CONTENT_SECURITY_POLICY);

    let loader_hash = BASE64.encode(Sha256::digest(LOADER.as_bytes()));
    let script_src = csp
        .split(';')
        .map(str::trim)
        .find(|directive| directive.starts_with("script-src "))
        .unwrap_or_else(|| panic!("no script-src in {csp}"));
    assert_eq!(
        script_src,
        format!("script-src 'self' 'wasm-unsafe-eval' 'sha256-{loader_hash}'")
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(!csp.contains("'unsafe-eval'"), "{csp}");
    assert!(csp.contains("object-src 'none'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let dist = built_dist();
    let app = app(dist.path());
    for path in [
        "/",
        "/send",
        "/flash-app-0123456789abcdef_bg.wasm",
        "/missing.wasm",
        "/api/nope",
        "/healthz",
    ] {
        let (_, headers, _) = get(&app, path).await;
        assert!(
            header(&headers, header::CONTENT_SECURITY_POLICY).contains("'wasm-unsafe-eval'"),
            "{path}"
        );
        assert_eq!(
            header(&headers, header::X_CONTENT_TYPE_OPTIONS),
            "nosniff",
            "{path}"
        );
        assert_eq!(
            header(&headers, header::REFERRER_POLICY),
            "no-referrer",
            "{path}"
        );
    }
}

#[test]
fn unbuilt_app_is_a_clear_error() {
    let empty = tempfile::tempdir().expect("create temp dir");
    let config = Config {
        dist: empty.path().to_owned(),
        ..Config::default()
    };
    let err = flash_server::router(&config).expect_err("no index.html");
    let message = err.to_string();
    assert!(message.contains("not built"), "{message}");
    assert!(message.contains("index.html"), "{message}");
    assert!(message.contains("trunk build --release"), "{message}");
}

// ---- The real binary ----

/// Kills the server even when an assertion fails half-way.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        // The child may already have exited; nothing useful to do about errors.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn server_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    // Settings from the developer's shell must not leak into the test.
    for var in ["FLASH_LISTEN", "FLASH_DIST", "FLASH_DEV", "FLASH_CONFIG"] {
        command.env_remove(var);
    }
    command
}

/// Starts the server on a free port and returns it with the URL it announced.
fn start_server(dist: &Path) -> (Server, String) {
    let mut child = server_command()
        .args(["--listen", "127.0.0.1:0", "--dist"])
        .arg(dist)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start server");
    let stdout = child.stdout.take().expect("piped stdout");
    let server = Server(child);

    // Read on a thread so a server that never announces itself fails the
    // test instead of hanging it.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("server announced itself within 30 s");
    let url = line
        .trim_end()
        .strip_prefix("Flash Web is running at ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    (server, url)
}

#[tokio::test]
async fn binary_announces_its_real_address_and_answers_healthz() {
    use http_body_util::{BodyExt, Empty};
    use hyper_util::{client::legacy::Client, rt::TokioExecutor};

    let dist = built_dist();
    let (_server, url) = start_server(dist.path());
    let port = url
        .strip_prefix("http://127.0.0.1:")
        .and_then(|rest| rest.strip_suffix('/'))
        .and_then(|port| port.parse::<u16>().ok())
        .unwrap_or_else(|| panic!("announced URL {url:?} is not http://127.0.0.1:<port>/"));
    assert_ne!(port, 0, "the announced port must be the bound one");

    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let uri = format!("{url}healthz").parse().expect("healthz URI");
    let response = client.get(uri).await.expect("GET /healthz");
    assert_eq!(response.status(), StatusCode::OK);
    let body = response
        .into_body()
        .collect()
        .await
        .expect("read body")
        .to_bytes();
    let json: serde_json::Value = serde_json::from_slice(&body).expect("JSON body");
    assert_eq!(json["status"], "ok");
}

#[test]
fn binary_refuses_to_start_without_a_built_app() {
    let empty = tempfile::tempdir().expect("create temp dir");
    let output = server_command()
        .args(["--listen", "127.0.0.1:0", "--dist"])
        .arg(empty.path())
        .output()
        .expect("run server");
    assert!(!output.status.success());
    assert!(output.stdout.is_empty(), "must not announce itself");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("trunk build --release"), "{stderr}");
}

#[test]
fn help_documents_every_option() {
    let output = server_command()
        .arg("--help")
        .output()
        .expect("run server --help");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for option in ["--listen", "--dist", "--dev", "--config"] {
        assert!(
            help.contains(option),
            "--help does not mention {option}:\n{help}"
        );
    }
    for var in ["FLASH_LISTEN", "FLASH_DIST", "FLASH_DEV", "FLASH_CONFIG"] {
        assert!(help.contains(var), "--help does not mention {var}:\n{help}");
    }
}
