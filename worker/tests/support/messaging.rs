//! Users talking through real relays in process: the scenario runner, a
//! user whose engine runs its message loop with a mirror of what it
//! pushed, and the relays they use.

use std::future::Future;
use std::net::Ipv4Addr;
use std::rc::Rc;
use std::time::Duration;

use flash_worker::engine::Engine;
use flash_worker::profiles::memory::MemoryProfiles;
use flash_worker::protocol::{
    ChatMessage, Command, Delivery, EngineError, Event, ExtensionCall, FromEngine, Identity,
    MessagingState, RelayView, Reply,
};
use futures::channel::mpsc::UnboundedReceiver;
use futures::StreamExt;
use nostr::nips::{nip04, nip44};
use nostr::{JsonUtil, Keys, PublicKey, ToBech32, UnsignedEvent};
use nostr_relay_builder::prelude::{LocalRelay, RelayBuilder};
use tokio::task::{spawn_local, JoinHandle, LocalSet};

use super::{started_engine_with_relays, TestEngine, PASSPHRASE, PROFILE};

/// A bound, not a wait: a lost message fails the test instead of hanging.
pub const BOUND: Duration = Duration::from_secs(120);

/// Runs a scenario with its engines' message loops as local tasks.
pub async fn scenario(body: impl Future<Output = ()>) {
    LocalSet::new()
        .run_until(async {
            tokio::time::timeout(BOUND, body)
                .await
                .expect("the scenario finished in time");
        })
        .await;
}

/// One user: a tab's engine, its message loop, and a mirror of what it
/// pushed, so a condition already met is not waited for again.
pub struct User {
    pub engine: Rc<Engine<MemoryProfiles>>,
    pub events: UnboundedReceiver<FromEngine>,
    pub npub: String,
    pump: JoinHandle<()>,
    /// Every message pushed, each in its latest version (asked for, as
    /// the page asks).
    pub seen: Vec<ChatMessage>,
    /// Everything the engine pushed unasked, as it crossed to the page.
    pub pushed: Vec<String>,
    pub state: MessagingState,
    /// The user's relays as last shown.
    pub relays: Vec<RelayView>,
    /// The key in the user's NIP-07 extension, when one signs for them:
    /// the page's side, answering the engine's requests.
    pub extension: Option<Keys>,
}

/// Closing the tab stops its message loop.
impl Drop for User {
    fn drop(&mut self) {
        self.pump.abort();
    }
}

/// A user who restores `words` in a browser of their own.
pub async fn new_user(relays: &[String], words: &str) -> User {
    new_user_in(&MemoryProfiles::new(), relays, words).await
}

/// A user who restores `words` in a new tab of `browser`.
pub async fn new_user_in(browser: &MemoryProfiles, relays: &[String], words: &str) -> User {
    let restore = Command::RestoreWallet {
        phrase: words.into(),
        passphrase: PASSPHRASE.into(),
    };
    unlocked_user(browser, relays, restore).await
}

/// A user coming back: a new tab of `browser` (as after a reload or a
/// crash), unlocked.
pub async fn returning_user(browser: &MemoryProfiles, relays: &[String]) -> User {
    let unlock = Command::Unlock {
        passphrase: PASSPHRASE.into(),
    };
    unlocked_user(browser, relays, unlock).await
}

/// A user signed in with a NIP-07 extension holding `keys`.
pub async fn extension_user(relays: &[String], keys: Keys) -> User {
    extension_user_in(&MemoryProfiles::new(), relays, keys).await
}

/// A user signing in with a NIP-07 extension holding `keys`, in a new tab
/// of `browser`.
pub async fn extension_user_in(browser: &MemoryProfiles, relays: &[String], keys: Keys) -> User {
    let mut user = returning_extension_user(browser, relays, keys.clone()).await;
    let sign_in = Command::SignInWithExtension {
        pubkey: keys.public_key().to_hex(),
    };
    let signed_in = user.handle(sign_in).await;
    assert!(
        matches!(signed_in, Ok(Reply::Identity { .. })),
        "{signed_in:?}"
    );
    user
}

/// A user whose key is in a NIP-07 extension holding `keys` coming back: a
/// new tab of `browser` (no passphrase to unlock with).
pub async fn returning_extension_user(
    browser: &MemoryProfiles,
    relays: &[String],
    keys: Keys,
) -> User {
    let mut user = User::in_new_tab(browser, relays, Some(PROFILE.into())).await;
    user.npub = keys.public_key().to_bech32().expect("npub");
    user.extension = Some(keys);
    user
}

/// A user of [`PROFILE`] in a new tab of `browser`, unlocked by `unlock`.
async fn unlocked_user(browser: &MemoryProfiles, relays: &[String], unlock: Command) -> User {
    let mut user = User::in_new_tab(browser, relays, Some(PROFILE.into())).await;
    user.npub = match user.engine.handle(unlock).await {
        Ok(Reply::Identity {
            identity: Identity::Unlocked { npub, .. },
        }) => npub,
        other => panic!("not unlocked: {other:?}"),
    };
    user
}

impl User {
    /// A new tab of `browser` using `relays`, its message loop running and
    /// `profile` open, no one signed in yet.
    async fn in_new_tab(
        browser: &MemoryProfiles,
        relays: &[String],
        profile: Option<String>,
    ) -> Self {
        let TestEngine { engine, events, .. } =
            started_engine_with_relays(browser, relays.to_vec());
        let engine = Rc::new(engine);
        let pump = spawn_local({
            let engine = Rc::clone(&engine);
            async move { engine.pump_messages().await }
        });
        // Taking over: a tab closed a moment ago may not have let go yet.
        let opened = engine
            .handle(Command::OpenProfile {
                profile,
                take_over: true,
            })
            .await;
        assert!(matches!(opened, Ok(Reply::Opened { .. })), "{opened:?}");
        Self {
            engine,
            events,
            npub: String::new(),
            pump,
            seen: Vec::new(),
            pushed: Vec::new(),
            state: MessagingState::Off,
            relays: Vec::new(),
            extension: None,
        }
    }

    /// Takes the next pushed event into the mirror, and answers the
    /// engine's requests to the extension as the page would.
    pub async fn pull(&mut self) {
        let event = self.events.next().await;
        if let Some(event) = &event {
            self.pushed.push(flash_worker::protocol::encode(event));
        }
        match event {
            Some(FromEngine::Event(Event::ExtensionRequest { request_id, call })) => {
                let keys = self
                    .extension
                    .as_ref()
                    .expect("only extension users are asked");
                let outcome = as_extension(keys, call);
                let answer = Command::ExtensionAnswer {
                    request_id,
                    outcome: outcome.map(Into::into),
                };
                self.engine.handle(answer).await.expect("answered");
            }
            Some(FromEngine::Event(Event::Message { conversation, id })) => {
                // Asked for, as the page asks: events name messages only.
                let asked = Command::GetMessages {
                    conversation,
                    ids: vec![id],
                };
                let Ok(Reply::Messages { messages }) = self.engine.handle(asked).await else {
                    panic!("a message named but not given");
                };
                for message in messages {
                    self.seen.retain(|seen| seen.id != message.id);
                    self.seen.push(message);
                }
            }
            Some(FromEngine::Event(Event::Messaging { state })) => {
                if let MessagingState::Failed { reason } = &state {
                    panic!("messaging failed: {reason}");
                }
                self.state = state;
            }
            Some(FromEngine::Event(Event::Relays { relays })) => self.relays = relays,
            Some(_) => {}
            None => panic!("the engine stopped pushing events"),
        }
    }

    pub async fn until_message(&mut self, pick: impl Fn(&ChatMessage) -> bool) -> ChatMessage {
        loop {
            if let Some(found) = self.seen.iter().find(|message| pick(message)) {
                return found.clone();
            }
            self.pull().await;
        }
    }

    pub async fn until_state(&mut self, pick: impl Fn(&MessagingState) -> bool) -> MessagingState {
        loop {
            if pick(&self.state) {
                return self.state.clone();
            }
            self.pull().await;
        }
    }

    /// Until messaging runs with `count` of the user's relays ready for
    /// messages (subscribed, lists given).
    pub async fn until_ready(&mut self, count: usize) {
        self.until_state(
            |state| matches!(state, MessagingState::Ready { connected, .. } if *connected == count),
        )
        .await;
    }

    /// Has the engine carry out `command`, answering what it asks of the
    /// extension meanwhile.
    pub async fn handle(&mut self, command: Command) -> Result<Reply, EngineError> {
        let engine = Rc::clone(&self.engine);
        // Boxed: the engine's future is too big for a test thread's stack.
        let handled = Box::pin(engine.handle(command));
        let pulling = std::pin::pin!(async {
            loop {
                self.pull().await;
            }
        });
        let outcome = match futures::future::select(handled, pulling).await {
            futures::future::Either::Left((outcome, _)) => outcome,
            futures::future::Either::Right((never, _)) => never,
        };
        outcome
    }

    pub async fn send(&mut self, to: &str, text: &str) -> ChatMessage {
        match self.handle(message(to, text)).await {
            Ok(Reply::MessageSent { message }) => message,
            other => panic!("not sent: {other:?}"),
        }
    }

    /// Sends `text` to `to` and waits until its delivery is known.
    pub async fn deliver(&mut self, to: &str, text: &str) -> Delivery {
        let sent = self.send(to, text).await;
        assert_eq!(sent.delivery, Some(Delivery::Sending));
        let delivered = self
            .until_message(|message| {
                message.id == sent.id && !matches!(message.delivery, Some(Delivery::Sending))
            })
            .await;
        delivered.delivery.expect("a delivery")
    }
}

/// What a NIP-07 extension holding `keys` answers.
fn as_extension(keys: &Keys, call: ExtensionCall) -> Result<String, String> {
    let key = |hex: &str| PublicKey::parse(hex).map_err(|error| error.to_string());
    let secret = keys.secret_key();
    match call {
        ExtensionCall::SignEvent { event } => UnsignedEvent::from_json(event)
            .map_err(|error| error.to_string())?
            .sign_with_keys(keys)
            .map(|signed| signed.as_json())
            .map_err(|error| error.to_string()),
        ExtensionCall::Nip44Encrypt { pubkey, plaintext } => nip44::encrypt(
            secret,
            &key(&pubkey)?,
            plaintext.expose(),
            nip44::Version::V2,
        )
        .map_err(|error| error.to_string()),
        ExtensionCall::Nip44Decrypt { pubkey, ciphertext } => {
            nip44::decrypt(secret, &key(&pubkey)?, ciphertext).map_err(|error| error.to_string())
        }
        ExtensionCall::Nip04Encrypt { pubkey, plaintext } => {
            nip04::encrypt(secret, &key(&pubkey)?, plaintext.expose())
                .map_err(|error| error.to_string())
        }
        ExtensionCall::Nip04Decrypt { pubkey, ciphertext } => {
            nip04::decrypt(secret, &key(&pubkey)?, ciphertext).map_err(|error| error.to_string())
        }
    }
}

/// The command that sends `text` to `to`.
pub fn message(to: &str, text: &str) -> Command {
    Command::SendMessage {
        to: vec![to.into()],
        text: text.into(),
        subject: None,
    }
}

/// A relay with nothing special, and its address.
pub async fn relay() -> (LocalRelay, String) {
    relay_from(RelayBuilder::default()).await
}

/// A relay `builder` describes, running, and its address.
pub async fn relay_from(builder: RelayBuilder) -> (LocalRelay, String) {
    let relay = LocalRelay::new(builder);
    relay.run().await.expect("the relay runs");
    let url = relay.url().await.to_string();
    (relay, url)
}

/// A relay on a runtime of its own, so that stopping it closes every
/// connection: `LocalRelay::shutdown` wakes only the connections waiting at
/// that moment, and one busy with a message (a negentropy sync, say) would
/// stay open, never telling its client the relay went away.
pub struct StoppableRelay {
    url: String,
    stop: Option<futures::channel::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StoppableRelay {
    /// Runs the relay `builder` describes.
    pub fn start(builder: RelayBuilder) -> Self {
        let (address, url) = std::sync::mpsc::channel();
        let (stop, stopped) = futures::channel::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the relay");
            runtime.block_on(async move {
                let relay = LocalRelay::new(builder);
                relay.run().await.expect("the relay runs");
                address
                    .send(relay.url().await.to_string())
                    .expect("the test waits for the address");
                let _ = stopped.await;
            });
            // Dropping the runtime ends every task of the relay, and with
            // them every connection.
            drop(runtime);
        });
        let url = url.recv().expect("the relay started");
        Self {
            url,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops the relay and closes its connections.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            thread.join().expect("the relay stopped");
        }
    }
}

impl Drop for StoppableRelay {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a free port");
    listener.local_addr().expect("an address").port()
}

/// The address of a relay that is not running: connecting is refused.
pub fn closed_relay() -> String {
    format!("ws://127.0.0.1:{}", free_port())
}
