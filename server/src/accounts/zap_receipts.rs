//! Zap receipts (NIP-57, kind 9735): once a zap's invoice is paid, the
//! server says so on NOSTR, signed by its zapper key (the `nostrPubkey` its
//! Lightning addresses offer), to the relays the zap request named.
//!
//! A receipt is signed and written pending in the transaction that credits
//! its invoice (Appendix E), so a crash before it is sent loses none; the
//! background work then publishes the pending ones (at start, after each
//! credit and every few seconds), bounded in relays and time, and marks
//! each published once a relay accepted it.

use std::{
    collections::{BTreeSet, HashSet},
    net::IpAddr,
    sync::Arc,
    time::Duration,
};

use futures_util::future::join_all;
use nostr::{
    types::url::Host, Event, EventBuilder, JsonUtil, Keys, Kind, PublicKey, RelayUrl, Tag,
    Timestamp,
};
use nostr_sdk::Client;
use sqlx::{AnyConnection, Row};
use tokio::sync::Notify;

use super::{
    zap_requests::{self, ZapRequest},
    Accounts,
};
use crate::database;

/// How long a relay has to take the connection…
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// …and then to accept the receipt.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// The most receipts one pass publishes (at once).
pub const BATCH: usize = 100;
/// A receipt no relay took within a day is no longer sent: the zap is old
/// news, and its relays are gone.
const GIVE_UP_AFTER_SECS: i64 = 86_400;
/// After a failed attempt a receipt waits this long, doubled after each
/// further one, up to [`MAX_RETRY_AFTER_SECS`].
const RETRY_AFTER_SECS: i64 = 5;
const MAX_RETRY_AFTER_SECS: i64 = 3_600;

/// The server's zapper: the key its receipts are signed with, and where
/// they may go. Its `Debug` shows the public key only.
#[derive(Debug, Clone)]
pub struct Zapper {
    keys: Keys,
    /// Whether receipts may go to relays on loopback or private networks
    /// (`--dev` and tests): elsewhere a zap request must not make the
    /// server connect into its own network.
    private_relays: bool,
    /// Wakes the publishing when a receipt was written.
    written: Arc<Notify>,
}

impl Zapper {
    pub fn new(keys: Keys, private_relays: bool) -> Self {
        Self {
            keys,
            private_relays,
            written: Arc::new(Notify::new()),
        }
    }

    /// The `nostrPubkey` the Lightning addresses offer.
    pub fn public_key(&self) -> PublicKey {
        self.keys.public_key()
    }

    pub fn private_relays(&self) -> bool {
        self.private_relays
    }

    /// Tells the publishing (in this process) that a receipt is pending.
    pub(super) fn wake(&self) {
        self.written.notify_one();
    }

    /// Until [`Zapper::wake`] is called (at once if it was since last time).
    pub(super) async fn woken(&self) {
        self.written.notified().await;
    }
}

/// Why receipts could not be written or published.
#[derive(Debug, thiserror::Error)]
pub enum ZapReceiptError {
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("a zap receipt's tag: {0}")]
    Tag(#[from] nostr::event::tag::Error),
    #[error("signing a zap receipt: {0}")]
    Sign(#[from] nostr::event::builder::Error),
}

/// In the transaction `tx` that credits the invoice of `payment_hash`, paid at
/// `paid_at`: its zap receipt, signed and pending, if the invoice was a
/// zap's. True when one was written (then [`Zapper::wake`] once committed).
/// A receipt that cannot be made is logged, never a reason not to credit.
pub(super) async fn write(
    tx: &mut AnyConnection,
    zapper: Option<&Zapper>,
    payment_hash: &str,
    paid_at: i64,
) -> Result<bool, sqlx::Error> {
    let row =
        sqlx::query("SELECT id, zap_request, bolt11 FROM account_invoices WHERE payment_hash = $1")
            .bind(payment_hash)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(row) = row else { return Ok(false) };
    let (invoice_id, json, bolt11): (String, Option<String>, Option<String>) =
        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    let invoice_id = invoice_id.as_str();
    let Some(json) = json else { return Ok(false) };
    let Some(zapper) = zapper else {
        tracing::warn!(
            invoice_id,
            "a zap was paid but this server has no zapper key now: no receipt"
        );
        return Ok(false);
    };
    let Some(bolt11) = bolt11 else {
        tracing::warn!(invoice_id, "a zap's invoice has no BOLT11: no receipt");
        return Ok(false);
    };
    let request = match ZapRequest::stored(&json, zapper.private_relays) {
        Ok(request) => request,
        Err(err) => {
            tracing::warn!(invoice_id, "no receipt for a zap: {err}");
            return Ok(false);
        }
    };
    let event = match sign(zapper, &request, &bolt11, paid_at) {
        Ok(event) => event,
        Err(err) => {
            tracing::warn!(invoice_id, "could not sign a zap receipt: {err}");
            return Ok(false);
        }
    };
    let relays: Vec<&str> = request.relays().iter().map(RelayUrl::as_str).collect();
    // Once per invoice: one paid twice (inside, then from outside) has had
    // its receipt.
    let written = sqlx::query(
        "INSERT INTO zap_receipts (invoice_id, event, relays, state, created_at) \
         VALUES ($1, $2, $3, 'pending', $4) ON CONFLICT (invoice_id) DO NOTHING",
    )
    .bind(invoice_id)
    .bind(event.as_json())
    .bind(serde_json::to_string(&relays).unwrap_or_else(|_| "[]".to_owned()))
    .bind(database::now())
    .execute(&mut *tx)
    .await?;
    Ok(written.rows_affected() == 1)
}

/// The receipt (Appendix E) of `request`'s invoice `bolt11`, paid at
/// `paid_at`: its `p`, `e`, `a` and `k` tags, the sender as `P`, the
/// invoice, and the request exactly as received (whose SHA-256 the
/// invoice's description hash is).
fn sign(
    zapper: &Zapper,
    request: &ZapRequest,
    bolt11: &str,
    paid_at: i64,
) -> Result<Event, ZapReceiptError> {
    let mut tags: Vec<Tag> = request
        .event()
        .tags
        .iter()
        .filter(|tag| {
            matches!(
                tag.as_slice().first().map(String::as_str),
                Some("p" | "e" | "a" | "k")
            )
        })
        .cloned()
        .collect();
    tags.push(Tag::parse(["P", &request.sender().to_hex()])?);
    tags.push(Tag::parse(["bolt11", bolt11])?);
    tags.push(Tag::parse(["description", request.json()])?);
    let paid_at = Timestamp::from_secs(u64::try_from(paid_at).unwrap_or(0));
    Ok(EventBuilder::new(Kind::ZapReceipt, "")
        .tags(tags)
        .custom_created_at(paid_at)
        .sign_with_keys(&zapper.keys)?)
}

/// A receipt waiting to be published.
struct Pending {
    invoice_id: String,
    event: Event,
    relays: Vec<RelayUrl>,
    attempts: i64,
}

/// Publishes up to [`BATCH`] pending receipts due, each to its relays at
/// once; one is published when a relay accepted it, and tried again later
/// otherwise; with `retry_all` (at start), those waiting to be tried again
/// too. Returns how many were published.
pub async fn publish_pending(
    accounts: &Accounts,
    retry_all: bool,
) -> Result<usize, ZapReceiptError> {
    let Some(zapper) = &accounts.zapper else {
        return Ok(0);
    };
    let now = database::now();
    let rows = sqlx::query(
        "SELECT invoice_id, event, relays, attempts FROM zap_receipts \
         WHERE state = 'pending' AND next_attempt_at <= $1 AND created_at > $2 \
         ORDER BY next_attempt_at, created_at LIMIT $3",
    )
    .bind(if retry_all { i64::MAX } else { now })
    .bind(now - GIVE_UP_AFTER_SECS)
    .bind(i64::try_from(BATCH).unwrap_or(i64::MAX))
    .fetch_all(accounts.ledger.db().pool())
    .await?;
    let mut pending = Vec::with_capacity(rows.len());
    for row in rows {
        let (invoice_id, event, relays, attempts): (String, String, String, i64) = (
            row.try_get(0)?,
            row.try_get(1)?,
            row.try_get(2)?,
            row.try_get(3)?,
        );
        let Ok(event) = Event::from_json(&event) else {
            tracing::warn!(invoice_id, "a stored zap receipt is not an event");
            continue;
        };
        let relays: Vec<String> = serde_json::from_str(&relays).unwrap_or_default();
        let relays = relays
            .iter()
            .filter_map(|relay| RelayUrl::parse(relay).ok())
            .collect();
        pending.push(Pending {
            invoice_id,
            event,
            relays,
            attempts,
        });
    }
    if pending.is_empty() {
        return Ok(0);
    }

    let client = Client::default();
    let wanted: BTreeSet<&RelayUrl> = pending.iter().flat_map(|p| &p.relays).collect();
    let connected: HashSet<RelayUrl> = join_all(
        wanted
            .into_iter()
            .map(|relay| connect(&client, relay, zapper.private_relays)),
    )
    .await
    .into_iter()
    .flatten()
    .collect();
    let sent = join_all(pending.iter().map(|receipt| {
        let (client, connected) = (&client, &connected);
        async move {
            let relays: Vec<&RelayUrl> = receipt
                .relays
                .iter()
                .filter(|relay| connected.contains(*relay))
                .collect();
            if relays.is_empty() {
                return false;
            }
            match tokio::time::timeout(SEND_TIMEOUT, client.send_event_to(relays, &receipt.event))
                .await
            {
                Ok(Ok(output)) => !output.success.is_empty(),
                Ok(Err(err)) => {
                    tracing::debug!(invoice_id = receipt.invoice_id, "a zap receipt: {err}");
                    false
                }
                Err(_) => false,
            }
        }
    }))
    .await;
    client.shutdown().await;

    // One transaction for the pass: a commit each would cost a flush each.
    let mut published = 0;
    let now = database::now();
    let mut tx = accounts.ledger.db().begin_write().await?;
    for (receipt, sent) in pending.iter().zip(sent) {
        let query = if sent {
            published += 1;
            sqlx::query(
                "UPDATE zap_receipts SET state = 'published', published_at = $1 \
                 WHERE invoice_id = $2 AND state = 'pending'",
            )
            .bind(now)
        } else {
            let wait = RETRY_AFTER_SECS
                .saturating_mul(1 << receipt.attempts.clamp(0, 20))
                .min(MAX_RETRY_AFTER_SECS);
            sqlx::query(
                "UPDATE zap_receipts SET attempts = attempts + 1, next_attempt_at = $1 \
                 WHERE invoice_id = $2 AND state = 'pending'",
            )
            .bind(now.saturating_add(wait))
        };
        query.bind(&receipt.invoice_id).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(published)
}

/// Connects `client` to `relay`, if it may be reached: the relay, or why not
/// (logged).
async fn connect(client: &Client, relay: &RelayUrl, private_relays: bool) -> Option<RelayUrl> {
    if !private_relays && !resolves_publicly(relay).await {
        tracing::debug!(%relay, "a zap receipt's relay is not on a public address");
        return None;
    }
    let connected = async {
        client.add_relay(relay).await?;
        client.try_connect_relay(relay, CONNECT_TIMEOUT).await
    };
    match connected.await {
        Ok(()) => Some(relay.clone()),
        Err(err) => {
            tracing::debug!(%relay, "a zap receipt's relay: {err}");
            None
        }
    }
}

/// Whether every address `relay`'s host stands for is on the Internet (a
/// name resolving into a private network is refused as its address would be).
async fn resolves_publicly(relay: &RelayUrl) -> bool {
    if !zap_requests::names_public_host(relay) {
        return false;
    }
    let Some(Host::Domain(domain)) = relay.host() else {
        // An address, checked above.
        return true;
    };
    let port = if relay.as_str().starts_with("wss:") {
        443
    } else {
        80
    };
    let port = nostr::Url::parse(relay.as_str())
        .ok()
        .and_then(|url| url.port())
        .unwrap_or(port);
    match tokio::time::timeout(
        CONNECT_TIMEOUT,
        tokio::net::lookup_host((domain.to_owned(), port)),
    )
    .await
    {
        Ok(Ok(addresses)) => {
            let addresses: Vec<IpAddr> = addresses.map(|address| address.ip()).collect();
            !addresses.is_empty() && addresses.into_iter().all(zap_requests::is_public)
        }
        _ => false,
    }
}
