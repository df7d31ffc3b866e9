//! NIP-46 remote signing against a real relay and a real remote signer, both
//! in process: a `nostr-relay-builder` relay on 127.0.0.1 and a
//! `nostr-connect` remote signer ("bunker") listening on it.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use flash_worker::signer::bunker::{BunkerError, BunkerSigner};
use nostr::nips::nip44;
use nostr::nips::nip46::{NostrConnectMetadata, NostrConnectURI};
use nostr::{EventBuilder, Keys, PublicKey};
use nostr_connect::prelude::{
    NostrConnectKeys, NostrConnectRemoteSigner, NostrConnectRequest, NostrConnectSignerActions,
};
use nostr_relay_builder::prelude::{
    BoxedFuture, Event, LocalRelay, PolicyResult, RelayBuilder, RelayUrl, WritePolicy,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Generous: nothing here waits for it unless something is broken.
const TIMEOUT: Duration = Duration::from_secs(20);
/// For the tests that expect a timeout.
const SHORT: Duration = Duration::from_secs(2);

/// Reports the author of every event the relay receives.
#[derive(Debug)]
struct Authors(mpsc::UnboundedSender<PublicKey>);

impl WritePolicy for Authors {
    fn admit_event<'a>(
        &'a self,
        event: &'a Event,
        _addr: &'a SocketAddr,
    ) -> BoxedFuture<'a, PolicyResult> {
        let _ = self.0.send(event.pubkey);
        Box::pin(async { PolicyResult::Accept })
    }
}

struct Relay {
    relay: LocalRelay,
    url: RelayUrl,
    authors: mpsc::UnboundedReceiver<PublicKey>,
}

async fn relay() -> Relay {
    let (tell, authors) = mpsc::unbounded_channel();
    let relay = LocalRelay::new(RelayBuilder::default().write_policy(Authors(tell)));
    relay.run().await.unwrap();
    let url = relay.url().await;
    Relay {
        relay,
        url,
        authors,
    }
}

/// Approves everything but, when `sign` is false, signing.
struct Approve {
    sign: bool,
}

impl NostrConnectSignerActions for Approve {
    fn approve(&self, _app: &PublicKey, request: &NostrConnectRequest) -> bool {
        self.sign || !matches!(request, NostrConnectRequest::SignEvent(_))
    }
}

struct Bunker {
    user: Keys,
    uri: String,
    serving: JoinHandle<()>,
}

/// Starts a remote signer on `relay` and returns once it listens.
///
/// It is started from a `nostrconnect://` link of a throwaway app, so it first
/// subscribes and then announces itself to that app, on the same connection:
/// when the relay sees the announcement, the subscription is in place. It
/// still serves any app that has its `bunker://` link.
async fn bunker(relay: &mut Relay, secret: Option<&str>, approve: Approve) -> Bunker {
    let keys = NostrConnectKeys {
        signer: Keys::generate(),
        user: Keys::generate(),
    };
    let announce_to = NostrConnectURI::Client {
        public_key: Keys::generate().public_key(),
        relays: vec![relay.url.clone()],
        metadata: NostrConnectMetadata::new("readiness"),
    };
    let signer = NostrConnectRemoteSigner::from_uri(
        announce_to,
        keys.clone(),
        secret.map(str::to_owned),
        None,
    )
    .unwrap();
    let uri = signer.bunker_uri().to_string();
    let serving = tokio::spawn(async move {
        signer.serve(approve).await.unwrap();
    });
    let signer_key = keys.signer.public_key();
    while relay.authors.recv().await.expect("the relay stopped") != signer_key {}
    Bunker {
        user: keys.user,
        uri,
        serving,
    }
}

#[tokio::test]
async fn connects_signs_encrypts_and_reconnects_after_a_reload() {
    let mut relay = relay().await;
    let bunker = bunker(&mut relay, Some("s3cret"), Approve { sign: true }).await;
    assert!(bunker.uri.starts_with("bunker://"));

    let (signer, user) = BunkerSigner::connect(&bunker.uri, TIMEOUT).await.unwrap();
    assert_eq!(user, bunker.user.public_key());
    assert_eq!(signer.public_key(), user);
    assert_eq!(signer.relays(), [relay.url.clone()]);

    let event = signer
        .sign(EventBuilder::text_note("gm from a bunker").build(user))
        .await
        .unwrap();
    event.verify().unwrap();
    assert_eq!(event.pubkey, user);
    assert_eq!(event.content, "gm from a bunker");

    let peer = Keys::generate();
    let sealed = signer
        .nip44_encrypt(&peer.public_key(), "for your eyes")
        .await
        .unwrap();
    assert_eq!(
        nip44::decrypt(peer.secret_key(), &user, &sealed).unwrap(),
        "for your eyes"
    );
    let reply = nip44::encrypt(
        peer.secret_key(),
        &user,
        "and yours",
        nip44::Version::default(),
    )
    .unwrap();
    assert_eq!(
        signer
            .nip44_decrypt(&peer.public_key(), &reply)
            .await
            .unwrap(),
        "and yours"
    );

    // The saved bytes hold the secrets; Debug shows none of them.
    let saved = signer.to_secret_bytes();
    let saved_text = String::from_utf8(saved.to_vec()).unwrap();
    assert!(saved_text.contains("s3cret"));
    let app_key = signer.as_signer().local_keys().secret_key().to_secret_hex();
    assert!(saved_text.contains(&app_key));
    let debug = format!("{signer:?}");
    assert!(
        !debug.contains("s3cret") && !debug.contains(&app_key),
        "{debug}"
    );

    // A reload: the old connection goes, the saved one comes back.
    signer.disconnect().await;
    let (again, user_again) = BunkerSigner::reconnect(&saved, TIMEOUT).await.unwrap();
    assert_eq!(user_again, user);
    assert_eq!(
        again.as_signer().local_keys().public_key(),
        Keys::parse(&app_key).unwrap().public_key()
    );
    let event = again
        .sign(EventBuilder::text_note("still me").build(user))
        .await
        .unwrap();
    event.verify().unwrap();
    assert_eq!(event.pubkey, user);
    bunker.serving.abort();
}

#[tokio::test]
async fn a_bunker_that_never_answers_times_out() {
    let relay = relay().await;
    let nobody = Keys::generate().public_key();
    let uri = format!("bunker://{}?relay={}", nobody.to_hex(), relay.url);
    let error = BunkerSigner::connect(&uri, SHORT).await.unwrap_err();
    assert_eq!(error, BunkerError::Timeout { seconds: 2 });
    let message = error.to_string();
    assert!(
        message.contains("did not answer within 2 seconds"),
        "{message}"
    );
    assert!(message.contains("online"), "{message}");
    drop(relay.relay);
}

#[tokio::test]
async fn a_relay_that_cannot_be_reached_is_told_apart_from_a_silent_bunker() {
    // A port on which nothing listens any more.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let nobody = Keys::generate().public_key();
    let uri = format!("bunker://{}?relay=ws://127.0.0.1:{port}", nobody.to_hex());
    let error = BunkerSigner::connect(&uri, SHORT).await.unwrap_err();
    let BunkerError::RelayUnreachable { relays } = &error else {
        panic!("not RelayUnreachable: {error:?}");
    };
    assert!(relays.contains(&format!("127.0.0.1:{port}")), "{relays}");
    assert!(error.to_string().contains("internet connection"), "{error}");
}

#[tokio::test]
async fn a_wrong_secret_is_refused_by_the_bunker() {
    let mut relay = relay().await;
    let bunker = bunker(&mut relay, Some("right"), Approve { sign: true }).await;
    let wrong = bunker.uri.replace("secret=right", "secret=wrong");
    assert_ne!(wrong, bunker.uri);
    let error = BunkerSigner::connect(&wrong, TIMEOUT).await.unwrap_err();
    assert!(
        matches!(&error, BunkerError::Refused { reason } if reason.contains("Secret")),
        "{error:?}"
    );
    bunker.serving.abort();
}

#[tokio::test]
async fn a_refused_or_unanswered_signature_is_an_error() {
    let mut relay = relay().await;
    let bunker = bunker(&mut relay, None, Approve { sign: false }).await;
    let (signer, user) = BunkerSigner::connect(&bunker.uri, SHORT).await.unwrap();

    let refused = signer
        .sign(EventBuilder::text_note("no").build(user))
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, BunkerError::Refused { reason } if reason.contains("Rejected")),
        "{refused:?}"
    );

    let stranger = Keys::generate().public_key();
    let wrong_author = signer
        .sign(EventBuilder::text_note("not mine").build(stranger))
        .await
        .unwrap_err();
    assert!(matches!(wrong_author, BunkerError::WrongAuthor { .. }));

    // The bunker goes away: the next request times out.
    bunker.serving.abort();
    let _ = bunker.serving.await;
    let silent = signer
        .nip44_encrypt(&stranger, "anyone there?")
        .await
        .unwrap_err();
    assert_eq!(silent, BunkerError::Timeout { seconds: 2 });
}

#[tokio::test]
async fn a_bunker_holding_another_key_after_a_reload_is_caught() {
    let mut relay = relay().await;
    let bunker = bunker(&mut relay, None, Approve { sign: true }).await;
    let (signer, _) = BunkerSigner::connect(&bunker.uri, TIMEOUT).await.unwrap();
    let mut saved: serde_json::Value = serde_json::from_slice(&signer.to_secret_bytes()).unwrap();
    let before = Keys::generate().public_key();
    saved["user"] = serde_json::Value::String(before.to_hex());
    let tampered = serde_json::to_vec(&saved).unwrap();
    let error = BunkerSigner::reconnect(&tampered, TIMEOUT)
        .await
        .unwrap_err();
    assert!(
        matches!(error, BunkerError::DifferentUser { .. }),
        "{error:?}"
    );
    bunker.serving.abort();
}

#[tokio::test]
async fn unreadable_saved_bytes_are_bad_saved_and_quote_no_secret() {
    let key = Keys::generate().public_key().to_hex();
    let saved = |v: &str, relays: &str, app_key: &str| {
        format!(
            r#"{{"v":{v},"remote_signer":"{key}","relays":{relays},"secret":"hush","app_key":"{app_key}","user":"{key}"}}"#
        )
    };
    let relays = r#"["ws://127.0.0.1:1"]"#;
    let app_key = "7f".repeat(32);
    for (bytes, reason) in [
        (String::new(), "not JSON"),
        ("not json".to_owned(), "not JSON"),
        (r#"{"v":1}"#.to_owned(), "missing"),
        (saved("\"topsecretvalue\"", relays, &app_key), "wrong kind"),
        (saved("9", relays, &app_key), "another version"),
        (saved("1", "[]", &app_key), "no relay"),
        (saved("1", relays, "topsecretvalue"), "app key"),
    ] {
        let error = BunkerSigner::reconnect(bytes.as_bytes(), SHORT)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, BunkerError::BadSaved { reason: r } if r.contains(reason)),
            "{bytes}: {error:?}"
        );
        let message = error.to_string();
        assert!(message.contains("connect it again"), "{message}");
        assert!(
            !message.contains("topsecret") && !message.contains("hush"),
            "{message}"
        );
    }
}

#[tokio::test]
async fn garbage_links_are_bad_uris() {
    let key = Keys::generate().public_key().to_hex();
    let app = Keys::generate();
    let nostrconnect =
        BunkerSigner::nostrconnect_uri(&app, &["ws://127.0.0.1:1"], "Flash").unwrap();
    for uri in [
        String::new(),
        "hello".to_owned(),
        "https://example.com".to_owned(),
        "npub1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq".to_owned(),
        "bunker://".to_owned(),
        "bunker://not-a-key?relay=wss://relay.example.com".to_owned(),
        format!("bunker://{key}"),
        format!("bunker://{key}?relay=https://relay.example.com"),
        format!("bunker://{key}?relay=wss://"),
        // A nostrconnect:// link is shown by the app, not pasted into it.
        nostrconnect.clone(),
    ] {
        let error = BunkerSigner::connect(&uri, SHORT).await.unwrap_err();
        assert!(
            matches!(error, BunkerError::BadUri { .. }),
            "{uri}: {error:?}"
        );
        assert!(error
            .to_string()
            .starts_with("this is not a usable remote signer link"));
    }
    // …and only with the keys it was made with.
    let error = BunkerSigner::connect_with_keys(&nostrconnect, Keys::generate(), SHORT)
        .await
        .unwrap_err();
    assert!(matches!(error, BunkerError::BadUri { .. }), "{error:?}");
}

#[test]
fn nostrconnect_links_name_the_app_key_and_relays() {
    let app = Keys::generate();
    let uri = BunkerSigner::nostrconnect_uri(&app, &["wss://relay.example.com"], "Flash").unwrap();
    match NostrConnectURI::parse(&uri).unwrap() {
        NostrConnectURI::Client {
            public_key,
            relays,
            metadata,
        } => {
            assert_eq!(public_key, app.public_key());
            assert_eq!(
                relays,
                [RelayUrl::parse("wss://relay.example.com").unwrap()]
            );
            assert_eq!(metadata.name, "Flash");
        }
        other => panic!("not a nostrconnect:// link: {other:?}"),
    }
    for relays in [&[][..], &["https://relay.example.com"]] {
        let error = BunkerSigner::nostrconnect_uri(&app, relays, "Flash").unwrap_err();
        assert!(matches!(error, BunkerError::BadUri { .. }), "{error:?}");
    }
}

/// The engine's "connect a remote signer": the identity is the bunker's
/// user, and what reconnects it is sealed in the vault, never public.
#[tokio::test]
async fn the_engine_signs_in_with_a_bunker_and_seals_the_connection() {
    use flash_worker::protocol::{Command, EngineError, Identity, SignerKind};
    use nostr::ToBech32;

    let mut relay = relay().await;
    let bunker = bunker(&mut relay, Some("s3cret"), Approve { sign: true }).await;
    let browser = flash_worker::profiles::memory::MemoryProfiles::new();
    let test = support::engine_in(&browser).await;
    let connect = |uri: &str| Command::ConnectBunker {
        uri: uri.to_owned(),
        passphrase: support::PASSPHRASE.to_owned(),
    };
    assert!(matches!(
        test.send(connect("bunker://nope")).await,
        Err(EngineError::RemoteSigner { .. })
    ));
    let identity = test.identity(connect(&bunker.uri)).await;
    let npub = bunker.user.public_key().to_bech32().unwrap();
    assert!(matches!(
        &identity,
        Identity::Unlocked { npub: shown, signer: SignerKind::RemoteSigner, has_seed: false, .. }
            if *shown == npub
    ));

    // Locked, the profile still knows who it is, and the link's secret is
    // nowhere in clear.
    assert!(matches!(
        test.identity(Command::Lock).await,
        Identity::Locked { npub: Some(shown) } if shown == npub
    ));
    use flash_worker::profiles::ProfileStores;
    let stored = browser.open(support::PROFILE).await.unwrap().snapshot();
    assert!(stored
        .values()
        .all(|value| !String::from_utf8_lossy(value).contains("s3cret")));
    assert!(stored
        .values()
        .any(|value| String::from_utf8_lossy(value).contains(&npub)));
    bunker.serving.abort();
}

/// After a reload (here: lock and unlock) the engine reconnects the remote
/// signer by itself, in the background, and messaging works again.
#[tokio::test]
async fn after_unlocking_the_engine_reconnects_the_remote_signer_for_messaging() {
    use flash_worker::protocol::{Command, Event, FromEngine, Identity, MessagingState};
    use futures::StreamExt;

    let mut relay = relay().await;
    let bunker = bunker(&mut relay, Some("s3cret"), Approve { sign: true }).await;
    let mut test = support::started_engine_with_relays(
        &flash_worker::profiles::memory::MemoryProfiles::new(),
        vec![relay.url.to_string()],
    );
    test.send(Command::OpenProfile {
        profile: Some(support::PROFILE.into()),
        take_over: false,
    })
    .await
    .unwrap();
    let (engine, events) = (&test.engine, &mut test.events);

    async fn messaging_ready(events: &mut futures::channel::mpsc::UnboundedReceiver<FromEngine>) {
        while let Some(message) = events.next().await {
            match message {
                FromEngine::Event(Event::Messaging {
                    state: MessagingState::Ready { .. },
                }) => return,
                FromEngine::Event(Event::Messaging {
                    state: MessagingState::Failed { reason },
                }) => panic!("messaging failed: {reason}"),
                _ => {}
            }
        }
    }

    let scenario = async {
        let connected = engine
            .handle(Command::ConnectBunker {
                uri: bunker.uri.clone(),
                passphrase: support::PASSPHRASE.into(),
            })
            .await;
        assert!(matches!(
            connected,
            Ok(flash_worker::protocol::Reply::Identity { .. })
        ));
        messaging_ready(events).await;

        engine.handle(Command::Lock).await.unwrap();
        let unlocked = engine
            .handle(Command::Unlock {
                passphrase: support::PASSPHRASE.into(),
            })
            .await;
        assert!(matches!(
            unlocked,
            Ok(flash_worker::protocol::Reply::Identity {
                identity: Identity::Unlocked { .. }
            })
        ));
        messaging_ready(events).await;
    };
    tokio::select! {
        () = async { tokio::time::timeout(TIMEOUT * 3, scenario).await.expect("reconnected in time") } => {}
        () = engine.pump_messages() => panic!("the message loop ended"),
    }
    bunker.serving.abort();
}
