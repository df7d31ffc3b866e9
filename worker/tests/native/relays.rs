//! The user's relays, changed while messaging runs, through real relays in
//! process: a relay added connects, is announced in the user's relay lists
//! (NIP-65 kind 10002, NIP-17 kind 10050) and carries messages; removed,
//! it is dropped and the lists say so; a relay that refuses connections
//! says why; a relay of the user's that requires NIP-42 authentication
//! gets it, and a recipient's relay does not; bad
//! addresses are refused with a reason; and the list is kept across a lock.
#![cfg(not(target_arch = "wasm32"))]

use crate::support;

use std::cell::OnceCell;
use std::net::Ipv4Addr;
use std::rc::Rc;
use std::time::Duration;

use flash_worker::profiles::memory::MemoryProfiles;
use flash_worker::protocol::{
    Command, Delivery, EngineError, Field, RelayAuth, RelayConnection, RelayView, Reply,
};
use nostr::nips::nip65::{self, RelayMetadata};
use nostr::{Filter, JsonUtil, Kind, PublicKey, RelayUrl};
use nostr_relay_builder::prelude::{RelayBuilder, RelayBuilderNip42, RelayBuilderNip42Mode};
use nostr_sdk::Client;
use support::hostile::{Held, HostileRelay};
use support::messaging::{closed_relay, new_user, relay, relay_from, scenario, User};
use support::{BOB_WORDS, NIP06_WORDS, PASSPHRASE};
use tokio::task::spawn_local;

/// What these tests ask of a user about their relays.
impl User {
    /// Until the relay at `url` is shown as `pick` says.
    async fn until_relay(&mut self, url: &str, pick: impl Fn(&RelayView) -> bool) -> RelayView {
        loop {
            if let Some(view) = self.relays.iter().find(|view| view.url == url) {
                if pick(view) {
                    return view.clone();
                }
            }
            self.pull().await;
        }
    }

    async fn until_connected(&mut self, url: &str) -> RelayView {
        self.until_relay(url, |view| view.connection == RelayConnection::Connected)
            .await
    }

    /// Until the relay at `url` is no longer shown.
    async fn until_gone(&mut self, url: &str) {
        while self.relays.iter().any(|view| view.url == url) {
            self.pull().await;
        }
    }

    async fn command(&self, command: Command) -> Result<Vec<RelayView>, EngineError> {
        match self.engine.handle(command).await {
            Ok(Reply::Relays { relays }) => Ok(relays),
            Err(error) => Err(error),
            other => panic!("not a relay list: {other:?}"),
        }
    }

    async fn add(&self, url: &str, read: bool, write: bool) -> Vec<RelayView> {
        let add = Command::AddRelay {
            url: url.into(),
            read,
            write,
        };
        self.command(add).await.expect("added")
    }
}

/// `who`'s newest event of `kind` on the relay at `url`, as another
/// client reads it.
async fn published(url: &str, who: &str, kind: Kind) -> Option<nostr::Event> {
    let client = Client::default();
    client.add_relay(url).await.expect("added");
    client.connect().await;
    let author = PublicKey::parse(who).expect("an npub");
    let filter = Filter::new().author(author).kind(kind);
    let events = client
        .fetch_events(filter, Duration::from_secs(5))
        .await
        .expect("fetched");
    client.shutdown().await;
    events.into_iter().max_by_key(|event| event.created_at)
}

/// The `r` tags of a NIP-65 list, as (address, marker).
fn relay_list(event: &nostr::Event) -> Vec<(String, Option<RelayMetadata>)> {
    let mut tags: Vec<_> = nip65::extract_relay_list(event)
        .map(|(url, marker)| (url.to_string(), *marker))
        .collect();
    tags.sort_by(|a, b| a.0.cmp(&b.0));
    tags
}

fn inbox(event: &nostr::Event) -> Vec<String> {
    let mut urls: Vec<String> = nostr::nips::nip17::extract_relay_list(event)
        .map(RelayUrl::to_string)
        .collect();
    urls.sort();
    urls
}

#[tokio::test]
async fn a_relay_added_connects_is_announced_and_carries_messages_until_removed() {
    scenario(async {
        let (_first, first) = relay().await;
        let (_second, second) = relay().await;
        let mut alice = new_user(std::slice::from_ref(&first), NIP06_WORDS).await;
        // Bob's inbox is only on the second relay.
        let mut bob = new_user(std::slice::from_ref(&second), BOB_WORDS).await;
        alice.until_connected(&first).await;
        bob.until_ready(1).await;

        // Alice adds Bob's relay, to read only.
        let relays = alice.add(&second, true, false).await;
        let added = relays
            .iter()
            .find(|view| view.url == second)
            .expect("listed");
        assert!(added.read && !added.write, "{added:?}");
        alice.until_connected(&second).await;

        // Her lists say so, on both relays, for anyone to read.
        let expected = {
            let mut tags = vec![
                (first.clone(), None),
                (second.clone(), Some(RelayMetadata::Read)),
            ];
            tags.sort_by(|a, b| a.0.cmp(&b.0));
            tags
        };
        for url in [&first, &second] {
            let list = published(url, &alice.npub, Kind::RelayList)
                .await
                .expect("a 10002");
            assert_eq!(relay_list(&list), expected, "on {url}");
            let inboxes = published(url, &alice.npub, Kind::InboxRelays)
                .await
                .expect("a 10050");
            let mut both = vec![first.clone(), second.clone()];
            both.sort();
            assert_eq!(inbox(&inboxes), both, "on {url}");
        }

        // A message to Bob, whose inbox is on the added relay only, arrives.
        let delivery = alice.deliver(&bob.npub, "found you").await;
        assert!(
            matches!(delivery, Delivery::Sent { accepted: 1, .. }),
            "{delivery:?}"
        );
        bob.until_message(|message| message.text == "found you")
            .await;
        // And Bob's answer to Alice's inbox on the relay she reads there.
        bob.deliver(&alice.npub, "hello Alice").await;
        alice
            .until_message(|message| message.text == "hello Alice")
            .await;

        // Used to write only, it is no longer her inbox; her lists say so.
        let flags = Command::SetRelayFlags {
            url: second.clone(),
            read: false,
            write: true,
        };
        let relays = alice.command(flags).await.expect("flags set");
        let changed = relays
            .iter()
            .find(|view| view.url == second)
            .expect("listed");
        assert!(!changed.read && changed.write, "{changed:?}");
        let list = published(&first, &alice.npub, Kind::RelayList)
            .await
            .expect("a 10002");
        let mut expected = vec![
            (first.clone(), None),
            (second.clone(), Some(RelayMetadata::Write)),
        ];
        expected.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(relay_list(&list), expected);
        let inboxes = published(&first, &alice.npub, Kind::InboxRelays)
            .await
            .expect("a 10050");
        assert_eq!(inbox(&inboxes), std::slice::from_ref(&first));

        // Removed, it is gone from the view and from her lists.
        let relays = alice
            .command(Command::RemoveRelay {
                url: format!("{second}/"),
            })
            .await
            .expect("removed");
        assert_eq!(
            relays
                .iter()
                .map(|view| view.url.as_str())
                .collect::<Vec<_>>(),
            [first.as_str()]
        );
        alice.until_gone(&second).await;
        let list = published(&first, &alice.npub, Kind::RelayList)
            .await
            .expect("a 10002");
        assert_eq!(relay_list(&list), [(first.clone(), None)]);
        let inboxes = published(&first, &alice.npub, Kind::InboxRelays)
            .await
            .expect("a 10050");
        assert_eq!(inbox(&inboxes), std::slice::from_ref(&first));

        // The last relay cannot go.
        match alice
            .command(Command::RemoveRelay { url: first.clone() })
            .await
        {
            Err(EngineError::Invalid { message, .. }) => {
                assert!(message.contains("at least one relay"), "{message}")
            }
            other => panic!("the last relay went: {other:?}"),
        }
    })
    .await;
}

#[tokio::test]
async fn a_relay_that_refuses_connections_shows_why_and_bad_addresses_are_refused() {
    scenario(async {
        let (_relay, url) = relay().await;
        let mut alice = new_user(std::slice::from_ref(&url), NIP06_WORDS).await;
        alice.until_connected(&url).await;

        let closed = closed_relay();
        alice.add(&closed, true, true).await;
        let failed = alice
            .until_relay(&closed, |view| {
                matches!(view.connection, RelayConnection::Failed { .. })
            })
            .await;
        let RelayConnection::Failed { reason } = failed.connection else {
            unreachable!()
        };
        assert!(reason.to_lowercase().contains("refused"), "{reason}");
        // The other relay is not affected.
        alice.until_connected(&url).await;

        // An address that is not a relay's names the field; one already
        // there is not the field's fault.
        for (bad, expected, field) in [
            (
                "https://relay.example.com",
                "not a relay address",
                Some(Field::Relay),
            ),
            (
                "relay.example.com",
                "not a relay address",
                Some(Field::Relay),
            ),
            (url.as_str(), "already one of your relays", None),
        ] {
            let add = Command::AddRelay {
                url: bad.into(),
                read: true,
                write: true,
            };
            match alice.command(add).await {
                Err(EngineError::Invalid {
                    field: refused,
                    message,
                }) => {
                    assert!(message.contains(expected), "{bad}: {message}");
                    assert_eq!(refused, field, "{bad}");
                }
                other => panic!("{bad} was added: {other:?}"),
            }
        }
        let unused = Command::SetRelayFlags {
            url: url.clone(),
            read: false,
            write: false,
        };
        assert!(matches!(
            alice.command(unused).await,
            Err(EngineError::Invalid { .. })
        ));
    })
    .await;
}

#[tokio::test]
async fn messages_go_through_a_relay_that_requires_authentication() {
    scenario(async {
        let builder = RelayBuilder::default().nip42(RelayBuilderNip42 {
            mode: RelayBuilderNip42Mode::Both,
        });
        let (_relay, url) = relay_from(builder).await;
        let mut alice = new_user(std::slice::from_ref(&url), NIP06_WORDS).await;
        let mut bob = new_user(std::slice::from_ref(&url), BOB_WORDS).await;
        alice
            .until_relay(&url, |view| view.auth == RelayAuth::Authenticated)
            .await;
        bob.until_relay(&url, |view| view.auth == RelayAuth::Authenticated)
            .await;
        // Their lists are there: a message can find its way.
        alice.until_ready(1).await;
        bob.until_ready(1).await;

        let delivery = alice.deliver(&bob.npub, "behind the door").await;
        assert!(
            matches!(delivery, Delivery::Sent { accepted: 1, .. }),
            "{delivery:?}"
        );
        bob.until_message(|message| message.text == "behind the door")
            .await;
        bob.deliver(&alice.npub, "come in").await;
        alice
            .until_message(|message| message.text == "come in")
            .await;
    })
    .await;
}

#[tokio::test]
async fn a_recipients_relay_that_asks_for_a_sign_in_gets_none() {
    scenario(async {
        let (_shared, shared) = relay().await;
        let builder = RelayBuilder::default().nip42(RelayBuilderNip42 {
            mode: RelayBuilderNip42Mode::Write,
        });
        let (_door, door) = relay_from(builder).await;
        let mut alice = new_user(std::slice::from_ref(&shared), NIP06_WORDS).await;
        let mut bob = new_user(&[shared.clone(), door.clone()], BOB_WORDS).await;
        // Bob signs in to his own relay to publish his lists there.
        bob.until_relay(&door, |view| view.auth == RelayAuth::Authenticated)
            .await;
        alice.until_ready(1).await;
        bob.until_ready(2).await;

        // Bob's inbox is both relays; Alice uses only her own. The one that
        // is not hers asks her to sign in before it takes the message: she
        // does not, so only the shared relay takes it.
        let delivery = alice.deliver(&bob.npub, "no sign-in for you").await;
        assert_eq!(
            delivery,
            Delivery::Sent {
                accepted: 1,
                tried: 2
            }
        );
        bob.until_message(|message| message.text == "no sign-in for you")
            .await;
    })
    .await;
}

#[tokio::test]
async fn the_relay_list_is_kept_across_a_lock() {
    scenario(async {
        let (_first, first) = relay().await;
        let (_second, second) = relay().await;
        let mut alice = new_user(std::slice::from_ref(&first), NIP06_WORDS).await;
        alice.until_connected(&first).await;
        alice.add(&second, false, true).await;
        alice.until_connected(&second).await;

        alice.engine.handle(Command::Lock).await.expect("locked");
        // Locked, the list is still there, and nothing is connected.
        let locked = alice.command(Command::ListRelays).await.expect("listed");
        assert_eq!(locked.len(), 2);
        assert!(locked
            .iter()
            .all(|view| view.connection == RelayConnection::Off));
        alice
            .engine
            .handle(Command::Unlock {
                passphrase: PASSPHRASE.into(),
            })
            .await
            .expect("unlocked");
        let second_view = alice.until_connected(&second).await;
        assert!(!second_view.read && second_view.write, "{second_view:?}");
        alice.until_connected(&first).await;
    })
    .await;
}

#[tokio::test]
async fn the_relay_list_published_from_another_device_is_adopted() {
    scenario(async {
        let (_first, first) = relay().await;
        let (_second, second) = relay().await;
        // Alice's other client published her relays: the second one, to
        // write only, beside the first.
        let keys = nostr::Keys::parse(support::NIP06_NSEC).expect("the NIP-06 key");
        let list = nostr::EventBuilder::relay_list([
            (RelayUrl::parse(&first).expect("url"), None),
            (
                RelayUrl::parse(&second).expect("url"),
                Some(RelayMetadata::Write),
            ),
        ])
        .sign_with_keys(&keys)
        .expect("signed");
        let client = Client::default();
        client.add_relay(&first).await.expect("added");
        client.connect().await;
        client.wait_for_connection(Duration::from_secs(5)).await;
        client.send_event(&list).await.expect("published");
        client.shutdown().await;

        let mut alice = new_user(std::slice::from_ref(&first), NIP06_WORDS).await;
        let adopted = alice.until_connected(&second).await;
        assert!(!adopted.read && adopted.write, "{adopted:?}");
        let relays = alice.command(Command::ListRelays).await.expect("listed");
        assert_eq!(relays.len(), 2);
    })
    .await;
}

/// An HTTP server that answers one request with `document`, after checking
/// it asked for a NIP-11 document. Returns the relay address it stands for.
async fn information_server(document: serde_json::Value) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("a port");
    let address = listener.local_addr().expect("an address");
    spawn_local(async move {
        let (mut stream, _) = listener.accept().await.expect("a request");
        let mut head = Vec::new();
        let mut chunk = [0u8; 1024];
        while !head.ends_with(b"\r\n\r\n") {
            let read = stream.read(&mut chunk).await.expect("read");
            assert!(read > 0, "the request ended early");
            head.extend_from_slice(&chunk[..read]);
        }
        let head = String::from_utf8_lossy(&head).to_lowercase();
        assert!(head.contains("accept: application/nostr+json"), "{head}");
        let body = document.to_string();
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/nostr+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream
            .write_all(response.as_bytes())
            .await
            .expect("answered");
    });
    format!("ws://{address}")
}

#[tokio::test]
async fn what_a_relay_says_about_itself_is_read_from_its_address_over_http() {
    scenario(async {
        let url = information_server(serde_json::json!({
            "name": "Members only",
            "description": "A relay for the club",
            "software": "git+https://example.com/relay",
            "version": "1.2.3",
            "supported_nips": [42, 1, 11, 1],
            "limitation": { "auth_required": true, "payment_required": false },
        }))
        .await;
        let test = support::started_engine_with_relays(&MemoryProfiles::new(), Vec::new());
        let info = match test.send(Command::GetRelayInfo { url: url.clone() }).await {
            Ok(Reply::RelayInfo {
                url: answered,
                info,
            }) => {
                assert_eq!(answered, url);
                info
            }
            other => panic!("no information: {other:?}"),
        };
        assert_eq!(info.name.as_deref(), Some("Members only"));
        assert_eq!(info.version.as_deref(), Some("1.2.3"));
        assert_eq!(info.supported_nips, [1, 11, 42]);
        assert!(info.auth_required && !info.payment_required);

        // A relay with no HTTP side says so, as an error the user can read.
        let (_relay, bare) = relay().await;
        match test.send(Command::GetRelayInfo { url: bare }).await {
            Err(EngineError::Invalid { message, .. }) => assert!(!message.is_empty()),
            other => panic!("information from nowhere: {other:?}"),
        }
    })
    .await;
}

/// A key that is neither Alice's nor Bob's: the hostile relay's own.
fn eve() -> nostr::Keys {
    nostr::Keys::generate()
}

/// Whether `filter` asks for `who`'s events of `kind`.
fn asks_for(filter: &Filter, who: &PublicKey, kind: Kind) -> bool {
    let by = filter
        .authors
        .as_ref()
        .is_some_and(|authors| authors.contains(who));
    let of = filter
        .kinds
        .as_ref()
        .is_some_and(|kinds| kinds.contains(&kind));
    by && of
}

/// `event` as JSON, its author changed to `who`: its id and signature no
/// longer match.
fn forged_as(event: &nostr::Event, who: &PublicKey) -> serde_json::Value {
    let mut forged = serde_json::to_value(event).expect("an event is JSON");
    forged["pubkey"] = who.to_hex().into();
    forged
}

fn now_plus(seconds: u64) -> nostr::Timestamp {
    nostr::Timestamp::from_secs(nostr::Timestamp::now().as_secs() + seconds)
}

#[tokio::test]
async fn a_relay_list_by_another_key_is_never_adopted_nor_signed() {
    scenario(async {
        let me = nostr::Keys::parse(support::NIP06_NSEC).expect("the NIP-06 key");
        let alice_key = me.public_key();
        // Asked for Alice's relay list, the hostile relay answers with
        // another key's, newer than anything, naming its own relay; and
        // with one that claims to be Alice's and is not signed by her.
        let evil = RelayUrl::parse("wss://evil.example").expect("url");
        let hostile = HostileRelay::start(move |filter| {
            if !asks_for(filter, &alice_key, Kind::RelayList) {
                return Vec::new();
            }
            let theirs = nostr::EventBuilder::relay_list([(evil.clone(), None)])
                .custom_created_at(now_plus(1))
                .sign_with_keys(&eve())
                .expect("signed");
            let claimed = forged_as(&theirs, &alice_key);
            vec![serde_json::to_value(&theirs).expect("JSON"), claimed]
        })
        .await;
        // The honest relay answers only after the hostile one did.
        let (_honest, honest_url) = relay().await;
        let honest = Held::before(&honest_url).await;
        let relays = [honest.url.clone(), hostile.url.clone()];
        let mut alice = new_user(&relays, NIP06_WORDS).await;

        // The relay list is settled on the hostile relay, the first to
        // answer: adopted, or made Alice's own and given to it.
        alice
            .until_seen(&hostile, |alice, seen| {
                let adopted = alice.relays.iter().any(|view| view.url.contains("evil"));
                let given = seen
                    .given
                    .iter()
                    .any(|event| event.pubkey == alice_key && event.kind == Kind::RelayList);
                adopted || given
            })
            .await;
        // Alice's relays are the ones she had.
        let listed = alice.command(Command::ListRelays).await.expect("listed");
        let mut urls: Vec<&str> = listed.iter().map(|view| view.url.as_str()).collect();
        urls.sort();
        let mut expected = relays.iter().map(String::as_str).collect::<Vec<_>>();
        expected.sort();
        assert_eq!(urls, expected);
        // Both ready: each was given Alice's lists.
        honest.open();
        alice.until_ready(2).await;
        // And nothing she signed names the evil relay, on either relay.
        let list = published(&honest.url, &alice.npub, Kind::RelayList)
            .await
            .expect("a 10002");
        assert_eq!(
            relay_list(&list),
            expected
                .iter()
                .map(|url| (url.to_string(), None))
                .collect::<Vec<_>>()
        );
        let signed = hostile
            .seen()
            .given
            .into_iter()
            .filter(|event| event.pubkey == alice_key);
        for event in signed.chain(std::iter::once(list)) {
            assert!(!event.as_json().contains("evil.example"), "{event:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_forged_inbox_list_does_not_redirect_a_message() {
    scenario(async {
        use nostr::nips::nip06::FromMnemonic;
        let bob_key = nostr::Keys::from_mnemonic(BOB_WORDS, None)
            .expect("Bob's key")
            .public_key();
        // Asked where Bob receives messages, the hostile relay answers
        // with another key's inbox list and a forged one of Bob's, both
        // newer than his and naming the hostile relay alone.
        let own_url: Rc<OnceCell<String>> = Rc::default();
        let hostile = HostileRelay::start({
            let own_url = Rc::clone(&own_url);
            move |filter| {
                let Some(url) = own_url.get() else {
                    return Vec::new();
                };
                if !asks_for(filter, &bob_key, Kind::InboxRelays) {
                    return Vec::new();
                }
                let there = nostr::Tag::custom(nostr::TagKind::Relay, [url.clone()]);
                let theirs = nostr::EventBuilder::new(Kind::InboxRelays, "")
                    .tag(there)
                    .custom_created_at(now_plus(1))
                    .sign_with_keys(&eve())
                    .expect("signed");
                vec![
                    serde_json::to_value(&theirs).expect("JSON"),
                    forged_as(&theirs, &bob_key),
                ]
            }
        })
        .await;
        own_url.set(hostile.url.clone()).expect("set once");
        let (_honest, honest) = relay().await;
        // Both use both relays: Bob's inbox is on both.
        let relays = [honest.clone(), hostile.url.clone()];
        let mut alice = new_user(&relays, NIP06_WORDS).await;
        let mut bob = new_user(&relays, BOB_WORDS).await;
        alice.until_ready(2).await;
        bob.until_ready(2).await;

        let delivery = alice.deliver(&bob.npub, "for Bob's inbox").await;
        assert_eq!(
            delivery,
            Delivery::Sent {
                accepted: 2,
                tried: 2
            }
        );
        bob.until_message(|message| message.text == "for Bob's inbox")
            .await;
        // The hostile relay was asked, and lied.
        assert!(hostile.seen().filters.iter().any(|filter| asks_for(
            filter,
            &bob_key,
            Kind::InboxRelays
        )));
    })
    .await;
}
