//! Profiles and contacts through a real relay in process: the user's
//! profile published keeping what other apps set, other people's profiles,
//! the follow list changed without losing anyone, search by npub,
//! nprofile, NIP-05 address (served by a stand-in `nostr.json` server) and
//! name, NIP-05 badges only when the domain agrees, and clear refusals.
#![cfg(not(target_arch = "wasm32"))]

use crate::support;

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::time::Duration;

use axum::extract::Query;
use axum::routing::get;
use axum::{Json, Router};
use flash_worker::protocol::{
    Command, EngineError, Field, Nip05Status, Person, ProfileFields, Reply,
};
use nostr::nips::nip19::{Nip19Event, Nip19Profile, ToBech32};
use nostr::{EventBuilder, Filter, Keys, Kind, PublicKey, RelayUrl, Tag};
use nostr_sdk::Client;
use serde_json::{json, Value};
use support::messaging::{closed_relay, new_user, relay, scenario, User};
use support::{NIP06_NSEC, NIP06_WORDS};

/// What these tests ask of a user about people.
impl User {
    async fn person(&self, command: Command) -> Person {
        match self.engine.handle(command).await {
            Ok(Reply::Person { person }) => person,
            other => panic!("expected a person, got {other:?}"),
        }
    }

    async fn found(&self, query: &str) -> Vec<Person> {
        match self.engine.handle(find(query)).await {
            Ok(Reply::Found { people, .. }) => people,
            other => panic!("expected people for {query}, got {other:?}"),
        }
    }

    async fn contacts(&self, refresh: bool) -> (Vec<Person>, bool) {
        match self.engine.handle(Command::ListContacts { refresh }).await {
            Ok(Reply::Contacts { contacts, known }) => (contacts, known),
            other => panic!("expected contacts, got {other:?}"),
        }
    }

    /// The error `command` is refused with.
    async fn refusal(&self, command: Command) -> String {
        match self.engine.handle(command).await {
            Err(error) => error.to_string(),
            Ok(reply) => panic!("expected a refusal, got {reply:?}"),
        }
    }

    /// Which input the engine says is wrong, if it says.
    async fn refused_field(&self, command: Command) -> Option<Field> {
        match self.engine.handle(command).await {
            Err(EngineError::Invalid { field, .. }) => field,
            other => panic!("expected refused input, got {other:?}"),
        }
    }
}

fn find(query: &str) -> Command {
    Command::FindPeople {
        query: query.into(),
    }
}

fn person(who: &str) -> Command {
    Command::GetPerson {
        who: who.into(),
        refresh: true,
    }
}

/// Another app, signing for `keys`, connected to `url`.
async fn other_app(keys: &Keys, url: &str) -> Client {
    let client = Client::new(keys.clone());
    client.add_relay(url).await.expect("added");
    client.connect().await;
    client.wait_for_connection(Duration::from_secs(5)).await;
    client
}

async fn publish(client: &Client, builder: EventBuilder) {
    let sent = client.send_event_builder(builder).await.expect("published");
    assert_eq!(sent.success.len(), 1, "{sent:?}");
}

/// The newest event of `kind` by `author` the relay holds.
async fn on_relay(client: &Client, author: PublicKey, kind: Kind) -> nostr::Event {
    let filter = Filter::new().author(author).kind(kind);
    let events = client
        .fetch_events(filter, Duration::from_secs(5))
        .await
        .expect("fetched");
    events
        .into_iter()
        .max_by_key(|event| event.created_at)
        .expect("the relay has it")
}

fn npub(key: PublicKey) -> String {
    key.to_bech32().expect("npub")
}

/// A stand-in for a domain's `/.well-known/nostr.json`, on this machine:
/// `names` maps each name to a hex key. Its address is `127.0.0.1:port`.
async fn nostr_json(names: Vec<(&'static str, PublicKey)>) -> String {
    let names: HashMap<String, String> = names
        .into_iter()
        .map(|(name, key)| (name.to_owned(), key.to_hex()))
        .collect();
    let app = Router::new().route(
        "/.well-known/nostr.json",
        get(move |Query(query): Query<HashMap<String, String>>| {
            let names = names.clone();
            async move {
                let asked = query.get("name").cloned().unwrap_or_default();
                let listed: serde_json::Map<String, Value> = names
                    .iter()
                    .filter(|(name, _)| **name == asked)
                    .map(|(name, key)| (name.clone(), Value::String(key.clone())))
                    .collect();
                Json(json!({ "names": listed }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("a port");
    let address = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("127.0.0.1:{}", address.port())
}

fn fields(name: &str, about: &str) -> ProfileFields {
    ProfileFields {
        name: name.into(),
        about: about.into(),
        ..ProfileFields::default()
    }
}

#[tokio::test]
async fn the_profile_is_published_and_read_back_keeping_what_other_apps_set() {
    scenario(async {
        let (_relay, url) = relay().await;
        let me = Keys::parse(NIP06_NSEC).expect("keys");
        // Another app wrote the user's profile, with fields this one does
        // not edit.
        let elsewhere = other_app(&me, &url).await;
        let written = json!({
            "name": "old name",
            "banner": "https://example.com/banner.png",
            "website": "https://example.com",
            "bot": false,
        });
        publish(
            &elsewhere,
            EventBuilder::new(Kind::Metadata, written.to_string()),
        )
        .await;

        let mut user = new_user(std::slice::from_ref(&url), NIP06_WORDS).await;
        user.until_ready(1).await;
        let before = user.person(Command::GetMyProfile { refresh: true }).await;
        assert_eq!(before.name.as_deref(), Some("old name"));
        assert!(before.me);

        let mut edit = fields("alice", "likes sats");
        edit.display_name = "Alice".into();
        edit.lud16 = "alice@example.com".into();
        let saved = user.person(Command::SetMyProfile { profile: edit }).await;
        assert_eq!(saved.name.as_deref(), Some("alice"));
        assert_eq!(saved.display_name.as_deref(), Some("Alice"));
        assert_eq!(saved.about.as_deref(), Some("likes sats"));
        assert_eq!(saved.lud16.as_deref(), Some("alice@example.com"));
        assert!(saved.nprofile.starts_with("nprofile1"));

        // What the relay has: the edit, and every other field as it was.
        let published = on_relay(&elsewhere, me.public_key(), Kind::Metadata).await;
        let content: Value = serde_json::from_str(&published.content).expect("JSON");
        assert_eq!(content["name"], "alice");
        assert_eq!(content["about"], "likes sats");
        assert_eq!(content["banner"], "https://example.com/banner.png");
        assert_eq!(content["website"], "https://example.com");
        assert_eq!(content["bot"], false);

        // Saved twice within a second, the second still replaces the first.
        user.person(Command::SetMyProfile {
            profile: fields("alice", "edited again"),
        })
        .await;
        let again = on_relay(&elsewhere, me.public_key(), Kind::Metadata).await;
        assert!(again.created_at > published.created_at);
        assert!(again.content.contains("edited again"));
        assert!(again.content.contains("banner"));

        // Read back from the event store, without asking the relays.
        let stored = user.person(Command::GetMyProfile { refresh: false }).await;
        assert_eq!(stored.about.as_deref(), Some("edited again"));
        assert_eq!(stored.display_name, None);

        // A bad field is refused before anything is published.
        let mut bad = fields("alice", "");
        bad.picture = "not a web address".into();
        let refused = user.refusal(Command::SetMyProfile { profile: bad }).await;
        assert!(refused.contains("picture"), "{refused}");
    })
    .await;
}

#[tokio::test]
async fn other_peoples_profiles_are_found_by_npub_nprofile_name_and_event() {
    scenario(async {
        let (_relay, url) = relay().await;
        let bob = Keys::generate();
        let bobs_app = other_app(&bob, &url).await;
        let profile =
            json!({ "name": "bob", "display_name": "Bob Builder", "about": "can we fix it" });
        publish(
            &bobs_app,
            EventBuilder::new(Kind::Metadata, profile.to_string()),
        )
        .await;
        let note = bobs_app
            .send_event_builder(EventBuilder::text_note("yes we can"))
            .await
            .expect("published");

        let mut user = new_user(std::slice::from_ref(&url), NIP06_WORDS).await;
        user.until_ready(1).await;

        let by_npub = user.person(person(&npub(bob.public_key()))).await;
        assert_eq!(by_npub.display_name.as_deref(), Some("Bob Builder"));
        assert_eq!(by_npub.about.as_deref(), Some("can we fix it"));
        assert!(!by_npub.followed && !by_npub.me);
        assert_eq!(by_npub.npub, npub(bob.public_key()));

        // An nprofile names the relay where to look.
        let relay_url = RelayUrl::parse(&url).expect("a relay URL");
        let nprofile = Nip19Profile::new(bob.public_key(), [relay_url.clone()])
            .to_bech32()
            .expect("nprofile");
        let found = user.found(&format!("nostr:{nprofile}")).await;
        assert_eq!(found[0].name.as_deref(), Some("bob"));
        // A hex key works too.
        let found = user.found(&bob.public_key().to_hex()).await;
        assert_eq!(found[0].npub, npub(bob.public_key()));

        // Once known, a name finds them.
        let found = user.found("builder").await;
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].npub, npub(bob.public_key()));
        assert!(user.found("nobody by that name").await.is_empty());

        // An nevent shows the note and its author.
        let nevent = Nip19Event::new(*note.id())
            .relays([relay_url])
            .to_bech32()
            .expect("nevent");
        match user.engine.handle(find(&nevent)).await {
            Ok(Reply::Found {
                people,
                note: Some(preview),
            }) => {
                assert_eq!(preview.preview, "yes we can");
                assert_eq!(preview.kind, 1);
                assert_eq!(preview.author, npub(bob.public_key()));
                assert_eq!(people[0].name.as_deref(), Some("bob"));
            }
            other => panic!("no note: {other:?}"),
        }

        // An naddr shows the addressable event it names, newest version.
        let article =
            EventBuilder::long_form_text_note("a long read").tags([Tag::identifier("essay")]);
        publish(&bobs_app, article).await;
        let coordinate =
            nostr::nips::nip01::Coordinate::new(Kind::LongFormTextNote, bob.public_key())
                .identifier("essay");
        let naddr = nostr::nips::nip19::Nip19Coordinate::new(
            coordinate,
            [RelayUrl::parse(&url).expect("url")],
        )
        .to_bech32()
        .expect("naddr");
        match user.engine.handle(find(&naddr)).await {
            Ok(Reply::Found {
                note: Some(preview),
                ..
            }) => {
                assert_eq!(preview.preview, "a long read");
                assert_eq!(preview.kind, 30023);
                assert_eq!(preview.code, naddr);
            }
            other => panic!("no article: {other:?}"),
        }

        // Names for the chat list: known ones only.
        let stranger = npub(Keys::generate().public_key());
        match user
            .engine
            .handle(Command::GetNames {
                npubs: vec![npub(bob.public_key()), stranger, "garbage".into()],
            })
            .await
        {
            Ok(Reply::Names { names }) => {
                assert_eq!(names.len(), 1);
                assert_eq!(names[0].npub, npub(bob.public_key()));
                assert_eq!(names[0].name, "Bob Builder");
            }
            other => panic!("no names: {other:?}"),
        }
    })
    .await;
}

#[tokio::test]
async fn following_and_unfollowing_keep_everyone_else_on_the_list() {
    scenario(async {
        let (_relay, url) = relay().await;
        let me = Keys::parse(NIP06_NSEC).expect("keys");
        let (carol, bob) = (Keys::generate(), Keys::generate());
        // The follow list another app wrote: Carol with a relay hint and a
        // petname, a followed hashtag, and relays in its content.
        let elsewhere = other_app(&me, &url).await;
        let list = EventBuilder::new(
            Kind::ContactList,
            r#"{"wss://relay.example.com":{"read":true,"write":true}}"#,
        )
        .tags([
            Tag::parse([
                "p",
                &carol.public_key().to_hex(),
                "wss://carol.example.com",
                "carol",
            ])
            .expect("a tag"),
            Tag::parse(["t", "bitcoin"]).expect("a tag"),
        ]);
        publish(&elsewhere, list).await;
        let carols_app = other_app(&carol, &url).await;
        publish(
            &carols_app,
            EventBuilder::new(Kind::Metadata, r#"{"name":"carol"}"#),
        )
        .await;

        let mut user = new_user(std::slice::from_ref(&url), NIP06_WORDS).await;
        user.until_ready(1).await;

        // Before the relays are asked, nothing is known yet.
        let (contacts, known) = user.contacts(false).await;
        assert!(contacts.is_empty() && !known);
        let (contacts, known) = user.contacts(true).await;
        assert!(known);
        assert_eq!(contacts.len(), 1);
        assert_eq!(contacts[0].name.as_deref(), Some("carol"));
        assert!(contacts[0].followed);

        let followed = user
            .person(Command::AddContact {
                who: npub(bob.public_key()),
            })
            .await;
        assert!(followed.followed);
        let published = on_relay(&elsewhere, me.public_key(), Kind::ContactList).await;
        let keys: Vec<PublicKey> = published.tags.public_keys().copied().collect();
        assert_eq!(keys, [carol.public_key(), bob.public_key()]);
        let json = nostr::JsonUtil::as_json(&published);
        assert!(
            json.contains("carol.example.com") && json.contains("bitcoin"),
            "{json}"
        );
        assert!(published.content.contains("relay.example.com"));

        // Following again changes nothing.
        user.person(Command::AddContact {
            who: npub(bob.public_key()),
        })
        .await;
        let same = on_relay(&elsewhere, me.public_key(), Kind::ContactList).await;
        assert_eq!(same.id, published.id);

        let unfollowed = user
            .person(Command::RemoveContact {
                who: npub(carol.public_key()),
            })
            .await;
        assert!(!unfollowed.followed);
        assert_eq!(unfollowed.name.as_deref(), Some("carol"));
        let published = on_relay(&elsewhere, me.public_key(), Kind::ContactList).await;
        let keys: Vec<PublicKey> = published.tags.public_keys().copied().collect();
        assert_eq!(keys, [bob.public_key()]);
        assert!(nostr::JsonUtil::as_json(&published).contains("bitcoin"));

        let (contacts, _) = user.contacts(false).await;
        let npubs: Vec<&str> = contacts.iter().map(|person| person.npub.as_str()).collect();
        assert_eq!(npubs, [npub(bob.public_key())]);
    })
    .await;
}

#[tokio::test]
async fn nip05_addresses_are_checked_with_their_domain() {
    scenario(async {
        let (_relay, url) = relay().await;
        let (bob, mallory) = (Keys::generate(), Keys::generate());
        // The domain names Bob "bob"; Mallory claims "bob" too.
        let domain = nostr_json(vec![("bob", bob.public_key())]).await;
        let address = format!("bob@{domain}");
        for (keys, name) in [(&bob, "bob"), (&mallory, "mallory")] {
            let app = other_app(keys, &url).await;
            let profile = json!({ "name": name, "nip05": address });
            publish(&app, EventBuilder::new(Kind::Metadata, profile.to_string())).await;
        }

        let mut user = new_user(std::slice::from_ref(&url), NIP06_WORDS).await;
        user.until_ready(1).await;

        let bobs = user.person(person(&npub(bob.public_key()))).await;
        let nip05 = bobs.nip05.expect("an address");
        assert_eq!(nip05.address, address);
        assert_eq!(nip05.status, Nip05Status::Verified);

        let mallorys = user.person(person(&npub(mallory.public_key()))).await;
        assert_eq!(
            mallorys.nip05.expect("an address").status,
            Nip05Status::Mismatch
        );

        // A search for the address finds who the domain names.
        let found = user.found(&format!("BOB@{domain}")).await;
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].npub, npub(bob.public_key()));
        assert_eq!(found[0].name.as_deref(), Some("bob"));
        let by_address = user.person(person(&address)).await;
        assert_eq!(by_address.npub, npub(bob.public_key()));

        let unknown = user.refusal(find(&format!("nobody@{domain}"))).await;
        assert!(unknown.contains("is not known to"), "{unknown}");
        let closed = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a port");
        let port = closed.local_addr().expect("an address").port();
        drop(closed);
        let unreachable = user.refusal(find(&format!("bob@127.0.0.1:{port}"))).await;
        assert!(
            unreachable.contains("could not be reached"),
            "{unreachable}"
        );
    })
    .await;
}

#[tokio::test]
async fn bad_input_and_missing_relays_are_refused_clearly() {
    scenario(async {
        let (_relay, url) = relay().await;
        let mut user = new_user(std::slice::from_ref(&url), NIP06_WORDS).await;
        user.until_ready(1).await;

        let empty = user.refusal(find("  ")).await;
        assert!(empty.contains("type a name"), "{empty}");
        let secret = user.refusal(find(NIP06_NSEC)).await;
        assert!(secret.contains("secret key"), "{secret}");
        let damaged = user
            .refusal(find(
                "npub1zutzeysacnf9rru6zqwmxd54mud0k44tst6l70ja5mhv8jjumytsd2x7n",
            ))
            .await;
        assert!(damaged.contains("damaged"), "{damaged}");
        let not_someone = user
            .refusal(Command::AddContact {
                who: "hello".into(),
            })
            .await;
        assert!(not_someone.contains("is not an npub"), "{not_someone}");
        // Each names the input to fix.
        assert_eq!(user.refused_field(find("  ")).await, Some(Field::Query));
        let follow_nobody = Command::AddContact {
            who: "hello".into(),
        };
        assert_eq!(user.refused_field(follow_nobody).await, Some(Field::Person));
        let malformed = user.refusal(find("a b@example.com")).await;
        assert!(malformed.contains("is not a NOSTR address"), "{malformed}");
        let nowhere = nostr::nips::nip19::Nip19Event::new(nostr::EventId::all_zeros())
            .to_bech32()
            .expect("nevent");
        let missing = user.refusal(find(&nowhere)).await;
        assert!(missing.contains("was not found"), "{missing}");
        let too_many = user
            .refusal(Command::GetNames {
                npubs: vec![String::new(); 501],
            })
            .await;
        assert!(too_many.contains("at most"), "{too_many}");
    })
    .await;
}

#[tokio::test]
async fn without_a_relay_the_follow_list_and_profile_are_not_overwritten() {
    scenario(async {
        // A relay that is not running: the follow list cannot be fetched.
        let url = closed_relay();
        let mut user = new_user(&[url], NIP06_WORDS).await;
        user.until_ready(0).await;
        let someone = npub(Keys::generate().public_key());
        let refused = user.refusal(Command::AddContact { who: someone }).await;
        assert!(refused.contains("none of your relays"), "{refused}");
        let refused = user
            .refusal(Command::SetMyProfile {
                profile: fields("alice", ""),
            })
            .await;
        assert!(refused.contains("none of your relays"), "{refused}");
        let refused = user.refusal(Command::ListContacts { refresh: true }).await;
        assert!(refused.contains("none of your relays"), "{refused}");

        // Locked, nothing answers but a request to unlock.
        user.engine.handle(Command::Lock).await.expect("locked");
        let locked = user.refusal(Command::GetMyProfile { refresh: false }).await;
        assert!(locked.contains("unlock"), "{locked}");
    })
    .await;
}

#[test]
fn profile_messages_survive_the_wire_and_debug_shows_none_of_them() {
    use flash_worker::protocol::{
        decode, encode, FromEngine, Nip05, NotePreview, PersonName, RequestId, ToEngine,
    };
    let person = Person {
        npub: "npub1x".into(),
        nprofile: "nprofile1x".into(),
        name: Some("al".into()),
        display_name: None,
        about: Some("hi".into()),
        picture: None,
        nip05: Some(Nip05 {
            address: "al@example.com".into(),
            status: Nip05Status::Failed {
                reason: "timed out".into(),
            },
        }),
        lud16: None,
        followed: true,
        me: false,
        updated_at: Some(1),
    };
    let replies = [
        Reply::Person {
            person: person.clone(),
        },
        Reply::Contacts {
            contacts: vec![person.clone()],
            known: true,
        },
        Reply::Found {
            people: vec![person],
            note: Some(NotePreview {
                code: "nevent1x".into(),
                kind: 1,
                author: "npub1x".into(),
                preview: "gm".into(),
                created_at: 2,
            }),
        },
        Reply::Names {
            names: vec![PersonName {
                npub: "npub1x".into(),
                name: "al".into(),
            }],
        },
    ];
    for reply in replies {
        let message = FromEngine::Response {
            id: flash_worker::protocol::RequestId(1),
            outcome: Ok(reply),
        };
        assert_eq!(
            decode::<FromEngine>(&encode(&message)).expect("decodes"),
            message
        );
    }
    let command = ToEngine::Request {
        id: RequestId(2),
        command: Command::SetMyProfile {
            profile: fields("private name", "private about"),
        },
    };
    assert_eq!(
        decode::<ToEngine>(&encode(&command)).expect("decodes"),
        command
    );
    assert!(!format!("{command:?}").contains("private"));
}
