//! What a relay says about itself: its NIP-11 information document, fetched
//! over HTTP(S) from the relay's own address.

use cdk_http_client::HttpClient;
use nostr::nips::nip11::RelayInformationDocument;
use nostr::RelayUrl;

use crate::protocol::RelayInfo;

/// Asks the relay at `url` for its information document.
pub async fn fetch(url: &RelayUrl) -> Result<RelayInfo, String> {
    let address = document_address(url);
    let raw = HttpClient::new()
        .get(&address)
        .header("Accept", "application/nostr+json")
        .send()
        .await
        .map_err(|error| format!("the relay did not answer: {error}"))?;
    if !raw.is_success() {
        return Err(format!(
            "the relay has no information document (HTTP {})",
            raw.status()
        ));
    }
    let body = raw
        .bytes()
        .await
        .map_err(|error| format!("the relay's answer could not be read: {error}"))?;
    let document: RelayInformationDocument = serde_json::from_slice(&body)
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
