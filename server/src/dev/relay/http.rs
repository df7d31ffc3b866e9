//! The dev relay's listener: WebSocket upgrades go to the relay, any other
//! request gets the relay's NIP-11 information document.
//!
//! Only what a relay's HTTP side needs: one request head per connection,
//! answered and closed unless it upgrades.

use std::{io, net::SocketAddr, sync::Arc, time::Duration};

use nostr_relay_builder::{prelude::RelayInformationDocument, LocalRelay};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::Notify,
    time::timeout,
};
use tungstenite::handshake::derive_accept_key;

/// The longest request head read; relays' clients send a few hundred bytes.
const MAX_HEAD: usize = 16 * 1024;

/// How long a client has to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts connections until `stop` is notified.
pub(super) async fn serve(listener: TcpListener, relay: LocalRelay, stop: Arc<Notify>) {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, addr)) => {
                    tokio::spawn(handle(stream, addr, relay.clone()));
                }
                Err(err) => tracing::warn!("dev relay could not accept a connection: {err}"),
            },
            () = stop.notified() => return,
        }
    }
}

async fn handle(mut stream: TcpStream, addr: SocketAddr, relay: LocalRelay) {
    let head = match timeout(HEAD_TIMEOUT, read_head(&mut stream)).await {
        Ok(Ok(head)) => head,
        Ok(Err(err)) => return tracing::debug!("dev relay: unreadable request from {addr}: {err}"),
        Err(_) => return tracing::debug!("dev relay: {addr} sent no request in time"),
    };
    let answered = match websocket_key(&head) {
        Some(key) => upgrade(stream, addr, relay, &key).await,
        None => information(&mut stream, head.starts_with("OPTIONS ")).await,
    };
    if let Err(err) = answered {
        tracing::debug!("dev relay: connection from {addr} ended: {err}");
    }
}

/// The request head, up to its blank line. A client sends nothing after it
/// before the answer (a GET has no body; WebSocket frames wait for 101).
async fn read_head(stream: &mut TcpStream) -> io::Result<String> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !head.ends_with(b"\r\n\r\n") {
        let read = stream.read(&mut chunk).await?;
        if read == 0 || head.len() + read > MAX_HEAD {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "no complete request head",
            ));
        }
        head.extend_from_slice(&chunk[..read]);
    }
    String::from_utf8(head).map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))
}

/// The `Sec-WebSocket-Key` of a WebSocket upgrade request.
fn websocket_key(head: &str) -> Option<String> {
    let header = |name: &str| {
        head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    };
    let upgrade = header("upgrade")?;
    if !upgrade.eq_ignore_ascii_case("websocket") {
        return None;
    }
    header("sec-websocket-key")
}

async fn upgrade(
    mut stream: TcpStream,
    addr: SocketAddr,
    relay: LocalRelay,
    key: &str,
) -> io::Result<()> {
    let accept = derive_accept_key(key.as_bytes());
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    stream.write_all(response.as_bytes()).await?;
    relay
        .take_connection(stream, addr)
        .await
        .map_err(|err| io::Error::other(err.to_string()))
}

/// NIP-11: the information document, readable from any origin, as browsers
/// ask relays for it from the app's.
async fn information(stream: &mut TcpStream, preflight: bool) -> io::Result<()> {
    let cors = "Access-Control-Allow-Origin: *\r\nAccess-Control-Allow-Headers: Accept\r\nAccess-Control-Allow-Methods: GET, OPTIONS\r\n";
    let response = if preflight {
        format!("HTTP/1.1 204 No Content\r\n{cors}Content-Length: 0\r\nConnection: close\r\n\r\n")
    } else {
        let body = document();
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/nostr+json\r\n{cors}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

/// What the dev relay says about itself.
fn document() -> String {
    let document = RelayInformationDocument {
        name: Some("Flash dev relay".to_owned()),
        description: Some(
            "The relay `server --dev` runs in process: in memory, on this machine only.".to_owned(),
        ),
        software: Some("nostr-relay-builder".to_owned()),
        version: Some("0.44".to_owned()),
        supported_nips: Some(vec![1, 9, 11, 40, 45, 50, 70, 77]),
        ..RelayInformationDocument::default()
    };
    // Plain data: strings and numbers.
    serde_json::to_string(&document).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::websocket_key;

    #[test]
    fn only_websocket_upgrades_are_upgraded() {
        let upgrade =
            "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: WebSocket\r\nSec-WebSocket-Key: abc==\r\n\r\n";
        assert_eq!(websocket_key(upgrade).as_deref(), Some("abc=="));
        let nip11 = "GET / HTTP/1.1\r\nHost: x\r\nAccept: application/nostr+json\r\n\r\n";
        assert_eq!(websocket_key(nip11), None);
    }
}
