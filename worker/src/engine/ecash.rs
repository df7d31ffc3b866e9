//! The eCash service: the session's wallets, and the commands it answers.
//!
//! The wallets open on the first eCash command after unlocking: the seed
//! comes out of the vault, the store opens under its own key (kept in the
//! vault), and whatever a closed tab left half done is finished before the
//! command is answered. The service lives in the unlocked session, so a
//! lock drops the wallets with every command still using them: the next
//! session opens the store afresh and alone.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use futures::lock::Mutex;
use zeroize::Zeroizing;

use super::error::storage_error;
use super::identity::{opened_mut, MNEMONIC};
use super::Engine;
use crate::ecash::store::CashuStore;
use crate::ecash::wallet::{patiently, Wallets};
use crate::identity::{cashu::CashuSeed, mnemonic};
use crate::profiles::ProfileStores;
use crate::protocol::{Command, EcashWallet, EngineError, Event, Reply};
use crate::vault::{seal, VaultState};

/// How long [`Command::WatchEcash`] waits before asking the mints again
/// about a pending melt, at first and at most.
const WATCH_FIRST: Duration = Duration::from_secs(1);
const WATCH_MOST: Duration = Duration::from_secs(30);

/// The vault secret holding the eCash store's sealing key.
const ECASH_STORE_KEY: &str = "ecash_store_key";

/// One session's eCash.
#[derive(Default)]
pub(super) struct EcashService {
    /// The wallets, opened on first use.
    wallets: RefCell<Option<Rc<Wallets>>>,
    /// Serialises opening the wallets.
    opening: Mutex<()>,
    /// What recovery could not finish when the wallets opened.
    problems: RefCell<Vec<String>>,
}

impl<P: ProfileStores> Engine<P> {
    /// Answers one eCash command.
    pub(super) async fn answer_ecash(
        &self,
        ecash: &EcashService,
        command: Command,
    ) -> Result<Reply, EngineError> {
        match command {
            Command::GetEcash => self.ecash_reply(ecash).await,
            Command::AddMint { url } => self.add_mint(ecash, &url).await,
            Command::RemoveMint { url } => self.remove_mint(ecash, &url).await,
            Command::SetDefaultMint { url } => self.set_default_mint(ecash, &url).await,
            Command::RequestMint { mint, amount } => self.request_mint(ecash, &mint, amount).await,
            Command::AwaitMint { mint, quote } => self.await_mint(ecash, &mint, &quote).await,
            Command::QuoteMelt {
                mint,
                invoice,
                amount,
            } => self.quote_melt(ecash, &mint, &invoice, amount).await,
            Command::Melt { mint, quote } => self.melt(ecash, &mint, &quote).await,
            Command::SendToken {
                mint,
                amount,
                lock_to,
            } => {
                self.send_token(ecash, &mint, amount, lock_to.as_deref())
                    .await
            }
            Command::InspectToken { token } => self.inspect_token(ecash, token.expose()).await,
            Command::ReceiveToken { token, trust_mint } => {
                self.receive_token(ecash, token.expose(), trust_mint).await
            }
            Command::ReclaimToken { mint, send } => self.reclaim_token(ecash, &mint, &send).await,
            Command::ShowSentToken { mint, send } => {
                self.show_sent_token(ecash, &mint, &send).await
            }
            Command::RestoreEcash => self.restore_ecash(ecash).await,
            Command::CheckProofs => self.check_proofs(ecash).await,
            Command::EcashHistory => self.ecash_history(ecash).await,
            Command::WatchEcash => self.watch_ecash(ecash).await,
            // The dispatch routes only eCash commands here.
            other => Err(EngineError::Invalid {
                field: None,
                message: format!("not an eCash command: {other:?}"),
            }),
        }
    }

    async fn ecash_reply(&self, ecash: &EcashService) -> Result<Reply, EngineError> {
        Ok(Reply::Ecash {
            wallet: self
                .ecash_overview(ecash, &*self.wallets(ecash).await?)
                .await?,
        })
    }

    async fn ecash_overview(
        &self,
        ecash: &EcashService,
        wallets: &Wallets,
    ) -> Result<EcashWallet, EngineError> {
        let mints = wallets.mints().await?;
        Ok(EcashWallet {
            total: mints.iter().map(|mint| mint.balance).sum(),
            pending: mints.iter().map(|mint| mint.pending).sum(),
            default_mint: wallets.default_mint().await?,
            suggested_mints: self.env.mints.clone(),
            problems: ecash.problems.borrow().clone(),
            mints,
        })
    }

    /// Pushes the wallet's new state, for screens showing a balance.
    pub(super) async fn push_ecash(&self, ecash: &EcashService, wallets: &Wallets) {
        if let Ok(wallet) = self.ecash_overview(ecash, wallets).await {
            self.push(Event::Ecash { wallet });
        }
    }

    /// The open wallets, opening (and recovering) them on first use.
    pub(super) async fn wallets(&self, ecash: &EcashService) -> Result<Rc<Wallets>, EngineError> {
        // Held while opening and recovering, so two commands never open the
        // wallets twice; the vault itself is held only to read secrets, so
        // locking never waits on a slow mint.
        let _opening = ecash.opening.lock().await;
        if let Some(wallets) = ecash.wallets.borrow().clone() {
            return Ok(wallets);
        }
        let (seed, key) = self.ecash_secrets().await?;
        let profile = self.current.borrow().clone().ok_or(EngineError::NoWallet)?;
        let persistence = self
            .profiles
            .open_cashu(&profile, key)
            .await
            .map_err(storage_error)?;
        let store = CashuStore::open(persistence).await.map_err(storage_error)?;
        let wallets =
            Rc::new(Wallets::open(Arc::new(store), seed, self.env.network.clone()).await?);
        *ecash.problems.borrow_mut() = wallets.recover().await;
        // Locked meanwhile: these wallets belong to a closed session.
        if !self.is_unlocked().await {
            return Err(EngineError::Locked);
        }
        *ecash.wallets.borrow_mut() = Some(Rc::clone(&wallets));
        Ok(wallets)
    }

    /// The seed for NUT-13 secrets and the store's sealing key (made on
    /// first use), from the unlocked vault.
    async fn ecash_secrets(
        &self,
    ) -> Result<(Zeroizing<[u8; 64]>, Zeroizing<[u8; 32]>), EngineError> {
        let mut guard = self.vault.lock().await;
        let vault = opened_mut(&mut guard)?;
        if vault.state() != VaultState::Unlocked {
            return Err(EngineError::Locked);
        }
        let phrase = vault
            .secret(MNEMONIC)
            .await?
            .ok_or_else(|| EngineError::Ecash {
                message: "eCash needs a wallet seed, and this profile has none: create one in \
                          Settings first"
                    .to_owned(),
            })?;
        let phrase = Zeroizing::new(String::from_utf8_lossy(&phrase).into_owned());
        let mnemonic = mnemonic::parse(&phrase).map_err(|error| EngineError::Invalid {
            field: None,
            message: error.to_string(),
        })?;
        let seed = Zeroizing::new(*CashuSeed::from_mnemonic(&mnemonic).bytes());
        let key = match vault.secret(ECASH_STORE_KEY).await? {
            Some(key) => {
                let mut fixed = Zeroizing::new([0u8; 32]);
                if key.len() != fixed.len() {
                    return Err(EngineError::Storage {
                        message: "the eCash store's key is damaged".to_owned(),
                    });
                }
                fixed.copy_from_slice(&key);
                fixed
            }
            None => {
                let key = seal::random_key().map_err(storage_error)?;
                vault.put_secret(ECASH_STORE_KEY, key.as_ref()).await?;
                key
            }
        };
        Ok((seed, key))
    }

    async fn is_unlocked(&self) -> bool {
        let guard = self.vault.lock().await;
        guard
            .as_ref()
            .is_some_and(|vault| vault.state() == VaultState::Unlocked)
    }

    async fn add_mint(&self, ecash: &EcashService, url: &str) -> Result<Reply, EngineError> {
        let wallets = self.wallets(ecash).await?;
        patiently(url, wallets.add_mint(url)).await?;
        self.ecash_reply(ecash).await
    }

    async fn remove_mint(&self, ecash: &EcashService, url: &str) -> Result<Reply, EngineError> {
        let wallets = self.wallets(ecash).await?;
        wallets.remove_mint(url).await?;
        self.ecash_reply(ecash).await
    }

    async fn set_default_mint(
        &self,
        ecash: &EcashService,
        url: &str,
    ) -> Result<Reply, EngineError> {
        let wallets = self.wallets(ecash).await?;
        wallets.set_default_mint(url).await?;
        self.ecash_reply(ecash).await
    }

    async fn request_mint(
        &self,
        ecash: &EcashService,
        mint: &str,
        amount: u64,
    ) -> Result<Reply, EngineError> {
        let wallets = self.wallets(ecash).await?;
        let quote = patiently(mint, wallets.request_mint(mint, amount)).await?;
        Ok(Reply::MintQuote { quote })
    }

    async fn await_mint(
        &self,
        ecash: &EcashService,
        mint: &str,
        quote: &str,
    ) -> Result<Reply, EngineError> {
        let wallets = self.wallets(ecash).await?;
        let amount = wallets.await_mint(mint, quote).await?;
        self.push_ecash(ecash, &wallets).await;
        Ok(Reply::Minted {
            mint: mint.to_owned(),
            amount,
        })
    }

    async fn quote_melt(
        &self,
        ecash: &EcashService,
        mint: &str,
        invoice: &str,
        amount: Option<u64>,
    ) -> Result<Reply, EngineError> {
        let wallets = self.wallets(ecash).await?;
        let quote = patiently(mint, wallets.quote_melt(mint, invoice, amount)).await?;
        Ok(Reply::MeltQuote { quote })
    }

    async fn melt(
        &self,
        ecash: &EcashService,
        mint: &str,
        quote: &str,
    ) -> Result<Reply, EngineError> {
        let wallets = self.wallets(ecash).await?;
        let outcome = wallets.melt(mint, quote).await;
        // The balance changed even if the payment's outcome is unclear.
        self.push_ecash(ecash, &wallets).await;
        let (amount, fee) = outcome?;
        Ok(Reply::Melted { amount, fee })
    }

    async fn send_token(
        &self,
        ecash: &EcashService,
        mint: &str,
        amount: u64,
        lock_to: Option<&str>,
    ) -> Result<Reply, EngineError> {
        let wallets = self.wallets(ecash).await?;
        let (token, fee) = patiently(mint, wallets.send(mint, amount, lock_to)).await?;
        self.push_ecash(ecash, &wallets).await;
        Ok(Reply::Token {
            token: token.into(),
            amount,
            fee,
        })
    }

    async fn inspect_token(&self, ecash: &EcashService, token: &str) -> Result<Reply, EngineError> {
        let wallets = self.wallets(ecash).await?;
        let preview = wallets.inspect(token)?;
        Ok(Reply::TokenPreview { preview })
    }

    async fn receive_token(
        &self,
        ecash: &EcashService,
        token: &str,
        trust_mint: bool,
    ) -> Result<Reply, EngineError> {
        let wallets = self.wallets(ecash).await?;
        // A token locked to the user's NOSTR key is signed with it.
        let keys = self
            .session
            .borrow()
            .secret_key_bytes()
            .and_then(|bytes| cdk::nuts::SecretKey::from_slice(bytes.as_ref()).ok())
            .into_iter()
            .collect();
        // The token names its mint, for the message if that mint is slow.
        let from = wallets.inspect(token).map(|preview| preview.mint)?;
        let (mint, amount) = patiently(&from, wallets.receive(token, trust_mint, keys)).await?;
        self.push_ecash(ecash, &wallets).await;
        Ok(Reply::Received {
            mint: mint.to_string(),
            amount,
        })
    }

    async fn reclaim_token(
        &self,
        ecash: &EcashService,
        mint: &str,
        send: &str,
    ) -> Result<Reply, EngineError> {
        let wallets = self.wallets(ecash).await?;
        patiently(mint, wallets.reclaim(mint, send)).await?;
        self.ecash_reply(ecash).await
    }

    async fn show_sent_token(
        &self,
        ecash: &EcashService,
        mint: &str,
        send: &str,
    ) -> Result<Reply, EngineError> {
        let wallets = self.wallets(ecash).await?;
        let (token, amount, fee) = wallets.sent_token(mint, send).await?;
        Ok(Reply::Token {
            token: token.into(),
            amount,
            fee,
        })
    }

    async fn restore_ecash(&self, ecash: &EcashService) -> Result<Reply, EngineError> {
        let wallets = self.wallets(ecash).await?;
        let amount = wallets
            .restore(|done, of, amount| self.push(Event::Restoring { done, of, amount }))
            .await?;
        self.push_ecash(ecash, &wallets).await;
        Ok(Reply::Restored { amount })
    }

    async fn check_proofs(&self, ecash: &EcashService) -> Result<Reply, EngineError> {
        let wallets = self.wallets(ecash).await?;
        wallets.check().await?;
        self.ecash_reply(ecash).await
    }

    /// Follows the melts the mints reported pending until none is: asked
    /// at once, then after [`WATCH_FIRST`], the wait doubling up to
    /// [`WATCH_MOST`] (a payee may hold a payment for hours).
    async fn watch_ecash(&self, ecash: &EcashService) -> Result<Reply, EngineError> {
        let wallets = self.wallets(ecash).await?;
        let mut wait = WATCH_FIRST;
        loop {
            let round = wallets.settle_pending_melts().await?;
            if round.settled {
                self.push_ecash(ecash, &wallets).await;
            }
            if round.pending == 0 {
                return Ok(Reply::Done);
            }
            async_utility::time::sleep(wait).await;
            wait = (wait * 2).min(WATCH_MOST);
        }
    }

    async fn ecash_history(&self, ecash: &EcashService) -> Result<Reply, EngineError> {
        let wallets = self.wallets(ecash).await?;
        let entries = wallets.history().await?;
        Ok(Reply::EcashHistory { entries })
    }
}
