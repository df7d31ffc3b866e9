//! Waiting for Lightning: for a mint quote's invoice to be paid, and for a
//! melt's payment to settle.
//!
//! A mint that offers NUT-17 notifications tells the wallet the moment the
//! invoice is paid, over its WebSocket; the wallet then asks the mint for
//! the quote's state (the answer it trusts). It also asks every
//! [`CHECK_EVERY`] anyway, since a notification can be lost with its
//! connection. A mint without NUT-17 is asked every [`POLL_EVERY`].

use std::time::Duration;

use cdk::nuts::nut17::WsCommand;
use cdk::nuts::{MeltQuoteState, MintInfo, MintQuoteState};
use cdk::types::FinalizedMelt;
use cdk::wallet::types::MintQuote;
use cdk::Wallet;
use cdk_http_client::ws::{self, WsReceiver, WsSender};
use futures::{future, FutureExt};

/// How often a mint without NUT-17 is asked about the invoice.
pub const POLL_EVERY: Duration = Duration::from_secs(1);
/// How often a mint is asked while its notifications are awaited.
pub const CHECK_EVERY: Duration = Duration::from_secs(5);

/// Whether `info` says the mint notifies paid bolt11 mint quotes.
pub fn notifies_payments(info: &MintInfo) -> bool {
    info.nuts
        .nut17
        .supported
        .iter()
        .any(|method| method.commands.contains(&WsCommand::Bolt11MintQuote))
}

/// Waits until the quote is no longer unpaid (or has expired), and returns
/// it as the mint last reported it.
pub async fn wait_until_paid(
    wallet: &Wallet,
    quote_id: &str,
    notified: bool,
) -> Result<MintQuote, cdk::Error> {
    let mut subscription = if notified {
        Subscription::open(wallet, quote_id).await
    } else {
        None
    };
    loop {
        let quote = wallet.check_mint_quote_status(quote_id).await?;
        if quote.state != MintQuoteState::Unpaid || quote.expiry <= cdk::util::unix_time() {
            return Ok(quote);
        }
        let connected = match subscription.as_mut() {
            Some(open) => {
                let heard = open.next_notification().fuse();
                let timer = async_utility::time::sleep(CHECK_EVERY).fuse();
                futures::pin_mut!(heard, timer);
                // `false`: the connection is gone.
                !matches!(
                    future::select(heard, timer).await,
                    future::Either::Left((false, _))
                )
            }
            None => {
                async_utility::time::sleep(POLL_EVERY).await;
                false
            }
        };
        if !connected {
            // Asked on a timer from now on.
            subscription = None;
        }
    }
}

/// Waits until a melt the mint reported pending settles, asking the mint
/// every [`POLL_EVERY`]: the melt once paid (its change stored), or `None`
/// when the payment failed and its eCash was given back.
pub async fn wait_until_melted(
    wallet: &Wallet,
    quote_id: &str,
) -> Result<Option<FinalizedMelt>, cdk::Error> {
    loop {
        async_utility::time::sleep(POLL_EVERY).await;
        let finalized = wallet.finalize_pending_melts().await?;
        if let Some(melted) = finalized
            .into_iter()
            .find(|melted| melted.quote_id() == quote_id)
        {
            return Ok((melted.state() == MeltQuoteState::Paid).then_some(melted));
        }
        let quote = wallet.check_melt_quote_status(quote_id).await?;
        if quote.state == MeltQuoteState::Unpaid || quote.state == MeltQuoteState::Failed {
            return Ok(None);
        }
    }
}

/// A NUT-17 subscription to one mint quote.
struct Subscription {
    // Kept so the connection stays open.
    _sender: WsSender,
    receiver: WsReceiver,
}

impl Subscription {
    /// Subscribes to `quote_id`'s state; `None` if the mint cannot be
    /// reached that way (the caller polls instead).
    async fn open(wallet: &Wallet, quote_id: &str) -> Option<Self> {
        let mut url = wallet.mint_url.join_paths(&["v1", "ws"]).ok()?;
        let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
        url.set_scheme(scheme).ok()?;
        let (mut sender, receiver) = ws::connect(url.as_str(), &[]).await.ok()?;
        let request = serde_json::json!({
            "jsonrpc": "2.0",
            "id": 0,
            "method": "subscribe",
            "params": {
                "kind": WsCommand::Bolt11MintQuote,
                "subId": uuid::Uuid::new_v4().to_string(),
                "filters": [quote_id],
            },
        });
        sender.send(request.to_string()).await.ok()?;
        Some(Self {
            _sender: sender,
            receiver,
        })
    }

    /// Waits for the next notification: `true` when one came, `false` when
    /// the connection closed or failed.
    async fn next_notification(&mut self) -> bool {
        while let Some(Ok(text)) = self.receiver.recv().await {
            let message: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            // Answers to the request carry an id; notifications a method.
            if message.get("method").is_some() {
                return true;
            }
        }
        false
    }
}
