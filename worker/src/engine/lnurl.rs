//! Paying a Lightning address or LNURL-pay code: what its server offers,
//! then its invoice, checked against the offer (see [`crate::lnurl`]); the
//! invoice is paid as any other, from the account or a mint. A zap's
//! request is signed by whatever signs for the user (see [`crate::zaps`]).

use super::{Engine, ProfileStores};
use crate::lnurl::{self, LnurlError};
use crate::protocol::{EngineError, PayeeOffer, Reply, Zap};
use crate::zaps::{self, ZapError};
use crate::{fetch, invoice};

impl<P: ProfileStores> Engine<P> {
    pub(super) async fn read_payee(&self, payee: &str) -> Result<Reply, EngineError> {
        let url = lnurl::read(payee)?;
        let offer = lnurl::offer(&client(&url)?, &url, payee).await?;
        Ok(Reply::Payee { offer })
    }

    pub(super) async fn payee_invoice(
        &self,
        offer: &PayeeOffer,
        amount: u64,
        comment: &str,
        zap: Option<&Zap>,
    ) -> Result<Reply, EngineError> {
        let url = lnurl::read(&offer.payee)?;
        let zap_request = match zap {
            Some(zap) => Some(self.zap_request(offer, &url, amount, comment, zap).await?),
            None => None,
        };
        let found = lnurl::invoice(
            &client(&url)?,
            offer,
            amount,
            comment,
            zap_request.as_deref(),
            &self.env.network,
        )
        .await?;
        Ok(Reply::PayeeInvoice {
            invoice: found.to_string(),
            details: invoice::details(&found),
        })
    }

    /// The signed zap request for paying `amount` sat to `offer` (found at
    /// `url`), its receipt asked for on the user's read relays.
    async fn zap_request(
        &self,
        offer: &PayeeOffer,
        url: &url::Url,
        amount: u64,
        comment: &str,
        zap: &Zap,
    ) -> Result<String, EngineError> {
        if offer.nostr_pubkey.is_none() {
            return Err(LnurlError::from(ZapError::NotTaken).into());
        }
        // Nothing is signed for what the server would not take.
        lnurl::check(offer, amount, comment)?;
        let signer = self.session.borrow().signer().ok_or_else(|| {
            LnurlError::from(ZapError::Signer(
                "nothing signs for you yet: a remote signer may still be connecting, or this \
                 profile is read-only"
                    .to_owned(),
            ))
        })?;
        let relays = self.stored_relays().await?;
        let relays = relays
            .entries()
            .iter()
            .filter(|entry| entry.read)
            .map(|entry| entry.url.clone())
            .collect();
        let asked = zaps::Asked {
            zap,
            relays,
            msat: amount.saturating_mul(1000),
            lnurl: lnurl::bech32(url),
            message: comment.trim(),
        };
        Ok(zaps::request(signer.as_ref(), asked)
            .await
            .map_err(LnurlError::from)?)
    }
}

fn client(url: &url::Url) -> Result<reqwest::Client, LnurlError> {
    fetch::client().map_err(|error| LnurlError::Unreachable {
        host: url.host_str().unwrap_or_default().to_owned(),
        reason: error.to_string(),
    })
}
