//! Private messages (NIP-17): gift-wrapped, sealed with NIP-44, sent only to
//! each recipient's inbox relays (kind 10050).
//!
//! The relay pool is nostr-sdk's `Client` with the in-memory gossip store:
//! without it, `send_private_msg` would publish to every write relay and
//! tell them who talks to whom.

use nostr_gossip_memory::prelude::NostrGossipMemory;
use nostr_sdk::prelude::*;
use tokio::sync::broadcast;

/// Why a message could not be sent or the relays not reached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessagingError {
    #[error("{npub} has not said where to receive private messages (no NIP-17 inbox relays): they may not use a NIP-17 client yet")]
    NoInbox { npub: String },
    #[error("no relay accepted the message: {reasons}")]
    NotDelivered { reasons: String },
    #[error("the relays could not be used: {0}")]
    Relays(String),
    #[error("the message could not be sealed: {0}")]
    Signer(String),
}

/// A private message, read from either side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateMessage {
    /// The other person in the conversation.
    pub peer: PublicKey,
    pub from_me: bool,
    pub text: String,
    /// Seconds since the Unix epoch, as the author wrote it.
    pub created_at: u64,
    /// The rumor's id: the same message seen twice is one message.
    pub id: EventId,
}

/// How long to look for someone's relay lists before giving up.
const LOOKUP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// How far a sent message got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    pub accepted: usize,
    pub tried: usize,
}

/// The user's connection to their relays, for private messages.
pub struct Messenger {
    client: Client,
    me: PublicKey,
}

impl Messenger {
    /// Connects to `relays`, publishes them as the user's inbox (NIP-17) and
    /// relay list (NIP-65), and listens for messages addressed to the user.
    pub async fn start<T: IntoNostrSigner>(
        signer: T,
        me: PublicKey,
        relays: &[String],
    ) -> Result<Self, MessagingError> {
        let client = Client::builder()
            .signer(signer)
            .gossip(NostrGossipMemory::unbounded())
            .build();
        let mut urls = Vec::with_capacity(relays.len());
        for relay in relays {
            let url = RelayUrl::parse(relay).map_err(relays_error)?;
            client.add_relay(&url).await.map_err(relays_error)?;
            urls.push(url);
        }
        client.connect().await;
        let inbox = EventBuilder::new(Kind::InboxRelays, "").tags(
            urls.iter()
                .map(|url| Tag::custom(TagKind::Relay, [url.to_string()])),
        );
        client
            .send_event_builder(inbox)
            .await
            .map_err(relays_error)?;
        let relay_list = EventBuilder::relay_list(urls.iter().map(|url| (url.clone(), None)));
        client
            .send_event_builder(relay_list)
            .await
            .map_err(relays_error)?;
        client
            .subscribe(Filter::new().kind(Kind::GiftWrap).pubkey(me), None)
            .await
            .map_err(relays_error)?;
        Ok(Self { client, me })
    }

    /// Everything the relays send from now on; [`Messenger::read`] turns
    /// each into a message when it is one.
    pub fn notifications(&self) -> broadcast::Receiver<RelayPoolNotification> {
        self.client.notifications()
    }

    /// Sends `text` to `to`'s inbox relays, and a copy to the user's own so
    /// a reload or another device shows it too. Both copies wrap the same
    /// rumor, so its id names the message on every side.
    pub async fn send(
        &self,
        to: PublicKey,
        text: &str,
    ) -> Result<(PrivateMessage, Delivery), MessagingError> {
        let theirs = self.inbox_relays(to).await?;
        let signer = self.client.signer().await.map_err(signer_error)?;
        let mut rumor = EventBuilder::private_msg_rumor(to, text).build(self.me);
        let id = rumor.id();
        let created_at = rumor.created_at.as_secs();
        let for_them = EventBuilder::gift_wrap(&signer, &to, rumor.clone(), [])
            .await
            .map_err(signer_error)?;
        let for_me = EventBuilder::gift_wrap(&signer, &self.me, rumor, [])
            .await
            .map_err(signer_error)?;

        for url in &theirs {
            // A relay the user does not use is added just to deliver there.
            if self.client.add_relay(url).await.map_err(relays_error)? {
                self.client.connect_relay(url).await.map_err(relays_error)?;
            }
        }
        let sent = self
            .client
            .send_event_to(&theirs, &for_them)
            .await
            .map_err(relays_error)?;
        if sent.success.is_empty() {
            let reasons = sent.failed.values().cloned().collect::<Vec<_>>().join("; ");
            return Err(MessagingError::NotDelivered { reasons });
        }
        let mine = self.inbox_relays(self.me).await?;
        // The copy is a convenience: the message is already delivered.
        let _ = self.client.send_event_to(&mine, &for_me).await;

        let delivery = Delivery {
            accepted: sent.success.len(),
            tried: sent.success.len() + sent.failed.len(),
        };
        let message = PrivateMessage {
            peer: to,
            from_me: true,
            text: text.to_owned(),
            created_at,
            id,
        };
        Ok((message, delivery))
    }

    /// Where `who` receives private messages: their NIP-17 inbox relays
    /// (kind 10050), else the read relays of their NIP-65 list.
    async fn inbox_relays(&self, who: PublicKey) -> Result<Vec<RelayUrl>, MessagingError> {
        let filter = Filter::new()
            .author(who)
            .kinds([Kind::InboxRelays, Kind::RelayList]);
        let lists = self
            .client
            .fetch_events(filter, LOOKUP_TIMEOUT)
            .await
            .map_err(relays_error)?;
        let newest = |kind: Kind| {
            lists
                .iter()
                .filter(|event| event.kind == kind)
                .max_by_key(|event| event.created_at)
        };
        let inbox: Vec<RelayUrl> = newest(Kind::InboxRelays)
            .map(|event| nip17::extract_relay_list(event).cloned().collect())
            .unwrap_or_default();
        if !inbox.is_empty() {
            return Ok(inbox);
        }
        let read: Vec<RelayUrl> = newest(Kind::RelayList)
            .map(|event| {
                nip65::extract_relay_list(event)
                    .filter(|(_, metadata)| !matches!(metadata, Some(RelayMetadata::Write)))
                    .map(|(url, _)| url.clone())
                    .collect()
            })
            .unwrap_or_default();
        if read.is_empty() {
            return Err(MessagingError::NoInbox {
                npub: who.to_bech32().unwrap_or_else(|_| who.to_hex()),
            });
        }
        Ok(read)
    }

    /// The private message in `notification`, if it holds one addressed to
    /// the user that unwraps and verifies. Anything else is ignored.
    pub async fn read(&self, notification: RelayPoolNotification) -> Option<PrivateMessage> {
        let RelayPoolNotification::Event { event, .. } = notification else {
            return None;
        };
        if event.kind != Kind::GiftWrap {
            return None;
        }
        let UnwrappedGift { sender, mut rumor } =
            self.client.unwrap_gift_wrap(&event).await.ok()?;
        if rumor.kind != Kind::PrivateDirectMessage || rumor.pubkey != sender {
            return None;
        }
        let from_me = sender == self.me;
        let peer = if from_me {
            rumor
                .tags
                .public_keys()
                .copied()
                .find(|key| *key != self.me)?
        } else {
            sender
        };
        let id = rumor.id();
        Some(PrivateMessage {
            peer,
            from_me,
            text: rumor.content,
            created_at: rumor.created_at.as_secs(),
            id,
        })
    }

    /// Disconnects from every relay.
    pub async fn stop(&self) {
        self.client.shutdown().await;
    }
}

fn signer_error(error: impl std::fmt::Display) -> MessagingError {
    MessagingError::Signer(error.to_string())
}

fn relays_error(error: impl std::fmt::Display) -> MessagingError {
    MessagingError::Relays(error.to_string())
}
