//! Private messages between two engines through a real relay in process.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use flash_worker::engine::Engine;
use flash_worker::profiles::memory::MemoryProfiles;
use flash_worker::protocol::{
    ChatMessage, Command, EngineError, Event, FromEngine, Identity, MessagingState, Reply,
};
use futures::channel::mpsc::UnboundedReceiver;
use futures::StreamExt;
use nostr::ToBech32;
use nostr_relay_builder::prelude::{LocalRelay, RelayBuilder};
use support::{TestEngine, PASSPHRASE, PROFILE};

const OTHER_WORDS: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

/// A user: an engine with its wallet restored from `words`, messaging
/// through `relay`.
async fn user(relay: &str, words: &str) -> (TestEngine, String) {
    let test = support::started_engine_with_relays(&MemoryProfiles::new(), vec![relay.to_owned()]);
    test.send(Command::OpenProfile {
        profile: Some(PROFILE.into()),
        take_over: false,
    })
    .await
    .expect("opened");
    let identity = test
        .identity(Command::RestoreWallet {
            phrase: words.into(),
            passphrase: PASSPHRASE.into(),
        })
        .await;
    match identity {
        Identity::Unlocked { npub, .. } => (test, npub),
        other => panic!("not unlocked: {other:?}"),
    }
}

/// Waits for the next pushed event that `pick` accepts.
async fn next_event<T>(
    events: &mut UnboundedReceiver<FromEngine>,
    pick: impl Fn(Event) -> Option<T>,
) -> T {
    while let Some(message) = events.next().await {
        if let FromEngine::Event(event) = message {
            if let Some(found) = pick(event) {
                return found;
            }
        }
    }
    panic!("the engine stopped pushing events");
}

async fn ready(events: &mut UnboundedReceiver<FromEngine>) {
    next_event(events, |event| match event {
        Event::Messaging {
            state: MessagingState::Ready { .. },
        } => Some(()),
        Event::Messaging {
            state: MessagingState::Failed { reason },
        } => panic!("messaging failed: {reason}"),
        _ => None,
    })
    .await;
}

async fn arrived(events: &mut UnboundedReceiver<FromEngine>) -> ChatMessage {
    next_event(events, |event| match event {
        Event::Message { message } => Some(message),
        _ => None,
    })
    .await
}

async fn conversation<P: flash_worker::profiles::ProfileStores>(
    engine: &Engine<P>,
    peer: &str,
) -> Vec<ChatMessage> {
    match engine
        .handle(Command::OpenConversation { peer: peer.into() })
        .await
    {
        Ok(Reply::Conversation { messages, .. }) => messages,
        other => panic!("no conversation: {other:?}"),
    }
}

#[tokio::test]
async fn two_users_exchange_private_messages_live() {
    let relay = LocalRelay::new(RelayBuilder::default());
    relay.run().await.expect("the relay runs");
    let url = relay.url().await.to_string();

    let (mut alice, alice_npub) = user(&url, support::NIP06_WORDS).await;
    let (mut bob, bob_npub) = user(&url, OTHER_WORDS).await;
    let (alice_engine, alice_events) = (&alice.engine, &mut alice.events);
    let (bob_engine, bob_events) = (&bob.engine, &mut bob.events);

    let scenario = async {
        ready(alice_events).await;
        ready(bob_events).await;

        let sent = alice_engine
            .handle(Command::SendMessage {
                to: bob_npub.clone(),
                text: "gm Bob".into(),
            })
            .await;
        assert!(
            matches!(
                &sent,
                Ok(Reply::MessageSent {
                    accepted: 1,
                    tried: 1,
                    ..
                })
            ),
            "{sent:?}"
        );

        let received = arrived(bob_events).await;
        assert_eq!(received.peer, alice_npub);
        assert!(!received.from_me);
        assert_eq!(received.text, "gm Bob");

        bob_engine
            .handle(Command::SendMessage {
                to: alice_npub.clone(),
                text: "gm Alice".into(),
            })
            .await
            .expect("sent");
        let reply = arrived(alice_events).await;
        assert_eq!(
            (reply.peer.as_str(), reply.text.as_str()),
            (bob_npub.as_str(), "gm Alice")
        );

        // Each side sees the whole conversation once, in order.
        let texts = |messages: Vec<ChatMessage>| {
            messages
                .into_iter()
                .map(|message| (message.from_me, message.text))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            texts(conversation(alice_engine, &bob_npub).await),
            [(true, "gm Bob".to_owned()), (false, "gm Alice".to_owned())]
        );
        assert_eq!(
            texts(conversation(bob_engine, &alice_npub).await),
            [(false, "gm Bob".to_owned()), (true, "gm Alice".to_owned())]
        );

        // After a lock and an unlock, messages still arrive live.
        bob_engine.handle(Command::Lock).await.expect("locked");
        bob_engine
            .handle(Command::Unlock {
                passphrase: PASSPHRASE.into(),
            })
            .await
            .expect("unlocked");
        ready(bob_events).await;
        alice_engine
            .handle(Command::SendMessage {
                to: bob_npub.clone(),
                text: "still there?".into(),
            })
            .await
            .expect("sent");
        let later = next_event(bob_events, |event| match event {
            Event::Message { message } if message.text == "still there?" => Some(message),
            _ => None,
        })
        .await;
        assert_eq!(later.peer, alice_npub);

        // Someone who has published no relays cannot be reached: say so.
        let stranger = nostr::Keys::generate()
            .public_key()
            .to_bech32()
            .expect("npub");
        let unreachable = alice_engine
            .handle(Command::SendMessage {
                to: stranger,
                text: "hello?".into(),
            })
            .await;
        assert!(
            matches!(&unreachable, Err(EngineError::Messaging { reason }) if reason.contains("inbox")),
            "{unreachable:?}"
        );

        // Nonsense is refused with a reason.
        assert!(matches!(
            alice_engine
                .handle(Command::SendMessage {
                    to: "npub1nope".into(),
                    text: "hi".into()
                })
                .await,
            Err(EngineError::Invalid { .. })
        ));
    };
    // A bound, not a wait: if a message is lost the test fails instead of
    // hanging CI.
    let scenario = async {
        tokio::time::timeout(std::time::Duration::from_secs(60), scenario)
            .await
            .expect("the conversation finished within a minute");
    };
    tokio::select! {
        () = scenario => {}
        () = alice_engine.pump_messages() => panic!("Alice's message loop ended"),
        () = bob_engine.pump_messages() => panic!("Bob's message loop ended"),
    }
}
