//! Relay commands: the user's relay list, kept in the vault and applied to
//! the running messaging session, and each relay's live status.
//!
//! Records kept in the profile's vault:
//! - public `relays/list`: the user's relays and what each is used for (see
//!   [`crate::relays::RelayList`]); public because the same list is
//!   published, signed, for everyone to read. Without it, the environment's
//!   defaults.

use nostr::{RelayUrl, Timestamp};

use super::identity::{opened, opened_mut};
use super::Engine;
use crate::messaging::Messenger;
use crate::profiles::ProfileStores;
use crate::protocol::{EngineError, Event, RelayAuth, RelayConnection, RelayView, Reply};
use crate::relays::{info, parse_relay_url, RelayList};

/// The vault's record of the user's relays (public).
const RELAYS: &str = "relays/list";

/// A change to the relay list.
enum Change<'a> {
    Add {
        url: &'a str,
        read: bool,
        write: bool,
    },
    Remove {
        url: &'a str,
    },
    SetFlags {
        url: &'a str,
        read: bool,
        write: bool,
    },
}

impl<P: ProfileStores> Engine<P> {
    pub(super) async fn list_relays(&self) -> Result<Reply, EngineError> {
        Ok(Reply::Relays {
            relays: self.relay_views().await?,
        })
    }

    pub(super) async fn add_relay(
        &self,
        url: &str,
        read: bool,
        write: bool,
    ) -> Result<Reply, EngineError> {
        self.change_relays(Change::Add { url, read, write }).await
    }

    pub(super) async fn remove_relay(&self, url: &str) -> Result<Reply, EngineError> {
        self.change_relays(Change::Remove { url }).await
    }

    pub(super) async fn set_relay_flags(
        &self,
        url: &str,
        read: bool,
        write: bool,
    ) -> Result<Reply, EngineError> {
        self.change_relays(Change::SetFlags { url, read, write })
            .await
    }

    pub(super) async fn relay_info(&self, url: &str) -> Result<Reply, EngineError> {
        let url = parse_relay_url(url)?;
        let info = info::fetch(&url)
            .await
            .map_err(|message| EngineError::Invalid {
                field: None,
                message,
            })?;
        Ok(Reply::RelayInfo {
            url: url.to_string(),
            info,
        })
    }

    /// The user's relays as the vault keeps them, or the environment's.
    pub(super) async fn stored_relays(&self) -> Result<RelayList, EngineError> {
        let guard = self.vault.lock().await;
        let vault = opened(&guard)?;
        match vault.public(RELAYS).await? {
            Some(record) => {
                RelayList::parse_record(&record).map_err(|error| EngineError::Invalid {
                    field: None,
                    message: format!("your relay list cannot be read: {error}"),
                })
            }
            None => Ok(RelayList::defaults(&self.env.relays)),
        }
    }

    /// Applies `change` to the stored list, keeps it, and hands it to the
    /// running messaging session, which publishes it.
    async fn change_relays(&self, change: Change<'_>) -> Result<Reply, EngineError> {
        let _one_at_a_time = self.relay_changes.lock().await;
        let messenger = self.messenger.borrow().clone();
        if let Some(messenger) = &messenger {
            // The change applies to the list in use.
            self.keep_settled(messenger).await;
        }
        let mut list = self.stored_relays().await?;
        // The relays' clock, as the lists are compared with those signed
        // elsewhere.
        let now = Timestamp::now().as_secs();
        match change {
            Change::Add { url, read, write } => list.add(url, read, write, now),
            Change::Remove { url } => list.remove(url, now),
            Change::SetFlags { url, read, write } => list.set_flags(url, read, write, now),
        }?;
        self.keep_relays(&list).await?;
        if let Some(messenger) = messenger {
            messenger
                .set_relays(list)
                .await
                .map_err(|error| EngineError::Messaging {
                    reason: format!("your relays are saved, but not in use yet: {error}"),
                })?;
            self.show_relay_views(&messenger);
        }
        self.list_relays().await
    }

    /// Keeps the relay list messaging adopted from another device, or
    /// made the user's own from the defaults (see
    /// [`Messenger::take_settled_relays`]).
    pub(super) async fn keep_settled_relays(&self, messenger: &Messenger) {
        let _one_at_a_time = self.relay_changes.lock().await;
        self.keep_settled(messenger).await;
    }

    async fn keep_settled(&self, messenger: &Messenger) {
        if let Some(list) = messenger.take_settled_relays() {
            // Unkept, it is settled again next session.
            let _ = self.keep_relays(&list).await;
            self.show_relay_views(messenger);
        }
    }

    async fn keep_relays(&self, list: &RelayList) -> Result<(), EngineError> {
        let mut guard = self.vault.lock().await;
        let vault = opened_mut(&mut guard)?;
        vault
            .put_public(RELAYS, &list.to_record())
            .await
            .map_err(EngineError::from)
    }

    /// Each relay's view: live while messaging runs, else from the vault.
    async fn relay_views(&self) -> Result<Vec<RelayView>, EngineError> {
        let messenger = self.messenger.borrow().clone();
        if let Some(messenger) = messenger {
            return Ok(messenger.relay_views());
        }
        let list = self.stored_relays().await?;
        Ok(list
            .entries()
            .iter()
            .map(|entry| RelayView {
                url: entry.url.to_string(),
                read: entry.read,
                write: entry.write,
                connection: RelayConnection::Off,
                auth: RelayAuth::NotAsked,
            })
            .collect())
    }

    /// Tells the app how each relay is doing, when that changed.
    pub(super) fn show_relay_views(&self, messenger: &Messenger) {
        let relays = messenger.relay_views();
        if *self.shown_relays.borrow() != relays {
            *self.shown_relays.borrow_mut() = relays.clone();
            self.push(Event::Relays { relays });
        }
    }
}

/// The user's relays in the order given, as addresses.
pub(super) fn addresses(urls: &[RelayUrl]) -> Vec<String> {
    urls.iter().map(RelayUrl::to_string).collect()
}
