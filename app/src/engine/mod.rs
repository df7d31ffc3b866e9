//! The app's side of the engine: spawns the worker, sends [`Command`]s and
//! turns what comes back into signals the screens read.
//!
//! The engine's first message is a [`Hello`] naming its protocol: an engine
//! of another build (after a deploy) is stopped before the app sends it
//! anything, and the user is asked to reload. Then the engine announces
//! itself with [`Event::Started`] once it listens; requests made before that
//! wait in a queue, because a message posted to a worker that has no
//! handler yet is dropped.

mod calls;
pub mod extension;

pub use calls::{call_action, CallAction, SentToken};

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use flash_protocol::{
    decode, encode, Command, EcashWallet, EngineError, EngineStatus, Event, FromEngine, Hello,
    Identity, LightningAccount, MessagingState, RelayView, Reply, RequestId, SignerKind, ToEngine,
};
use futures::channel::oneshot;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, MessageEvent, Worker};

/// The `<meta>` of `index.html` naming the loader script that starts the
/// engine inside the worker. The name carries the loader's content hash,
/// which covers the engine's own (see `scripts/post-build.sh`), so the page
/// that loaded this app starts the engine of the same build, whatever a
/// cache holds.
const ENGINE_META: &str = r#"meta[name="flash-engine"]"#;

/// Why a request got no answer from the engine.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RequestError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("the engine stopped before it answered")]
    EngineGone,
    #[error("the engine answered something unexpected: {0}")]
    Unexpected(String),
}

impl RequestError {
    /// `reply` came where another answer was expected. Only its kind is
    /// named: its fields may hold secrets (words, exports) not for a page.
    pub fn unexpected(reply: &Reply) -> Self {
        let shown = format!("{reply:?}");
        let kind = shown.split(|c: char| !c.is_alphanumeric()).next();
        Self::Unexpected(kind.unwrap_or_default().to_owned())
    }
}

/// What the engine's [`Hello`] said about the protocol it speaks.
#[derive(Debug, Clone, PartialEq)]
pub enum Greeting {
    /// Nothing heard yet.
    Awaited,
    /// This build's protocol: the app talks to it.
    Ours,
    /// Another build's engine, stopped unheard. `protocol` is the one it
    /// named, `None` for an engine from before the handshake.
    Other { protocol: Option<String> },
}

/// Handle on the engine, shared with every component through context.
#[derive(Clone, Copy)]
pub struct Engine {
    greeting: RwSignal<Greeting>,
    status: RwSignal<EngineStatus>,
    /// `None` until the engine has said who the user is.
    identity: RwSignal<Option<Identity>>,
    messaging: RwSignal<MessagingState>,
    /// Bumped whenever a message arrives, so conversation views refetch.
    inbox: RwSignal<u64>,
    /// The eCash wallet as last reported; `None` until asked for.
    ecash: RwSignal<Option<EcashWallet>>,
    /// A NUT-13 restore's progress: mints done, of how many, sat found.
    restoring: RwSignal<Option<(usize, usize, u64)>>,
    /// The user's relays as last reported; `None` until asked for.
    relays: RwSignal<Option<Vec<RelayView>>>,
    /// The Lightning account as last reported: `None` until asked for,
    /// `Some(None)` when the server offers none.
    account: RwSignal<Option<Option<LightningAccount>>>,
    /// Whether a [`Command::WatchAccount`] is running for this session.
    watching_account: RwSignal<bool>,
    /// Whether a [`Command::WatchEcash`] is running for this session.
    watching_ecash: RwSignal<bool>,
    client: StoredValue<Rc<Client>, LocalStorage>,
}

/// Starts the engine and makes it available to [`use_engine`].
pub fn provide_engine() -> Engine {
    let status = RwSignal::new(EngineStatus::Starting);
    let client = Rc::new(Client::default());
    let engine = Engine {
        greeting: RwSignal::new(Greeting::Awaited),
        status,
        identity: RwSignal::new(None),
        messaging: RwSignal::new(MessagingState::Off),
        inbox: RwSignal::new(0),
        ecash: RwSignal::new(None),
        restoring: RwSignal::new(None),
        relays: RwSignal::new(None),
        account: RwSignal::new(None),
        watching_account: RwSignal::new(false),
        watching_ecash: RwSignal::new(false),
        client: StoredValue::new_local(Rc::clone(&client)),
    };
    // Each unlocked session follows the account, so every screen showing
    // its balance is current the moment an invoice is paid, and the eCash
    // payments a closed tab left pending, until they settle.
    Effect::new(move |_| {
        if let Some(Identity::Unlocked {
            signer, has_seed, ..
        }) = engine.identity.get()
        {
            if signer != SignerKind::ReadOnly {
                engine.follow(Command::WatchAccount, engine.watching_account);
            }
            if has_seed {
                engine.follow(Command::WatchEcash, engine.watching_ecash);
            }
        }
    });
    match engine_script().map(|script| Worker::new(&script)) {
        Some(Ok(worker)) => connect(engine, &client, worker),
        Some(Err(error)) => status.set(EngineStatus::Failed {
            message: format!(
                "This browser could not start the engine: {}",
                describe(&error)
            ),
        }),
        None => status.set(EngineStatus::Failed {
            message:
                "This page does not say where its engine is: it is not a complete build of Flash."
                    .to_owned(),
        }),
    }
    provide_context(engine);
    engine
}

/// The engine provided by [`provide_engine`] higher up the tree.
pub fn use_engine() -> Engine {
    expect_context::<Engine>()
}

impl Engine {
    /// Whether the engine speaks this build's protocol, once it has said.
    pub fn greeting(&self) -> ReadSignal<Greeting> {
        self.greeting.read_only()
    }

    /// The engine's status, kept current by the engine's events.
    pub fn status(&self) -> ReadSignal<EngineStatus> {
        self.status.read_only()
    }

    /// Who the user is, kept current by every identity answer and event.
    pub fn identity(&self) -> ReadSignal<Option<Identity>> {
        self.identity.read_only()
    }

    /// Whether private messages can be sent, kept current by the engine.
    pub fn messaging(&self) -> ReadSignal<MessagingState> {
        self.messaging.read_only()
    }

    /// Whether messaging runs at all (answers from the event store work).
    pub fn messaging_running(&self) -> Memo<bool> {
        let messaging = self.messaging;
        Memo::new(move |_| matches!(messaging.get(), MessagingState::Ready { .. }))
    }

    /// Changes whenever a private message arrives.
    pub fn inbox(&self) -> ReadSignal<u64> {
        self.inbox.read_only()
    }

    /// The eCash wallet, kept current by every answer and event carrying it.
    pub fn ecash(&self) -> ReadSignal<Option<EcashWallet>> {
        self.ecash.read_only()
    }

    /// A running NUT-13 restore's progress.
    pub fn restoring(&self) -> ReadSignal<Option<(usize, usize, u64)>> {
        self.restoring.read_only()
    }

    /// The user's relays and their live status, kept current by the engine.
    pub fn relays(&self) -> ReadSignal<Option<Vec<RelayView>>> {
        self.relays.read_only()
    }

    /// Asks the engine for the user's relays, updating [`Engine::relays`].
    pub fn refresh_relays(&self) {
        let engine = *self;
        leptos::task::spawn_local(async move {
            // A failure (no profile open) leaves the last list.
            let _ = engine.request(Command::ListRelays).await;
        });
    }

    /// The Lightning account, kept current by every answer and event.
    pub fn account(&self) -> ReadSignal<Option<Option<LightningAccount>>> {
        self.account.read_only()
    }

    /// Asks the engine for the account, updating [`Engine::account`].
    pub fn refresh_account(&self) {
        let engine = *self;
        leptos::task::spawn_local(async move {
            // A failure (the server out of reach) leaves the last state.
            let _ = engine.request(Command::GetAccount).await;
        });
    }

    /// Runs a watching `command` until it answers (the engine retries by
    /// itself), `running` saying whether it does. A lock ends it; an
    /// unlock that came before the lock's answer starts it again.
    fn follow(&self, command: Command, running: RwSignal<bool>) {
        if running.get_untracked() {
            return;
        }
        running.set(true);
        let engine = *self;
        leptos::task::spawn_local(async move {
            loop {
                let outcome = engine.request(command.clone()).await;
                let unlocked = matches!(
                    engine.identity.get_untracked(),
                    Some(Identity::Unlocked { .. })
                );
                let locked = matches!(outcome, Err(RequestError::Engine(EngineError::Locked)));
                if !(locked && unlocked) {
                    break;
                }
            }
            running.set(false);
        });
    }

    /// Asks the engine for the eCash wallet, updating [`Engine::ecash`].
    pub fn refresh_ecash(&self) {
        let engine = *self;
        leptos::task::spawn_local(async move {
            // A failure (locked, no seed) leaves the last state; screens
            // that need the reason ask themselves.
            let _ = engine.request(Command::GetEcash).await;
        });
    }

    /// Sends a command and waits for its answer. An identity in the answer
    /// updates [`Engine::identity`] before the caller sees it.
    pub async fn request(&self, command: Command) -> Result<Reply, RequestError> {
        let answer = self.client.with_value(|client| client.send(command));
        let reply = answer.await.map_err(|_| RequestError::EngineGone)??;
        match &reply {
            Reply::Identity { identity } => self.identity.set(Some(identity.clone())),
            Reply::Conversations { messaging, .. } => self.messaging.set(messaging.clone()),
            Reply::Ecash { wallet } => self.ecash.set(Some(wallet.clone())),
            Reply::Relays { relays } => self.relays.set(Some(relays.clone())),
            Reply::Account { account } => self.account.set(Some(account.clone())),
            Reply::Opened { profile, identity } => {
                remember_profile(profile);
                self.identity.set(Some(identity.clone()));
            }
            _ => {}
        }
        Ok(reply)
    }

    /// Opens the profile this browser used last (or the engine's choice),
    /// taking it over from another tab if `take_over`.
    pub async fn open_last_profile(&self, take_over: bool) -> Result<Reply, RequestError> {
        self.request(Command::OpenProfile {
            profile: last_profile(),
            take_over,
        })
        .await
    }

    /// Sends a command whose answer matters only as an identity change.
    pub async fn request_identity(&self, command: Command) -> Result<Identity, RequestError> {
        match self.request(command).await? {
            Reply::Identity { identity } => Ok(identity),
            other => Err(RequestError::unexpected(&other)),
        }
    }
}

/// Where the engine's loader is, as the page names it.
fn engine_script() -> Option<String> {
    let meta = document().query_selector(ENGINE_META).ok()??;
    meta.get_attribute("content")
        .filter(|script| !script.is_empty())
}

/// The worker and the requests still waiting for an answer.
#[derive(Default)]
struct Client {
    worker: RefCell<Option<Worker>>,
    next_id: Cell<u32>,
    pending: RefCell<HashMap<RequestId, oneshot::Sender<Result<Reply, EngineError>>>>,
    /// Messages held back until the engine has started listening.
    queued: RefCell<Vec<String>>,
    started: Cell<bool>,
}

impl Client {
    fn send(&self, command: Command) -> oneshot::Receiver<Result<Reply, EngineError>> {
        let id = RequestId(self.next_id.get());
        self.next_id.set(id.0.wrapping_add(1));
        let (answer, receiver) = oneshot::channel();
        self.pending.borrow_mut().insert(id, answer);
        let message = encode(&ToEngine::Request { id, command });
        if self.started.get() {
            self.post(&message);
        } else {
            self.queued.borrow_mut().push(message);
        }
        receiver
    }

    fn post(&self, message: &str) {
        if let Some(worker) = self.worker.borrow().as_ref() {
            // Fails only once the worker is terminated; its error handler
            // has already turned that into a Failed status.
            let _ = worker.post_message(&JsValue::from_str(message));
        }
    }

    fn start_listening(&self) {
        self.started.set(true);
        for message in self.queued.take() {
            self.post(&message);
        }
    }

    fn answer(&self, id: RequestId, outcome: Result<Reply, EngineError>) {
        if let Some(waiting) = self.pending.borrow_mut().remove(&id) {
            // The caller may have stopped waiting; nothing is lost then.
            let _ = waiting.send(outcome);
        }
    }

    /// Drops every waiting request, so their callers see `EngineGone`.
    fn abandon_all(&self) {
        self.pending.borrow_mut().clear();
        self.queued.borrow_mut().clear();
    }

    /// Ends the worker. Called before anything was sent to it, so it has
    /// opened no profile and holds no lock.
    fn stop(&self) {
        if let Some(worker) = self.worker.take() {
            worker.terminate();
        }
        self.abandon_all();
    }
}

fn connect(engine: Engine, client: &Rc<Client>, worker: Worker) {
    let on_message = {
        let client = Rc::clone(client);
        Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(text) = event.data().as_string() else {
                return;
            };
            match engine.greeting.get_untracked() {
                Greeting::Awaited => greet(engine, &client, &text),
                Greeting::Ours => match decode::<FromEngine>(&text) {
                    Ok(message) => receive(engine, &client, message),
                    Err(error) => engine.status.set(EngineStatus::Failed {
                        message: format!("The engine sent something the app cannot read: {error}"),
                    }),
                },
                // Stopped already; what it posted before the end is not read.
                Greeting::Other { .. } => {}
            }
        })
    };
    let on_error = {
        let client = Rc::clone(client);
        Closure::<dyn Fn(ErrorEvent)>::new(move |event: ErrorEvent| {
            event.prevent_default();
            client.abandon_all();
            // A crash report from the engine's panic hook names the cause
            // better than the generic error that follows it.
            if !matches!(engine.status.get_untracked(), EngineStatus::Failed { .. }) {
                engine.status.set(EngineStatus::Failed {
                    message: format!("The engine stopped: {}", event.message()),
                });
            }
        })
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    // Both handlers live as long as the worker, which lives as long as the app.
    on_message.forget();
    on_error.forget();
    client.worker.replace(Some(worker));
}

/// Reads the engine's first message, which must be a [`Hello`] naming this
/// build's protocol; any other engine is stopped at once.
fn greet(engine: Engine, client: &Client, text: &str) {
    let hello = decode::<Hello>(text).ok();
    if hello.as_ref().is_some_and(Hello::is_ours) {
        engine.greeting.set(Greeting::Ours);
        return;
    }
    client.stop();
    engine.status.set(EngineStatus::Failed {
        message: "The engine is from another version of Flash.".to_owned(),
    });
    engine.greeting.set(Greeting::Other {
        protocol: hello.map(|hello| hello.protocol),
    });
}

fn receive(engine: Engine, client: &Client, message: FromEngine) {
    match message {
        FromEngine::Response { id, outcome } => client.answer(id, outcome),
        FromEngine::Event(Event::Started) => {
            client.start_listening();
            leptos::task::spawn_local(async move {
                if let Ok(Reply::Status { status }) = engine.request(Command::GetStatus).await {
                    engine.status.set(status);
                }
                // Fills `identity`; a failure leaves it unknown, and the
                // status above already says why.
                let _ = engine.open_last_profile(false).await;
            });
        }
        FromEngine::Event(Event::Status { status }) => engine.status.set(status),
        FromEngine::Event(Event::Identity { identity }) => engine.identity.set(Some(identity)),
        FromEngine::Event(Event::Messaging { state }) => engine.messaging.set(state),
        FromEngine::Event(Event::Message { .. }) => engine.inbox.update(|count| *count += 1),
        FromEngine::Event(Event::Ecash { wallet }) => engine.ecash.set(Some(wallet)),
        FromEngine::Event(Event::Relays { relays }) => engine.relays.set(Some(relays)),
        FromEngine::Event(Event::Account { account }) => engine.account.set(Some(Some(account))),
        FromEngine::Event(Event::Restoring { done, of, amount }) => {
            engine.restoring.set(Some((done, of, amount)))
        }
        FromEngine::Event(Event::ExtensionRequest { request_id, call }) => {
            leptos::task::spawn_local(async move {
                let outcome = extension::ask_extension(call).await;
                // The engine may have given up waiting; nothing to do then.
                let _ = engine
                    .request(Command::ExtensionAnswer {
                        request_id,
                        outcome: outcome.map(Into::into),
                    })
                    .await;
            });
        }
        FromEngine::Event(Event::Rejected { error }) => {
            leptos::logging::error!("the engine rejected a message from the app: {error}");
        }
    }
}

/// A JavaScript error's message, or its debug form when it has none.
pub fn describe(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .unwrap_or_else(|| format!("{error:?}"))
}

/// A command sent on demand (a button, a form), with its pending state and
/// its last answer, for commands whose answer the view does not read (only
/// that it came, or why not; what it changes arrives through the signals
/// above). A view that reads the answer uses a typed [`call_action`].
pub type CommandAction<I> = Action<I, Result<Reply, RequestError>>;

/// Builds a [`CommandAction`] that sends `to_command(input)` when dispatched.
pub fn command_action<I: Send + Sync + 'static>(
    to_command: impl Fn(&I) -> Command + 'static,
) -> CommandAction<I> {
    let engine = use_engine();
    Action::new_unsync(move |input: &I| {
        let command = to_command(input);
        async move { engine.request(command).await }
    })
}

/// Which profile to open at start: an id, not a secret, so `localStorage`.
const PROFILE_KEY: &str = "flash.profile";

fn last_profile() -> Option<String> {
    local_storage()?.get_item(PROFILE_KEY).ok().flatten()
}

fn remember_profile(profile: &str) {
    if let Some(storage) = local_storage() {
        // Unwritable storage only means the first profile opens next time.
        let _ = storage.set_item(PROFILE_KEY, profile);
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}
