//! Moving money between the account and a mint, in one step each way.
//!
//! Each step is one of the account's or eCash's own operations, and each of
//! those writes what it is about to do before its network call: a move cut
//! short by a closed tab is finished by their recoveries at the next unlock
//! (the account asks again for its payment; eCash mints a paid quote, or
//! finishes its melt), never lost between the two wallets.

use super::account::AccountService;
use super::ecash::EcashService;
use super::Engine;
use crate::account::AccountError;
use crate::ecash::wallet::patiently;
use crate::profiles::ProfileStores;
use crate::protocol::{EcashState, EngineError, Reply};

impl<P: ProfileStores> Engine<P> {
    /// The account pays a quote of `mint`, then the eCash is minted.
    pub(super) async fn move_to_ecash(
        &self,
        account: &AccountService,
        ecash: &EcashService,
        mint: &str,
        amount: u64,
    ) -> Result<Reply, EngineError> {
        let wallets = self.wallets(ecash).await?;
        let quote = patiently(mint, wallets.request_mint(mint, amount)).await?;
        let payment = self.account_pays(account, &quote.invoice, None).await?;
        if payment.state == EcashState::Failed {
            return Err(AccountError::refused(
                "payment_failed",
                &payment.failure.unwrap_or_default(),
            )
            .into());
        }
        // A payment still pending is waited for here: the mint marks its
        // quote paid when it settles.
        let minted = wallets.await_mint(mint, &quote.id).await;
        self.push_ecash(ecash, &wallets).await;
        Ok(Reply::Moved {
            amount: minted?,
            fee: payment.fee,
        })
    }

    /// `mint` pays an invoice of the account.
    pub(super) async fn move_to_account(
        &self,
        account: &AccountService,
        ecash: &EcashService,
        mint: &str,
        amount: u64,
    ) -> Result<Reply, EngineError> {
        if amount == 0 {
            return Err(EngineError::Invalid {
                field: None,
                message: "say how many sat to move: more than 0".to_owned(),
            });
        }
        let wallets = self.wallets(ecash).await?;
        let invoice = self.account_invoice(account, amount, "From eCash").await?;
        let quote = patiently(mint, wallets.quote_melt(mint, &invoice.invoice, None)).await?;
        let melted = wallets.melt(mint, &quote.id).await;
        // The balance changed even if the payment's outcome is unclear.
        self.push_ecash(ecash, &wallets).await;
        let (amount, fee) = melted?;
        Ok(Reply::Moved { amount, fee })
    }
}
