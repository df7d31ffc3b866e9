//! What a relay says about itself: its NIP-11 information document, fetched
//! over HTTP(S) from the relay's own address.

use std::time::Duration;

use nostr::nips::nip11::RelayInformationDocument;
use nostr::RelayUrl;

use crate::fetch::{self, Limits};
use crate::protocol::RelayInfo;

/// How long a relay has to answer, and the most of its document read (a
/// real one is a few KiB).
const LIMITS: Limits = Limits {
    deadline: Duration::from_secs(8),
    max_bytes: 64 * 1024,
};

/// Asks the relay at `url` for its information document.
pub async fn fetch(url: &RelayUrl) -> Result<RelayInfo, String> {
    fetch_within(url, LIMITS).await
}

/// [`fetch`] within `limits`.
pub async fn fetch_within(url: &RelayUrl, limits: Limits) -> Result<RelayInfo, String> {
    let not_answered = |error: fetch::FetchError| format!("the relay did not answer: {error}");
    let client = fetch::client().map_err(not_answered)?;
    let answer = fetch::get(
        &client,
        &document_address(url),
        &[("Accept", "application/nostr+json")],
        limits,
    )
    .await
    .map_err(not_answered)?;
    if !(200..300).contains(&answer.status) {
        return Err(format!(
            "the relay has no information document (HTTP {})",
            answer.status
        ));
    }
    let document: RelayInformationDocument = serde_json::from_slice(&answer.body)
        .map_err(|error| format!("the relay's information document is not valid: {error}"))?;
    Ok(relay_info(document))
}

/// The document's address: the relay's, with `http(s)` for `ws(s)`.
fn document_address(url: &RelayUrl) -> String {
    let address = url.as_str();
    match address.strip_prefix("ws") {
        Some(rest) => format!("http{rest}"),
        None => address.to_owned(),
    }
}

fn relay_info(document: RelayInformationDocument) -> RelayInfo {
    let limitation = document.limitation.unwrap_or_default();
    let mut supported_nips = document.supported_nips.unwrap_or_default();
    supported_nips.sort_unstable();
    supported_nips.dedup();
    RelayInfo {
        name: document.name,
        description: document.description,
        contact: document.contact,
        software: document.software,
        version: document.version,
        supported_nips,
        auth_required: limitation.auth_required.unwrap_or(false),
        payment_required: limitation.payment_required.unwrap_or(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_at_the_relays_address_over_http() {
        let at = |url: &str| document_address(&RelayUrl::parse(url).expect("a relay"));
        assert_eq!(at("wss://relay.example.com"), "https://relay.example.com");
        assert_eq!(at("ws://127.0.0.1:7000"), "http://127.0.0.1:7000");
        assert_eq!(
            at("wss://relay.example.com/path"),
            "https://relay.example.com/path"
        );
    }
}
