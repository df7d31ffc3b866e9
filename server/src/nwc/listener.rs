//! The wallet service's listening: in one instance at a time (the holder of
//! a lease in the database, as the accounts' background work), it publishes
//! the service's info event (kind 13194) and subscribes to the requests
//! addressed to it on its relays from a little before the newest request it
//! has seen, so what was sent while no instance listened (and the relay
//! kept) is answered once one does. Each request is handled on its own
//! task ([`requests::handle`]); what is left unanswered is swept up.

use std::time::Duration;

use nostr::{EventBuilder, Filter, Kind, Tag, TagKind, Timestamp};
use nostr_sdk::{Client, RelayPoolNotification};
use tokio::{sync::broadcast::error::RecvError, task::JoinHandle};

use super::{methods::SUPPORTED, requests, Nwc};
use crate::{accounts::worker, database};

/// The lease's name for this work.
const WORK: &str = "nwc";
/// The subscription starts this long before the newest request seen: a
/// request's date is its app's clock, and relays deliver out of order.
const SINCE_MARGIN_SECS: i64 = 600;
/// How often unanswered requests are taken up again.
const SWEEP_EVERY: Duration = Duration::from_secs(5);
/// How long the relays may take to connect before the listener goes on
/// (nostr-sdk connects and resubscribes on its own after that).
const CONNECT_WITHIN: Duration = Duration::from_secs(5);
/// A broken subscription is opened again after this.
const RESUBSCRIBE_AFTER: Duration = Duration::from_secs(1);

/// The running listener; dropping it stops it.
#[derive(Debug)]
pub struct Listener(JoinHandle<()>);

impl Drop for Listener {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Listener {
    /// Starts listening for `nwc` (in whichever instance holds the lease).
    pub fn spawn(nwc: Nwc) -> Result<Self, getrandom::Error> {
        let holder = database::random_id()?;
        Ok(Self(tokio::spawn(run(nwc, holder))))
    }
}

async fn run(nwc: Nwc, holder: String) {
    loop {
        match worker::take_lease(&nwc.accounts, WORK, &holder).await {
            Ok(true) => {
                tracing::info!(pubkey = %nwc.pubkey(), "this instance answers Nostr Wallet Connect");
                tokio::select! {
                    () = worker::keep_lease(&nwc.accounts, WORK, &holder) => {
                        tracing::warn!("lost the Nostr Wallet Connect lease");
                    }
                    () = listen(&nwc) => {}
                }
            }
            Ok(false) => {}
            Err(err) => tracing::warn!("the Nostr Wallet Connect lease: {err}"),
        }
        tokio::time::sleep(worker::TRY_EVERY).await;
    }
}

async fn listen(nwc: &Nwc) {
    loop {
        let relays = Client::builder().signer(nwc.keys().clone()).build();
        if let Err(err) = subscribe(nwc, &relays).await {
            tracing::warn!("the Nostr Wallet Connect subscription: {err}");
        }
        relays.shutdown().await;
        tokio::time::sleep(RESUBSCRIBE_AFTER).await;
    }
}

/// One subscription, until it breaks.
async fn subscribe(nwc: &Nwc, relays: &Client) -> Result<(), requests::RequestError> {
    for relay in &nwc.relays {
        relays.add_relay(relay).await?;
    }
    relays.connect().await;
    // The info event and the subscription go out once a relay is up.
    relays.wait_for_connection(CONNECT_WITHIN).await;
    let info = EventBuilder::new(Kind::WalletConnectInfo, SUPPORTED.join(" "))
        .tag(Tag::custom(
            TagKind::custom("encryption"),
            ["nip44_v2 nip04"],
        ))
        .sign_with_keys(nwc.keys())?;
    relays.send_event(&info).await?;

    let cursor = requests::cursor(nwc).await?;
    let since = (cursor - SINCE_MARGIN_SECS).max(database::now() - requests::MAX_AGE_SECS);
    let mut notifications = relays.notifications();
    let filter = Filter::new()
        .kind(Kind::WalletConnectRequest)
        .pubkey(nwc.pubkey())
        .since(Timestamp::from(u64::try_from(since).unwrap_or(0)));
    relays.subscribe(filter, None).await?;

    let working = requests::Working::default();
    let mut sweep = tokio::time::interval(SWEEP_EVERY);
    loop {
        tokio::select! {
            notification = notifications.recv() => match notification {
                Ok(RelayPoolNotification::Event { event, .. }) => {
                    let (nwc, relays, working) = (nwc.clone(), relays.clone(), working.clone());
                    tokio::spawn(async move {
                        requests::handle(&nwc, &relays, &working, &event).await;
                    });
                }
                Ok(RelayPoolNotification::Shutdown) | Err(RecvError::Closed) => return Ok(()),
                Ok(RelayPoolNotification::Message { .. }) => {}
                // Some were missed: subscribe again, from the cursor.
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "the Nostr Wallet Connect subscription fell behind");
                    return Ok(());
                }
            },
            _ = sweep.tick() => {
                if let Err(err) = requests::sweep(nwc, relays, &working).await {
                    tracing::warn!("taking up unanswered Nostr Wallet Connect requests: {err}");
                }
            }
        }
    }
}
