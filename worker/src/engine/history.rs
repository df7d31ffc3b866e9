//! One history of the user's money: the account's movements and the eCash
//! wallet's, merged newest first. A wallet that cannot be read right now
//! (the server out of reach, no seed for eCash yet) leaves its reason in
//! `problems` rather than hiding the other's movements.
//!
//! The newest `limit` are shown; reading further back asks again with a
//! larger one. Each wallet gives at most `limit` of its own newest, which
//! is all the merge can use: the server's in pages of its own, eCash from
//! the wallet's store.

use super::account::{state, AccountService};
use super::ecash::EcashService;
use super::error::invalid;
use super::Engine;
use crate::account::api::{sat, sat_up};
use crate::profiles::ProfileStores;
use crate::protocol::{
    EngineError, HistoryEntry, Identity, MovementKind, Reply, WalletKind, HISTORY_MAX,
};

/// The most movements the server sends in one page (its own limit).
const SERVER_PAGE: u32 = 100;

impl<P: ProfileStores> Engine<P> {
    pub(super) async fn history(
        &self,
        account: &AccountService,
        ecash: &EcashService,
        limit: u32,
    ) -> Result<Reply, EngineError> {
        if limit == 0 || limit > HISTORY_MAX {
            return Err(invalid(format!(
                "the history is read 1 to {HISTORY_MAX} movements at a time"
            )));
        }
        let limit = limit as usize;
        let mut entries = Vec::new();
        let mut problems = Vec::new();
        match self.account_movements(account, limit).await {
            Ok(movements) => entries.extend(movements),
            Err(EngineError::Locked) => return Err(EngineError::Locked),
            Err(error) => problems.push(format!("Lightning account: {error}")),
        }
        match self.ecash_movements(ecash, limit).await {
            Ok(movements) => entries.extend(movements),
            Err(EngineError::Locked) => return Err(EngineError::Locked),
            Err(error) => problems.push(format!("eCash: {error}")),
        }
        entries.sort_by_key(|entry| std::cmp::Reverse(entry.time));
        // A wallet that had more than `limit` gave `limit` plus one.
        let more = entries.len() > limit;
        entries.truncate(limit);
        Ok(Reply::History {
            entries,
            more,
            problems,
        })
    }

    /// The account's newest `limit` movements, and one more if there is
    /// one (so the merge knows more exist).
    async fn account_movements(
        &self,
        account: &AccountService,
        limit: usize,
    ) -> Result<Vec<HistoryEntry>, EngineError> {
        let Some(client) = self.account_client(account).await? else {
            return Ok(Vec::new());
        };
        let mut movements = Vec::new();
        let mut before = None;
        while movements.len() <= limit {
            let page = client.history(before.as_deref(), SERVER_PAGE).await?;
            movements.extend(page.movements);
            match page.next {
                Some(next) => before = Some(next),
                None => break,
            }
        }
        movements.truncate(limit + 1);
        Ok(movements
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
                memo: account_memo(movement.description, movement.zapper.as_deref()),
                reclaim: None,
            })
            .collect())
    }

    /// eCash's newest `limit` movements, and one more if there is one.
    async fn ecash_movements(
        &self,
        ecash: &EcashService,
        limit: usize,
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
            .take(limit + 1)
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

/// What the history says of an account movement: its description, and for
/// a zap who sent it (their npub, shortened as the app shows keys).
fn account_memo(description: Option<String>, zapper: Option<&str>) -> Option<String> {
    use nostr::nips::nip19::ToBech32;
    let description = description.filter(|memo| !memo.is_empty());
    let Some(npub) = zapper
        .and_then(|hex| nostr::PublicKey::from_hex(hex).ok())
        .and_then(|key| key.to_bech32().ok())
    else {
        return description;
    };
    // As the app shortens npubs (`identity::short_npub`): start and end.
    let short = match (npub.get(..12), npub.get(npub.len().saturating_sub(8)..)) {
        (Some(head), Some(tail)) => format!("{head}…{tail}"),
        _ => npub.clone(),
    };
    Some(match description {
        Some(message) => format!("Zap from {short}: {message}"),
        None => format!("Zap from {short}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zap_names_its_sender_beside_its_message() {
        let hex = "7e7e9c42a91bfef19fa929e5fda1b72e0ebc1a4c1141673e2794234d86addf4e";
        let memo = account_memo(Some("thanks".to_owned()), Some(hex)).unwrap();
        assert!(memo.starts_with("Zap from npub1"), "{memo}");
        assert!(memo.ends_with(": thanks"), "{memo}");
        assert_eq!(
            account_memo(None, Some(hex)).map(|memo| memo.contains('…')),
            Some(true)
        );
        assert_eq!(
            account_memo(Some("coffee".to_owned()), None).as_deref(),
            Some("coffee")
        );
        assert_eq!(account_memo(Some(String::new()), Some("not a key")), None);
    }
}
