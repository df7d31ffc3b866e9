//! NIP-46 remote signing against a real relay and a real remote signer, both
//! in process: a `nostr-relay-builder` relay on 127.0.0.1 and a
//! `nostr-connect` remote signer ("bunker") listening on it. For
//! `nostrconnect://` codes, the test answers the code as current signer apps
//! do (a `connect` response carrying the code's secret), then that bunker
//! serves the app.
#![cfg(not(target_arch = "wasm32"))]

use crate::support;

use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use flash_worker::protocol::{Event as EngineEvent, FromEngine, MessagingState};
use flash_worker::signer::bunker::{BunkerError, BunkerSigner, NostrConnectOffer};
use futures::StreamExt;
use nostr::nips::nip44;
use nostr::nips::nip46::{NostrConnectMessage, NostrConnectMetadata, NostrConnectURI};
use nostr::{
    EventBuilder, Filter, JsonUtil, Keys, Kind, NostrSigner, PublicKey, RelayMessage, Tag, Url,
};
use nostr_connect::prelude::{
    NostrConnectKeys, NostrConnectRemoteSigner, NostrConnectRequest, NostrConnectSignerActions,
};
use nostr_relay_builder::prelude::{
    BoxedFuture, Event, LocalRelay, PolicyResult, RelayBuilder, RelayUrl, WritePolicy,
};
use nostr_relay_pool::{RelayOptions, RelayPool, RelayPoolNotification, SubscribeOptions};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Generous: nothing here waits for it unless something is broken.
const TIMEOUT: Duration = Duration::from_secs(20);
/// For the tests that expect a timeout.
const SHORT: Duration = Duration::from_secs(2);

/// Reports every event the relay receives, before passing it on.
#[derive(Debug)]
struct Received(mpsc::UnboundedSender<Event>);

impl WritePolicy for Received {
    fn admit_event<'a>(
        &'a self,
        event: &'a Event,
        _addr: &'a SocketAddr,
    ) -> BoxedFuture<'a, PolicyResult> {
        let _ = self.0.send(event.clone());
        Box::pin(async { PolicyResult::Accept })
    }
}

struct Relay {
    relay: LocalRelay,
    url: RelayUrl,
    received: mpsc::UnboundedReceiver<Event>,
}

async fn relay() -> Relay {
    let (tell, received) = mpsc::unbounded_channel();
    let relay = LocalRelay::new(RelayBuilder::default().write_policy(Received(tell)));
    relay.run().await.unwrap();
    let url = relay.url().await;
    Relay {
        relay,
        url,
        received,
    }
}

/// The NIP-46 requests to `signer` the relay has received since last asked,
/// read with the signer's key.
fn requests_to(relay: &mut Relay, signer: &Keys) -> Vec<NostrConnectRequest> {
    let mut requests = Vec::new();
    while let Ok(event) = relay.received.try_recv() {
        if event.kind != Kind::NostrConnect || event.pubkey == signer.public_key() {
            continue;
        }
        let Ok(json) = nip44::decrypt(signer.secret_key(), &event.pubkey, &event.content) else {
            continue;
        };
        if let Ok(request) = NostrConnectMessage::from_json(json).and_then(|m| m.to_request()) {
            requests.push(request);
        }
    }
    requests
}

/// The `connect` requests among `requests`, by their secret.
fn connects(requests: &[NostrConnectRequest]) -> Vec<Option<String>> {
    requests
        .iter()
        .filter_map(|request| match request {
            NostrConnectRequest::Connect { secret, .. } => Some(secret.clone()),
            _ => None,
        })
        .collect()
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
    /// The key it talks with.
    signer: Keys,
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
    while relay
        .received
        .recv()
        .await
        .expect("the relay stopped")
        .pubkey
        != signer_key
    {}
    Bunker {
        signer: keys.signer,
        user: keys.user,
        uri,
        serving,
    }
}

/// What a signer app reads in a `nostrconnect://` code.
struct Code {
    app: PublicKey,
    relays: Vec<RelayUrl>,
    secret: String,
    name: String,
    perms: String,
}

fn read_code(uri: &str) -> Code {
    let url = Url::parse(uri).unwrap();
    assert_eq!(url.scheme(), "nostrconnect");
    let param = |name: &str| {
        let mut values = url.query_pairs().filter(|(key, _)| key == name);
        let value = values.next().map(|(_, value)| value.into_owned());
        assert!(values.next().is_none(), "{name} twice in {uri}");
        value.unwrap_or_default()
    };
    Code {
        app: PublicKey::from_hex(url.host_str().unwrap()).unwrap(),
        relays: url
            .query_pairs()
            .filter(|(key, _)| key == "relay")
            .map(|(_, relay)| RelayUrl::parse(&relay).unwrap())
            .collect(),
        secret: param("secret"),
        name: param("name"),
        perms: param("perms"),
    }
}

/// Answers `code` as a current NIP-46 signer app does once the user has
/// scanned it and approved: a `connect` response from `signer` to the app
/// key, on the code's relays, whose result is `result` (the code's secret).
/// Returns once the relay has taken it.
async fn answer(code: &Code, signer: &Keys, result: &str) {
    let pool = RelayPool::default();
    for relay in &code.relays {
        pool.add_relay(relay, RelayOptions::default())
            .await
            .unwrap();
    }
    pool.try_connect(TIMEOUT).await;
    let response = NostrConnectMessage::Response {
        id: "connect-1".to_owned(),
        result: Some(result.to_owned()),
        error: None,
    };
    let event = EventBuilder::nostr_connect(signer, code.app, response)
        .unwrap()
        .sign_with_keys(signer)
        .unwrap();
    let sent = pool.send_event(&event).await.unwrap();
    assert!(!sent.success.is_empty(), "the relay refused the answer");
    pool.shutdown().await;
}

/// The remote signer a connection saved by `to_secret_bytes` talks to.
fn saved_remote_signer(signer: &BunkerSigner) -> String {
    let saved: serde_json::Value = serde_json::from_slice(&signer.to_secret_bytes()).unwrap();
    saved["remote_signer"].as_str().unwrap().to_owned()
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

    // The link's secret went once, with the one `connect`.
    let requests = requests_to(&mut relay, &bunker.signer);
    assert_eq!(connects(&requests), [Some("s3cret".to_owned())]);

    // The saved bytes hold the app key and not the spent secret; Debug
    // shows neither.
    let saved = signer.to_secret_bytes();
    let saved_text = String::from_utf8(saved.to_vec()).unwrap();
    assert!(!saved_text.contains("s3cret"), "{saved_text}");
    let app_key = signer.as_signer().app_keys().secret_key().to_secret_hex();
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
        again.as_signer().app_keys().public_key(),
        Keys::parse(&app_key).unwrap().public_key()
    );
    let event = again
        .sign(EventBuilder::text_note("still me").build(user))
        .await
        .unwrap();
    event.verify().unwrap();
    assert_eq!(event.pubkey, user);
    // Reconnected without `connect`: the bunker already knows the app key.
    let requests = requests_to(&mut relay, &bunker.signer);
    assert!(connects(&requests).is_empty(), "{requests:?}");
    assert!(
        requests
            .iter()
            .any(|request| matches!(request, NostrConnectRequest::SignEvent(_))),
        "{requests:?}"
    );
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
        format!("nostrconnect://{key}?relay=ws%3A%2F%2F127.0.0.1%3A1&secret=abc&name=Flash"),
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
        uri: uri.into(),
        passphrase: support::PASSPHRASE.into(),
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
    use flash_worker::protocol::{Command, Identity};

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

    let scenario = async {
        let connected = engine
            .handle(Command::ConnectBunker {
                uri: bunker.uri.clone().into(),
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

/// The permissions the `nostrconnect://` tests ask for.
const PERMS: &[&str] = &["sign_event:13", "nip44_encrypt"];

/// How [`hand_written_bunker`] behaves besides answering.
#[derive(Clone, Copy, PartialEq)]
enum Conduct {
    /// Before each answer, sends the app key what anyone could: from a
    /// stranger, an event that is not NIP-44 and a well-formed answer to
    /// the same request; from itself, an event the app cannot decrypt.
    Noisy,
    /// Signs another event than the one asked.
    Lying,
}

/// A strict remote signer written here, serving `user` on `relay`: it
/// refuses a `connect` whose secret it has seen before, as current NIP-46
/// lets signers do. Returns its `bunker://` link, whose secret is "once",
/// once it listens, and the task serving it.
async fn hand_written_bunker(
    relay: &Relay,
    user: Keys,
    conduct: Conduct,
) -> (String, JoinHandle<()>) {
    let signer = Keys::generate();
    let stranger = Keys::generate();
    let pool = RelayPool::default();
    pool.add_relay(&relay.url, RelayOptions::default())
        .await
        .unwrap();
    pool.try_connect(TIMEOUT).await;
    let mut notifications = pool.notifications();
    let requests = Filter::new()
        .kind(Kind::NostrConnect)
        .pubkey(signer.public_key());
    let subscription = pool
        .subscribe(requests, SubscribeOptions::default())
        .await
        .unwrap()
        .val;
    loop {
        if let Ok(RelayPoolNotification::Message {
            message: RelayMessage::EndOfStoredEvents(id),
            ..
        }) = notifications.recv().await
        {
            if *id == subscription {
                break;
            }
        }
    }
    let uri = format!(
        "bunker://{}?relay={}&secret=once",
        signer.public_key().to_hex(),
        relay.url
    );
    let serving = tokio::spawn(async move {
        let mut spent = false;
        while let Ok(notification) = notifications.recv().await {
            let RelayPoolNotification::Event { event, .. } = notification else {
                continue;
            };
            let app = event.pubkey;
            let Ok(json) = nip44::decrypt(signer.secret_key(), &app, &event.content) else {
                continue;
            };
            let Ok(message) = NostrConnectMessage::from_json(json) else {
                continue;
            };
            let id = message.id().to_owned();
            let Ok(request) = message.to_request() else {
                continue;
            };
            let (result, error) = match request {
                NostrConnectRequest::Connect { secret, .. }
                    if secret.as_deref() == Some("once") && !spent =>
                {
                    spent = true;
                    (Some("ack".to_owned()), None)
                }
                NostrConnectRequest::Connect { .. } => {
                    (None, Some("this secret was used before".to_owned()))
                }
                NostrConnectRequest::GetPublicKey => (Some(user.public_key().to_hex()), None),
                NostrConnectRequest::SignEvent(unsigned) => {
                    let unsigned = match conduct {
                        Conduct::Lying => {
                            EventBuilder::text_note("not what you asked").build(user.public_key())
                        }
                        Conduct::Noisy => unsigned,
                    };
                    (
                        Some(unsigned.sign_with_keys(&user).unwrap().as_json()),
                        None,
                    )
                }
                _ => (None, Some("not supported here".to_owned())),
            };
            if conduct == Conduct::Noisy {
                let not_nip44 = EventBuilder::new(Kind::NostrConnect, "garbage")
                    .tag(Tag::public_key(app))
                    .sign_with_keys(&stranger)
                    .unwrap();
                let forged = EventBuilder::text_note("forged")
                    .sign_with_keys(&stranger)
                    .unwrap();
                let forged_answer = NostrConnectMessage::Response {
                    id: id.clone(),
                    result: Some(forged.as_json()),
                    error: None,
                };
                let forged_answer = EventBuilder::nostr_connect(&stranger, app, forged_answer)
                    .unwrap()
                    .sign_with_keys(&stranger)
                    .unwrap();
                let undecryptable = EventBuilder::new(Kind::NostrConnect, "AAAA")
                    .tag(Tag::public_key(app))
                    .sign_with_keys(&signer)
                    .unwrap();
                for noise in [not_nip44, forged_answer, undecryptable] {
                    pool.send_event(&noise).await.unwrap();
                }
            }
            let answer = NostrConnectMessage::Response { id, result, error };
            let answer = EventBuilder::nostr_connect(&signer, app, answer)
                .unwrap()
                .sign_with_keys(&signer)
                .unwrap();
            pool.send_event(&answer).await.unwrap();
        }
    });
    (uri, serving)
}

#[tokio::test]
async fn answers_from_strangers_and_undecryptable_ones_are_passed_over() {
    let relay = relay().await;
    let user = Keys::generate();
    let (uri, serving) = hand_written_bunker(&relay, user.clone(), Conduct::Noisy).await;
    let (signer, me) = BunkerSigner::connect(&uri, TIMEOUT).await.unwrap();
    assert_eq!(me, user.public_key());

    // Signed through nostr's signer interface, as messaging signs.
    let unsigned = EventBuilder::text_note("the real one").build(me);
    let event = signer.as_signer().sign_event(unsigned).await.unwrap();
    event.verify().unwrap();
    assert_eq!((event.pubkey, event.content.as_str()), (me, "the real one"));
    let peer = Keys::generate().public_key();
    let error = signer.nip44_encrypt(&peer, "hello").await.unwrap_err();
    assert!(
        matches!(&error, BunkerError::Refused { reason } if reason == "not supported here"),
        "{error:?}"
    );

    // After a reload this strict signer would refuse the spent secret: the
    // reconnection does not send it, and goes on signing.
    let saved = signer.to_secret_bytes();
    signer.disconnect().await;
    let (again, _) = BunkerSigner::reconnect(&saved, TIMEOUT).await.unwrap();
    let event = again
        .sign(EventBuilder::text_note("after the reload").build(me))
        .await
        .unwrap();
    assert_eq!(event.content, "after the reload");
    serving.abort();
}

#[tokio::test]
async fn an_event_signed_other_than_asked_is_refused_through_the_signer_interface() {
    let relay = relay().await;
    let (uri, serving) = hand_written_bunker(&relay, Keys::generate(), Conduct::Lying).await;
    let (signer, me) = BunkerSigner::connect(&uri, TIMEOUT).await.unwrap();
    let unsigned = EventBuilder::text_note("what I asked").build(me);
    let error = signer.as_signer().sign_event(unsigned).await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("not for the event it was asked to sign"),
        "{error}"
    );
    serving.abort();
}

async fn open_code(relay: &Relay) -> NostrConnectOffer {
    NostrConnectOffer::open(&[relay.url.to_string()], "Flash", PERMS, TIMEOUT)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_signer_app_that_scans_the_code_connects_and_reconnects_after_a_reload() {
    let mut relay = relay().await;
    let bunker = bunker(&mut relay, None, Approve { sign: true }).await;
    let offer = open_code(&relay).await;

    // The code names a fresh app key, the relay, a secret, the app and what
    // it asks to do, as NIP-46 says.
    let code = read_code(offer.uri());
    assert_eq!(code.relays, [relay.url.clone()]);
    assert_eq!(code.name, "Flash");
    assert_eq!(code.perms, "sign_event:13,nip44_encrypt");
    assert_eq!(code.secret.len(), 32);
    assert!(code.secret.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(!format!("{offer:?}").contains(&code.secret));
    let another = read_code(open_code(&relay).await.uri());
    assert!(another.app != code.app && another.secret != code.secret);

    answer(&code, &bunker.signer, &code.secret).await;
    let (signer, user) = offer.accept(TIMEOUT, TIMEOUT).await.unwrap();
    assert_eq!(user, bunker.user.public_key());
    assert_eq!(signer.public_key(), user);
    assert_eq!(signer.relays(), [relay.url.clone()]);
    assert_eq!(signer.as_signer().app_keys().public_key(), code.app);
    assert_eq!(
        saved_remote_signer(&signer),
        bunker.signer.public_key().to_hex()
    );
    let event = signer
        .sign(EventBuilder::text_note("gm from a signer app").build(user))
        .await
        .unwrap();
    event.verify().unwrap();
    assert_eq!(event.pubkey, user);

    // Saved like a bunker:// connection, without the code's secret (used
    // once), and reconnected the same way.
    let saved = signer.to_secret_bytes();
    let saved_text = String::from_utf8(saved.to_vec()).unwrap();
    assert!(!saved_text.contains(&code.secret), "{saved_text}");
    signer.disconnect().await;
    let (again, user_again) = BunkerSigner::reconnect(&saved, TIMEOUT).await.unwrap();
    assert_eq!(user_again, user);
    let event = again
        .sign(EventBuilder::text_note("still me").build(user))
        .await
        .unwrap();
    event.verify().unwrap();
    bunker.serving.abort();
}

#[tokio::test]
async fn an_answer_without_the_codes_secret_is_not_accepted() {
    let mut relay = relay().await;
    let bunker = bunker(&mut relay, None, Approve { sign: true }).await;

    // Someone else answers first, with a wrong secret: ignored, and the
    // signer app that saw the code is the one connected.
    let offer = open_code(&relay).await;
    let code = read_code(offer.uri());
    answer(&code, &Keys::generate(), "not-the-secret").await;
    answer(&code, &bunker.signer, &code.secret).await;
    let (signer, user) = offer.accept(TIMEOUT, TIMEOUT).await.unwrap();
    assert_eq!(user, bunker.user.public_key());
    assert_eq!(
        saved_remote_signer(&signer),
        bunker.signer.public_key().to_hex()
    );
    signer.disconnect().await;

    // Only answers without the secret (here an outdated app's "ack"): the
    // wait ends with the reason.
    let offer = open_code(&relay).await;
    let code = read_code(offer.uri());
    answer(&code, &bunker.signer, "ack").await;
    let error = offer.accept(SHORT, TIMEOUT).await.unwrap_err();
    assert_eq!(error, BunkerError::WrongSecret);
    assert!(
        error.to_string().contains("scan the code shown now"),
        "{error}"
    );
    bunker.serving.abort();
}

#[tokio::test]
async fn a_code_no_signer_app_answers_is_given_up_after_the_wait() {
    let relay = relay().await;
    let offer = open_code(&relay).await;
    // Virtual time from here: the two minutes pass at once.
    tokio::time::pause();
    let error = offer
        .accept(Duration::from_secs(120), TIMEOUT)
        .await
        .unwrap_err();
    assert_eq!(error, BunkerError::NotScanned { seconds: 120 });
    let message = error.to_string();
    assert!(message.contains("within 120 seconds"), "{message}");
    assert!(message.contains("show a new code"), "{message}");
    drop(relay.relay);
}

#[tokio::test]
async fn a_code_needs_a_relay_that_can_be_reached() {
    for relays in [&[][..], &["https://relay.example.com".to_owned()]] {
        let error = NostrConnectOffer::open(relays, "Flash", PERMS, SHORT)
            .await
            .unwrap_err();
        assert!(matches!(error, BunkerError::BadUri { .. }), "{error:?}");
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let error = NostrConnectOffer::open(&[format!("ws://127.0.0.1:{port}")], "Flash", PERMS, SHORT)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, BunkerError::RelayUnreachable { relays } if relays.contains(&port.to_string())),
        "{error:?}"
    );
}

/// The engine's "connect with a signer app": it shows a code, waits for the
/// signer app's answer, seals the connection like a bunker's, and
/// reconnects it after unlocking, for messaging.
#[tokio::test]
async fn the_engine_shows_a_code_and_signs_in_with_the_signer_app_that_answers() {
    use flash_worker::protocol::{Command, EngineError, Identity, Reply, SignerKind};
    use nostr::ToBech32;

    let mut relay = relay().await;
    let bunker = bunker(&mut relay, None, Approve { sign: true }).await;
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
    let start = || async {
        match engine.handle(Command::StartNostrConnect).await {
            Ok(Reply::NostrConnect { uri }) => uri.expose().to_owned(),
            other => panic!("no code: {other:?}"),
        }
    };
    let wait = || {
        engine.handle(Command::AwaitNostrConnect {
            passphrase: support::PASSPHRASE.into(),
        })
    };

    let scenario = async {
        // No code shown, nothing to wait for.
        assert!(matches!(wait().await, Err(EngineError::Invalid { .. })));

        // Going back gives the code up, and stops the wait.
        let given_up = read_code(&start().await);
        let (waited, cancelled) =
            futures::join!(wait(), engine.handle(Command::CancelNostrConnect));
        assert!(matches!(cancelled, Ok(Reply::Done)));
        assert!(
            matches!(&waited, Err(EngineError::RemoteSigner { reason }) if reason.contains("given up")),
            "{waited:?}"
        );

        // A new code, answered by the signer app.
        let code = read_code(&start().await);
        assert_ne!(code.app, given_up.app);
        assert_eq!(code.name, "Flash");
        assert!(code.perms.contains("nip44_encrypt"), "{}", code.perms);
        let (connected, ()) = futures::join!(wait(), answer(&code, &bunker.signer, &code.secret));
        let npub = bunker.user.public_key().to_bech32().unwrap();
        assert!(
            matches!(
                &connected,
                Ok(Reply::Identity { identity: Identity::Unlocked { npub: shown, signer: SignerKind::RemoteSigner, has_seed: false, .. } })
                    if *shown == npub
            ),
            "{connected:?}"
        );
        messaging_ready(events).await;
        // The profile has its identity: no other code.
        assert!(matches!(
            engine.handle(Command::StartNostrConnect).await,
            Err(EngineError::AlreadyExists)
        ));

        // After a reload (lock and unlock) the signer app is reconnected.
        engine.handle(Command::Lock).await.unwrap();
        let unlocked = engine
            .handle(Command::Unlock {
                passphrase: support::PASSPHRASE.into(),
            })
            .await;
        assert!(
            matches!(&unlocked, Ok(Reply::Identity { identity: Identity::Unlocked { npub: shown, .. } }) if *shown == npub),
            "{unlocked:?}"
        );
        messaging_ready(events).await;
    };
    tokio::select! {
        () = async { tokio::time::timeout(TIMEOUT * 3, scenario).await.expect("connected in time") } => {}
        () = engine.pump_messages() => panic!("the message loop ended"),
    }
    bunker.serving.abort();
}

/// Until the engine says messaging is ready (failing the test if it says
/// messaging failed).
async fn messaging_ready(events: &mut futures::channel::mpsc::UnboundedReceiver<FromEngine>) {
    while let Some(message) = events.next().await {
        match message {
            FromEngine::Event(EngineEvent::Messaging {
                state: MessagingState::Ready { .. },
            }) => return,
            FromEngine::Event(EngineEvent::Messaging {
                state: MessagingState::Failed { reason },
            }) => panic!("messaging failed: {reason}"),
            _ => {}
        }
    }
}
