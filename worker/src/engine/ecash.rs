//! eCash commands.
//!
//! The wallets open on the first eCash command after unlocking: the seed
//! comes out of the vault, the store opens under its own key (kept in the
//! vault), and whatever a closed tab left half done is finished before the
//! command is answered. Locking forgets them.

use std::rc::Rc;
use std::sync::Arc;

use zeroize::Zeroizing;

use super::identity::{opened_mut, vault_error, MNEMONIC};
use super::profiles::storage_error;
use super::Engine;
use crate::ecash::store::CashuStore;
use crate::ecash::wallet::{patiently, EcashError, Wallets};
use crate::identity::{cashu::CashuSeed, mnemonic};
use crate::profiles::ProfileStores;
use crate::protocol::{EcashWallet, EngineError, Event, Reply};
use crate::vault::{seal, VaultState};

/// The vault secret holding the eCash store's sealing key.
const ECASH_STORE_KEY: &str = "ecash_store_key";

impl<P: ProfileStores> Engine<P> {
    pub(super) async fn ecash_reply(&self) -> Result<Reply, EngineError> {
        Ok(Reply::Ecash {
            wallet: self.ecash_overview(&*self.wallets().await?).await?,
        })
    }

    pub(super) async fn ecash_overview(
        &self,
        wallets: &Wallets,
    ) -> Result<EcashWallet, EngineError> {
        let mints = wallets.mints().await.map_err(ecash_error)?;
        Ok(EcashWallet {
            total: mints.iter().map(|mint| mint.balance).sum(),
            pending: mints.iter().map(|mint| mint.pending).sum(),
            default_mint: wallets.default_mint().await.map_err(ecash_error)?,
            suggested_mints: self.env.mints.clone(),
            problems: self.ecash_problems.borrow().clone(),
            mints,
        })
    }

    /// Pushes the wallet's new state, for screens showing a balance.
    pub(super) async fn push_ecash(&self, wallets: &Wallets) {
        if let Ok(wallet) = self.ecash_overview(wallets).await {
            self.push(Event::Ecash { wallet });
        }
    }

    /// The open wallets, opening (and recovering) them on first use.
    pub(super) async fn wallets(&self) -> Result<Rc<Wallets>, EngineError> {
        // Held while opening and recovering, so two commands never open the
        // wallets twice; the vault itself is held only to read secrets, so
        // locking never waits on a slow mint.
        let _opening = self.ecash_opening.lock().await;
        if let Some(wallets) = self.ecash.borrow().clone() {
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
        let wallets = Rc::new(
            Wallets::open(Arc::new(store), seed)
                .await
                .map_err(ecash_error)?,
        );
        *self.ecash_problems.borrow_mut() = wallets.recover().await;
        // Locked meanwhile: these wallets belong to a closed session.
        if !self.is_unlocked().await {
            return Err(EngineError::Locked);
        }
        *self.ecash.borrow_mut() = Some(Rc::clone(&wallets));
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
            .await
            .map_err(vault_error)?
            .ok_or_else(|| EngineError::Ecash {
                message: "eCash needs a wallet seed, and this profile has none: create one in \
                          Settings first"
                    .to_owned(),
            })?;
        let phrase = Zeroizing::new(String::from_utf8_lossy(&phrase).into_owned());
        let mnemonic = mnemonic::parse(&phrase).map_err(|error| EngineError::Invalid {
            message: error.to_string(),
        })?;
        let seed = Zeroizing::new(*CashuSeed::from_mnemonic(&mnemonic).bytes());
        let key = match vault.secret(ECASH_STORE_KEY).await.map_err(vault_error)? {
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
                vault
                    .put_secret(ECASH_STORE_KEY, key.as_ref())
                    .await
                    .map_err(vault_error)?;
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

    /// Forgets the wallets (on lock).
    pub(super) fn close_ecash(&self) {
        self.ecash.borrow_mut().take();
        self.ecash_problems.borrow_mut().clear();
    }

    pub(super) async fn add_mint(&self, url: &str) -> Result<Reply, EngineError> {
        let wallets = self.wallets().await?;
        patiently(url, wallets.add_mint(url))
            .await
            .map_err(ecash_error)?;
        self.ecash_reply().await
    }

    pub(super) async fn remove_mint(&self, url: &str) -> Result<Reply, EngineError> {
        let wallets = self.wallets().await?;
        wallets.remove_mint(url).await.map_err(ecash_error)?;
        self.ecash_reply().await
    }

    pub(super) async fn set_default_mint(&self, url: &str) -> Result<Reply, EngineError> {
        let wallets = self.wallets().await?;
        wallets.set_default_mint(url).await.map_err(ecash_error)?;
        self.ecash_reply().await
    }

    pub(super) async fn request_mint(&self, mint: &str, amount: u64) -> Result<Reply, EngineError> {
        let wallets = self.wallets().await?;
        let quote = patiently(mint, wallets.request_mint(mint, amount))
            .await
            .map_err(ecash_error)?;
        Ok(Reply::MintQuote { quote })
    }

    pub(super) async fn await_mint(&self, mint: &str, quote: &str) -> Result<Reply, EngineError> {
        let wallets = self.wallets().await?;
        let amount = wallets.await_mint(mint, quote).await.map_err(ecash_error)?;
        self.push_ecash(&wallets).await;
        Ok(Reply::Minted {
            mint: mint.to_owned(),
            amount,
        })
    }

    pub(super) async fn quote_melt(&self, mint: &str, invoice: &str) -> Result<Reply, EngineError> {
        let wallets = self.wallets().await?;
        let quote = patiently(mint, wallets.quote_melt(mint, invoice))
            .await
            .map_err(ecash_error)?;
        Ok(Reply::MeltQuote { quote })
    }

    pub(super) async fn melt(&self, mint: &str, quote: &str) -> Result<Reply, EngineError> {
        let wallets = self.wallets().await?;
        let outcome = wallets.melt(mint, quote).await;
        // The balance changed even if the payment's outcome is unclear.
        self.push_ecash(&wallets).await;
        let (amount, fee) = outcome.map_err(ecash_error)?;
        Ok(Reply::Melted { amount, fee })
    }

    pub(super) async fn send_token(
        &self,
        mint: &str,
        amount: u64,
        lock_to: Option<&str>,
    ) -> Result<Reply, EngineError> {
        let wallets = self.wallets().await?;
        let (token, fee) = patiently(mint, wallets.send(mint, amount, lock_to))
            .await
            .map_err(ecash_error)?;
        self.push_ecash(&wallets).await;
        Ok(Reply::Token { token, amount, fee })
    }

    pub(super) async fn inspect_token(&self, token: &str) -> Result<Reply, EngineError> {
        let wallets = self.wallets().await?;
        let preview = wallets.inspect(token).map_err(ecash_error)?;
        Ok(Reply::TokenPreview { preview })
    }

    pub(super) async fn receive_token(
        &self,
        token: &str,
        trust_mint: bool,
    ) -> Result<Reply, EngineError> {
        let wallets = self.wallets().await?;
        // A token locked to the user's NOSTR key is signed with it.
        let keys = self
            .session
            .borrow()
            .secret_key_bytes()
            .and_then(|bytes| cdk::nuts::SecretKey::from_slice(bytes.as_ref()).ok())
            .into_iter()
            .collect();
        // The token names its mint, for the message if that mint is slow.
        let from = wallets
            .inspect(token)
            .map(|preview| preview.mint)
            .map_err(ecash_error)?;
        let (mint, amount) = patiently(&from, wallets.receive(token, trust_mint, keys))
            .await
            .map_err(ecash_error)?;
        self.push_ecash(&wallets).await;
        Ok(Reply::Received {
            mint: mint.to_string(),
            amount,
        })
    }

    pub(super) async fn reclaim_token(&self, mint: &str, send: &str) -> Result<Reply, EngineError> {
        let wallets = self.wallets().await?;
        patiently(mint, wallets.reclaim(mint, send))
            .await
            .map_err(ecash_error)?;
        self.ecash_reply().await
    }

    pub(super) async fn restore_ecash(&self) -> Result<Reply, EngineError> {
        let wallets = self.wallets().await?;
        let amount = wallets
            .restore(|done, of, amount| self.push(Event::Restoring { done, of, amount }))
            .await
            .map_err(ecash_error)?;
        self.push_ecash(&wallets).await;
        Ok(Reply::Restored { amount })
    }

    pub(super) async fn check_proofs(&self) -> Result<Reply, EngineError> {
        let wallets = self.wallets().await?;
        wallets.check().await.map_err(ecash_error)?;
        self.ecash_reply().await
    }

    pub(super) async fn ecash_history(&self) -> Result<Reply, EngineError> {
        let wallets = self.wallets().await?;
        let entries = wallets.history().await.map_err(ecash_error)?;
        Ok(Reply::EcashHistory { entries })
    }
}

fn ecash_error(error: EcashError) -> EngineError {
    match error {
        EcashError::UntrustedMint(mint) => EngineError::UnknownMint { mint },
        other => EngineError::Ecash {
            message: other.to_string(),
        },
    }
}
