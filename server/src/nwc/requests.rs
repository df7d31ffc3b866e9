//! One request, from the relay to its answer. The event is checked (its
//! signature, its size, its time, that it is for this service), decrypted
//! as its `encryption` tag says (NIP-44, or NIP-04 when it has none), and,
//! from a live connection, written down before anything is done for it:
//! a request delivered again (a relay's replay, a second subscription, a
//! restart) finds its record and is not acted on twice, and one answered
//! already is not answered again. What a crash interrupts, [`sweep`] takes
//! up again from the record.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex, PoisonError},
};

use nostr::{
    nips::{nip04, nip44},
    Event, EventBuilder, EventId, JsonUtil, Kind, PublicKey, Tag,
};
use nostr_sdk::Client;
use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::Row;

use super::{
    connections,
    methods::{self, Answer, Caller, Refusal},
    Nwc, NwcError,
};
use crate::database;

/// The largest encrypted content taken (NIP-44 carries at most 64 KiB).
pub const MAX_CONTENT_BYTES: usize = 100_000;
/// The most tags a request may have.
pub const MAX_TAGS: usize = 32;
/// A request dated further ahead than this is refused (a clock this wrong,
/// or a date meant to outlive the record).
pub const MAX_AHEAD_SECS: i64 = 300;
/// A request older than this is refused: its app gave up long ago.
pub const MAX_AGE_SECS: i64 = 3_600;
/// The longest method name read.
const MAX_METHOD_LEN: usize = 64;

/// Why a request got no answer now.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("ignored: {0}")]
    Ignored(&'static str),
    #[error("could not encrypt the answer: {0}")]
    Encrypt(String),
    #[error("could not sign the answer")]
    Sign(#[from] nostr::event::builder::Error),
    #[error("no relay took the answer")]
    NotPublished,
    #[error("relay: {0}")]
    Relay(#[from] nostr_sdk::client::Error),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Connection(#[from] NwcError),
}

/// How a request's content is encrypted (and so its answer's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encryption {
    Nip44,
    Nip04,
}

impl Encryption {
    /// The scheme the request's `encryption` tag names (none: NIP-04).
    fn of(event: &Event) -> Option<Self> {
        let tag = event
            .tags
            .iter()
            .find(|tag| tag.kind().as_str() == "encryption");
        match tag.and_then(|tag| tag.content()) {
            None => Some(Self::Nip04),
            Some(scheme) => match scheme.trim() {
                "nip44_v2" => Some(Self::Nip44),
                "nip04" => Some(Self::Nip04),
                _ => None,
            },
        }
    }

    fn decrypt(self, nwc: &Nwc, peer: &PublicKey, content: &str) -> Option<String> {
        let secret = nwc.keys().secret_key();
        match self {
            Self::Nip44 => nip44::decrypt(secret, peer, content).ok(),
            Self::Nip04 => nip04::decrypt(secret, peer, content).ok(),
        }
    }

    fn encrypt(self, nwc: &Nwc, peer: &PublicKey, text: &str) -> Result<String, RequestError> {
        let secret = nwc.keys().secret_key();
        match self {
            Self::Nip44 => nip44::encrypt(secret, peer, text, nip44::Version::V2)
                .map_err(|err| RequestError::Encrypt(err.to_string())),
            Self::Nip04 => nip04::encrypt(secret, peer, text)
                .map_err(|err| RequestError::Encrypt(err.to_string())),
        }
    }
}

/// The requests this process is working on, so a sweep and a delivery never
/// work on one at once.
#[derive(Debug, Clone, Default)]
pub struct Working(Arc<Mutex<HashSet<EventId>>>);

struct WorkingOn(Working, EventId);

impl Drop for WorkingOn {
    fn drop(&mut self) {
        self.0
             .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.1);
    }
}

impl Working {
    fn start(&self, id: EventId) -> Option<WorkingOn> {
        let fresh = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id);
        fresh.then(|| WorkingOn(self.clone(), id))
    }
}

#[derive(Deserialize)]
struct Body {
    method: String,
    #[serde(default)]
    params: Value,
}

/// Takes `event` from a relay (or from the record, after a crash) and
/// answers it once.
pub async fn handle(nwc: &Nwc, relays: &Client, working: &Working, event: &Event) {
    let Some(_working) = working.start(event.id) else {
        return;
    };
    match take(nwc, relays, event).await {
        Ok(()) => {}
        Err(RequestError::Ignored(why)) => tracing::debug!(id = %event.id, "nwc request {why}"),
        Err(err) => tracing::warn!(id = %event.id, "nwc request: {err}"),
    }
}

/// The checks a request to `wallet` passes before it is decrypted.
fn check(wallet: PublicKey, event: &Event) -> Result<(), RequestError> {
    if event.kind != Kind::WalletConnectRequest {
        return Err(RequestError::Ignored("not a request"));
    }
    if event.content.len() > MAX_CONTENT_BYTES || event.tags.len() > MAX_TAGS {
        return Err(RequestError::Ignored("too large"));
    }
    let at = i64::try_from(event.created_at.as_secs()).unwrap_or(i64::MAX);
    let now = database::now();
    if at > now + MAX_AHEAD_SECS {
        return Err(RequestError::Ignored("dated in the future"));
    }
    if at < now - MAX_AGE_SECS {
        return Err(RequestError::Ignored("too old"));
    }
    if !event.tags.public_keys().any(|key| *key == wallet) {
        return Err(RequestError::Ignored("not for this wallet"));
    }
    if event.verify().is_err() {
        return Err(RequestError::Ignored("badly signed"));
    }
    // NIP-40 `expiration`: the app no longer wants it done.
    if event.is_expired() {
        return Err(RequestError::Ignored("expired"));
    }
    Ok(())
}

async fn take(nwc: &Nwc, relays: &Client, event: &Event) -> Result<(), RequestError> {
    check(nwc.pubkey(), event)?;
    advance_cursor(nwc, event).await?;
    let encryption = Encryption::of(event).ok_or(RequestError::Ignored("unknown encryption"))?;
    let body = encryption
        .decrypt(nwc, &event.pubkey, &event.content)
        .ok_or(RequestError::Ignored("undecryptable"))?;
    let Body { method, params } =
        serde_json::from_str(&body).map_err(|_| RequestError::Ignored("not a request body"))?;
    if method.len() > MAX_METHOD_LEN {
        return Err(RequestError::Ignored("no such method"));
    }
    let client = event.pubkey.to_hex();
    let now = database::now();
    let refusal = match connections::find(nwc, &client).await? {
        None => "no wallet is connected to this key",
        Some((_, connection)) if connection.revoked_at.is_some() => "this connection was revoked",
        Some((_, connection)) if connection.expires_at.is_some_and(|at| at <= now) => {
            "this connection has expired"
        }
        Some((account, connection)) => {
            let event_id = event.id.to_hex();
            let Some(response) = record(nwc, &client, event, &method).await? else {
                return Ok(());
            };
            let response = match response {
                Some(response) => response,
                None => {
                    let caller = Caller {
                        account: &account,
                        connection: &connection,
                        event_id: &event_id,
                    };
                    let answer = methods::answer(nwc, &caller, &method, params).await;
                    let Some(response) = response_json(&method, answer) else {
                        // A payment in flight: the sweep answers it later.
                        return Ok(());
                    };
                    sqlx::query(
                        "UPDATE nwc_requests SET response = $1 \
                         WHERE client_pubkey = $2 AND event_id = $3 AND response IS NULL",
                    )
                    .bind(&response)
                    .bind(&client)
                    .bind(&event_id)
                    .execute(nwc.accounts.ledger.db().pool())
                    .await?;
                    response
                }
            };
            return answer_once(nwc, relays, event, encryption, &response).await;
        }
    };
    // Not recorded: a stranger's requests must not fill the database.
    let response = response_json(
        &method,
        Answer::Error(Refusal::new("UNAUTHORIZED", refusal)),
    )
    .unwrap_or_default();
    publish(nwc, relays, event, encryption, &response).await
}

/// Writes the request down before it is acted on. `None`: answered already;
/// `Some(None)`: to act on (new, or interrupted); `Some(Some(response))`:
/// its answer is known, to publish.
async fn record(
    nwc: &Nwc,
    client: &str,
    event: &Event,
    method: &str,
) -> Result<Option<Option<String>>, RequestError> {
    let event_id = event.id.to_hex();
    let mut tx = nwc.accounts.ledger.db().begin_write().await?;
    let inserted = sqlx::query(
        "INSERT INTO nwc_requests (client_pubkey, event_id, method, event, created_at, \
         received_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (client_pubkey, event_id) DO NOTHING",
    )
    .bind(client)
    .bind(&event_id)
    .bind(method)
    .bind(event.as_json())
    .bind(i64::try_from(event.created_at.as_secs()).unwrap_or(i64::MAX))
    .bind(database::now())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    if inserted.rows_affected() == 1 {
        return Ok(Some(None));
    }
    let row = sqlx::query(
        "SELECT response, answered_at FROM nwc_requests WHERE client_pubkey = $1 AND event_id = $2",
    )
    .bind(client)
    .bind(&event_id)
    .fetch_one(nwc.accounts.ledger.db().pool())
    .await?;
    let answered_at: Option<i64> = row.try_get(1)?;
    Ok(match answered_at {
        Some(_) => None,
        None => Some(row.try_get(0)?),
    })
}

/// The answer's JSON, as NIP-47 lays it out; `None` while pending.
fn response_json(method: &str, answer: Answer) -> Option<String> {
    let response = match answer {
        Answer::Result(result) => json!({ "result_type": method, "error": null, "result": result }),
        Answer::Error(refusal) => json!({
            "result_type": method,
            "error": { "code": refusal.code, "message": refusal.message },
            "result": null,
        }),
        Answer::Pending => return None,
    };
    Some(response.to_string())
}

/// Publishes the answer unless this or another instance has: the claim and
/// the publication are one step, undone if no relay takes it.
async fn answer_once(
    nwc: &Nwc,
    relays: &Client,
    event: &Event,
    encryption: Encryption,
    response: &str,
) -> Result<(), RequestError> {
    let (client, event_id) = (event.pubkey.to_hex(), event.id.to_hex());
    let db = nwc.accounts.ledger.db();
    let mut tx = db.begin_write().await?;
    let claimed = sqlx::query(
        "UPDATE nwc_requests SET answered_at = $1 \
         WHERE client_pubkey = $2 AND event_id = $3 AND answered_at IS NULL",
    )
    .bind(database::now())
    .bind(&client)
    .bind(&event_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    if claimed.rows_affected() == 0 {
        return Ok(());
    }
    let published = publish(nwc, relays, event, encryption, response).await;
    if published.is_err() {
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "UPDATE nwc_requests SET answered_at = NULL WHERE client_pubkey = $1 AND event_id = $2",
        )
        .bind(&client)
        .bind(&event_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    published
}

async fn publish(
    nwc: &Nwc,
    relays: &Client,
    request: &Event,
    encryption: Encryption,
    response: &str,
) -> Result<(), RequestError> {
    let content = encryption.encrypt(nwc, &request.pubkey, response)?;
    let answer = EventBuilder::new(Kind::WalletConnectResponse, content)
        .tags([Tag::public_key(request.pubkey), Tag::event(request.id)])
        .sign_with_keys(nwc.keys())?;
    let sent = relays.send_event(&answer).await?;
    if sent.success.is_empty() {
        return Err(RequestError::NotPublished);
    }
    Ok(())
}

/// Moves the subscription's cursor up to `event`'s time.
async fn advance_cursor(nwc: &Nwc, event: &Event) -> Result<(), sqlx::Error> {
    let mut tx = nwc.accounts.ledger.db().begin_write().await?;
    sqlx::query(
        "UPDATE lightning_cursors SET position = $1 WHERE name = 'nwc_requests' AND position < $1",
    )
    .bind(i64::try_from(event.created_at.as_secs()).unwrap_or(0))
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// The time the subscription has read up to.
pub async fn cursor(nwc: &Nwc) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT position FROM lightning_cursors WHERE name = 'nwc_requests'")
        .fetch_one(nwc.accounts.ledger.db().pool())
        .await?
        .try_get(0)
}

/// Takes up again the requests of the last hour not answered yet (a crash
/// between record and answer, a payment that was still in flight, an
/// answer no relay took), each on its own task.
pub async fn sweep(nwc: &Nwc, relays: &Client, working: &Working) -> Result<usize, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT event FROM nwc_requests WHERE answered_at IS NULL AND received_at > $1 \
         ORDER BY received_at LIMIT 100",
    )
    .bind(database::now() - MAX_AGE_SECS)
    .fetch_all(nwc.accounts.ledger.db().pool())
    .await?;
    let mut taken = 0;
    for row in rows {
        let stored: String = row.try_get(0)?;
        let Ok(event) = Event::from_json(&stored) else {
            continue;
        };
        taken += 1;
        let (nwc, relays, working) = (nwc.clone(), relays.clone(), working.clone());
        tokio::spawn(async move { handle(&nwc, &relays, &working, &event).await });
    }
    Ok(taken)
}

#[cfg(test)]
mod tests {
    use nostr::{EventBuilder, JsonUtil, Keys, Kind, Tag, Timestamp};

    use super::{check, RequestError, MAX_AGE_SECS, MAX_AHEAD_SECS, MAX_CONTENT_BYTES};

    fn request(wallet: &Keys, at: Timestamp, content: &str) -> EventBuilder {
        EventBuilder::new(Kind::WalletConnectRequest, content)
            .tag(Tag::public_key(wallet.public_key()))
            .custom_created_at(at)
    }

    fn refusal(wallet: &Keys, event: &nostr::Event) -> &'static str {
        match check(wallet.public_key(), event) {
            Err(RequestError::Ignored(why)) => why,
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn only_signed_timely_bounded_requests_to_this_wallet_are_taken() {
        let (wallet, app) = (Keys::generate(), Keys::generate());
        let now = Timestamp::now();
        let sign = |builder: EventBuilder| builder.sign_with_keys(&app).unwrap();
        assert!(check(wallet.public_key(), &sign(request(&wallet, now, "x"))).is_ok());

        let ahead = now + (MAX_AHEAD_SECS as u64 + 60);
        let future = sign(request(&wallet, ahead, "x"));
        assert_eq!(refusal(&wallet, &future), "dated in the future");
        let old = now - (MAX_AGE_SECS as u64 + 60);
        assert_eq!(
            refusal(&wallet, &sign(request(&wallet, old, "x"))),
            "too old"
        );
        let elsewhere = sign(request(&Keys::generate(), now, "x"));
        assert_eq!(refusal(&wallet, &elsewhere), "not for this wallet");
        let huge = sign(request(&wallet, now, &"x".repeat(MAX_CONTENT_BYTES + 1)));
        assert_eq!(refusal(&wallet, &huge), "too large");
        let expired = sign(request(&wallet, now, "x").tag(Tag::expiration(now - 1)));
        assert_eq!(refusal(&wallet, &expired), "expired");
        let note = sign(EventBuilder::text_note("x").tag(Tag::public_key(wallet.public_key())));
        assert_eq!(refusal(&wallet, &note), "not a request");

        // Another content under the same id and signature.
        let signed = sign(request(&wallet, now, "x"));
        let forged = signed
            .as_json()
            .replace(r#""content":"x""#, r#""content":"y""#);
        let forged = nostr::Event::from_json(forged).unwrap();
        assert_eq!(refusal(&wallet, &forged), "badly signed");
    }
}
