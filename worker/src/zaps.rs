//! Zaps (NIP-57) from the payer's side: the zap request (kind 9734,
//! Appendix A) the user signs and sends with an LNURL-pay callback, so the
//! payee's server announces the payment with a receipt on the relays the
//! request names. The invoice then commits to that request, exactly as
//! sent, instead of the payee's metadata (see [`crate::lnurl::invoice`]).

use nostr::nips::nip57::ZapRequestData;
use nostr::{EventBuilder, EventId, JsonUtil, NostrSigner, PublicKey, RelayUrl};

use crate::protocol::Zap;

/// The most relays a request names: its receipt goes to each, and the
/// request rides in the callback's URL.
pub const MAX_RELAYS: usize = 10;

/// Why a zap could not be asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZapError {
    #[error("this payee's server does not take zaps: pay without one")]
    NotTaken,
    #[error("the person zapped is not a NOSTR key ({0})")]
    Recipient(String),
    #[error("the event zapped is not an event id ({0})")]
    Event(String),
    #[error("a zap names the relays its receipt goes to, and you have none")]
    NoRelays,
    #[error("the zap request could not be signed: {0}")]
    Signer(String),
}

impl ZapError {
    /// What the app branches on.
    pub fn code(&self) -> &'static str {
        match self {
            ZapError::NotTaken => "zaps_not_taken",
            ZapError::Recipient(_) | ZapError::Event(_) => "not_a_zap",
            ZapError::NoRelays => "zap_without_relays",
            ZapError::Signer(_) => "zap_unsigned",
        }
    }
}

/// What a zap request says besides who signs it.
pub struct Asked<'a> {
    pub zap: &'a Zap,
    /// The relays its receipt goes to; the first [`MAX_RELAYS`] are named.
    pub relays: Vec<RelayUrl>,
    pub msat: u64,
    /// The payee's LNURL (bech32), when known.
    pub lnurl: Option<String>,
    pub message: &'a str,
}

/// The zap request for `asked`, signed by `signer`, as JSON: what the
/// callback is sent and the invoice's description hash commits to.
pub async fn request(signer: &dyn NostrSigner, asked: Asked<'_>) -> Result<String, ZapError> {
    let recipient = PublicKey::parse(asked.zap.recipient.trim())
        .map_err(|error| ZapError::Recipient(error.to_string()))?;
    let event = asked
        .zap
        .event
        .as_deref()
        .map(|event| EventId::parse(event.trim()))
        .transpose()
        .map_err(|error| ZapError::Event(error.to_string()))?;
    if asked.relays.is_empty() {
        return Err(ZapError::NoRelays);
    }
    let mut data = ZapRequestData::new(recipient, asked.relays.into_iter().take(MAX_RELAYS))
        .amount(asked.msat)
        .message(asked.message);
    if let Some(lnurl) = asked.lnurl {
        data = data.lnurl(lnurl);
    }
    if let Some(event) = event {
        data = data.event_id(event);
    }
    let author = signer
        .get_public_key()
        .await
        .map_err(|error| ZapError::Signer(error.to_string()))?;
    let signed = signer
        .sign_event(EventBuilder::public_zap_request(data).build(author))
        .await
        .map_err(|error| ZapError::Signer(error.to_string()))?;
    Ok(signed.as_json())
}
