//! The user's eCash across every trusted mint: one cdk [`Wallet`] per mint
//! (unit sat), all over one store and the seed's NUT-13 secrets.
//!
//! Nothing here waits on a timer of its own except [`Wallets::await_mint`],
//! for an invoice to be paid.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use cdk::amount::{Amount, SplitTarget};
use cdk::cdk_database::{self, WalletDatabase};
use cdk::lightning_invoice::Currency;
use cdk::mint_url::MintUrl;
use cdk::nuts::nut00::KnownMethod;
use cdk::nuts::{
    CurrencyUnit, MeltOptions, MintInfo, MintQuoteState, PaymentMethod, SecretKey,
    SpendingConditions, State,
};
use cdk::wallet::types::{
    KeysetLoadPolicy, MeltSagaState, OperationData, SendOperationData, Transaction,
    TransactionDirection, TransactionStatus, WalletSagaState,
};
use cdk::wallet::{
    BaseHttpClient, MeltOutcome, ReceiveOptions, SendOptions, Wallet, WalletBuilder,
};
use zeroize::Zeroizing;

use super::payment;
use super::token::{self, TokenError};
use super::transport::MintTransport;
use crate::invoice::{self, InvoiceError};
use crate::protocol::{
    EcashEntry, EcashKind, EcashState, MeltQuote, MintQuote, MintView, TokenPreview,
};

/// cdk's wallet database, shared by every mint's wallet.
pub type Store = Arc<dyn WalletDatabase<cdk_database::Error> + Send + Sync>;

/// How long a mint may take over one operation before the user is told.
/// Paying an invoice and waiting for one to be paid are exempt: Lightning
/// may take its time.
pub const MINT_PATIENCE: Duration = Duration::from_secs(30);

/// Where the wallet keeps its own settings in the store's key-value space.
const KV_NAMESPACE: &str = "flash";
const KV_SETTINGS: &str = "settings";
const KV_DEFAULT_MINT: &str = "default_mint";

/// Why an eCash operation failed. Shown to the user; every one of them
/// leaves the user's money where it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EcashError {
    #[error("\"{0}\" is not a mint address: it should look like https://mint.example.com")]
    BadMintUrl(String),
    #[error("{0} did not answer as a Cashu mint ({1})")]
    NotAMint(String, String),
    #[error("{0} is not one of your mints: add it first")]
    UnknownMint(String),
    #[error("this token is from {0}, a mint you have not used before")]
    UntrustedMint(String),
    #[error("{mint} could not be reached ({reason}); nothing was spent, try again later")]
    Unreachable { mint: String, reason: String },
    #[error(
        "{0} did not answer within {secs} s; nothing was lost: anything half done \
         is finished the next time the wallet opens",
        secs = MINT_PATIENCE.as_secs()
    )]
    Slow(String),
    #[error("{mint} refused: {reason}")]
    Refused { mint: String, reason: String },
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("the amount must be more than 0 sat")]
    ZeroAmount,
    #[error("not enough eCash at {mint}: {available} sat available")]
    InsufficientFunds { mint: String, available: u64 },
    #[error("this token was already spent: someone received it before you")]
    AlreadySpent,
    #[error("the mint's signature proof (DLEQ) on this token is wrong: it was not accepted")]
    BadDleq,
    #[error(transparent)]
    Invoice(#[from] InvoiceError),
    #[error("the Lightning payment failed; the eCash it would have spent is still yours")]
    PaymentFailed,
    #[error("the invoice expired before it was paid; ask for a new one")]
    Expired,
    #[error(
        "{mint} still holds {balance} sat of yours: spend or move it before removing the mint"
    )]
    HasBalance { mint: String, balance: u64 },
    #[error("the wallet's storage failed ({0}); nothing was changed")]
    Store(String),
}

/// What [`Wallets::settle_pending_melts`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettledMelts {
    /// Some melt was paid or failed: the balance and history changed.
    pub settled: bool,
    /// Melts the mints still report pending.
    pub pending: usize,
}

/// The user's eCash at every trusted mint.
pub struct Wallets {
    store: Store,
    seed: Zeroizing<[u8; 64]>,
    /// The chain the invoices it pays must be for.
    network: Currency,
    wallets: RefCell<BTreeMap<MintUrl, Wallet>>,
}

impl Wallets {
    /// The wallets of every mint in `store`, paying invoices for `network`
    /// (Bitcoin; regtest in `--dev`); no network yet.
    pub async fn open(
        store: Store,
        seed: Zeroizing<[u8; 64]>,
        network: Currency,
    ) -> Result<Self, EcashError> {
        let wallets = Self {
            store,
            seed,
            network,
            wallets: RefCell::default(),
        };
        let mints = wallets.store.get_mints().await.map_err(store_error)?;
        for url in mints.into_keys() {
            let wallet = wallets.build(url.clone())?;
            wallets.wallets.borrow_mut().insert(url, wallet);
        }
        Ok(wallets)
    }

    fn build(&self, url: MintUrl) -> Result<Wallet, EcashError> {
        let client = BaseHttpClient::with_transport(url.clone(), MintTransport::default(), None);
        WalletBuilder::new()
            .mint_url(url.clone())
            .unit(CurrencyUnit::Sat)
            .localstore(Arc::clone(&self.store))
            .seed(*self.seed)
            .client(client)
            // cdk's rate limiter runs a tokio task, which a browser worker
            // cannot spawn; the mint enforces its own limits anyway.
            .without_rate_limiting()
            .build()
            .map_err(|error| refused(&url, error))
    }

    /// The wallet of a trusted mint.
    fn wallet(&self, mint: &str) -> Result<Wallet, EcashError> {
        let url = parse_mint_url(mint)?;
        self.wallets
            .borrow()
            .get(&url)
            .cloned()
            .ok_or_else(|| EcashError::UnknownMint(url.to_string()))
    }

    fn all(&self) -> Vec<Wallet> {
        self.wallets.borrow().values().cloned().collect()
    }

    /// Finishes or undoes what a closed tab left half done, mints invoices
    /// paid meanwhile and asks the mints which pending proofs were spent.
    /// Returns what could not be done now (a mint offline): it stays
    /// pending and safe, and is tried again next time.
    pub async fn recover(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for wallet in self.all() {
            let mint = &wallet.mint_url;
            if let Err(error) = wallet.recover_incomplete_sagas().await {
                problems.push(format!("{mint}: {}", from_cdk(mint, error)));
                continue;
            }
            if let Err(error) = self.release_abandoned_reservations(mint).await {
                problems.push(format!("{mint}: {error}"));
            }
            if let Err(error) = wallet.mint_unissued_quotes().await {
                problems.push(format!("{mint}: {}", from_cdk(mint, error)));
            }
            if let Err(error) = wallet.check_all_pending_proofs().await {
                problems.push(format!("{mint}: {}", from_cdk(mint, error)));
                continue;
            }
            if let Err(error) = self.reclaim_undelivered(&wallet).await {
                problems.push(format!("{mint}: {error}"));
            }
        }
        problems
    }

    /// Frees proofs reserved for an operation that has no saga: cdk
    /// reserves a send's proofs before it records the send, so a tab closed
    /// in between leaves them reserved, unspendable, for ever. Runs before
    /// any operation of this session, so no live operation owns them.
    async fn release_abandoned_reservations(&self, mint: &MintUrl) -> Result<(), EcashError> {
        let owners: HashSet<_> = self
            .store
            .get_proofs(
                Some(mint.clone()),
                Some(CurrencyUnit::Sat),
                Some(vec![State::Reserved, State::Pending, State::PendingSpent]),
                None,
            )
            .await
            .map_err(store_error)?
            .into_iter()
            .filter_map(|info| info.used_by_operation)
            .collect();
        for operation in owners {
            if self
                .store
                .get_saga(&operation)
                .await
                .map_err(store_error)?
                .is_none()
            {
                self.store
                    .release_proofs(&operation)
                    .await
                    .map_err(store_error)?;
            }
        }
        Ok(())
    }

    /// Takes back proofs a send cut short left set aside for a token that
    /// was never shown: they belong to no operation and no pending send, so
    /// cdk would keep them pending (and unspendable) for ever.
    async fn reclaim_undelivered(&self, wallet: &Wallet) -> Result<(), EcashError> {
        let url = &wallet.mint_url;
        let sending: HashSet<_> = self
            .store
            .list_transactions(
                Some(url.clone()),
                Some(TransactionDirection::Outgoing),
                None,
            )
            .await
            .map_err(store_error)?
            .into_iter()
            .filter(|transaction| transaction.status == TransactionStatus::Pending)
            .flat_map(|transaction| transaction.ys)
            .collect();
        let undelivered: Vec<_> = self
            .store
            .get_proofs(
                Some(url.clone()),
                Some(CurrencyUnit::Sat),
                Some(vec![State::PendingSpent]),
                None,
            )
            .await
            .map_err(store_error)?
            .into_iter()
            .filter(|info| info.used_by_operation.is_none() && !sending.contains(&info.y))
            .map(|info| info.proof)
            .collect();
        if undelivered.is_empty() {
            return Ok(());
        }
        wallet
            .receive_proofs(undelivered, ReceiveOptions::default(), None, None)
            .await
            .map_err(|error| from_cdk(url, error))?;
        // The set-aside proofs are spent now: forget them.
        wallet
            .check_all_pending_proofs()
            .await
            .map_err(|error| from_cdk(url, error))?;
        Ok(())
    }

    /// Trusts the mint at `url` once it answers as a mint, finding any eCash
    /// the seed already holds there.
    pub async fn add_mint(&self, url: &str) -> Result<MintUrl, EcashError> {
        let url = parse_mint_url(url)?;
        // Adding a known mint again refreshes it, and completes an add that
        // a closed tab cut short.
        let known = self.wallets.borrow().get(&url).cloned();
        let wallet = match known {
            Some(wallet) => wallet,
            None => self.build(url.clone())?,
        };
        match wallet.fetch_mint_info().await {
            Ok(Some(_)) => {}
            Ok(None) => {
                return Err(EcashError::NotAMint(
                    url.to_string(),
                    "it sent no mint information".to_owned(),
                ))
            }
            Err(error) => return Err(EcashError::NotAMint(url.to_string(), error.to_string())),
        }
        // Keysets too, so tokens from this mint can be read right away.
        wallet
            .keysets(KeysetLoadPolicy::default())
            .await
            .map_err(|error| EcashError::NotAMint(url.to_string(), error.to_string()))?;
        // The seed may have been used at this mint before (the same words
        // in another browser): find that eCash, and move the NUT-13 counters
        // past it, or the next mint or swap would reuse its secrets and be
        // refused.
        wallet
            .restore()
            .await
            .map_err(|error| from_cdk(&url, error))?;
        self.wallets.borrow_mut().insert(url.clone(), wallet);
        if self.default_mint().await?.is_none() {
            self.set_default_mint(&url.to_string()).await?;
        }
        Ok(url)
    }

    /// Forgets a mint holding none of the user's money.
    pub async fn remove_mint(&self, url: &str) -> Result<(), EcashError> {
        let wallet = self.wallet(url)?;
        let balance = holdings(&wallet).await?;
        if balance > 0 {
            return Err(EcashError::HasBalance {
                mint: wallet.mint_url.to_string(),
                balance,
            });
        }
        self.store
            .remove_mint(wallet.mint_url.clone())
            .await
            .map_err(store_error)?;
        self.wallets.borrow_mut().remove(&wallet.mint_url);
        if self.default_mint().await?.as_deref() == Some(wallet.mint_url.to_string().as_str()) {
            let next = self.wallets.borrow().keys().next().cloned();
            match next {
                Some(next) => self.set_default_mint(&next.to_string()).await?,
                None => self
                    .store
                    .kv_remove(KV_NAMESPACE, KV_SETTINGS, KV_DEFAULT_MINT)
                    .await
                    .map_err(store_error)?,
            }
        }
        Ok(())
    }

    pub async fn default_mint(&self) -> Result<Option<String>, EcashError> {
        let stored = self
            .store
            .kv_read(KV_NAMESPACE, KV_SETTINGS, KV_DEFAULT_MINT)
            .await
            .map_err(store_error)?;
        Ok(stored.and_then(|bytes| String::from_utf8(bytes).ok()))
    }

    pub async fn set_default_mint(&self, url: &str) -> Result<(), EcashError> {
        let wallet = self.wallet(url)?;
        self.store
            .kv_write(
                KV_NAMESPACE,
                KV_SETTINGS,
                KV_DEFAULT_MINT,
                wallet.mint_url.to_string().as_bytes(),
            )
            .await
            .map_err(store_error)
    }

    /// Every trusted mint with its stored info and balances; no network.
    pub async fn mints(&self) -> Result<Vec<MintView>, EcashError> {
        let mut views = Vec::new();
        for wallet in self.all() {
            let info = self
                .store
                .get_mint(wallet.mint_url.clone())
                .await
                .map_err(store_error)?;
            let balance = wallet.total_balance().await.map_err(store_error)?;
            let pending = pending(&wallet).await?;
            views.push(mint_view(&wallet.mint_url, info, balance.into(), pending));
        }
        Ok(views)
    }

    /// A Lightning invoice for `amount` sat that `mint` turns into eCash.
    pub async fn request_mint(&self, mint: &str, amount: u64) -> Result<MintQuote, EcashError> {
        let wallet = self.wallet(mint)?;
        if amount == 0 {
            return Err(EcashError::ZeroAmount);
        }
        let quote = wallet
            .mint_quote(
                PaymentMethod::Known(KnownMethod::Bolt11),
                Some(Amount::from(amount)),
                None,
                None,
            )
            .await
            .map_err(|error| from_cdk(&wallet.mint_url, error))?;
        Ok(MintQuote {
            id: quote.id,
            mint: wallet.mint_url.to_string(),
            amount,
            invoice: quote.request,
            expiry: quote.expiry,
        })
    }

    /// Waits for the quote's invoice to be paid (see [`payment`]) and
    /// mints its eCash. Returns the sat minted.
    pub async fn await_mint(&self, mint: &str, quote_id: &str) -> Result<u64, EcashError> {
        let wallet = self.wallet(mint)?;
        let url = &wallet.mint_url;
        let notified = self
            .store
            .get_mint(url.clone())
            .await
            .map_err(store_error)?
            .is_some_and(|info| payment::notifies_payments(&info));
        let quote = payment::wait_until_paid(&wallet, quote_id, notified)
            .await
            .map_err(|error| from_cdk(url, error))?;
        match quote.state {
            MintQuoteState::Paid => {}
            // Minted already (another tab's request, or recovery).
            MintQuoteState::Issued => return Ok(quote.amount.map_or(0, u64::from)),
            MintQuoteState::Unpaid => return Err(EcashError::Expired),
        }
        let proofs = wallet
            .mint(quote_id, SplitTarget::default(), None)
            .await
            .map_err(|error| from_cdk(url, error))?;
        let minted = proofs
            .iter()
            .map(|proof| u64::from(proof.amount))
            .sum::<u64>();
        Ok(minted)
    }

    /// What paying `invoice` from `mint` would cost; `amount` sat only
    /// for an invoice without one (the mint must offer amountless melts).
    pub async fn quote_melt(
        &self,
        mint: &str,
        invoice: &str,
        amount: Option<u64>,
    ) -> Result<MeltQuote, EcashError> {
        let wallet = self.wallet(mint)?;
        let invoice = invoice::read(invoice, &self.network)?;
        let options = match invoice::payer_amount(&invoice, amount)? {
            None => None,
            Some(0) => return Err(EcashError::ZeroAmount),
            // Beyond any mint's limit anyway: the mint says so.
            Some(amount) => Some(MeltOptions::new_amountless(amount.saturating_mul(1000))),
        };
        let quote = wallet
            .melt_quote(
                PaymentMethod::Known(KnownMethod::Bolt11),
                invoice.to_string(),
                options,
                None,
            )
            .await
            .map_err(|error| from_cdk(&wallet.mint_url, error))?;
        Ok(MeltQuote {
            id: quote.id,
            mint: wallet.mint_url.to_string(),
            amount: quote.amount.into(),
            fee_reserve: quote.fee_reserve.into(),
            expiry: quote.expiry,
        })
    }

    /// Pays a quoted invoice. Returns the amount and the fee actually paid.
    pub async fn melt(&self, mint: &str, quote_id: &str) -> Result<(u64, u64), EcashError> {
        let wallet = self.wallet(mint)?;
        let url = &wallet.mint_url;
        let prepared = match wallet.prepare_melt(quote_id, HashMap::new()).await {
            Ok(prepared) => prepared,
            Err(error) => return Err(explain_shortfall(&wallet, error).await),
        };
        // cdk's own `confirm` awaits a pending payment over a subscription
        // that needs a tokio task, which a browser worker cannot spawn.
        let melted = match prepared
            .confirm_prefer_async()
            .await
            .map_err(|error| from_cdk(url, error))?
        {
            MeltOutcome::Paid(melted) => melted,
            MeltOutcome::Pending(pending) => {
                drop(pending);
                payment::wait_until_melted(&wallet, quote_id)
                    .await
                    .map_err(|error| from_cdk(url, error))?
                    .ok_or(EcashError::PaymentFailed)?
            }
        };
        Ok((melted.amount().into(), melted.fee_paid().into()))
    }

    /// Asks the mints about every melt they reported pending, this
    /// session's or a closed tab's: a paid one is finished (its change
    /// stored), a failed one gives its eCash back. Returns whether any
    /// settled, and how many are still pending (a mint out of reach keeps
    /// its own pending, safe, for the next try).
    pub async fn settle_pending_melts(&self) -> Result<SettledMelts, EcashError> {
        let mut settled = false;
        for wallet in self.all() {
            // A mint out of reach is asked again on the next round.
            if let Ok(finalized) = wallet.finalize_pending_melts().await {
                settled |= !finalized.is_empty();
            }
        }
        let pending = self
            .store
            .get_incomplete_sagas()
            .await
            .map_err(store_error)?
            .iter()
            .filter(|saga| {
                matches!(
                    saga.state,
                    WalletSagaState::Melt(
                        MeltSagaState::MeltRequested | MeltSagaState::PaymentPending
                    )
                )
            })
            .count();
        Ok(SettledMelts { settled, pending })
    }

    /// Takes `amount` sat out of `mint` as a token, locked to `lock_to` if
    /// given. Returns the token and the fee paid.
    pub async fn send(
        &self,
        mint: &str,
        amount: u64,
        lock_to: Option<&str>,
    ) -> Result<(String, u64), EcashError> {
        let wallet = self.wallet(mint)?;
        let url = &wallet.mint_url;
        if amount == 0 {
            return Err(EcashError::ZeroAmount);
        }
        let conditions = lock_to
            .map(token::recipient)
            .transpose()?
            .map(|key| SpendingConditions::new_p2pk(key, None));
        let options = SendOptions {
            conditions,
            // The receiver gets what the user typed; the sender pays fees.
            include_fee: true,
            ..SendOptions::default()
        };
        let prepared = match wallet.prepare_send(Amount::from(amount), options).await {
            Ok(prepared) => prepared,
            Err(error) => return Err(explain_shortfall(&wallet, error).await),
        };
        let fee = prepared.fee().into();
        let token = prepared
            .confirm(None)
            .await
            .map_err(|error| from_cdk(url, error))?;
        Ok((token.to_string(), fee))
    }

    /// What `text` holds, read offline.
    pub fn inspect(&self, text: &str) -> Result<TokenPreview, EcashError> {
        let token = token::parse(text)?;
        let mint = token
            .mint_url()
            .map_err(|e| TokenError::Damaged(e.to_string()))?;
        let amount = token
            .value()
            .map_err(|e| TokenError::Damaged(e.to_string()))?;
        let locked = token
            .spending_conditions()
            .is_ok_and(|conditions| !conditions.is_empty());
        Ok(TokenPreview {
            known_mint: self.wallets.borrow().contains_key(&mint),
            mint: mint.to_string(),
            amount: amount.into(),
            unit: token.unit().unwrap_or_default().to_string(),
            memo: token.memo().clone(),
            locked,
        })
    }

    /// Swaps a token into fresh proofs, signing with `keys` when it is
    /// locked to one of them. An unknown mint is refused unless `trust_mint`.
    pub async fn receive(
        &self,
        text: &str,
        trust_mint: bool,
        keys: Vec<SecretKey>,
    ) -> Result<(MintUrl, u64), EcashError> {
        let token = token::parse(text)?;
        let mint = token
            .mint_url()
            .map_err(|e| TokenError::Damaged(e.to_string()))?;
        if !self.wallets.borrow().contains_key(&mint) {
            if !trust_mint {
                return Err(EcashError::UntrustedMint(mint.to_string()));
            }
            self.add_mint(&mint.to_string()).await?;
        }
        let wallet = self.wallet(&mint.to_string())?;
        let options = ReceiveOptions {
            p2pk_signing_keys: keys,
            ..ReceiveOptions::default()
        };
        let amount = wallet
            .receive(&token.to_string(), options)
            .await
            .map_err(|error| from_cdk(&mint, error))?;
        Ok((mint, amount.into()))
    }

    /// Takes back a sent token nobody redeemed. Returns the sat reclaimed.
    pub async fn reclaim(&self, mint: &str, send: &str) -> Result<u64, EcashError> {
        let wallet = self.wallet(mint)?;
        let operation = send_operation(&wallet.mint_url, send)?;
        let amount = wallet
            .revoke_send(operation)
            .await
            .map_err(|error| from_cdk(&wallet.mint_url, error))?;
        Ok(amount.into())
    }

    /// The token of a send nobody redeemed yet, again, with its amount and
    /// fee: the user may have closed it before passing it on. cdk keeps it,
    /// sealed with the rest of the store, until the send is redeemed or
    /// taken back.
    pub async fn sent_token(
        &self,
        mint: &str,
        send: &str,
    ) -> Result<(String, u64, u64), EcashError> {
        let wallet = self.wallet(mint)?;
        let operation = send_operation(&wallet.mint_url, send)?;
        let gone = || EcashError::Refused {
            mint: wallet.mint_url.to_string(),
            reason: "that token was redeemed or taken back: there is nothing to show".to_owned(),
        };
        let saga = self
            .store
            .get_saga(&operation)
            .await
            .map_err(store_error)?
            .filter(|saga| saga.mint_url == wallet.mint_url)
            .ok_or_else(gone)?;
        let OperationData::Send(SendOperationData {
            amount,
            token: Some(token),
            ..
        }) = saga.data
        else {
            return Err(gone());
        };
        let fee = self
            .store
            .list_transactions(Some(wallet.mint_url.clone()), None, None)
            .await
            .map_err(store_error)?
            .iter()
            .find(|transaction| transaction.saga_id == Some(operation))
            .map_or(0, |transaction| transaction.fee.into());
        Ok((token, amount.into(), fee))
    }

    /// NUT-09/NUT-13 restore at every trusted mint; `progress` hears after
    /// each mint how many are done and the sat found so far.
    pub async fn restore(&self, progress: impl Fn(usize, usize, u64)) -> Result<u64, EcashError> {
        let wallets = self.all();
        let mut found = 0;
        for (done, wallet) in wallets.iter().enumerate() {
            let before = holdings(wallet).await?;
            wallet
                .restore()
                .await
                .map_err(|error| from_cdk(&wallet.mint_url, error))?;
            // cdk counts every unspent proof it derives, known or not; the
            // user wants to hear what is new.
            found += holdings(wallet).await?.saturating_sub(before);
            progress(done + 1, wallets.len(), found);
        }
        Ok(found)
    }

    /// Asks every mint which pending and reserved proofs were spent (NUT-07).
    pub async fn check(&self) -> Result<(), EcashError> {
        for wallet in self.all() {
            wallet
                .check_all_pending_proofs()
                .await
                .map_err(|error| from_cdk(&wallet.mint_url, error))?;
        }
        Ok(())
    }

    /// Every mint, melt, send and receive, newest first.
    pub async fn history(&self) -> Result<Vec<EcashEntry>, EcashError> {
        let mut transactions = self
            .store
            .list_transactions(None, None, None)
            .await
            .map_err(store_error)?;
        transactions.sort_by_key(|transaction| std::cmp::Reverse(transaction.timestamp));
        Ok(transactions.iter().map(entry).collect())
    }
}

/// `work` against `mint`, given up after [`MINT_PATIENCE`]. Abandoning a
/// cdk operation halfway is safe: its saga is recovered on the next open.
pub async fn patiently<T>(
    mint: &str,
    work: impl Future<Output = Result<T, EcashError>>,
) -> Result<T, EcashError> {
    // Boxed: cdk's futures are large, and nested in a timeout they would
    // overflow a thread's (or the wasm) stack.
    async_utility::time::timeout(Some(MINT_PATIENCE), Box::pin(work))
        .await
        .unwrap_or_else(|| Err(EcashError::Slow(mint.trim().to_owned())))
}

/// Sat not spendable right now but still the user's: in payments or swaps
/// in flight, and in tokens sent but not yet redeemed.
async fn pending(wallet: &Wallet) -> Result<u64, EcashError> {
    let proofs = wallet
        .get_proofs_by_states(vec![State::Pending, State::Reserved, State::PendingSpent])
        .await
        .map_err(store_error)?;
    Ok(proofs.iter().map(|proof| u64::from(proof.amount)).sum())
}

/// Everything the user holds at a wallet's mint, spendable or pending.
async fn holdings(wallet: &Wallet) -> Result<u64, EcashError> {
    let spendable = wallet.total_balance().await.map_err(store_error)?;
    Ok(u64::from(spendable) + pending(wallet).await?)
}

/// `error` in words, with the balance when the wallet had too little.
async fn explain_shortfall(wallet: &Wallet, error: cdk::Error) -> EcashError {
    match from_cdk(&wallet.mint_url, error) {
        EcashError::InsufficientFunds { mint, .. } => EcashError::InsufficientFunds {
            mint,
            available: wallet.total_balance().await.map_or(0, u64::from),
        },
        other => other,
    }
}

/// The send `send` names, as the history gave it.
fn send_operation(mint: &MintUrl, send: &str) -> Result<uuid::Uuid, EcashError> {
    uuid::Uuid::from_str(send).map_err(|_| EcashError::Refused {
        mint: mint.to_string(),
        reason: "that is not a sent token of this wallet".to_owned(),
    })
}

fn entry(transaction: &Transaction) -> EcashEntry {
    let kind = match (transaction.direction, transaction.quote_id.is_some()) {
        (TransactionDirection::Incoming, true) => EcashKind::Mint,
        (TransactionDirection::Incoming, false) => EcashKind::Receive,
        (TransactionDirection::Outgoing, true) => EcashKind::Melt,
        (TransactionDirection::Outgoing, false) => EcashKind::Send,
    };
    let state = match transaction.status {
        TransactionStatus::Pending => EcashState::Pending,
        TransactionStatus::Completed => EcashState::Done,
        TransactionStatus::Failed => EcashState::Failed,
    };
    let reclaim = (kind == EcashKind::Send && state == EcashState::Pending)
        .then(|| transaction.saga_id.map(|saga| saga.to_string()))
        .flatten();
    EcashEntry {
        id: transaction.id().to_string(),
        mint: transaction.mint_url.to_string(),
        kind,
        amount: transaction.amount.into(),
        fee: transaction.fee.into(),
        time: transaction.timestamp,
        state,
        memo: transaction.memo.clone(),
        reclaim,
    }
}

fn mint_view(url: &MintUrl, info: Option<MintInfo>, balance: u64, pending: u64) -> MintView {
    let info = info.unwrap_or_default();
    let nuts = serde_json::to_value(&info.nuts)
        .ok()
        .and_then(|nuts| {
            nuts.as_object().map(|nuts| {
                nuts.keys()
                    .filter_map(|nut| nut.parse::<u8>().ok())
                    .collect::<Vec<_>>()
            })
        })
        .unwrap_or_default();
    let units = info
        .supported_units()
        .into_iter()
        .map(|unit| unit.to_string())
        .collect();
    MintView {
        url: url.to_string(),
        name: info.name,
        description: info.description,
        contact: info
            .contact
            .unwrap_or_default()
            .into_iter()
            .map(|contact| format!("{}: {}", contact.method, contact.info))
            .collect(),
        nuts,
        units,
        balance,
        pending,
    }
}

/// A mint URL as typed: `https://` is assumed when no scheme is given.
pub fn parse_mint_url(text: &str) -> Result<MintUrl, EcashError> {
    let text = text.trim();
    let with_scheme = if text.contains("://") {
        text.to_owned()
    } else {
        format!("https://{text}")
    };
    let bad = || EcashError::BadMintUrl(text.to_owned());
    let parsed = url::Url::parse(&with_scheme).map_err(|_| bad())?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(bad());
    }
    MintUrl::from_str(&with_scheme).map_err(|_| bad())
}

/// A failure reading or writing the wallet's store (cdk's or ours).
fn store_error(error: impl std::fmt::Display) -> EcashError {
    EcashError::Store(error.to_string())
}

fn refused(url: &MintUrl, error: impl std::fmt::Display) -> EcashError {
    EcashError::Refused {
        mint: url.to_string(),
        reason: error.to_string(),
    }
}

/// Words for what cdk reports.
fn from_cdk(url: &MintUrl, error: cdk::Error) -> EcashError {
    use cdk::Error;
    match error {
        Error::InsufficientFunds => EcashError::InsufficientFunds {
            mint: url.to_string(),
            available: 0,
        },
        Error::TokenAlreadySpent => EcashError::AlreadySpent,
        Error::CouldNotVerifyDleq | Error::NUT12(_) => EcashError::BadDleq,
        Error::ExpiredQuote(..) => EcashError::Expired,
        Error::Invoice(error) => InvoiceError::NotAnInvoice(error.to_string()).into(),
        Error::InvalidInvoice => {
            InvoiceError::NotAnInvoice("it could not be read".to_owned()).into()
        }
        Error::HttpError(_, reason) => EcashError::Unreachable {
            mint: url.to_string(),
            reason,
        },
        Error::Database(error) => store_error(error),
        other => refused(url, other),
    }
}
