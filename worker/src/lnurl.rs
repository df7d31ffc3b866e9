//! Paying someone who gave a Lightning address (LUD-16: `name@domain`) or
//! an LNURL-pay code (LUD-01's bech32 `lnurl1…`, or LUD-17's `lnurlp://`)
//! instead of an invoice: LUD-06's two steps, from the payer's side.
//!
//! The first answer says what may be paid ([`Offer`]: the payee's
//! description, the amounts taken, how long a comment may be); the second,
//! for the amount the user chose, is an invoice, which is paid as any other
//! from the account or a mint. That invoice is checked before anything is
//! paid: for the amount asked, on this wallet's chain, and committing (its
//! description hash) to the metadata the user was shown, so a server cannot
//! show one payee and bill for another. A zap (NIP-57) commits instead to
//! the zap request sent with the callback (see [`crate::zaps`]).
//!
//! Both answers come from a server the user named, so they are fetched
//! within [`fetch`]'s deadline and byte cap and read strictly.

use std::time::Duration;

use bitcoin::bech32;
use bitcoin::hashes::{sha256, Hash};
use cdk::lightning_invoice::{Bolt11InvoiceDescriptionRef, Currency};
use cdk::Bolt11Invoice;
use nostr::PublicKey;
use serde::Deserialize;
use url::Url;

use crate::fetch::{self, FetchError, Limits};
use crate::invoice::{self, InvoiceError};
use crate::protocol::PayeeOffer;
use crate::zaps::ZapError;

/// Each step's limits: a pay request is a few hundred bytes (an image in
/// its metadata, a few dozen KiB); an invoice less.
const LIMITS: Limits = Limits {
    deadline: Duration::from_secs(15),
    max_bytes: 128 * 1024,
};

/// The longest comment sent, whatever a server allows (LUD-12 leaves it to
/// the server; the callback's URL must stay a URL browsers send).
const COMMENT_MAX: usize = 2_000;

/// Why a payee cannot be paid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LnurlError {
    #[error("this is not a Lightning address or LNURL ({0})")]
    NotAPayee(String),
    #[error("{host} could not be reached: {reason}")]
    Unreachable { host: String, reason: String },
    #[error("{host} refused: {reason}")]
    Refused { host: String, reason: String },
    #[error("{host} answered something that is not an LNURL payment ({reason})")]
    BadAnswer { host: String, reason: String },
    #[error("the amount must be between {min} and {max} sat for this payee")]
    AmountOutOfBounds { min: u64, max: u64 },
    #[error("this payee takes comments of at most {0} characters")]
    CommentTooLong(usize),
    #[error("the invoice {host} gave does not match what was asked ({reason}): nothing was paid")]
    InvoiceMismatch { host: String, reason: String },
    #[error(transparent)]
    Invoice(#[from] InvoiceError),
    #[error(transparent)]
    Zap(#[from] ZapError),
}

impl LnurlError {
    /// What the app branches on.
    pub fn code(&self) -> &'static str {
        match self {
            LnurlError::NotAPayee(_) => "not_a_payee",
            LnurlError::Unreachable { .. } => "unreachable",
            LnurlError::Refused { .. } => "refused",
            LnurlError::BadAnswer { .. } => "bad_answer",
            LnurlError::AmountOutOfBounds { .. } => "amount_out_of_bounds",
            LnurlError::CommentTooLong(_) => "comment_too_long",
            LnurlError::InvoiceMismatch { .. } => "invoice_mismatch",
            LnurlError::Invoice(_) => "invoice_invalid",
            LnurlError::Zap(error) => error.code(),
        }
    }
}

/// LUD-06's first answer, as sent.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PayRequest {
    tag: String,
    callback: String,
    min_sendable: u64,
    max_sendable: u64,
    metadata: String,
    #[serde(default)]
    comment_allowed: usize,
    /// NIP-57: whether the server announces payments as zaps, signing
    /// the receipts with `nostr_pubkey`.
    #[serde(default)]
    allows_nostr: bool,
    #[serde(default)]
    nostr_pubkey: Option<String>,
}

/// LUD-06's second answer, or its error.
#[derive(Debug, Deserialize)]
struct Callback {
    pr: Option<String>,
}

/// The first step's URL for `text`: a Lightning address, a bech32 LNURL
/// (behind `lightning:` or not), or an `lnurlp://` URL.
pub fn read(text: &str) -> Result<Url, LnurlError> {
    let text = text.trim();
    let text = invoice::strip_prefix_ignore_case(text, "lightning:").unwrap_or(text);
    if let Some((user, domain)) = text.split_once('@') {
        return address_url(user, domain);
    }
    if let Some(rest) = invoice::strip_prefix_ignore_case(text, "lnurlp://") {
        // LUD-17: the scheme stands for https (http for a .onion host).
        let onion = rest
            .split(['/', '?'])
            .next()
            .is_some_and(|host| host.ends_with(".onion"));
        let scheme = if onion { "http" } else { "https" };
        return checked_url(&format!("{scheme}://{rest}"));
    }
    let (hrp, data) =
        bech32::decode(text).map_err(|error| LnurlError::NotAPayee(error.to_string()))?;
    if !hrp.as_str().eq_ignore_ascii_case("lnurl") {
        return Err(LnurlError::NotAPayee(format!(
            "a bech32 code for \"{hrp}\", not an LNURL"
        )));
    }
    let url = String::from_utf8(data)
        .map_err(|_| LnurlError::NotAPayee("the LNURL holds no text".to_owned()))?;
    checked_url(&url)
}

/// LUD-16's URL for `user@domain`.
fn address_url(user: &str, domain: &str) -> Result<Url, LnurlError> {
    let valid_user = !user.is_empty()
        && user.len() <= 64
        && user
            .bytes()
            .all(|byte| matches!(byte, b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.'));
    if !valid_user {
        return Err(LnurlError::NotAPayee(
            "the name before @ may have only a-z, 0-9, -, _ and .".to_owned(),
        ));
    }
    let scheme = if is_loopback(domain) { "http" } else { "https" };
    let url = checked_url(&format!("{scheme}://{domain}/.well-known/lnurlp/{user}"))?;
    // A domain with a path or query in it is not one.
    if url.path() != format!("/.well-known/lnurlp/{user}") || url.query().is_some() {
        return Err(LnurlError::NotAPayee(format!("{domain} is not a domain")));
    }
    Ok(url)
}

/// `url` if the wallet may fetch it: https, or http to this machine (a dev
/// server) or to a .onion host.
fn checked_url(url: &str) -> Result<Url, LnurlError> {
    let url = Url::parse(url).map_err(|error| LnurlError::NotAPayee(error.to_string()))?;
    let host = url.host_str().unwrap_or_default();
    let allowed = match url.scheme() {
        "https" => !host.is_empty(),
        "http" => is_loopback(host) || host.ends_with(".onion"),
        _ => false,
    };
    if !allowed || !url.username().is_empty() || url.password().is_some() {
        return Err(LnurlError::NotAPayee(format!(
            "{url} is not an https address"
        )));
    }
    Ok(url)
}

/// Whether `host` (perhaps with a port) is this machine.
fn is_loopback(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default(),
    };
    matches!(name, "localhost" | "127.0.0.1" | "::1")
}

/// What the payee at `url` takes, as the user reads it.
pub async fn offer(
    client: &reqwest::Client,
    url: &Url,
    payee: &str,
) -> Result<PayeeOffer, LnurlError> {
    let host = url.host_str().unwrap_or_default().to_owned();
    let request: PayRequest = fetch_json(client, url, &host).await?;
    let bad = |reason: &str| LnurlError::BadAnswer {
        host: host.clone(),
        reason: reason.to_owned(),
    };
    if request.tag != "payRequest" {
        return Err(bad("its tag is not payRequest"));
    }
    let callback = checked_url(&request.callback).map_err(|_| bad("its callback is not https"))?;
    // Whole sat: the wallets pay in sat.
    let min = request.min_sendable.div_ceil(1000).max(1);
    let max = request.max_sendable / 1000;
    if min > max {
        return Err(bad("it takes no amount in whole sat"));
    }
    let described =
        metadata_text(&request.metadata).ok_or_else(|| bad("its metadata is not LUD-06's"))?;
    // A server that takes zaps without naming its key could not be told
    // from a forger by its receipts: it is paid without zaps.
    let nostr_pubkey = request
        .nostr_pubkey
        .filter(|_| request.allows_nostr)
        .and_then(|key| PublicKey::from_hex(&key).ok())
        .map(|key| key.to_hex());
    Ok(PayeeOffer {
        payee: payee.trim().to_owned(),
        host,
        description: described.description,
        identifier: described.identifier,
        min,
        max,
        comment_allowed: request.comment_allowed.min(COMMENT_MAX),
        callback: callback.to_string(),
        metadata: request.metadata,
        allows_nostr: nostr_pubkey.is_some(),
        nostr_pubkey,
    })
}

/// What the metadata says of the payee.
struct Described {
    description: String,
    identifier: Option<String>,
}

/// LUD-06's metadata: a JSON array of `[type, content]` pairs, of which
/// `text/plain` is required; LUD-16's `text/identifier` or `text/email`
/// names the address.
fn metadata_text(metadata: &str) -> Option<Described> {
    let pairs: Vec<serde_json::Value> = serde_json::from_str(metadata).ok()?;
    let mut description = None;
    let mut identifier = None;
    for pair in &pairs {
        let (Some(kind), Some(content)) = (pair.get(0)?.as_str(), pair.get(1)) else {
            continue;
        };
        match (kind, content.as_str()) {
            ("text/plain", Some(text)) => description = Some(text.to_owned()),
            ("text/identifier" | "text/email", Some(text)) => identifier = Some(text.to_owned()),
            _ => {}
        }
    }
    Some(Described {
        description: description?,
        identifier,
    })
}

/// Whether `offer` takes `amount` sat with `comment`: checked before the
/// server, or a signer for a zap, is asked.
pub fn check(offer: &PayeeOffer, amount: u64, comment: &str) -> Result<(), LnurlError> {
    if amount < offer.min || amount > offer.max {
        return Err(LnurlError::AmountOutOfBounds {
            min: offer.min,
            max: offer.max,
        });
    }
    if comment.trim().chars().count() > offer.comment_allowed {
        return Err(LnurlError::CommentTooLong(offer.comment_allowed));
    }
    Ok(())
}

/// The payee's LNURL as NIP-57's `lnurl` tag names it: `url` in bech32.
pub fn bech32(url: &Url) -> Option<String> {
    let hrp = bech32::Hrp::parse("lnurl").ok()?;
    bech32::encode::<bech32::Bech32>(hrp, url.as_str().as_bytes()).ok()
}

/// The invoice for `amount` sat (and `comment`) from `offer`'s callback,
/// checked against the offer before it is paid. With `zap_request` (a
/// signed zap request's JSON, its message the comment), the request is
/// sent instead of the comment, and the invoice must commit to it.
pub async fn invoice(
    client: &reqwest::Client,
    offer: &PayeeOffer,
    amount: u64,
    comment: &str,
    zap_request: Option<&str>,
    network: &Currency,
) -> Result<Bolt11Invoice, LnurlError> {
    check(offer, amount, comment)?;
    let comment = comment.trim();
    let mut url = checked_url(&offer.callback)?;
    let msat = amount.saturating_mul(1000);
    url.query_pairs_mut()
        .append_pair("amount", &msat.to_string());
    match zap_request {
        Some(zap_request) => {
            url.query_pairs_mut().append_pair("nostr", zap_request);
        }
        None if !comment.is_empty() => {
            url.query_pairs_mut().append_pair("comment", comment);
        }
        None => {}
    }
    let host = url.host_str().unwrap_or_default().to_owned();
    let answer: Callback = fetch_json(client, &url, &host).await?;
    let mismatch = |reason: &str| LnurlError::InvoiceMismatch {
        host: host.clone(),
        reason: reason.to_owned(),
    };
    // An ERROR is a refusal already (`fetch_json`).
    let Some(pr) = answer.pr else {
        return Err(mismatch("no invoice in the answer"));
    };
    let invoice = invoice::read(&pr, network)?;
    if invoice.amount_milli_satoshis() != Some(msat) {
        return Err(mismatch("another amount"));
    }
    let committed = match invoice.description() {
        Bolt11InvoiceDescriptionRef::Hash(hash) => hash.0,
        Bolt11InvoiceDescriptionRef::Direct(_) => {
            return Err(mismatch("it does not commit to the payee's metadata"))
        }
    };
    let described = zap_request.unwrap_or(&offer.metadata);
    if committed != sha256::Hash::hash(described.as_bytes()) {
        return Err(mismatch("it is for another description"));
    }
    Ok(invoice)
}

/// `url`'s JSON answer as `T`; LUD-06's error object is a refusal.
async fn fetch_json<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    url: &Url,
    host: &str,
) -> Result<T, LnurlError> {
    let answer = fetch::get(
        client,
        url.as_str(),
        &[("accept", "application/json")],
        LIMITS,
    )
    .await
    .map_err(|error: FetchError| LnurlError::Unreachable {
        host: host.to_owned(),
        reason: error.to_string(),
    })?;
    let value: serde_json::Value =
        serde_json::from_slice(&answer.body).map_err(|_| LnurlError::BadAnswer {
            host: host.to_owned(),
            reason: format!("not JSON (HTTP {})", answer.status),
        })?;
    if value.get("status").and_then(|status| status.as_str()) == Some("ERROR")
        && value.get("pr").is_none()
    {
        let reason = value
            .get("reason")
            .and_then(|reason| reason.as_str())
            .unwrap_or("no reason given");
        return Err(LnurlError::Refused {
            host: host.to_owned(),
            reason: reason.chars().take(300).collect(),
        });
    }
    serde_json::from_value(value).map_err(|error| LnurlError::BadAnswer {
        host: host.to_owned(),
        reason: error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_addresses_bech32_codes_and_lud17_urls() {
        let address = read("alice@example.com").expect("an address");
        assert_eq!(
            address.as_str(),
            "https://example.com/.well-known/lnurlp/alice"
        );
        let dev = read("lightning:bob@127.0.0.1:8080").expect("a dev address");
        assert_eq!(dev.as_str(), "http://127.0.0.1:8080/.well-known/lnurlp/bob");
        // As LUD-01 writes one: upper case, for a QR code's alphanumeric mode.
        let hrp = bech32::Hrp::parse("lnurl").expect("an hrp");
        let code = bech32::encode::<bech32::Bech32>(hrp, b"https://service.com/api?q=3fc3")
            .expect("encoded")
            .to_uppercase();
        let url = read(&format!("lightning:{code}")).expect("an LNURL");
        assert_eq!(url.as_str(), "https://service.com/api?q=3fc3");
        let lud17 = read("lnurlp://example.com/pay?x=1").expect("an lnurlp URL");
        assert_eq!(lud17.as_str(), "https://example.com/pay?x=1");
    }

    #[test]
    fn refuses_what_no_wallet_should_fetch() {
        for text in [
            "Alice@example.com",
            "alice@",
            "alice@example.com/evil",
            "alice@example.com?x=1",
            "@example.com",
            "lnurlp://",
            "http://example.com/pay",
            "lnbc1",
            "alice@user:pass@example.com",
        ] {
            assert!(
                matches!(read(text), Err(LnurlError::NotAPayee(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn reads_the_description_and_identifier_of_the_metadata() {
        let described = metadata_text(
            r#"[["text/plain","Pay Alice"],["text/identifier","alice@example.com"],["image/png;base64","AAAA"]]"#,
        )
        .expect("LUD-06 metadata");
        assert_eq!(described.description, "Pay Alice");
        assert_eq!(described.identifier.as_deref(), Some("alice@example.com"));
        assert!(metadata_text(r#"[["text/identifier","alice@example.com"]]"#).is_none());
        assert!(metadata_text("not json").is_none());
    }
}
