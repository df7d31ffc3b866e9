//! `--dev`: where it may listen, the in-process NOSTR relay and
//! `/api/dev/config`, which tells the app where it is. Driven in memory and
//! through the real `server` binary.

use crate::support;

use std::{
    net::{Ipv4Addr, SocketAddr},
    path::Path,
    time::Duration,
};

use axum::http::{header, StatusCode};
use flash_server::{App, Config, DevConfig, StartError};
use futures_util::{SinkExt, StreamExt};
use nostr_relay_builder::prelude::{EventBuilder, Keys};
use serde_json::{json, Value};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    time::timeout,
};
use tokio_tungstenite::{connect_async, tungstenite::Message, MaybeTlsStream, WebSocketStream};

use support::{built_dist, get, header, server_command, Server};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const WAIT: Duration = Duration::from_secs(10);

async fn start(dist: &Path, dev: bool, dev_relay_port: u16) -> Result<App, StartError> {
    let config = Config {
        dist: dist.to_owned(),
        dev,
        dev_relay_port,
        ..Config::default()
    };
    App::start(&config).await
}

/// Starts the app in dev mode for `listen`, which nothing binds here.
async fn start_for(dist: &Path, listen: &str, dev_public: bool) -> Result<App, StartError> {
    let config = Config {
        listen: listen.parse::<SocketAddr>().expect("an address"),
        dist: dist.to_owned(),
        dev: true,
        dev_public,
        ..Config::default()
    };
    App::start(&config).await
}

async fn dev_app(dist: &Path) -> App {
    start(dist, true, 0)
        .await
        .expect("start the app in dev mode")
}

/// The relay URL `/api/dev/config` advertises.
async fn advertised_relay(app: &App) -> String {
    let (status, headers, body) = get(&app.router(), "/api/dev/config").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, header::CONTENT_TYPE), "application/json");
    assert_eq!(header(&headers, header::CACHE_CONTROL), "no-store");
    let config: DevConfig = serde_json::from_slice(&body).expect("a DevConfig");
    let [relay] = <[String; 1]>::try_from(config.relays).expect("exactly one relay");
    relay
}

async fn connect(url: &str) -> Socket {
    let (socket, _) = timeout(WAIT, connect_async(url))
        .await
        .expect("connected in time")
        .unwrap_or_else(|err| panic!("connect to {url}: {err}"));
    socket
}

async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::text(message.to_string()))
        .await
        .expect("send to the relay");
}

/// The next NIP-01 message from the relay, as JSON.
async fn receive(socket: &mut Socket) -> Value {
    loop {
        let message = timeout(WAIT, socket.next())
            .await
            .expect("the relay answered in time")
            .expect("the relay kept the connection open")
            .expect("read from the relay");
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).expect("JSON from the relay");
        }
    }
}

fn signed_note(keys: &Keys, content: &str) -> Value {
    let event = EventBuilder::text_note(content)
        .sign_with_keys(keys)
        .expect("sign the note");
    serde_json::to_value(&event).expect("event as JSON")
}

#[tokio::test]
async fn dev_refuses_to_listen_beyond_loopback_and_names_the_override() {
    let dist = built_dist();
    for listen in ["0.0.0.0:8080", "192.168.1.2:8080", "[::]:8080"] {
        let err = start_for(dist.path(), listen, false)
            .await
            .err()
            .unwrap_or_else(|| panic!("--dev started on {listen}"));
        assert!(matches!(err, StartError::PublicDev { .. }), "{err:?}");
        let message = err.to_string();
        assert!(
            message.starts_with(&format!("--dev will not listen on {listen}: ")),
            "{message}"
        );
        assert!(message.contains("--dev-public"), "{message}");
        assert!(message.contains("FLASH_DEV_PUBLIC"), "{message}");
    }
}

#[tokio::test]
async fn dev_listens_on_any_loopback_address() {
    let dist = built_dist();
    for listen in ["127.0.0.2:8080", "[::1]:8080"] {
        let app = start_for(dist.path(), listen, false)
            .await
            .unwrap_or_else(|err| panic!("--dev on {listen}: {err}"));
        app.shutdown();
    }
}

#[tokio::test]
async fn dev_public_lets_dev_listen_beyond_loopback() {
    let dist = built_dist();
    let app = start_for(dist.path(), "0.0.0.0:8080", true)
        .await
        .expect("--dev-public allows 0.0.0.0");
    let (status, _, body) = get(&app.router(), "/api/dev/config").await;
    assert_eq!(status, StatusCode::OK);
    let config: DevConfig = serde_json::from_slice(&body).expect("a DevConfig");
    assert_eq!(config.mints, ["http://0.0.0.0:8080/mint"]);
    app.shutdown();
}

#[test]
fn binary_refuses_dev_on_a_public_address_before_announcing_anything() {
    let dist = built_dist();
    let output = server_command()
        .args(["--dev", "--listen", "0.0.0.0:0", "--dist"])
        .arg(dist.path())
        .output()
        .expect("run server");
    assert!(!output.status.success());
    assert!(output.stdout.is_empty(), "must not announce itself");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("error: --dev will not listen on 0.0.0.0:"),
        "{stderr}"
    );
    assert!(stderr.contains("--dev-public"), "{stderr}");
}

#[tokio::test]
async fn dev_config_advertises_the_loopback_relay() {
    let dist = built_dist();
    let app = dev_app(dist.path()).await;
    let relay = advertised_relay(&app).await;
    let dev = app.dev().expect("dev services run");
    assert_eq!(relay, dev.relay().url());
    let port: u16 = relay
        .strip_prefix("ws://127.0.0.1:")
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("{relay:?} is not ws://127.0.0.1:<port>"));
    assert_ne!(port, 0, "the advertised port must be the bound one");
    app.shutdown();
}

#[tokio::test]
async fn relay_stores_a_signed_event_and_returns_it_to_a_subscription() {
    let dist = built_dist();
    let app = dev_app(dist.path()).await;
    let mut socket = connect(&advertised_relay(&app).await).await;

    let keys = Keys::generate();
    let note = signed_note(&keys, "hello from the dev relay");
    let id = note["id"].clone();
    send(&mut socket, json!(["EVENT", note])).await;
    let ok = receive(&mut socket).await;
    assert_eq!(ok[0], "OK", "{ok}");
    assert_eq!(ok[1], id, "{ok}");
    assert_eq!(ok[2], true, "{ok}");

    send(&mut socket, json!(["REQ", "read-back", {"ids": [id]}])).await;
    let event = receive(&mut socket).await;
    assert_eq!(event[0], "EVENT", "{event}");
    assert_eq!(event[1], "read-back", "{event}");
    assert_eq!(event[2]["id"], id, "{event}");
    assert_eq!(event[2]["content"], "hello from the dev relay", "{event}");
    assert_eq!(event[2]["pubkey"], keys.public_key().to_hex(), "{event}");
    assert_eq!(receive(&mut socket).await, json!(["EOSE", "read-back"]));
    app.shutdown();
}

#[tokio::test]
async fn relay_refuses_an_event_with_a_bad_signature() {
    let dist = built_dist();
    let app = dev_app(dist.path()).await;
    let mut socket = connect(&advertised_relay(&app).await).await;

    let keys = Keys::generate();
    let mut forged = signed_note(&keys, "forged");
    // A well-formed signature, but over another event.
    forged["sig"] = signed_note(&keys, "genuine")["sig"].clone();
    let id = forged["id"].clone();
    send(&mut socket, json!(["EVENT", forged])).await;
    let ok = receive(&mut socket).await;
    assert_eq!(ok[0], "OK", "{ok}");
    assert_eq!(ok[1], id, "{ok}");
    assert_eq!(ok[2], false, "{ok}");

    // And it was not stored.
    send(&mut socket, json!(["REQ", "forged", {"ids": [id]}])).await;
    assert_eq!(receive(&mut socket).await, json!(["EOSE", "forged"]));
    app.shutdown();
}

#[tokio::test]
async fn relay_uses_the_configured_port_and_stops_with_the_app() {
    let port = {
        let probe = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("probe port");
        probe.local_addr().expect("probe address").port()
    };
    let dist = built_dist();
    let app = start(dist.path(), true, port)
        .await
        .expect("start on the port");
    let url = format!("ws://127.0.0.1:{port}");
    assert_eq!(advertised_relay(&app).await, url);
    drop(connect(&url).await);

    app.shutdown();
    // The listener closes once the relay's accept loop sees the shutdown.
    let deadline = tokio::time::Instant::now() + WAIT;
    while TcpStream::connect((Ipv4Addr::LOCALHOST, port))
        .await
        .is_ok()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "relay still accepts connections after shutdown"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_taken_relay_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("take a port");
    let port = taken.local_addr().expect("taken address").port();
    let dist = built_dist();
    let err = start(dist.path(), true, port)
        .await
        .expect_err("the port is taken");
    assert!(matches!(err, StartError::Relay(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("could not start the dev relay on 127.0.0.1:{port}")
    );
}

#[tokio::test]
async fn without_dev_there_is_no_relay_and_no_dev_config() {
    let dist = built_dist();
    let app = start(dist.path(), false, 0).await.expect("start the app");
    assert!(app.dev().is_none(), "no dev services without --dev");
    let (status, headers, body) = get(&app.router(), "/api/dev/config").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(header(&headers, header::CONTENT_TYPE), "application/json");
    let json: Value = serde_json::from_slice(&body).expect("JSON body");
    assert_eq!(
        json,
        json!({"error": "not_found", "message": "no API endpoint at /api/dev/config"})
    );
}

#[tokio::test]
async fn an_unknown_dev_endpoint_is_the_api_json_404() {
    let dist = built_dist();
    let app = dev_app(dist.path()).await;
    let (status, headers, body) = get(&app.router(), "/api/dev/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(header(&headers, header::CONTENT_TYPE), "application/json");
    let json: Value = serde_json::from_slice(&body).expect("JSON body");
    assert_eq!(
        json,
        json!({"error": "not_found", "message": "no API endpoint at /api/dev/nothing-here"})
    );
    app.shutdown();
}

#[tokio::test]
async fn the_dev_relay_answers_nip11_to_any_origin() {
    let dist = built_dist();
    let app = dev_app(dist.path()).await;
    let relay = advertised_relay(&app).await;
    let address = relay.strip_prefix("ws://").expect("a ws:// relay");
    let mut stream = TcpStream::connect(address).await.expect("connected");
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {address}\r\nAccept: application/nostr+json\r\nOrigin: http://127.0.0.1:1\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .await
        .expect("request sent");
    let mut response = String::new();
    timeout(WAIT, stream.read_to_string(&mut response))
        .await
        .expect("answered in time")
        .expect("read");
    let (head, body) = response.split_once("\r\n\r\n").expect("a head and a body");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let head = head.to_ascii_lowercase();
    assert!(
        head.contains("content-type: application/nostr+json"),
        "{head}"
    );
    assert!(head.contains("access-control-allow-origin: *"), "{head}");
    let document: Value = serde_json::from_str(body).expect("JSON");
    assert_eq!(document["name"], "Flash dev relay");
    assert!(document["supported_nips"]
        .as_array()
        .is_some_and(|nips| nips.contains(&json!(11))));

    // And the same address still takes WebSocket clients.
    let mut socket = connect(&relay).await;
    send(&mut socket, json!(["REQ", "nip11", {"limit": 1}])).await;
    assert_eq!(receive(&mut socket).await, json!(["EOSE", "nip11"]));
    app.shutdown();
}

#[tokio::test]
async fn csp_lets_the_app_connect_to_the_dev_relay() {
    let dist = built_dist();
    let app = dev_app(dist.path()).await;
    let relay = advertised_relay(&app).await;
    let (_, headers, _) = get(&app.router(), "/").await;
    let csp = header(&headers, header::CONTENT_SECURITY_POLICY);
    let sources: Vec<&str> = csp
        .split(';')
        .map(str::trim)
        .find_map(|directive| directive.strip_prefix("connect-src "))
        .unwrap_or_else(|| panic!("no connect-src in {csp}"))
        .split_whitespace()
        .collect();
    // `ws:` allows any plain websocket, the relay's included.
    assert!(
        sources.contains(&"ws:") || sources.contains(&relay.as_str()),
        "connect-src {sources:?} does not allow {relay}"
    );
    app.shutdown();
}

#[tokio::test]
async fn binary_with_dev_announces_a_relay_that_accepts_websockets() {
    let dist = built_dist();
    let (server, url) = Server::start(dist.path(), &["--dev"]);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let line = server.next_line();
    let relay = line
        .strip_prefix("Dev relay at ")
        .unwrap_or_else(|| panic!("unexpected second line: {line:?}"));
    assert!(relay.starts_with("ws://127.0.0.1:"), "{relay}");

    let mut socket = connect(relay).await;
    send(&mut socket, json!(["REQ", "probe", {"limit": 1}])).await;
    assert_eq!(receive(&mut socket).await, json!(["EOSE", "probe"]));
}
