//! Paying a Lightning address or LNURL-pay code: what its server offers,
//! then its invoice, checked against the offer (see [`crate::lnurl`]); the
//! invoice is paid as any other, from the account or a mint.

use super::{Engine, ProfileStores};
use crate::lnurl::{self, LnurlError};
use crate::protocol::{EngineError, PayeeOffer, Reply};
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
    ) -> Result<Reply, EngineError> {
        let url = lnurl::read(&offer.payee)?;
        let found =
            lnurl::invoice(&client(&url)?, offer, amount, comment, &self.env.network).await?;
        Ok(Reply::PayeeInvoice {
            invoice: found.to_string(),
            details: invoice::details(&found),
        })
    }
}

fn client(url: &url::Url) -> Result<reqwest::Client, LnurlError> {
    fetch::client().map_err(|error| LnurlError::Unreachable {
        host: url.host_str().unwrap_or_default().to_owned(),
        reason: error.to_string(),
    })
}
