//! NIP-05: `name@domain` names a public key when
//! `https://domain/.well-known/nostr.json?name=name` says so.
//!
//! Lookups go through [`crate::fetch`] (the browser's `fetch` in the
//! worker), one deadline over the whole exchange and the body capped as it
//! streams in; a redirect is refused, as NIP-05 requires. Answers are kept
//! for the session.

use std::cell::RefCell;
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use nostr::{PublicKey, RelayUrl};
use serde_json::Value;

use crate::fetch::{self, FetchError, Limits};

/// How long a domain has to answer, and the most of a `nostr.json` read
/// (some domains list every user they have).
const LIMITS: Limits = Limits {
    deadline: Duration::from_secs(8),
    max_bytes: 1 << 20,
};

/// A NIP-05 address, lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address {
    name: String,
    domain: String,
}

/// Why an address could not be checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Nip05Error {
    #[error("“{0}” is not a NOSTR address: it looks like name@example.com")]
    Malformed(String),
    #[error("{address} is not known to {domain}")]
    NotFound { address: String, domain: String },
    #[error("{domain} could not be reached to check {address}: {reason}")]
    Unreachable {
        address: String,
        domain: String,
        reason: String,
    },
    #[error("{domain} did not answer in time to check {address}")]
    TimedOut { address: String, domain: String },
    #[error("{domain} gave an answer that is not a NOSTR address list (nostr.json) for {address}")]
    BadAnswer { address: String, domain: String },
}

impl Address {
    /// `name@domain`, or `domain` alone for its root name `_`.
    pub fn parse(text: &str) -> Result<Self, Nip05Error> {
        let text = text.trim();
        let malformed = || Nip05Error::Malformed(text.to_owned());
        let (name, domain) = match text.split_once('@') {
            Some((name, domain)) => (name, domain),
            None => ("_", text),
        };
        let name = name.to_lowercase();
        let domain = domain.to_lowercase();
        // NIP-05 allows a-z0-9-_. in the name.
        let name_ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        let (host, port) = match domain.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (domain.as_str(), None),
        };
        let host_ok = !host.is_empty()
            && host.len() <= 253
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'))
            && !host.starts_with(['.', '-'])
            && !host.ends_with('.')
            && (host.contains('.') || host == "localhost");
        let port_ok = port.is_none_or(|port| port.parse::<u16>().is_ok());
        if !(name_ok && host_ok && port_ok) {
            return Err(malformed());
        }
        Ok(Self { name, domain })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// Where the domain says who its names are.
    ///
    /// Plain `http://` only for the machine itself (`localhost`, loopback
    /// addresses, with or without a port): tests serve `nostr.json` from a
    /// server in the test process, which has no certificate, and nothing
    /// that leaves the machine can be read or changed on the way. Every
    /// other domain is asked over HTTPS, as NIP-05 says.
    pub fn url(&self) -> String {
        let scheme = if self.is_loopback() { "http" } else { "https" };
        format!(
            "{scheme}://{}/.well-known/nostr.json?name={}",
            self.domain, self.name
        )
    }

    fn is_loopback(&self) -> bool {
        let host = match self.domain.rsplit_once(':') {
            Some((host, _)) => host,
            None => &self.domain,
        };
        host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    /// As people write it: `domain` alone for `_@domain`.
    pub fn shown(&self) -> String {
        match self.name.as_str() {
            "_" => self.domain.clone(),
            name => format!("{name}@{}", self.domain),
        }
    }

    fn not_found(&self) -> Nip05Error {
        Nip05Error::NotFound {
            address: self.shown(),
            domain: self.domain.clone(),
        }
    }

    fn bad_answer(&self) -> Nip05Error {
        Nip05Error::BadAnswer {
            address: self.shown(),
            domain: self.domain.clone(),
        }
    }
}

/// What a domain says an address is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub public_key: PublicKey,
    /// Where the domain says that key publishes (optional in NIP-05).
    pub relays: Vec<RelayUrl>,
}

/// This session's NIP-05 answers. Only definite answers are kept: a domain
/// that could not be reached is asked again next time.
#[derive(Default)]
pub struct Nip05Cache {
    known: RefCell<HashMap<Address, Result<Resolved, Nip05Error>>>,
}

impl Nip05Cache {
    /// The key `address` names, asking its domain unless already known.
    pub async fn resolve(&self, address: &Address) -> Result<Resolved, Nip05Error> {
        if let Some(known) = self.known.borrow().get(address) {
            return known.clone();
        }
        let answer = lookup(address).await;
        let definite = !matches!(
            answer,
            Err(Nip05Error::Unreachable { .. } | Nip05Error::TimedOut { .. })
        );
        if definite {
            self.known
                .borrow_mut()
                .insert(address.clone(), answer.clone());
        }
        answer
    }

    /// What is already known about `address`, without asking.
    pub fn known(&self, address: &Address) -> Option<Result<Resolved, Nip05Error>> {
        self.known.borrow().get(address).cloned()
    }
}

async fn lookup(address: &Address) -> Result<Resolved, Nip05Error> {
    lookup_within(address, LIMITS).await
}

/// [`lookup`] within `limits`.
pub async fn lookup_within(address: &Address, limits: Limits) -> Result<Resolved, Nip05Error> {
    let unreachable = |reason: String| Nip05Error::Unreachable {
        address: address.shown(),
        domain: address.domain.clone(),
        reason,
    };
    let client = fetch::client().map_err(|error| unreachable(error.to_string()))?;
    let answer = match fetch::get(&client, &address.url(), &[], limits).await {
        Ok(answer) => answer,
        Err(FetchError::TimedOut(_)) => {
            return Err(Nip05Error::TimedOut {
                address: address.shown(),
                domain: address.domain.clone(),
            })
        }
        Err(FetchError::TooLarge(_)) => return Err(address.bad_answer()),
        Err(FetchError::Redirected) => {
            return Err(unreachable(
                "it answered with a redirect, which NIP-05 ignores".to_owned(),
            ))
        }
        Err(FetchError::Network(error)) => return Err(unreachable(network_reason(&error))),
    };
    match answer.status {
        200..=299 => {}
        404 => return Err(address.not_found()),
        status => return Err(unreachable(format!("it answered HTTP {status}"))),
    }
    let body = String::from_utf8(answer.body).map_err(|_| address.bad_answer())?;
    read(address, &body)
}

/// Why a request failed, in a few words: the browser's own message comes
/// with a stack trace, and "Failed to fetch" is all it will say (CORS
/// refusals included, by design).
fn network_reason(error: &str) -> String {
    if error.contains("Failed to fetch") || error.contains("NetworkError") {
        return "the browser could not fetch its nostr.json (offline, or the domain does not let web apps read it)".to_owned();
    }
    let first_line = error.lines().next().unwrap_or(error);
    super::metadata::clip(first_line, 120)
}

/// The key and relays `nostr.json` lists for `address`.
pub fn read(address: &Address, body: &str) -> Result<Resolved, Nip05Error> {
    let json: Value = serde_json::from_str(body).map_err(|_| address.bad_answer())?;
    let names = json
        .get("names")
        .and_then(Value::as_object)
        .ok_or_else(|| address.bad_answer())?;
    // Names are matched case-insensitively, as many domains list them as
    // users typed them.
    let key = names
        .iter()
        .find(|(name, _)| name.to_lowercase() == address.name)
        .map(|(_, key)| key)
        .ok_or_else(|| address.not_found())?;
    let public_key = key
        .as_str()
        .and_then(|hex| PublicKey::from_hex(hex).ok())
        .ok_or_else(|| address.bad_answer())?;
    let relays = json
        .get("relays")
        .and_then(|relays| relays.get(public_key.to_hex()))
        .and_then(Value::as_array)
        .map(|urls| {
            urls.iter()
                .filter_map(|url| RelayUrl::parse(url.as_str()?).ok())
                .take(5)
                .collect()
        })
        .unwrap_or_default();
    Ok(Resolved { public_key, relays })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_and_point_to_https_except_on_this_machine() {
        let address = Address::parse("Bob@Example.com").unwrap();
        assert_eq!(address.shown(), "bob@example.com");
        assert_eq!(
            address.url(),
            "https://example.com/.well-known/nostr.json?name=bob"
        );
        let root = Address::parse("example.com").unwrap();
        assert_eq!(root.name(), "_");
        assert_eq!(root.shown(), "example.com");
        let local = Address::parse("al@127.0.0.1:8080").unwrap();
        assert_eq!(
            local.url(),
            "http://127.0.0.1:8080/.well-known/nostr.json?name=al"
        );
        assert!(Address::parse("localhost:3000")
            .unwrap()
            .url()
            .starts_with("http://"));
        for bad in [
            "",
            "a b@x.com",
            "a@b@c.com",
            "al@",
            "al@nodot",
            "al@x.com:99999",
            "@x.com",
        ] {
            assert!(Address::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn nostr_json_is_read() {
        let key = "b0635d6a9851d3aed0cd6c495b282167acf761729078d975fc341b22650b07b9";
        let address = Address::parse("Bob@example.com").unwrap();
        let body = format!(
            r#"{{"names":{{"BOB":"{key}"}},"relays":{{"{key}":["wss://r.example.com"]}}}}"#
        );
        let resolved = read(&address, &body).unwrap();
        assert_eq!(resolved.public_key.to_hex(), key);
        assert_eq!(resolved.relays.len(), 1);
        assert_eq!(read(&address, r#"{"names":{}}"#), Err(address.not_found()));
        assert_eq!(read(&address, "<html>"), Err(address.bad_answer()));
    }
}
