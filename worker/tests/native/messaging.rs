//! Private messages between engines through real relays in process: live
//! exchange, a group of three, history kept across restarts and read in
//! pages, unread counts, the outbox when every relay is down, NIP-04 read as legacy, and
//! three relays of which one stops and one lies.
#![cfg(not(target_arch = "wasm32"))]

use crate::support;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use flash_worker::profiles::memory::MemoryProfiles;
use flash_worker::profiles::ProfileStores;
use flash_worker::protocol::{
    ChatMessage, Command, ConversationSummary, Delivery, EngineError, Field, MessageCursor,
    MessagingState, Reply,
};
use futures::{SinkExt, StreamExt};
use nostr::nips::nip04;
use nostr::nips::nip06::FromMnemonic;
use nostr::{Event as NostrEvent, EventBuilder, JsonUtil, Keys, Kind, PublicKey, Tag, ToBech32};
use nostr_relay_builder::prelude::{
    LocalRelay, MemoryDatabase, MemoryDatabaseOptions, NostrDatabase, RelayBuilder,
};
use nostr_sdk::Client;
use support::hostile::{HostileRelay, Seen};
use support::messaging::{
    extension_user, extension_user_in, free_port, message, new_user, new_user_in, relay,
    returning_extension_user, returning_user, scenario, StoppableRelay, User,
};
use support::{BOB_WORDS, CAROL_WORDS, NIP06_NSEC, NIP06_WORDS, PASSPHRASE, PROFILE};
use tokio::task::spawn_local;
use tokio_tungstenite::tungstenite::Message;

/// What these tests read of a user's conversations.
impl User {
    async fn summaries(&self) -> (MessagingState, Vec<ConversationSummary>) {
        match self.engine.handle(Command::ListConversations).await {
            Ok(Reply::Conversations {
                messaging,
                conversations,
            }) => (messaging, conversations),
            other => panic!("no conversations: {other:?}"),
        }
    }

    async fn page(
        &self,
        conversation: &str,
        before: Option<MessageCursor>,
        limit: usize,
    ) -> (Vec<ChatMessage>, Option<MessageCursor>) {
        let open = Command::OpenConversation {
            conversation: conversation.into(),
            before,
            limit,
        };
        match self.engine.handle(open).await {
            Ok(Reply::Conversation {
                messages, earlier, ..
            }) => (messages, earlier),
            other => panic!("no conversation: {other:?}"),
        }
    }

    /// Who wrote what in `conversation`, sorted: messages written in the
    /// same second are ordered by id, not as written.
    async fn texts(&self, conversation: &str) -> Vec<(bool, String)> {
        let (messages, _) = self.page(conversation, None, 200).await;
        let mut texts: Vec<(bool, String)> = messages
            .into_iter()
            .map(|message| (message.from_me, message.text))
            .collect();
        texts.sort();
        texts
    }

    async fn lock_and_unlock(&mut self) {
        self.engine.handle(Command::Lock).await.expect("locked");
        self.until_state(|state| *state == MessagingState::Off)
            .await;
        self.engine
            .handle(Command::Unlock {
                passphrase: PASSPHRASE.into(),
            })
            .await
            .expect("unlocked");
    }
}

/// A relay on `port` over `database`: stopped and run again, it still has
/// what it was given.
fn relay_at(port: u16, database: &Arc<MemoryDatabase>) -> StoppableRelay {
    let builder = RelayBuilder::default()
        .addr(Ipv4Addr::LOCALHOST.into())
        .port(port)
        .database(Arc::clone(database));
    StoppableRelay::start(builder)
}

fn relay_database() -> Arc<MemoryDatabase> {
    Arc::new(MemoryDatabase::with_opts(MemoryDatabaseOptions {
        events: true,
        max_events: None,
    }))
}

#[tokio::test]
async fn two_users_exchange_private_messages_live() {
    scenario(async {
        let (_relay, url) = relay().await;
        let relays = [url];
        let mut alice = new_user(&relays, NIP06_WORDS).await;
        let mut bob = new_user(&relays, BOB_WORDS).await;
        alice.until_ready(1).await;
        bob.until_ready(1).await;

        let delivery = alice.deliver(&bob.npub, "gm Bob").await;
        assert_eq!(
            delivery,
            Delivery::Sent {
                accepted: 1,
                tried: 1
            }
        );
        let received = bob.until_message(|message| message.text == "gm Bob").await;
        assert_eq!(received.conversation, alice.npub);
        assert!(!received.from_me && !received.legacy);
        assert_eq!(received.delivery, None);

        bob.deliver(&alice.npub, "gm Alice").await;
        let reply = alice.until_message(|message| !message.from_me).await;
        assert_eq!(
            (reply.conversation.as_str(), reply.text.as_str()),
            (bob.npub.as_str(), "gm Alice")
        );

        // Each side sees the whole conversation once, in order.
        assert_eq!(
            alice.texts(&bob.npub).await,
            [(false, "gm Alice".to_owned()), (true, "gm Bob".to_owned())]
        );
        assert_eq!(
            bob.texts(&alice.npub).await,
            [(false, "gm Bob".to_owned()), (true, "gm Alice".to_owned())]
        );

        // After a lock and an unlock, messages still arrive live.
        bob.lock_and_unlock().await;
        bob.until_ready(1).await;
        alice.deliver(&bob.npub, "still there?").await;
        let later = bob
            .until_message(|message| message.text == "still there?")
            .await;
        assert_eq!(later.conversation, alice.npub);
        // Only ids crossed to the page unasked: the words came when asked.
        for pushed in alice.pushed.iter().chain(&bob.pushed) {
            assert!(!pushed.contains("still there?"), "pushed unasked: {pushed}");
        }

        // Someone who has published no relays cannot be reached: the
        // message says so, and waits for a retry.
        let stranger = Keys::generate().public_key().to_bech32().expect("npub");
        match alice.deliver(&stranger, "hello?").await {
            Delivery::Failed { reason } => assert!(reason.contains("inbox"), "{reason}"),
            other => panic!("delivered to no one? {other:?}"),
        }

        // Nonsense is refused with a reason.
        assert!(matches!(
            alice.engine.handle(message("npub1nope", "hi")).await,
            Err(EngineError::Invalid { .. })
        ));
    })
    .await;
}

#[tokio::test]
async fn a_user_whose_key_is_in_a_nip07_extension_exchanges_private_messages() {
    scenario(async {
        let (_relay, url) = relay().await;
        let relays = [url];
        let mut alice = extension_user(&relays, Keys::generate()).await;
        let mut bob = new_user(&relays, BOB_WORDS).await;
        // Publishing her relay lists took the extension's signatures.
        alice.until_ready(1).await;
        bob.until_ready(1).await;

        bob.deliver(&alice.npub, "can your extension read this?")
            .await;
        let received = alice.until_message(|m| !m.from_me).await;
        assert_eq!(
            (received.text.as_str(), received.author.as_str()),
            ("can your extension read this?", bob.npub.as_str())
        );

        let delivery = alice.deliver(&bob.npub, "it can").await;
        assert!(
            matches!(delivery, Delivery::Sent { accepted: 1, .. }),
            "{delivery:?}"
        );
        bob.until_message(|m| m.text == "it can").await;
    })
    .await;
}

#[tokio::test]
async fn a_new_device_gets_the_whole_history_though_the_relay_caps_each_request() {
    scenario(async {
        // A relay that answers at most 20 events a request, holding 30
        // messages from Bob to Alice.
        let database = relay_database();
        let relay = LocalRelay::new(
            RelayBuilder::default()
                .database(Arc::clone(&database))
                .default_filter_limit(20)
                .max_filter_limit(20),
        );
        relay.run().await.expect("the relay runs");
        let relays = [relay.url().await.to_string()];
        let alice = Keys::from_mnemonic(NIP06_WORDS, None).expect("NIP-06 keys");
        let bob = Keys::generate();
        for n in 0..30 {
            let text = format!("message {n}");
            let wrap = EventBuilder::private_msg(&bob, alice.public_key(), text, [])
                .await
                .expect("wrapped");
            database.save_event(&wrap).await.expect("kept");
        }

        let mut device = new_user(&relays, NIP06_WORDS).await;
        device.until_ready(1).await;
        let bob = bob.public_key().to_bech32().expect("npub");
        for n in 0..30 {
            let text = format!("message {n}");
            device.until_message(|m| m.text == text).await;
        }
        let (_, summaries) = device.summaries().await;
        assert_eq!(
            (summaries[0].conversation.as_str(), summaries[0].unread),
            (bob.as_str(), 30)
        );
    })
    .await;
}

#[tokio::test]
async fn a_group_of_three_talks_in_one_room_with_a_subject() {
    scenario(async {
        let (_relay, url) = relay().await;
        let relays = [url];
        let mut alice = new_user(&relays, NIP06_WORDS).await;
        let mut bob = new_user(&relays, BOB_WORDS).await;
        let mut carol = new_user(&relays, CAROL_WORDS).await;
        for user in [&mut alice, &mut bob, &mut carol] {
            user.until_ready(1).await;
        }

        let to_group = Command::SendMessage {
            to: vec![bob.npub.clone(), carol.npub.clone()],
            text: "Who brings the tent?".into(),
            subject: Some("  Camping trip ".into()),
        };
        let sent = match alice.engine.handle(to_group).await {
            Ok(Reply::MessageSent { message }) => message,
            other => panic!("not sent: {other:?}"),
        };
        assert!(sent.conversation.starts_with("group-"), "{sent:?}");
        let delivered = alice
            .until_message(|m| m.id == sent.id && !matches!(m.delivery, Some(Delivery::Sending)))
            .await;
        // One inbox relay each for Bob and Carol.
        assert_eq!(
            delivered.delivery,
            Some(Delivery::Sent {
                accepted: 2,
                tried: 2
            })
        );

        // Both receive it in the same room, knowing who wrote it and its name.
        for user in [&mut bob, &mut carol] {
            let received = user.until_message(|m| m.id == sent.id).await;
            assert_eq!(received.conversation, sent.conversation);
            assert_eq!(received.author, alice.npub);
            assert_eq!(received.subject.as_deref(), Some("Camping trip"));
            let (_, summaries) = user.summaries().await;
            let room = summaries
                .iter()
                .find(|s| s.conversation == sent.conversation)
                .expect("the group is listed");
            assert_eq!(room.subject.as_deref(), Some("Camping trip"));
            assert_eq!(room.members.len(), 2);
            assert!(room.members.contains(&alice.npub) && !room.members.contains(&user.npub));
        }

        // Carol answers the room: to everyone in it but herself.
        let (_, summaries) = carol.summaries().await;
        let members = summaries
            .into_iter()
            .find(|s| s.conversation == sent.conversation)
            .map(|s| s.members)
            .expect("the group is listed");
        let answer = Command::SendMessage {
            to: members,
            text: "I do".into(),
            subject: None,
        };
        assert!(carol.engine.handle(answer).await.is_ok());
        for user in [&mut alice, &mut bob] {
            let reply = user.until_message(|m| m.text == "I do").await;
            assert_eq!(
                (reply.conversation.as_str(), reply.author.as_str()),
                (sent.conversation.as_str(), carol.npub.as_str())
            );
        }
        assert_eq!(
            bob.texts(&sent.conversation).await,
            [
                (false, "I do".to_owned()),
                (false, "Who brings the tent?".to_owned())
            ]
        );

        // A conversation of two with Bob stays apart from the group.
        alice.deliver(&bob.npub, "just us").await;
        let private = bob.until_message(|m| m.text == "just us").await;
        assert_eq!(private.conversation, alice.npub);

        // Groups are bounded, and every member must be a key.
        let too_many = Command::SendMessage {
            to: vec![bob.npub.clone(); 101],
            text: "hi".into(),
            subject: None,
        };
        assert!(matches!(
            alice.engine.handle(too_many).await,
            Err(EngineError::Invalid { .. })
        ));
        let bad_member = Command::SendMessage {
            to: vec![bob.npub.clone(), "carol".into()],
            text: "hi".into(),
            subject: None,
        };
        match alice.engine.handle(bad_member).await {
            Err(EngineError::Invalid {
                field: Some(Field::Person),
                message,
            }) => {
                assert!(message.contains("carol"), "{message}")
            }
            other => panic!("accepted a member who is not a key: {other:?}"),
        }
    })
    .await;
}

#[tokio::test]
async fn history_survives_a_restart_without_relays_read_in_pages_with_unread_counts_and_deliveries()
{
    scenario(async {
        let (relay, url) = relay().await;
        let relays = [url];
        let bobs_browser = MemoryProfiles::new();
        let alices_browser = MemoryProfiles::new();
        let mut alice = new_user_in(&alices_browser, &relays, NIP06_WORDS).await;
        let mut bob = new_user_in(&bobs_browser, &relays, BOB_WORDS).await;
        alice.until_ready(1).await;
        bob.until_ready(1).await;

        for n in 0..7 {
            alice.deliver(&bob.npub, &format!("message {n}")).await;
        }
        for n in 0..7 {
            let text = format!("message {n}");
            bob.until_message(|message| message.text == text).await;
        }
        let (_, summaries) = bob.summaries().await;
        assert_eq!(summaries.len(), 1);
        assert_eq!(
            (summaries[0].conversation.as_str(), summaries[0].unread),
            (alice.npub.as_str(), 7)
        );

        // Opening the conversation reads it; what comes after is unread.
        bob.page(&alice.npub, None, 3).await;
        assert_eq!(bob.summaries().await.1[0].unread, 0);
        alice.deliver(&bob.npub, "one more").await;
        bob.until_message(|message| message.text == "one more")
            .await;
        assert_eq!(bob.summaries().await.1[0].unread, 1);

        // Bob's tab closes and opens again with no relay to ask: the
        // history comes from his event database, read markers from his vault.
        drop(bob);
        relay.shutdown();
        let mut bob = returning_user(&bobs_browser, &relays).await;
        bob.until_state(|state| matches!(state, MessagingState::Ready { .. }))
            .await;
        let (messaging, summaries) = bob.summaries().await;
        assert!(
            matches!(messaging, MessagingState::Ready { connected: 0, .. }),
            "{messaging:?}"
        );
        assert_eq!((summaries.len(), summaries[0].unread), (1, 1));

        // Pages go back in time, three at a time, without gaps or repeats.
        let mut pages = Vec::new();
        let mut before = None;
        loop {
            let (page, earlier) = bob.page(&alice.npub, before, 3).await;
            assert!(!page.is_empty() && page.len() <= 3);
            pages.push(page);
            match earlier {
                Some(cursor) => before = Some(cursor),
                None => break,
            }
        }
        assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 2]);
        let all: Vec<ChatMessage> = pages.into_iter().rev().flatten().collect();
        let ordered = all
            .windows(2)
            .all(|pair| (pair[0].created_at, &pair[0].id) < (pair[1].created_at, &pair[1].id));
        assert!(ordered, "oldest first, each message once");
        let mut texts: Vec<&str> = all.iter().map(|message| message.text.as_str()).collect();
        texts.sort_unstable();
        assert_eq!(
            texts,
            [
                "message 0",
                "message 1",
                "message 2",
                "message 3",
                "message 4",
                "message 5",
                "message 6",
                "one more"
            ]
        );
        assert!(all
            .iter()
            .all(|message| !message.from_me && message.conversation == alice.npub));

        // Alice's tab opens again too: her messages still say how far they
        // got, though the outbox forgot them once the relay took them.
        drop(alice);
        let mut alice = returning_user(&alices_browser, &relays).await;
        alice
            .until_state(|state| matches!(state, MessagingState::Ready { .. }))
            .await;
        let (sent, _) = alice.page(&bob.npub, None, 200).await;
        assert_eq!(sent.len(), 8);
        assert!(
            sent.iter().all(|message| message.from_me
                && message.delivery
                    == Some(Delivery::Sent {
                        accepted: 1,
                        tried: 1
                    })),
            "{sent:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_message_sent_with_every_relay_down_is_kept_and_sent_after_a_restart() {
    scenario(async {
        let (port, database) = (free_port(), relay_database());
        let mut relay = relay_at(port, &database);
        let relays = [relay.url().to_owned()];
        let alices_browser = MemoryProfiles::new();
        let mut alice = new_user_in(&alices_browser, &relays, NIP06_WORDS).await;
        let mut bob = new_user(&relays, BOB_WORDS).await;
        alice.until_ready(1).await;
        bob.until_ready(1).await;

        relay.stop();
        alice.until_ready(0).await;
        let sent = alice.send(&bob.npub, "are you there?").await;
        let waiting = alice
            .until_message(|message| {
                message.id == sent.id && message.delivery == Some(Delivery::Waiting)
            })
            .await;
        assert_eq!(waiting.text, "are you there?");

        // The tab closes with the message unsent; the relay comes back; the
        // tab opens again and the outbox sends it. Meanwhile nothing at rest
        // says whom it is for, nor what it says.
        drop(alice);
        nothing_at_rest_names(&alices_browser, &bob.npub, "are you there?");
        let _relay = relay_at(port, &database);
        let mut alice = returning_user(&alices_browser, &relays).await;
        let delivered = alice
            .until_message(|message| {
                message.id == sent.id && matches!(message.delivery, Some(Delivery::Sent { .. }))
            })
            .await;
        assert_eq!(
            delivered.delivery,
            Some(Delivery::Sent {
                accepted: 1,
                tried: 1
            })
        );
        assert_eq!(
            alice.texts(&bob.npub).await,
            [(true, "are you there?".to_owned())]
        );

        // Bob's connection went down with the relay; once back, he has it.
        bob.lock_and_unlock().await;
        let received = bob
            .until_message(|message| message.text == "are you there?")
            .await;
        assert_eq!(
            (received.id, received.conversation),
            (sent.id, alice.npub.clone())
        );
    })
    .await;
}

/// Checks that no vault record of `browser`'s profile holds `npub`'s key
/// (hex, as a gift wrap names its recipient) or `text`.
fn nothing_at_rest_names(browser: &MemoryProfiles, npub: &str, text: &str) {
    let hex = PublicKey::parse(npub).expect("an npub").to_hex();
    let records = browser.vault_records(PROFILE);
    assert!(!records.is_empty());
    for (name, value) in records {
        let value = String::from_utf8_lossy(&value);
        assert!(!value.contains(&hex), "{name} names the recipient");
        assert!(!value.contains(text), "{name} holds the text");
    }
}

#[tokio::test]
async fn an_extension_users_undelivered_message_is_kept_sealed_and_sent_after_a_restart() {
    scenario(async {
        let (port, database) = (free_port(), relay_database());
        let mut relay = relay_at(port, &database);
        let relays = [relay.url().to_owned()];
        let alices_browser = MemoryProfiles::new();
        let keys = Keys::generate();
        let mut alice = extension_user_in(&alices_browser, &relays, keys.clone()).await;
        let mut bob = new_user(&relays, BOB_WORDS).await;
        alice.until_ready(1).await;
        bob.until_ready(1).await;

        relay.stop();
        alice.until_ready(0).await;
        let sent = alice.send(&bob.npub, "sealed without a passphrase").await;
        alice
            .until_message(|message| {
                message.id == sent.id && message.delivery == Some(Delivery::Waiting)
            })
            .await;
        drop(alice);
        // No passphrase, so no vault key: the outbox is sealed under a key
        // of its own, which only the extension unwraps.
        nothing_at_rest_names(&alices_browser, &bob.npub, "sealed without a passphrase");

        let _relay = relay_at(port, &database);
        let mut alice = returning_extension_user(&alices_browser, &relays, keys).await;
        alice
            .until_message(|message| {
                message.id == sent.id && matches!(message.delivery, Some(Delivery::Sent { .. }))
            })
            .await;
        bob.lock_and_unlock().await;
        bob.until_message(|message| message.text == "sealed without a passphrase")
            .await;
    })
    .await;
}

#[tokio::test]
async fn nip04_messages_are_read_and_marked_legacy() {
    scenario(async {
        let (_relay, url) = relay().await;
        let relays = [url.clone()];
        let mut alice = new_user(&relays, NIP06_WORDS).await;
        alice.until_ready(1).await;
        let alice_keys = Keys::parse(NIP06_NSEC).expect("the NIP-06 key");
        let old_friend = Keys::generate();

        // An old client writes to Alice, and Alice answers from another
        // old client, both in NIP-04.
        let to_alice = nip04_message(&old_friend, &alice_keys.public_key(), "the old way");
        let from_alice = nip04_message(&alice_keys, &old_friend.public_key(), "still works");
        let client = Client::default();
        client.add_relay(&url).await.expect("added");
        client.connect().await;
        client.wait_for_connection(Duration::from_secs(5)).await;
        for event in [&to_alice, &from_alice] {
            let sent = client.send_event(event).await.expect("published");
            assert_eq!(sent.success.len(), 1, "{sent:?}");
        }

        let friend = old_friend.public_key().to_bech32().expect("npub");
        let theirs = alice
            .until_message(|message| message.text == "the old way")
            .await;
        let mine = alice
            .until_message(|message| message.text == "still works")
            .await;
        for (message, from_me) in [(&theirs, false), (&mine, true)] {
            assert!(message.legacy, "{message:?}");
            assert_eq!(
                (message.from_me, message.conversation.as_str()),
                (from_me, friend.as_str())
            );
        }
        client.shutdown().await;
    })
    .await;
}

fn nip04_message(from: &Keys, to: &PublicKey, text: &str) -> NostrEvent {
    let content = nip04::encrypt(from.secret_key(), to, text).expect("encrypted");
    EventBuilder::new(Kind::EncryptedDirectMessage, content)
        .tag(Tag::public_key(*to))
        .sign_with_keys(from)
        .expect("signed")
}

#[tokio::test]
async fn every_message_arrives_over_three_relays_when_one_stops_and_one_lies() {
    scenario(async {
        let (_good, good) = relay().await;
        let mut stopping = StoppableRelay::start(RelayBuilder::default());
        let stopping_url = stopping.url().to_owned();
        let lying = lying_relay().await;
        let relays = [good, stopping_url, lying];
        let mut alice = new_user(&relays, NIP06_WORDS).await;
        let mut bob = new_user(&relays, BOB_WORDS).await;
        alice.until_ready(3).await;
        bob.until_ready(3).await;

        // The lying relay says it took the message, too.
        let delivery = alice.deliver(&bob.npub, "one").await;
        assert_eq!(
            delivery,
            Delivery::Sent {
                accepted: 3,
                tried: 3
            }
        );
        bob.until_message(|message| message.text == "one").await;
        bob.deliver(&alice.npub, "two").await;
        alice.until_message(|message| message.text == "two").await;

        stopping.stop();
        alice.until_ready(2).await;
        bob.until_ready(2).await;
        let delivery = alice.deliver(&bob.npub, "three").await;
        assert_eq!(
            delivery,
            Delivery::Sent {
                accepted: 2,
                tried: 3
            }
        );
        bob.until_message(|message| message.text == "three").await;
        bob.deliver(&alice.npub, "four").await;
        alice.until_message(|message| message.text == "four").await;

        // What the lying relay made up was dropped and counted; only the
        // real messages are in the conversation.
        for user in [&mut alice, &mut bob] {
            user.until_state(|state| {
                matches!(state, MessagingState::Ready { dropped, .. } if *dropped >= FORGERIES)
            })
            .await;
        }
        let written = |by_me: [&str; 2], by_them: [&str; 2]| {
            let mut texts: Vec<(bool, String)> = (by_me.map(|text| (true, text.to_owned())))
                .into_iter()
                .chain(by_them.map(|text| (false, text.to_owned())))
                .collect();
            texts.sort();
            texts
        };
        assert_eq!(
            alice.texts(&bob.npub).await,
            written(["one", "three"], ["two", "four"])
        );
        assert_eq!(
            bob.texts(&alice.npub).await,
            written(["two", "four"], ["one", "three"])
        );
    })
    .await;
}

/// How many forged events the lying relay sends at a time.
const FORGERIES: u64 = 3;

/// A relay that lies. It says OK to every event and keeps none; it answers
/// every subscription with forged events and garbage before its end of
/// stored events; and it sends every subscriber forged copies of each
/// event it is given. Returns its URL.
async fn lying_relay() -> String {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("a port");
    let address: SocketAddr = listener.local_addr().expect("an address");
    let (given, _) = tokio::sync::broadcast::channel::<NostrEvent>(64);
    spawn_local(async move {
        while let Ok((stream, _)) = listener.accept().await {
            spawn_local(serve_lies(stream, given.clone()));
        }
    });
    format!("ws://{address}")
}

async fn serve_lies(
    stream: tokio::net::TcpStream,
    given: tokio::sync::broadcast::Sender<NostrEvent>,
) {
    let Ok(mut socket) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    let mut copies = given.subscribe();
    let mut subscriptions: Vec<String> = Vec::new();
    let sample = EventBuilder::text_note("a real note, to forge")
        .sign_with_keys(&Keys::generate())
        .expect("signed");
    loop {
        let mut frames = Vec::new();
        tokio::select! {
            received = socket.next() => {
                let Some(Ok(received)) = received else { return };
                let Ok(text) = received.to_text() else { continue };
                let Ok(serde_json::Value::Array(message)) = serde_json::from_str(text) else {
                    continue;
                };
                let subscription = message.get(1).and_then(|id| id.as_str()).map(str::to_owned);
                match (message.first().and_then(|kind| kind.as_str()), subscription) {
                    (Some("REQ"), Some(id)) => {
                        frames.extend(forgeries(&id, &sample));
                        frames.push("][ not even JSON".to_owned());
                        frames.push(serde_json::json!(["EOSE", id]).to_string());
                        subscriptions.push(id);
                    }
                    (Some("CLOSE"), Some(id)) => subscriptions.retain(|known| *known != id),
                    // As relays without negentropy do: a silent one would
                    // cost nostr-sdk's gossip a 10 s timeout per lookup.
                    (Some("NEG-OPEN"), Some(id)) => {
                        frames.push(serde_json::json!(["NEG-ERR", id, "unsupported"]).to_string());
                    }
                    (Some("EVENT"), _) => {
                        let event = message.get(1).and_then(|event| NostrEvent::from_json(event.to_string()).ok());
                        if let Some(event) = event {
                            frames.push(serde_json::json!(["OK", event.id.to_hex(), true, ""]).to_string());
                            let _ = given.send(event);
                        }
                    }
                    _ => {}
                }
            }
            Ok(event) = copies.recv() => {
                for id in &subscriptions {
                    frames.extend(forgeries(id, &event));
                }
            }
        }
        for frame in frames {
            if socket.send(Message::Text(frame.into())).await.is_err() {
                return;
            }
        }
    }
}

/// [`FORGERIES`] `EVENT` messages for subscription `id` made from `event`:
/// its signature altered, its content altered (so its id is wrong), and an
/// object that is not an event at all.
fn forgeries(id: &str, event: &NostrEvent) -> Vec<String> {
    let original = serde_json::to_value(event).expect("an event is JSON");
    let mut bad_signature = original.clone();
    let signature = event.sig.to_string();
    let flipped = if signature.starts_with('0') { "1" } else { "0" };
    bad_signature["sig"] = format!("{flipped}{}", &signature[1..]).into();
    let mut bad_id = original;
    bad_id["content"] = "words the author never wrote".into();
    let not_an_event = serde_json::json!({ "id": "zz", "kind": "none" });
    [bad_signature, bad_id, not_an_event]
        .into_iter()
        .map(|forged| serde_json::json!(["EVENT", id, forged]).to_string())
        .collect()
}

/// 2100-01-01, in seconds: far beyond any clock's skew.
const YEAR_2100: u64 = 4_102_444_800;

/// A gift wrap from `from` to `to` that opens, dated `created_at` (NIP-59
/// wraps are backdated, never dated ahead).
/// Alice's public key and Bob's keys (the NIP-06 and Bob's test words).
fn alice_and_bob() -> (PublicKey, Keys) {
    let alice = Keys::parse(NIP06_NSEC).expect("the NIP-06 key");
    let bob = Keys::from_mnemonic(BOB_WORDS, None).expect("Bob's key");
    (alice.public_key(), bob)
}

/// A hostile relay answering every request for wraps to `to` with
/// `wraps`, in order.
async fn relay_pushing(to: PublicKey, wraps: Vec<NostrEvent>) -> HostileRelay {
    let lies: Vec<_> = wraps
        .iter()
        .map(|event| serde_json::to_value(event).expect("JSON"))
        .collect();
    HostileRelay::start(move |filter| {
        if asks_for_wraps_to(filter, &to) {
            lies.clone()
        } else {
            Vec::new()
        }
    })
    .await
}

/// Whether `browser` keeps the event `id` in `user`'s store.
async fn kept(browser: &MemoryProfiles, user: PublicKey, id: &nostr::EventId) -> bool {
    let store = browser
        .open_events(support::PROFILE, user)
        .await
        .expect("the event store");
    store.event_by_id(id).await.expect("read").is_some()
}

async fn gift_wrap_dated(from: &Keys, to: PublicKey, text: &str, created_at: u64) -> NostrEvent {
    let rumor = EventBuilder::private_msg_rumor(to, text).build(from.public_key());
    gift_wrap_of(from, to, rumor, created_at).await
}

/// A message written at `at`, in a gift wrap dated then too.
async fn message_written(from: &Keys, to: PublicKey, text: &str, at: u64) -> NostrEvent {
    let rumor = EventBuilder::private_msg_rumor(to, text)
        .custom_created_at(nostr::Timestamp::from_secs(at))
        .build(from.public_key());
    gift_wrap_of(from, to, rumor, at).await
}

/// `rumor` sealed by `from` and wrapped for `to`, the wrap dated `created_at`.
async fn gift_wrap_of(
    from: &Keys,
    to: PublicKey,
    rumor: nostr::UnsignedEvent,
    created_at: u64,
) -> NostrEvent {
    let seal = EventBuilder::seal(from, &to, rumor)
        .await
        .expect("sealed")
        .sign_with_keys(from)
        .expect("signed");
    let wrapper = Keys::generate();
    let content = nostr::nips::nip44::encrypt(
        wrapper.secret_key(),
        &to,
        seal.as_json(),
        nostr::nips::nip44::Version::V2,
    )
    .expect("encrypted");
    EventBuilder::new(Kind::GiftWrap, content)
        .tag(Tag::public_key(to))
        .custom_created_at(nostr::Timestamp::from_secs(created_at))
        .sign_with_keys(&wrapper)
        .expect("signed")
}

/// Whether `filter` asks for gift wraps to `who`.
fn asks_for_wraps_to(filter: &nostr::Filter, who: &PublicKey) -> bool {
    let to = nostr::SingleLetterTag::lowercase(nostr::Alphabet::P);
    filter
        .kinds
        .as_ref()
        .is_some_and(|kinds| kinds.contains(&Kind::GiftWrap))
        && filter
            .generic_tags
            .get(&to)
            .is_some_and(|keys| keys.contains(&who.to_hex()))
}

/// No filter the engine sent starts after now.
fn no_since_after_now(seen: &Seen) {
    let now = nostr::Timestamp::now();
    for filter in &seen.filters {
        if let Some(since) = filter.since {
            assert!(
                since <= now,
                "a request from {since} (now {now}): {filter:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_gift_wrap_dated_2100_is_refused_and_live_messages_still_arrive() {
    scenario(async {
        let (alice_key, bob_keys) = alice_and_bob();
        let future = gift_wrap_dated(&bob_keys, alice_key, "from 2100", YEAR_2100).await;
        let now = nostr::Timestamp::now().as_secs();
        let marker = gift_wrap_dated(&bob_keys, alice_key, "from now", now - 60).await;
        // The hostile relay answers Alice's subscription with the wrap from
        // 2100, then a message of today: once that one is in, the first
        // was taken or refused.
        let hostile = relay_pushing(alice_key, vec![future.clone(), marker]).await;
        let (_honest, honest) = relay().await;
        let browser = MemoryProfiles::new();
        let relays = [honest.clone(), hostile.url.clone()];
        let mut alice = new_user_in(&browser, &relays, NIP06_WORDS).await;
        let mut bob = new_user(std::slice::from_ref(&honest), BOB_WORDS).await;
        alice
            .until_message(|message| message.text == "from now")
            .await;
        bob.until_ready(1).await;

        // Refused: not kept, so not the newest message stored either.
        assert!(
            !kept(&browser, alice_key, &future.id).await,
            "the wrap from 2100 was kept"
        );

        // After a reload, every subscription starts at the latest now.
        let before = hostile
            .seen()
            .filters
            .iter()
            .filter(|filter| asks_for_wraps_to(filter, &alice_key))
            .count();
        alice.lock_and_unlock().await;
        alice
            .until_seen(&hostile, |_, seen| {
                let asked = seen.filters.iter();
                asked.filter(|f| asks_for_wraps_to(f, &alice_key)).count() > before
            })
            .await;
        alice.until_ready(2).await;
        no_since_after_now(&hostile.seen());

        // And Bob's next message arrives live.
        bob.deliver(&alice.npub, "still here").await;
        alice
            .until_message(|message| message.text == "still here")
            .await;
    })
    .await;
}

#[tokio::test]
async fn a_gift_wrap_dated_2100_kept_before_does_not_stop_live_messages() {
    scenario(async {
        let (alice_key, bob_keys) = alice_and_bob();
        // A relay that only listens, to see the requests.
        let listening = HostileRelay::start(|_| Vec::new()).await;
        let (_honest, honest) = relay().await;
        let browser = MemoryProfiles::new();
        let relays = [honest.clone(), listening.url.clone()];
        let mut alice = new_user_in(&browser, &relays, NIP06_WORDS).await;
        let mut bob = new_user(std::slice::from_ref(&honest), BOB_WORDS).await;
        alice.until_ready(2).await;
        bob.until_ready(1).await;

        // Kept by a build that took it, while Alice was away.
        alice.engine.handle(Command::Lock).await.expect("locked");
        alice
            .until_state(|state| *state == MessagingState::Off)
            .await;
        let future = gift_wrap_dated(&bob_keys, alice_key, "from 2100", YEAR_2100).await;
        let store = browser
            .open_events(support::PROFILE, alice_key)
            .await
            .expect("the event store");
        store.save_event(&future).await.expect("kept");
        let before = listening.seen().filters.len();
        alice
            .engine
            .handle(Command::Unlock {
                passphrase: PASSPHRASE.into(),
            })
            .await
            .expect("unlocked");
        alice
            .until_seen(&listening, |_, seen| {
                let asked = seen.filters[before..].iter();
                asked.filter(|f| asks_for_wraps_to(f, &alice_key)).count() > 0
            })
            .await;
        alice.until_ready(2).await;
        no_since_after_now(&listening.seen());

        bob.deliver(&alice.npub, "still here").await;
        alice
            .until_message(|message| message.text == "still here")
            .await;
    })
    .await;
}

#[tokio::test]
async fn a_gift_wrap_of_a_megabyte_is_refused_unread() {
    scenario(async {
        let (alice_key, bob_keys) = alice_and_bob();
        let now = nostr::Timestamp::now().as_secs();
        // Validly signed, addressed to Alice, and far larger than any
        // NIP-44 payload can be.
        let huge = EventBuilder::new(Kind::GiftWrap, "A".repeat(1_000_000))
            .tag(Tag::public_key(alice_key))
            .sign_with_keys(&Keys::generate())
            .expect("signed");
        let marker = gift_wrap_dated(&bob_keys, alice_key, "after the flood", now - 60).await;
        let hostile = relay_pushing(alice_key, vec![huge.clone(), marker]).await;
        let (_honest, honest) = relay().await;
        let browser = MemoryProfiles::new();
        let mut alice = new_user_in(&browser, &[honest, hostile.url.clone()], NIP06_WORDS).await;
        // Sent after the huge one: once it is in, the huge one was handled.
        alice
            .until_message(|message| message.text == "after the flood")
            .await;
        assert!(
            !kept(&browser, alice_key, &huge.id).await,
            "a 1 MB gift wrap was kept"
        );
    })
    .await;
}

/// How many gift wraps to `user` `browser` keeps in their store.
async fn wraps_kept(browser: &MemoryProfiles, user: PublicKey) -> usize {
    let store = browser
        .open_events(support::PROFILE, user)
        .await
        .expect("the event store");
    let wraps = nostr::Filter::new().kind(Kind::GiftWrap).pubkey(user);
    store.count(wraps).await.expect("counted")
}

/// Waits, while the engines run, until `user`'s store keeps `wanted` wraps.
async fn until_wraps_kept(
    browser: &MemoryProfiles,
    user: PublicKey,
    wanted: impl Fn(usize) -> bool,
) {
    while !wanted(wraps_kept(browser, user).await) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A gift wrap to `to` that verifies and opens to nothing.
fn junk_wrap(signer: &Keys, to: PublicKey, n: u64) -> NostrEvent {
    let now = nostr::Timestamp::now().as_secs();
    EventBuilder::new(Kind::GiftWrap, format!("junk {n}: no NIP-44 payload"))
        .tag(Tag::public_key(to))
        .custom_created_at(nostr::Timestamp::from_secs(now - 3600 - n))
        .sign_with_keys(signer)
        .expect("signed")
}

#[tokio::test]
async fn a_gift_wrap_that_does_not_open_is_deleted_and_never_opened_again() {
    scenario(async {
        let (alice_key, bob_keys) = alice_and_bob();
        let junk = junk_wrap(&Keys::generate(), alice_key, 0);
        let now = nostr::Timestamp::now().as_secs();
        let marker = gift_wrap_dated(&bob_keys, alice_key, "after the junk", now - 60).await;
        // Sent again on every subscription, in every session.
        let hostile = relay_pushing(alice_key, vec![junk.clone(), marker]).await;
        let (_honest, honest) = relay().await;
        let browser = MemoryProfiles::new();
        let relays = [honest.clone(), hostile.url.clone()];
        let mut alice = new_user_in(&browser, &relays, NIP06_WORDS).await;
        let mut bob = new_user(std::slice::from_ref(&honest), BOB_WORDS).await;
        alice
            .until_message(|message| message.text == "after the junk")
            .await;

        // Opened once, it is deleted; the store remembers it deleted.
        until_wraps_kept(&browser, alice_key, |kept| kept == 1).await;
        let store = browser
            .open_events(support::PROFILE, alice_key)
            .await
            .expect("the event store");
        assert_eq!(
            store.check_id(&junk.id).await.expect("read"),
            nostr_sdk::prelude::DatabaseEventStatus::Deleted
        );

        // The next session is sent it again, and the store refuses it
        // before anything opens it.
        let asked = hostile.seen().filters.len();
        alice.lock_and_unlock().await;
        alice
            .until_seen(&hostile, |_, seen| seen.filters.len() > asked)
            .await;
        alice.until_ready(2).await;
        bob.until_ready(1).await;
        bob.deliver(&alice.npub, "still here").await;
        alice
            .until_message(|message| message.text == "still here")
            .await;
        assert!(!kept(&browser, alice_key, &junk.id).await);
        let (_, summaries) = alice.summaries().await;
        let listed: Vec<&str> = summaries.iter().map(|s| s.conversation.as_str()).collect();
        assert_eq!(listed, [bob.npub.as_str()], "the junk made no conversation");
    })
    .await;
}

#[tokio::test]
async fn an_extension_is_never_asked_to_open_a_wrap_twice_nor_one_not_shaped_as_nip44() {
    // A profile without a passphrase keeps its messaging index sealed under
    // its own key, and an unlock reads the record of the wraps opened after
    // the list is shown: it must still be read before the wraps stored
    // meanwhile are looked for, or the extension is asked to open the
    // history again at every unlock.
    scenario(async {
        let (_, bob_keys) = alice_and_bob();
        let keys = Keys::generate();
        let alice_key = keys.public_key();
        let now = nostr::Timestamp::now().as_secs();
        let mut history = Vec::new();
        for n in 0..3 {
            let text = format!("hello {n}");
            history.push(gift_wrap_dated(&bob_keys, alice_key, &text, now - 60 - n).await);
        }
        // First, before the extension has answered once: junk not even
        // shaped as NIP-44, which the extension is never asked to open.
        let malformed = junk_wrap(&Keys::generate(), alice_key, 0);
        let pushed = [&malformed].into_iter().chain(&history).cloned().collect();
        let hostile = relay_pushing(alice_key, pushed).await;
        let (_honest, honest) = relay().await;
        let publisher = Client::default();
        publisher.add_relay(&honest).await.expect("added");
        publisher.connect().await;
        publisher.wait_for_connection(Duration::from_secs(5)).await;
        // A wrap that opens to no message, sent once everything else has
        // come: the index's writes delete it, so its going tells that they
        // were made, with all that came before it.
        let written = |n: u64| {
            let rumor =
                EventBuilder::text_note(format!("not a message {n}")).build(bob_keys.public_key());
            let (publisher, bob_keys) = (publisher.clone(), bob_keys.clone());
            async move {
                let junk = gift_wrap_of(&bob_keys, alice_key, rumor, now - 50).await;
                publisher.send_event(&junk).await.expect("published");
            }
        };
        let browser = MemoryProfiles::new();
        let relays = [honest.clone(), hostile.url.clone()];

        let mut alice = extension_user_in(&browser, &relays, keys.clone()).await;
        for n in 0..3 {
            let text = format!("hello {n}");
            alice.until_message(|message| message.text == text).await;
        }
        written(0).await;
        until_kept_answering(&mut alice, &browser, 3).await;
        assert!(!alice
            .pushed
            .iter()
            .any(|pushed| pushed.contains(&malformed.content)));
        drop(alice);

        for session in 1..=2 {
            // A message the relay pool kept while no tab was open; the
            // hostile relay sends the history again too.
            let text = format!("kept while away {session}");
            let away = gift_wrap_dated(&bob_keys, alice_key, &text, now - 40).await;
            let store = browser
                .open_events(PROFILE, alice_key)
                .await
                .expect("the event store");
            store.save_event(&away).await.expect("saved");

            let mut alice = returning_extension_user(&browser, &relays, keys.clone()).await;
            alice.until_message(|message| message.text == text).await;
            for wrap in &history {
                let asked = alice
                    .pushed
                    .iter()
                    .any(|pushed| pushed.contains(&wrap.content));
                assert!(
                    !asked,
                    "session {session} had the extension open a wrap again"
                );
            }
            written(session).await;
            let kept = 3 + usize::try_from(session).expect("small");
            until_kept_answering(&mut alice, &browser, kept).await;
            let (_, summaries) = alice.summaries().await;
            assert_eq!(summaries.len(), 1);
            drop(alice);
        }
    })
    .await;
}

/// Waits until `user`'s store keeps `wanted` wraps, answering meanwhile
/// what the engine asks of the extension.
async fn until_kept_answering(user: &mut User, browser: &MemoryProfiles, wanted: usize) {
    let key = PublicKey::parse(&user.npub).expect("an npub");
    while wraps_kept(browser, key).await != wanted {
        tokio::select! {
            () = user.pull() => {}
            () = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
    }
}

#[tokio::test]
async fn strangers_past_their_quota_lose_their_oldest_wraps_and_a_correspondent_keeps_all() {
    use flash_worker::messaging::history::STRANGER_MESSAGES;
    use std::cell::Cell;
    use std::rc::Rc;

    scenario(async {
        let (alice_key, bob_keys) = alice_and_bob();
        let now = nostr::Timestamp::now().as_secs();
        // Bob's message is older than every stranger's, and Alice wrote to
        // him: it stays.
        let bobs =
            message_written(&bob_keys, alice_key, "an old word from Bob", now - 90_000).await;
        let strangers = [(); 3].map(|()| Keys::generate());
        let mut flood = vec![bobs];
        for n in 0..STRANGER_MESSAGES + 20 {
            let from = &strangers[n % strangers.len()];
            let at = now - 80_000 + n as u64;
            flood.push(message_written(from, alice_key, &format!("stranger {n}"), at).await);
        }
        let oldest_stranger = flood[1].id;
        let newest_stranger = flood[flood.len() - 1].id;
        let marker = gift_wrap_dated(&bob_keys, alice_key, "after the strangers", now - 60).await;
        flood.push(marker);
        // Pushed once Alice has written to Bob.
        let armed = Rc::new(Cell::new(false));
        let lies: Vec<_> = flood
            .iter()
            .map(|event| serde_json::to_value(event).expect("JSON"))
            .collect();
        let hostile = HostileRelay::start({
            let armed = Rc::clone(&armed);
            move |filter| {
                if armed.get() && asks_for_wraps_to(filter, &alice_key) {
                    lies.clone()
                } else {
                    Vec::new()
                }
            }
        })
        .await;
        let (_honest, honest) = relay().await;
        let browser = MemoryProfiles::new();
        let relays = [honest.clone(), hostile.url.clone()];
        let mut alice = new_user_in(&browser, &relays, NIP06_WORDS).await;
        let mut bob = new_user(std::slice::from_ref(&honest), BOB_WORDS).await;
        alice.until_ready(2).await;
        bob.until_ready(1).await;
        alice.deliver(&bob.npub, "hello Bob").await;

        armed.set(true);
        alice.lock_and_unlock().await;
        alice
            .until_message(|message| message.text == "after the strangers")
            .await;
        // Alice's copy of her message, Bob's two, and the strangers' quota.
        until_wraps_kept(&browser, alice_key, |kept| kept == STRANGER_MESSAGES + 3).await;
        assert!(!kept(&browser, alice_key, &oldest_stranger).await);
        assert!(kept(&browser, alice_key, &newest_stranger).await);
        let texts = alice.texts(&bob.npub).await;
        assert_eq!(
            texts,
            [
                (false, "after the strangers".to_owned()),
                (false, "an old word from Bob".to_owned()),
                (true, "hello Bob".to_owned()),
            ]
        );

        // The next unlock lists what was kept.
        alice.lock_and_unlock().await;
        alice.until_ready(2).await;
        let (_, summaries) = alice.summaries().await;
        assert_eq!(summaries.len(), 1 + strangers.len());
        // Bob's conversation was read; none of the strangers' was.
        let unread: usize = summaries.iter().map(|summary| summary.unread).sum();
        assert_eq!(unread, STRANGER_MESSAGES);
    })
    .await;
}

#[tokio::test]
async fn a_message_sent_after_ten_thousand_junk_wraps_arrives_live_and_the_junk_is_deleted() {
    scenario(async {
        let (alice_key, _) = alice_and_bob();
        let junk_key = Keys::generate();
        let flood: Vec<NostrEvent> = (0..10_000)
            .map(|n| junk_wrap(&junk_key, alice_key, n))
            .collect();
        let hostile = relay_pushing(alice_key, flood).await;
        let (_honest, honest) = relay().await;
        let browser = MemoryProfiles::new();
        let relays = [honest.clone(), hostile.url.clone()];
        let mut alice = new_user_in(&browser, &relays, NIP06_WORDS).await;
        let mut bob = new_user(std::slice::from_ref(&honest), BOB_WORDS).await;
        alice.until_ready(2).await;
        bob.until_ready(1).await;
        until_wraps_kept(&browser, alice_key, |kept| kept == 0).await;

        let sent = std::time::Instant::now();
        bob.deliver(&alice.npub, "after the flood").await;
        alice
            .until_message(|message| message.text == "after the flood")
            .await;
        assert!(
            sent.elapsed() < Duration::from_secs(5),
            "arrived after {:?}",
            sent.elapsed()
        );
        until_wraps_kept(&browser, alice_key, |kept| kept == 1).await;
    })
    .await;
}

#[tokio::test]
async fn the_index_is_sealed_and_a_history_kept_without_one_is_indexed_at_the_next_unlock() {
    use flash_worker::vault::VaultStore;

    scenario(async {
        let (relay, url) = relay().await;
        let relays = [url];
        let browser = MemoryProfiles::new();
        let mut alice = new_user_in(&browser, &relays, NIP06_WORDS).await;
        let mut bob = new_user(&relays, BOB_WORDS).await;
        alice.until_ready(1).await;
        bob.until_ready(1).await;
        for n in 0..3 {
            bob.deliver(&alice.npub, &format!("secret words {n}")).await;
        }
        for n in 0..3 {
            let text = format!("secret words {n}");
            alice.until_message(|message| message.text == text).await;
        }

        // Written a moment later, and nothing in it is in clear: not a
        // word, not who wrote.
        let vault = browser.open(support::PROFILE).await.expect("the vault");
        let index = |name: &str| {
            ["list", "known", "thread/", "unwritten"]
                .iter()
                .any(|record| name.starts_with(&format!("secret/messaging/{record}")))
        };
        while !vault
            .snapshot()
            .keys()
            .any(|name| name == "secret/messaging/list")
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let bob_hex = PublicKey::parse(&bob.npub).expect("Bob's key").to_hex();
        for (name, record) in vault.snapshot() {
            let record = String::from_utf8_lossy(&record);
            for clear in ["secret words", bob.npub.as_str(), bob_hex.as_str()] {
                assert!(
                    !name.contains(clear) && !record.contains(clear),
                    "{name} holds {clear}"
                );
            }
        }

        // As an earlier build left it: the history in the event store, no
        // index; and no relay to send it again.
        alice.engine.handle(Command::Lock).await.expect("locked");
        alice
            .until_state(|state| *state == MessagingState::Off)
            .await;
        for name in vault.snapshot().into_keys().filter(|name| index(name)) {
            vault.delete(&name).await.expect("deleted");
        }
        relay.shutdown();
        alice
            .engine
            .handle(Command::Unlock {
                passphrase: PASSPHRASE.into(),
            })
            .await
            .expect("unlocked");
        alice
            .until_state(|state| matches!(state, MessagingState::Ready { .. }))
            .await;
        loop {
            let (_, summaries) = alice.summaries().await;
            if summaries.first().is_some_and(|summary| summary.unread == 3) {
                assert_eq!(summaries.len(), 1);
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let texts = alice.texts(&bob.npub).await;
        let expected: Vec<(bool, String)> = (0..3)
            .map(|n| (false, format!("secret words {n}")))
            .collect();
        assert_eq!(texts, expected);
    })
    .await;
}
