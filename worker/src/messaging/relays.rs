//! Changing the user's relays while messaging runs: the pool gains or
//! loses them, their subscriptions follow the read flag, and the relay
//! lists are signed and published again. Nothing else restarts.

use nostr_sdk::prelude::*;

use super::{relays_error, signer_error, MessagingError, Messenger};
use crate::protocol::RelayView;
use crate::relays::status::RelayWatch;
use crate::relays::RelayList;

/// How long to wait for the user's relays to send their own published
/// lists back.
const OWN_LISTS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

impl Messenger {
    /// Uses `list` from now on: connects the relays added, drops those
    /// removed, subscribes or unsubscribes where the read flag changed,
    /// and publishes the new lists to every connected relay of the user's.
    pub async fn set_relays(&self, list: RelayList) -> Result<(), MessagingError> {
        self.apply_relays(list, true).await?;
        let connected = self.connected().await;
        if !connected.is_empty() {
            let lists = self.lists_to_give();
            for event in &lists {
                // A relay that refuses the lists still carries messages.
                let _ = self.client.send_event_to(&connected, event).await;
            }
        }
        Ok(())
    }

    /// Signs `list`'s events and makes the pool match it; new relays are
    /// connected only if `connect`.
    pub(super) async fn apply_relays(
        &self,
        list: RelayList,
        connect: bool,
    ) -> Result<(), MessagingError> {
        let mut lists = Vec::with_capacity(2);
        for builder in list.to_events() {
            let signed = self.client.sign_event_builder(builder).await;
            lists.push(signed.map_err(signer_error)?);
        }
        let before = self.relays.replace(list.clone());
        *self.lists.borrow_mut() = lists;
        for url in before.urls() {
            if list.find(&url).is_none() {
                self.watches.borrow_mut().remove(&url);
                // Its status then says it is gone, which the loop hears.
                let _ = self.client.force_remove_relay(&url).await;
            }
        }
        for entry in list.entries() {
            let Some(was) = before.find(&entry.url) else {
                self.add_to_pool(&entry.url, connect).await?;
                continue;
            };
            let connected = self
                .client
                .relay(&entry.url)
                .await
                .is_ok_and(|relay| relay.is_connected());
            if was.read == entry.read || !connected {
                continue;
            }
            if entry.read {
                self.subscribe(&entry.url).await?;
            } else if let Ok(relay) = self.client.relay(&entry.url).await {
                let _ = relay
                    .unsubscribe(&SubscriptionId::new(super::SUBSCRIPTION))
                    .await;
            }
        }
        Ok(())
    }

    /// Adds `url` to the pool as one of the user's relays, followed. One
    /// already there as a recipient's relay starts again, so that its
    /// connecting is seen and it is made ready like the others.
    async fn add_to_pool(&self, url: &RelayUrl, connect: bool) -> Result<(), MessagingError> {
        if !self.client.add_relay(url).await.map_err(relays_error)? {
            let _ = self.client.force_remove_relay(url).await;
            self.client.add_relay(url).await.map_err(relays_error)?;
        }
        let relay = self.client.relay(url).await.map_err(relays_error)?;
        self.watches
            .borrow_mut()
            .insert(url.clone(), RelayWatch::new(relay));
        if connect {
            self.client.connect_relay(url).await.map_err(relays_error)?;
        }
        Ok(())
    }

    /// How each of the user's relays is doing.
    pub fn relay_views(&self) -> Vec<RelayView> {
        let list = self.relays.borrow();
        let mut watches = self.watches.borrow_mut();
        list.entries()
            .iter()
            .filter_map(|entry| {
                let watch = watches.get_mut(&entry.url)?;
                Some(watch.view(entry, &self.failures))
            })
            .collect()
    }

    /// Once a session, on the first of the user's relays to answer: adopts
    /// the relay list the user published from another device (or another
    /// client) if it is newer than the one in use, and makes the
    /// environment's defaults the user's own list, dated now, if they
    /// published none; then publishes it to every relay connected. What
    /// changed is for the engine to keep ([`Messenger::take_settled_relays`]).
    ///
    /// Until then the defaults are given to no relay: dated now, they would
    /// replace there the list the user published elsewhere.
    pub(super) async fn settle_relays(&self, url: &RelayUrl) {
        if self.relays_settled.replace(true) {
            return;
        }
        let filter = Filter::new().author(self.me).kind(Kind::RelayList);
        let published: Vec<Event> = match self
            .client
            .fetch_events_from([url], filter, OWN_LISTS_TIMEOUT)
            .await
        {
            Ok(events) => events.into_iter().collect(),
            // Not known: the next relay to connect is asked.
            Err(_) => return self.relays_settled.set(false),
        };
        let current = self.relays.borrow().clone();
        let settled = match current.newer_published(&published, &self.me, self.now()) {
            Some(newer) => newer,
            None if !current.is_settled() => current.dated(Timestamp::now().as_secs()),
            None => return,
        };
        if self.set_relays(settled.clone()).await.is_ok() {
            *self.settled_relays.borrow_mut() = Some(settled);
        }
    }

    /// The user's relay lists to give a relay: none until the list is
    /// settled (see [`Messenger::settle_relays`]).
    pub(super) fn lists_to_give(&self) -> Vec<Event> {
        if self.relays.borrow().is_settled() {
            self.lists.borrow().clone()
        } else {
            Vec::new()
        }
    }

    /// The relay list adopted or made the user's own this session, once.
    pub fn take_settled_relays(&self) -> Option<RelayList> {
        self.settled_relays.borrow_mut().take()
    }
}
