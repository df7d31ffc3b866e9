//! Zap requests (NIP-57, kind 9734): what a payer sends with an LNURL-pay
//! callback to have the payment announced on NOSTR. Checked as Appendix D
//! says, and bounded, since they come from anyone: the invoice's
//! description hash is then the SHA-256 of the request exactly as received,
//! and the receipt its payment earns quotes it (see [`super::zap_receipts`]).

use std::net::IpAddr;

use nostr::types::url::Host;
use nostr::{nips::nip01::Coordinate, Event, EventId, JsonUtil, Kind, PublicKey, RelayUrl};

/// The longest zap request taken, in bytes: its receipt carries it whole,
/// and relays refuse large events.
pub const MAX_BYTES: usize = 16 * 1024;
/// The most relays a request may list…
pub const MAX_LISTED_RELAYS: usize = 50;
/// …and the most its receipt is published to (the first usable ones).
pub const MAX_RELAYS: usize = 10;
/// The longest relay address taken.
pub const MAX_RELAY_LEN: usize = 200;

/// Why a zap request was refused: each says what to fix, as the payer's
/// wallet shows it.
#[derive(Debug, thiserror::Error)]
pub enum ZapRequestError {
    #[error("the zap request is over {MAX_BYTES} bytes")]
    TooLarge,
    #[error("the zap request is not a NOSTR event in JSON")]
    NotAnEvent,
    #[error("a zap request is of kind 9734")]
    Kind,
    #[error("the zap request's id or signature is not valid")]
    Signature,
    #[error("the zap request has no tags")]
    NoTags,
    #[error("a zap request names exactly one recipient (one p tag)")]
    Recipients,
    #[error("the zap request's recipient (p tag) is not this address's key")]
    WrongRecipient,
    #[error("a zap request zaps at most one event (at most one e tag, an event id)")]
    Events,
    #[error("the zap request names no relays to publish its receipt to (a relays tag)")]
    NoRelays,
    #[error(
        "a zap request names at most {MAX_LISTED_RELAYS} relays, each a ws:// or wss:// \
         address of at most {MAX_RELAY_LEN} characters"
    )]
    Relays,
    #[error("the zap request names no public relay to publish its receipt to")]
    NoPublicRelay,
    #[error("the zap request's amount tag ({tagged}) is not the amount asked for ({asked} msat)")]
    Amount { tagged: String, asked: u64 },
    #[error("the zap request's a tag is not an event coordinate")]
    Coordinate,
    #[error("a zap request has at most one P tag, its author's key")]
    Sender,
}

/// A zap request that passed the checks.
#[derive(Debug, Clone)]
pub struct ZapRequest {
    /// As received: what the invoice's description hash is the SHA-256 of.
    json: String,
    event: Event,
    /// Where its receipt goes.
    relays: Vec<RelayUrl>,
}

impl ZapRequest {
    /// Checks `json`, sent with a callback for `amount_msat` to `recipient`,
    /// as NIP-57's Appendix D says. Relays on private or loopback addresses
    /// are left out unless `private_relays` (a test network).
    pub fn check(
        json: &str,
        amount_msat: u64,
        recipient: &PublicKey,
        private_relays: bool,
    ) -> Result<Self, ZapRequestError> {
        if json.len() > MAX_BYTES {
            return Err(ZapRequestError::TooLarge);
        }
        let event = Event::from_json(json).map_err(|_| ZapRequestError::NotAnEvent)?;
        if event.kind != Kind::ZapRequest {
            return Err(ZapRequestError::Kind);
        }
        event.verify().map_err(|_| ZapRequestError::Signature)?;
        if event.tags.is_empty() {
            return Err(ZapRequestError::NoTags);
        }
        match values(&event, "p").as_slice() {
            [[p, ..]] if PublicKey::from_hex(p).is_ok_and(|p| p == *recipient) => {}
            [_] => return Err(ZapRequestError::WrongRecipient),
            _ => return Err(ZapRequestError::Recipients),
        }
        match values(&event, "e").as_slice() {
            [] => {}
            [[id, ..]] if EventId::from_hex(id).is_ok() => {}
            _ => return Err(ZapRequestError::Events),
        }
        for tagged in values(&event, "amount") {
            let tagged = tagged.first().cloned().unwrap_or_default();
            if tagged.parse::<u64>().ok() != Some(amount_msat) {
                return Err(ZapRequestError::Amount {
                    tagged,
                    asked: amount_msat,
                });
            }
        }
        for coordinate in values(&event, "a") {
            let coordinate = coordinate.first().map(String::as_str).unwrap_or_default();
            if Coordinate::from_kpi_format(coordinate).is_err() {
                return Err(ZapRequestError::Coordinate);
            }
        }
        // Appendix D's 8: a `P` must be "the zap receipt's pubkey", read as
        // the receipt's `P` (Appendix E): the request's author, the sender.
        match values(&event, "P").as_slice() {
            [] => {}
            [[sender, ..]] if PublicKey::from_hex(sender).is_ok_and(|p| p == event.pubkey) => {}
            _ => return Err(ZapRequestError::Sender),
        }
        let relays = relays(&event, private_relays)?;
        Ok(Self {
            json: json.to_owned(),
            event,
            relays,
        })
    }

    /// A request checked when its invoice was made, read back to write its
    /// receipt.
    pub(super) fn stored(json: &str, private_relays: bool) -> Result<Self, ZapRequestError> {
        let event = Event::from_json(json).map_err(|_| ZapRequestError::NotAnEvent)?;
        let relays = relays(&event, private_relays)?;
        Ok(Self {
            json: json.to_owned(),
            event,
            relays,
        })
    }

    /// The request exactly as received.
    pub fn json(&self) -> &str {
        &self.json
    }

    pub fn event(&self) -> &Event {
        &self.event
    }

    /// Who zaps.
    pub fn sender(&self) -> PublicKey {
        self.event.pubkey
    }

    /// The zapper's message (may be empty).
    pub fn comment(&self) -> &str {
        &self.event.content
    }

    pub fn relays(&self) -> &[RelayUrl] {
        &self.relays
    }
}

/// The values (what follows the name) of each of `event`'s tags named `name`.
fn values<'a>(event: &'a Event, name: &str) -> Vec<&'a [String]> {
    event
        .tags
        .iter()
        .filter_map(|tag| match tag.as_slice() {
            [first, rest @ ..] if first == name => Some(rest),
            _ => None,
        })
        .collect()
}

/// The relays the receipt goes to: the first [`MAX_RELAYS`] usable ones of
/// the request's `relays` tags.
fn relays(event: &Event, private_relays: bool) -> Result<Vec<RelayUrl>, ZapRequestError> {
    let listed: Vec<&String> = values(event, "relays").into_iter().flatten().collect();
    if listed.is_empty() {
        return Err(ZapRequestError::NoRelays);
    }
    if listed.len() > MAX_LISTED_RELAYS {
        return Err(ZapRequestError::Relays);
    }
    let mut relays = Vec::new();
    for relay in listed {
        let url = (relay.len() <= MAX_RELAY_LEN)
            .then(|| RelayUrl::parse(relay).ok())
            .flatten()
            .ok_or(ZapRequestError::Relays)?;
        if (private_relays || names_public_host(&url))
            && !relays.contains(&url)
            && relays.len() < MAX_RELAYS
        {
            relays.push(url);
        }
    }
    if relays.is_empty() {
        return Err(ZapRequestError::NoPublicRelay);
    }
    Ok(relays)
}

/// Whether `url`'s host, as written, may be on the Internet: not a name of
/// this machine nor an address of a private, loopback or link-local
/// network. (What a domain resolves to is checked as the receipt is sent.)
pub(super) fn names_public_host(url: &RelayUrl) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => {
            let domain = domain.trim_end_matches('.').to_ascii_lowercase();
            domain.contains('.') && domain != "localhost" && !domain.ends_with(".localhost")
        }
        Some(Host::Ipv4(ip)) => is_public(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => is_public(IpAddr::V6(ip)),
        None => false,
    }
}

/// Whether `ip` is an address of the Internet (the standard library's
/// `is_global` is not stable).
pub(super) fn is_public(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(ip) => {
            let [a, b, ..] = ip.octets();
            !(ip.is_private()
                || ip.is_loopback()
                || ip.is_link_local()
                || ip.is_broadcast()
                || ip.is_documentation()
                || ip.is_unspecified()
                || ip.is_multicast()
                // 0.0.0.0/8, shared address space (100.64.0.0/10), 240.0.0.0/4.
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(ip) => {
            let first = ip.segments()[0];
            !(ip.is_loopback()
                || ip.is_unspecified()
                || ip.is_multicast()
                // Unique local (fc00::/7) and link-local (fe80::/10).
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_loopback_and_local_names_are_not_public() {
        for relay in [
            "ws://127.0.0.1:7777",
            "wss://10.1.2.3",
            "wss://192.168.1.1",
            "wss://172.16.0.1",
            "wss://169.254.1.1",
            "wss://100.64.0.1",
            "wss://0.0.0.0",
            "wss://[::1]",
            "wss://[fd00::1]",
            "wss://[fe80::1]",
            "wss://[::ffff:127.0.0.1]",
            "wss://localhost",
            "wss://relay.localhost",
            "wss://intranet",
        ] {
            let url = RelayUrl::parse(relay).expect("a relay URL");
            assert!(!names_public_host(&url), "{relay}");
        }
        for relay in [
            "wss://relay.damus.io",
            "wss://1.1.1.1",
            "wss://[2606:4700::1111]",
        ] {
            let url = RelayUrl::parse(relay).expect("a relay URL");
            assert!(names_public_host(&url), "{relay}");
        }
    }
}
