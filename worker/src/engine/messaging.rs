//! Messaging commands and the loop that brings messages in.
//!
//! Unlocking asks for messaging to start; [`Engine::pump_messages`], which
//! the host runs for the engine's lifetime, connects the relays and files
//! every message that arrives. Locking stops it. Messages live in memory for
//! now and are fetched again from the relays after a restart.

use std::rc::Rc;
use std::sync::Arc;

use futures::future::{self, Either};
use futures::StreamExt;
use nostr::{PublicKey, ToBech32};
use nostr_sdk::NostrSigner;
use tokio::sync::broadcast::error::RecvError;
use zeroize::Zeroizing;

use super::identity::BUNKER_TIMEOUT;
use super::Engine;
use crate::messaging::{Messenger, PrivateMessage};
use crate::profiles::ProfileStores;
use crate::protocol::{
    ChatMessage, ConversationSummary, EngineError, Event, MessagingState, Reply,
};
use crate::signer::bunker::BunkerSigner;

/// What messaging starts with.
pub enum MessagingStart {
    /// A signer at hand (local keys, a remote signer just connected), and
    /// who it signs for.
    Signer {
        signer: Arc<dyn NostrSigner>,
        me: PublicKey,
    },
    /// A remote signer to reconnect first, from its sealed connection
    /// (after an unlock): done here, so unlocking never waits on it.
    Reconnect { connection: Zeroizing<Vec<u8>> },
}

impl<P: ProfileStores> Engine<P> {
    pub(super) fn list_conversations(&self) -> Result<Reply, EngineError> {
        let mut conversations = self
            .conversations
            .borrow()
            .iter()
            .filter_map(|(peer, messages)| {
                Some(ConversationSummary {
                    peer: peer.clone(),
                    last: messages.last()?.clone(),
                    count: messages.len(),
                })
            })
            .collect::<Vec<_>>();
        conversations.sort_by_key(|summary| std::cmp::Reverse(summary.last.created_at));
        Ok(Reply::Conversations {
            messaging: self.messaging_state.borrow().clone(),
            conversations,
        })
    }

    pub(super) fn open_conversation(&self, peer: &str) -> Result<Reply, EngineError> {
        let peer = parse_npub(peer)?;
        let messages = self
            .conversations
            .borrow()
            .get(&peer)
            .cloned()
            .unwrap_or_default();
        Ok(Reply::Conversation { peer, messages })
    }

    pub(super) async fn send_message(&self, to: &str, text: &str) -> Result<Reply, EngineError> {
        let to = PublicKey::parse(to.trim()).map_err(|_| not_an_npub())?;
        if text.trim().is_empty() {
            return Err(EngineError::Invalid {
                message: "the message is empty".to_owned(),
            });
        }
        let messenger = self
            .messenger
            .borrow()
            .clone()
            .ok_or_else(|| EngineError::Messaging {
                reason: match &*self.messaging_state.borrow() {
                    MessagingState::Failed { reason } => {
                        format!("messaging is not working: {reason}")
                    }
                    _ => "still connecting to your relays: try again in a moment".to_owned(),
                },
            })?;
        let (sent, delivery) =
            messenger
                .send(to, text)
                .await
                .map_err(|error| EngineError::Messaging {
                    reason: error.to_string(),
                })?;
        let message = chat_message(&sent);
        self.file(message.clone());
        Ok(Reply::MessageSent {
            message,
            accepted: delivery.accepted,
            tried: delivery.tried,
        })
    }

    /// Asks the messaging loop to connect with `start`'s signer.
    pub(super) fn start_messaging(&self, start: MessagingStart) {
        // The loop ends only with the engine.
        let _ = self.messaging_requests.unbounded_send(start);
    }

    /// Stops messaging and forgets the conversations (on lock).
    pub(super) async fn stop_messaging(&self) {
        self.messaging_epoch.set(self.messaging_epoch.get() + 1);
        let messenger = self.messenger.borrow_mut().take();
        if let Some(messenger) = messenger {
            messenger.stop().await;
        }
        self.conversations.borrow_mut().clear();
        self.set_messaging_state(MessagingState::Off);
    }

    /// Runs for the engine's lifetime (the host spawns it once): connects
    /// when messaging is asked to start and files every message that comes.
    pub async fn pump_messages(&self) {
        let Some(mut requests) = self.messaging_requests_receiver.borrow_mut().take() else {
            return;
        };
        let mut pending = None;
        loop {
            let start = match pending.take() {
                Some(start) => start,
                None => match requests.next().await {
                    Some(start) => start,
                    None => return,
                },
            };
            // A lock while connecting makes whatever connects stale.
            let epoch = self.messaging_epoch.get();
            self.set_messaging_state(MessagingState::Connecting);
            let Some(messenger) = self.connect(start).await else {
                continue;
            };
            if self.messaging_epoch.get() != epoch {
                messenger.stop().await;
                continue;
            }
            let mut notifications = messenger.notifications();
            *self.messenger.borrow_mut() = Some(Rc::clone(&messenger));
            self.set_messaging_state(MessagingState::Ready {
                relays: self.env.relays.clone(),
            });
            // Until the relays close or messaging is asked to start again.
            loop {
                let notification = std::pin::pin!(notifications.recv());
                match future::select(notification, requests.next()).await {
                    Either::Left((Ok(notification), _)) => {
                        if let Some(received) = messenger.read(notification).await {
                            let message = chat_message(&received);
                            if self.file(message.clone()) {
                                self.push(Event::Message { message });
                            }
                        }
                    }
                    // Too many at once: some were skipped; the relays send
                    // them again on the next start.
                    Either::Left((Err(RecvError::Lagged(_)), _)) => {}
                    Either::Left((Err(RecvError::Closed), _)) => break,
                    Either::Right((Some(start), _)) => {
                        pending = Some(start);
                        break;
                    }
                    Either::Right((None, _)) => return,
                }
            }
            messenger.stop().await;
        }
    }

    /// Connects the relays with `start`'s signer, reconnecting a remote
    /// signer first; says why in the state when it cannot.
    async fn connect(&self, start: MessagingStart) -> Option<Rc<Messenger>> {
        let (signer, me) = match start {
            MessagingStart::Signer { signer, me } => (signer, me),
            MessagingStart::Reconnect { connection } => {
                match BunkerSigner::reconnect(&connection, BUNKER_TIMEOUT).await {
                    Ok((bunker, me)) => {
                        let signer: Arc<dyn NostrSigner> = Arc::new(bunker.as_signer().clone());
                        self.keep_bunker(bunker);
                        (signer, me)
                    }
                    Err(error) => {
                        self.set_messaging_state(MessagingState::Failed {
                            reason: error.to_string(),
                        });
                        return None;
                    }
                }
            }
        };
        match Messenger::start(signer, me, &self.env.relays).await {
            Ok(messenger) => Some(Rc::new(messenger)),
            Err(error) => {
                self.set_messaging_state(MessagingState::Failed {
                    reason: error.to_string(),
                });
                None
            }
        }
    }

    /// Files `message` in its conversation; false if it was already there
    /// (the copy of a message the user sent comes back with the same id).
    fn file(&self, message: ChatMessage) -> bool {
        let mut conversations = self.conversations.borrow_mut();
        let messages = conversations.entry(message.peer.clone()).or_default();
        if messages.iter().any(|known| known.id == message.id) {
            return false;
        }
        let at = messages.partition_point(|known| known.created_at <= message.created_at);
        messages.insert(at, message);
        true
    }

    fn set_messaging_state(&self, state: MessagingState) {
        *self.messaging_state.borrow_mut() = state.clone();
        self.push(Event::Messaging { state });
    }
}

fn chat_message(message: &PrivateMessage) -> ChatMessage {
    ChatMessage {
        id: message.id.to_hex(),
        peer: message
            .peer
            .to_bech32()
            .unwrap_or_else(|_| message.peer.to_hex()),
        from_me: message.from_me,
        text: message.text.clone(),
        created_at: message.created_at,
    }
}

fn parse_npub(text: &str) -> Result<String, EngineError> {
    let key = PublicKey::parse(text.trim()).map_err(|_| not_an_npub())?;
    key.to_bech32().map_err(|_| not_an_npub())
}

fn not_an_npub() -> EngineError {
    EngineError::Invalid {
        message: "that is not a NOSTR public key: paste an npub1…".to_owned(),
    }
}
