//! One history of the user's money: the account's movements and the eCash
//! wallet's, merged newest first. A wallet that cannot be read right now
//! (the server out of reach, no seed for eCash yet) leaves its reason in
//! `problems` rather than hiding the other's movements.

use super::account::{state, AccountService};
use super::ecash::EcashService;
use super::Engine;
use crate::account::api::{sat, sat_up};
use crate::profiles::ProfileStores;
use crate::protocol::{EngineError, HistoryEntry, Identity, MovementKind, Reply, WalletKind};

/// How many of the account's movements the history shows.
const ACCOUNT_MOVEMENTS: u32 = 100;

impl<P: ProfileStores> Engine<P> {
    pub(super) async fn history(
        &self,
        account: &AccountService,
        ecash: &EcashService,
    ) -> Result<Reply, EngineError> {
        let mut entries = Vec::new();
        let mut problems = Vec::new();
        match self.account_movements(account).await {
            Ok(movements) => entries.extend(movements),
            Err(EngineError::Locked) => return Err(EngineError::Locked),
            Err(error) => problems.push(format!("Lightning account: {error}")),
        }
        match self.ecash_movements(ecash).await {
            Ok(movements) => entries.extend(movements),
            Err(EngineError::Locked) => return Err(EngineError::Locked),
            Err(error) => problems.push(format!("eCash: {error}")),
        }
        entries.sort_by_key(|entry| std::cmp::Reverse(entry.time));
        Ok(Reply::History { entries, problems })
    }

    async fn account_movements(
        &self,
        account: &AccountService,
    ) -> Result<Vec<HistoryEntry>, EngineError> {
        let Some(client) = self.account_client(account).await? else {
            return Ok(Vec::new());
        };
        let page = client.history(None, ACCOUNT_MOVEMENTS).await?;
        Ok(page
            .movements
            .into_iter()
            .map(|movement| HistoryEntry {
                id: movement.id,
                wallet: WalletKind::Account,
                kind: match movement.kind.as_str() {
                    "received" => MovementKind::LightningIn,
                    _ => MovementKind::LightningOut,
                },
                amount: sat(movement.amount_msat),
                fee: sat_up(movement.fee_msat),
                time: u64::try_from(movement.at).unwrap_or(0),
                state: state(&movement.state),
                memo: movement.description.filter(|memo| !memo.is_empty()),
                reclaim: None,
            })
            .collect())
    }

    async fn ecash_movements(
        &self,
        ecash: &EcashService,
    ) -> Result<Vec<HistoryEntry>, EngineError> {
        // Without a seed there is no eCash wallet, and nothing to show.
        if !matches!(
            self.identity().await?,
            Identity::Unlocked { has_seed: true, .. }
        ) {
            return Ok(Vec::new());
        }
        let wallets = self.wallets(ecash).await?;
        Ok(wallets
            .history()
            .await?
            .into_iter()
            .map(|entry| HistoryEntry {
                id: entry.id,
                wallet: WalletKind::Ecash { mint: entry.mint },
                kind: entry.kind.into(),
                amount: entry.amount,
                fee: entry.fee,
                time: entry.time,
                state: entry.state,
                memo: entry.memo,
                reclaim: entry.reclaim,
            })
            .collect())
    }
}
