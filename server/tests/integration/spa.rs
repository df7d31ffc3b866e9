//! Behaviour of the served app as a browser sees it: driven through the
//! router in memory, plus a few runs of the real `server` binary.

use crate::support;

use axum::{
    body::{Body, Bytes},
    http::{header, Request, StatusCode},
};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use flash_server::Config;
use sha2::{Digest, Sha256};

use support::{
    app, built_dist, get, header, index_html, send, server_command, Server, IMMUTABLE, LOADER,
    WASM, WASM_BROTLI,
};

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
async fn the_engines_hashed_files_are_cached_forever() {
    let dist = built_dist();
    let app = app(dist.path());
    for (path, content_type) in [
        ("/engine-0123456789abcdef.js", "text/javascript"),
        ("/flash-worker-0123456789abcdef.js", "text/javascript"),
        ("/flash-worker-0123456789abcdef_bg.wasm", "application/wasm"),
    ] {
        let (status, headers, _) = get(&app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(
            header(&headers, header::CONTENT_TYPE),
            content_type,
            "{path}"
        );
        // A new build names new files, so an old copy is never asked for.
        assert_eq!(header(&headers, header::CACHE_CONTROL), IMMUTABLE, "{path}");
    }
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
    for path in ["/", "/index.html", "/sw.js"] {
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
        "/api/config",
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
        assert_eq!(
            header(
                &headers,
                header::HeaderName::from_static("cross-origin-opener-policy")
            ),
            "same-origin",
            "{path}"
        );
        let permissions = header(
            &headers,
            header::HeaderName::from_static("permissions-policy"),
        );
        for allowed in ["camera=(self)", "nfc=(self)"] {
            assert!(permissions.contains(allowed), "{path}: {permissions}");
        }
        for denied in ["microphone=()", "geolocation=()"] {
            assert!(permissions.contains(denied), "{path}: {permissions}");
        }
        // Served over plain HTTP (no https public URL): no HSTS.
        assert!(
            headers.get(header::STRICT_TRANSPORT_SECURITY).is_none(),
            "{path}"
        );
    }
}

#[tokio::test]
async fn hsts_is_sent_when_clients_reach_the_server_over_https() {
    let dist = built_dist();
    let router = |public_url: &str| {
        flash_server::router(&Config {
            dist: dist.path().to_owned(),
            public_url: Some(public_url.to_owned()),
            ..Config::default()
        })
        .unwrap()
    };
    let behind_tls = router("https://wallet.example");
    for path in ["/", "/send", "/api/config", "/api/nope", "/healthz"] {
        let (_, headers, _) = get(&behind_tls, path).await;
        assert_eq!(
            header(&headers, header::STRICT_TRANSPORT_SECURITY),
            "max-age=31536000",
            "{path}"
        );
    }
    let (_, headers, _) = get(&router("http://wallet.example"), "/").await;
    assert!(headers.get(header::STRICT_TRANSPORT_SECURITY).is_none());
}

/// The sources of `connect-src` in the policy `app` serves with the app.
async fn connect_sources(app: &axum::Router) -> Vec<String> {
    let (_, headers, _) = get(app, "/").await;
    let csp = header(&headers, header::CONTENT_SECURITY_POLICY);
    csp.split(';')
        .map(str::trim)
        .find_map(|directive| directive.strip_prefix("connect-src "))
        .unwrap_or_else(|| panic!("no connect-src in {csp}"))
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn in_production_the_app_connects_to_secure_origins_only_and_in_dev_to_loopback_too() {
    let dist = built_dist();
    let production = connect_sources(&app(dist.path())).await;
    assert_eq!(production, ["'self'", "https:", "wss:"]);
    let dev = flash_server::router(&Config {
        dist: dist.path().to_owned(),
        dev: true,
        ..Config::default()
    })
    .unwrap();
    let dev = connect_sources(&dev).await;
    for source in ["ws:", "http://127.0.0.1:*", "http://localhost:*"] {
        assert!(dev.iter().any(|dev| dev == source), "{dev:?}");
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

#[tokio::test]
async fn binary_announces_its_real_address_and_answers_healthz() {
    use http_body_util::{BodyExt, Empty};
    use hyper_util::{client::legacy::Client, rt::TokioExecutor};

    let dist = built_dist();
    let (_server, url) = Server::start::<&str>(dist.path(), &[]);
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
    for option in [
        "--listen",
        "--dist",
        "--dev",
        "--dev-relay-port",
        "--config",
    ] {
        assert!(
            help.contains(option),
            "--help does not mention {option}:\n{help}"
        );
    }
    for var in support::VARS {
        assert!(help.contains(var), "--help does not mention {var}:\n{help}");
    }
}
