//! The accounts' background work: crediting the invoices the node settles
//! (from the subscription's cursor on, so invoices paid while no server ran
//! are credited at start), finishing payments nobody is following, and
//! cancelling at the node the invoices users paid each other inside the
//! ledger that a failed call or a crash left open there, and publishing the
//! zap receipts credited invoices owe.
//!
//! Several instances may share the database; the work runs in exactly one,
//! the holder of a lease in the database. The holder renews it every
//! [`RENEW_EVERY`]; when it dies, another takes it over once it lapses
//! ([`LEASE`]), and starts from the cursor the last holder committed.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::task::JoinHandle;

use super::{
    invoices::{self, Credited},
    payments, zap_receipts, Accounts, InvoiceError, Node,
};
use crate::database;

/// The lease's name for this work.
const WORK: &str = "lightning";
/// How long a holder's claim lasts unless renewed.
const LEASE: Duration = Duration::from_secs(6);
const RENEW_EVERY: Duration = Duration::from_secs(2);
/// How often a waiting instance tries to take the lease.
pub(crate) const TRY_EVERY: Duration = Duration::from_millis(500);
/// How often the holder looks for payments nobody finished (and for
/// invoices paid inside still to cancel at the node).
const RECOVER_EVERY: Duration = Duration::from_secs(5);
/// A broken subscription is opened again after this.
const RESUBSCRIBE_AFTER: Duration = Duration::from_secs(1);

/// The running background work; dropping it stops it.
#[derive(Debug)]
pub struct Worker(JoinHandle<()>);

impl Drop for Worker {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Worker {
    /// Starts the work for `accounts` (which must have a node).
    pub fn spawn(accounts: Accounts) -> Result<Self, getrandom::Error> {
        let holder = database::random_id()?;
        Ok(Self(tokio::spawn(run(accounts, holder))))
    }
}

async fn run(accounts: Accounts, holder: String) {
    loop {
        match take_lease(&accounts, WORK, &holder).await {
            Ok(true) => {
                tracing::info!("this instance does the Lightning background work");
                tokio::select! {
                    () = keep_lease(&accounts, WORK, &holder) => {
                        tracing::warn!("lost the Lightning background work's lease");
                    }
                    () = credit_invoices(&accounts) => {}
                    () = recover_payments(&accounts) => {}
                    () = cancel_paid_inside(&accounts) => {}
                    () = publish_receipts(&accounts) => {}
                }
            }
            Ok(false) => {}
            Err(err) => tracing::warn!("the Lightning background work's lease: {err}"),
        }
        tokio::time::sleep(TRY_EVERY).await;
    }
}

/// Takes or renews the lease of `work`; false while another holder's claim
/// stands.
pub(crate) async fn take_lease(
    accounts: &Accounts,
    work: &str,
    holder: &str,
) -> Result<bool, sqlx::Error> {
    let now_ms = database::now_ms();
    let until_ms = now_ms + i64::try_from(LEASE.as_millis()).unwrap_or(i64::MAX);
    let mut tx = accounts.ledger.db().begin_write().await?;
    let taken = sqlx::query(
        "INSERT INTO leases (name, holder, expires_at_ms) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET holder = $2, expires_at_ms = $3 \
         WHERE leases.holder = $2 OR leases.expires_at_ms < $4",
    )
    .bind(work)
    .bind(holder)
    .bind(until_ms)
    .bind(now_ms)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(taken.rows_affected() == 1)
}

/// Renews the lease of `work` until a renewal fails (then the work must
/// stop: another instance may take it once the claim lapses).
pub(crate) async fn keep_lease(accounts: &Accounts, work: &str, holder: &str) {
    loop {
        tokio::time::sleep(RENEW_EVERY).await;
        match take_lease(accounts, work, holder).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(err) => {
                tracing::warn!("renewing the lease of the {work} work: {err}");
                return;
            }
        }
    }
}

/// Follows the node's settled invoices from the cursor, crediting each.
async fn credit_invoices(accounts: &Accounts) {
    let Some(node) = accounts.node.clone() else {
        return std::future::pending().await;
    };
    loop {
        if let Err(err) = follow_subscription(accounts, &node).await {
            tracing::warn!("the invoice subscription: {err}");
        }
        tokio::time::sleep(RESUBSCRIBE_AFTER).await;
    }
}

/// One subscription from the cursor, crediting each settled invoice, until
/// it breaks. An invoice not credited moved no cursor: the next
/// subscription delivers it again.
async fn follow_subscription(accounts: &Accounts, node: &Node) -> Result<(), InvoiceError> {
    let cursor = invoices::cursor(accounts).await?;
    let mut updates = node.lightning.subscribe_invoices(cursor).await?;
    match invoices::reconcile(accounts).await {
        Ok(0) => {}
        Ok(credited) => tracing::info!(credited, "credited invoices settled before"),
        Err(err) => tracing::warn!("reconciling invoices: {err}"),
    }
    while let Some(update) = updates.next().await {
        if let Credited::Now {
            account,
            amount_msat,
        } = invoices::credit(accounts, &update?).await?
        {
            tracing::info!(%account, amount_msat, "received");
        }
    }
    Ok(())
}

async fn recover_payments(accounts: &Accounts) {
    let following = payments::Following::default();
    loop {
        if let Err(err) = payments::recover(accounts, &following).await {
            tracing::warn!("finishing pending payments: {err}");
        }
        tokio::time::sleep(RECOVER_EVERY).await;
    }
}

/// Cancels at the node the invoices paid inside the ledger that may still
/// be open there: at once (what the last run or a failed call left), then
/// as often as payments are recovered.
async fn cancel_paid_inside(accounts: &Accounts) {
    loop {
        match invoices::cancel_paid_inside(accounts).await {
            Ok(0) => {}
            Ok(done) => tracing::info!(done, "invoices paid inside are no longer open at the node"),
            Err(err) => tracing::warn!("cancelling invoices paid inside at the node: {err}"),
        }
        tokio::time::sleep(RECOVER_EVERY).await;
    }
}

/// Publishes the pending zap receipts: at once (all the last run left),
/// then as soon as one is written here, and as often as payments are
/// recovered (those written by other instances, and retries).
async fn publish_receipts(accounts: &Accounts) {
    let Some(zapper) = accounts.zapper.clone() else {
        return std::future::pending().await;
    };
    let mut retry_all = true;
    loop {
        let result = zap_receipts::publish_pending(accounts, retry_all).await;
        retry_all = false;
        match result {
            // A full batch: more may wait.
            Ok(zap_receipts::BATCH) => continue,
            Ok(0) => {}
            Ok(published) => tracing::info!(published, "zap receipts published"),
            Err(err) => tracing::warn!("publishing zap receipts: {err}"),
        }
        tokio::select! {
            () = zapper.woken() => {}
            () = tokio::time::sleep(RECOVER_EVERY) => {}
        }
    }
}
