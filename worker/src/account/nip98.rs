//! NIP-98 HTTP auth: each request carries a kind 27235 event naming its
//! absolute URL, its method and its body's SHA-256, signed by the user.
//!
//! Two requests alike within one second would be the same event, and the
//! server accepts an event once (its replay record): each carries a random
//! `nonce` tag, so retries are new events.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use nostr::hashes::{sha256::Hash as Sha256Hash, Hash};
use nostr::nips::nip98::{HttpData, HttpMethod};
use nostr::{EventBuilder, JsonUtil, NostrSigner, Tag, TagKind, Url};

use super::AccountError;

/// The `Authorization` header for `method` on `url` with `body`.
pub async fn authorization(
    signer: &dyn NostrSigner,
    url: &Url,
    method: HttpMethod,
    body: Option<&[u8]>,
) -> Result<String, AccountError> {
    let mut data = HttpData::new(url.clone(), method);
    if let Some(body) = body {
        data = data.payload(Sha256Hash::hash(body));
    }
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce).map_err(|error| AccountError::Signer(error.to_string()))?;
    let nonce: String = nonce.iter().map(|byte| format!("{byte:02x}")).collect();
    let unsigned = EventBuilder::http_auth(data)
        .tag(Tag::custom(TagKind::custom("nonce"), [nonce]))
        .build(
            signer
                .get_public_key()
                .await
                .map_err(|error| AccountError::Signer(error.to_string()))?,
        );
    let event = signer
        .sign_event(unsigned)
        .await
        .map_err(|error| AccountError::Signer(error.to_string()))?;
    Ok(format!("Nostr {}", STANDARD.encode(event.as_json())))
}
