//! Rate limits on `/api`: per client address (before anything else is
//! done for the request), and per account (once its NIP-98 signature is
//! verified). A request over a limit is refused with 429 and `Retry-After`,
//! without touching the database; other clients are not slowed.
//!
//! Memory stays bounded: an address is tracked by its IPv4 address or its
//! IPv6 /64 (what one subscriber holds); once [`SWEEP_AT`] clients are
//! tracked, idle entries are dropped (at most every [`SWEEP_EVERY`]); past
//! [`MAX_TRACKED`] entries new clients share one entry until a sweep frees
//! room.

use std::{
    net::{IpAddr, Ipv6Addr, SocketAddr},
    num::NonZeroU32,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::HeaderMap,
    middleware::Next,
    response::{IntoResponse, Response},
    Extension,
};
use governor::{clock::Clock, DefaultKeyedRateLimiter, Quota};

use crate::{api::ApiError, auth::Signer};

/// The largest request body `/api` accepts: 64 KiB. Its bodies are small
/// JSON (the largest, a payment, is a BOLT11 invoice, which fits in a QR
/// code's 4 KB, and an idempotency key), so this leaves room for every one,
/// a signed NOSTR event at the size relays commonly accept included, and
/// keeps what one request can make the server buffer far below memory's
/// concern.
pub const MAX_BODY: usize = 64 * 1024;

/// How many tracked clients make a sweep of idle ones worth it.
const SWEEP_AT: usize = 10_000;
/// The least time between two sweeps.
const SWEEP_EVERY: Duration = Duration::from_secs(1);
/// The most clients tracked apart, per limit.
const MAX_TRACKED: usize = 100_000;

/// How many requests a client may make: `burst` at once, then `per_second`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub burst: u32,
    pub per_second: u32,
}

/// `BURST/PER_SECOND`, e.g. `40/10`.
impl std::str::FromStr for Rate {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parsed = text.split_once('/').and_then(|(burst, per_second)| {
            Some(Self {
                burst: burst.trim().parse().ok().filter(|burst| *burst > 0)?,
                per_second: per_second.trim().parse().ok().filter(|rate| *rate > 0)?,
            })
        });
        parsed.ok_or_else(|| format!("{text:?} is not BURST/PER_SECOND, e.g. 40/10"))
    }
}

impl<'de> serde::Deserialize<'de> for Rate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl Rate {
    fn quota(self) -> Quota {
        let per_second = NonZeroU32::new(self.per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(self.burst).unwrap_or(NonZeroU32::MIN);
        Quota::per_second(per_second).allow_burst(burst)
    }
}

/// What the operator allows each client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateConfig {
    pub per_address: Rate,
    pub per_account: Rate,
    /// The server is behind a reverse proxy that appends the client's
    /// address to `X-Forwarded-For`: limit by that, not by the proxy's.
    pub behind_proxy: bool,
}

impl Default for RateConfig {
    fn default() -> Self {
        Self {
            // Generous: many users may share one address (a NAT, a campus).
            per_address: Rate {
                burst: 120,
                per_second: 40,
            },
            // A wallet's app makes a few requests per screen.
            per_account: Rate {
                burst: 40,
                per_second: 10,
            },
            behind_proxy: false,
        }
    }
}

/// Who a limit counts a request against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Client {
    Address(IpAddr),
    /// Everyone new while the table is full.
    Overflow,
}

/// The limits; cheap to clone.
#[derive(Clone)]
pub struct RateLimits {
    by_address: Arc<DefaultKeyedRateLimiter<Client>>,
    by_account: Arc<DefaultKeyedRateLimiter<String>>,
    behind_proxy: bool,
    last_sweep: Arc<Mutex<Instant>>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits")
            .field("addresses", &self.by_address.len())
            .field("accounts", &self.by_account.len())
            .finish_non_exhaustive()
    }
}

impl RateLimits {
    pub fn new(config: RateConfig) -> Self {
        Self {
            by_address: Arc::new(DefaultKeyedRateLimiter::keyed(config.per_address.quota())),
            by_account: Arc::new(DefaultKeyedRateLimiter::keyed(config.per_account.quota())),
            behind_proxy: config.behind_proxy,
            last_sweep: Arc::new(Mutex::new(Instant::now())),
        }
    }

    /// Drops idle clients when many are tracked, by one request at a time.
    fn sweep_if_due(&self) {
        if self.by_address.len() + self.by_account.len() < SWEEP_AT {
            return;
        }
        let Ok(mut last_sweep) = self.last_sweep.try_lock() else {
            return;
        };
        if last_sweep.elapsed() < SWEEP_EVERY {
            return;
        }
        *last_sweep = Instant::now();
        self.by_address.retain_recent();
        self.by_address.shrink_to_fit();
        self.by_account.retain_recent();
        self.by_account.shrink_to_fit();
    }

    /// Middleware for every `/api` request: the client address's limit.
    pub async fn per_address(State(limits): State<Self>, request: Request, next: Next) -> Response {
        limits.sweep_if_due();
        // Absent when the router is called without a socket (in tests).
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0);
        let address = limits.client_address(request.headers(), peer);
        let client = match address {
            // Only a router called in process, with no socket, knows no
            // address: there is no client to limit.
            None => return next.run(request).await,
            Some(address) if limits.by_address.len() < MAX_TRACKED => {
                Client::Address(subscriber(address))
            }
            Some(_) => Client::Overflow,
        };
        match limits.by_address.check_key(&client) {
            Ok(()) => next.run(request).await,
            Err(not_until) => too_many(not_until.wait_time_from(limits.by_address.clock().now())),
        }
    }

    /// Middleware behind NIP-98: the signed-in account's limit.
    pub async fn per_account(
        State(limits): State<Self>,
        Extension(Signer(pubkey)): Extension<Signer>,
        request: Request,
        next: Next,
    ) -> Response {
        let account = if limits.by_account.len() < MAX_TRACKED {
            pubkey.to_hex()
        } else {
            String::new()
        };
        match limits.by_account.check_key(&account) {
            Ok(()) => next.run(request).await,
            Err(not_until) => too_many(not_until.wait_time_from(limits.by_account.clock().now())),
        }
    }

    fn client_address(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> Option<IpAddr> {
        if self.behind_proxy {
            // The last entry is the one our proxy appended; earlier ones are
            // whatever the client claimed.
            let forwarded = headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(','))
                .last()
                .and_then(|last| last.trim().parse().ok());
            if forwarded.is_some() {
                return forwarded;
            }
        }
        peer.map(|peer| peer.ip())
    }
}

/// The address as one subscriber holds it: IPv4 whole, IPv6 by its /64.
fn subscriber(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let segments = v6.segments();
            IpAddr::V6(Ipv6Addr::new(
                segments[0],
                segments[1],
                segments[2],
                segments[3],
                0,
                0,
                0,
                0,
            ))
        }
    }
}

fn too_many(wait: Duration) -> Response {
    ApiError::RateLimited {
        retry_after_secs: wait.as_secs().max(1),
    }
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_subscriber_is_its_slash_64_and_a_mapped_ipv4_is_ipv4() {
        let address = |text: &str| text.parse::<IpAddr>().expect("an address");
        let a = address("2001:db8:1:2:aaaa::1");
        assert_eq!(subscriber(a), subscriber(address("2001:db8:1:2:bbbb::9")));
        assert_ne!(subscriber(a), subscriber(address("2001:db8:1:3::1")));
        assert_eq!(
            subscriber(address("::ffff:192.0.2.7")),
            address("192.0.2.7")
        );
    }
}
