//! Builds engines for tests: an in-memory profile, fast Argon2id, a clock
//! the test moves, and the stream of events the engine pushes.
#![allow(dead_code)] // Each test file uses its own part of this.

#[cfg(not(target_arch = "wasm32"))]
pub mod ecash;
#[cfg(not(target_arch = "wasm32"))]
pub mod gate;
#[cfg(not(target_arch = "wasm32"))]
pub mod hostile;
#[cfg(not(target_arch = "wasm32"))]
pub mod messaging;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use flash_worker::engine::{Engine, Environment};
use flash_worker::profiles::memory::MemoryProfiles;
use flash_worker::protocol::{
    encode, Command, EngineError, FromEngine, Identity, Reply, RequestId, ToEngine,
};
use flash_worker::vault::KdfParams;
use futures::channel::mpsc;

/// Runs `async` test bodies natively and under wasm-bindgen-test alike.
#[macro_export]
macro_rules! async_test {
    ($(#[$meta:meta])* fn $name:ident() $body:block) => {
        $(#[$meta])*
        #[cfg(not(target_arch = "wasm32"))]
        #[test]
        fn $name() {
            futures::executor::block_on(async $body)
        }

        $(#[$meta])*
        #[cfg(target_arch = "wasm32")]
        #[wasm_bindgen_test::wasm_bindgen_test]
        async fn $name() $body
    };
}

/// A clock the test moves, in milliseconds, from the time the test
/// started: relays date events by the real clock, and the engine refuses
/// those dated ahead of its own.
#[derive(Clone)]
pub struct Clock(Arc<AtomicU64>);

impl Default for Clock {
    fn default() -> Self {
        Self(Arc::new(AtomicU64::new(
            nostr::Timestamp::now().as_secs() * 1000,
        )))
    }
}

impl Clock {
    pub fn advance(&self, ms: u64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

pub struct TestEngine {
    pub engine: Engine<MemoryProfiles>,
    pub events: mpsc::UnboundedReceiver<FromEngine>,
    pub clock: Clock,
}

/// The profile tests open unless they say otherwise.
pub const PROFILE: &str = "main";

/// A new tab of `browser`, its engine started and [`PROFILE`] opened.
pub async fn engine_in(browser: &MemoryProfiles) -> TestEngine {
    let test = started_engine_in(browser);
    let opened = test
        .send(Command::OpenProfile {
            profile: Some(PROFILE.to_owned()),
            take_over: false,
        })
        .await;
    assert!(matches!(opened, Ok(Reply::Opened { .. })), "{opened:?}");
    test
}

/// A new tab of `browser` with its engine started and no profile open.
pub fn started_engine_in(browser: &MemoryProfiles) -> TestEngine {
    started_engine_with_relays(browser, Vec::new())
}

/// Like [`started_engine_in`], messaging through `relays`, where
/// `nostrconnect://` codes also ask signer apps to answer.
pub fn started_engine_with_relays(browser: &MemoryProfiles, relays: Vec<String>) -> TestEngine {
    let (sender, events) = mpsc::unbounded();
    let clock = Clock::default();
    let now = clock.clone();
    let engine = Engine::new(
        browser.new_tab(),
        sender,
        Environment {
            now_ms: Arc::new(move || now.0.load(Ordering::SeqCst)),
            kdf: Box::new(KdfParams::for_tests),
            signer_relays: relays.clone(),
            relays,
            mints: Vec::new(),
            network: cdk::lightning_invoice::Currency::Bitcoin,
            server: None,
        },
    );
    engine.ready();
    TestEngine {
        engine,
        events,
        clock,
    }
}

/// A tab of a browser of its own, with [`PROFILE`] open.
pub async fn engine() -> TestEngine {
    engine_in(&MemoryProfiles::new()).await
}

impl TestEngine {
    pub async fn send(&self, command: Command) -> Result<Reply, EngineError> {
        self.engine.handle(command).await
    }

    /// Sends a command that must answer with an identity.
    pub async fn identity(&self, command: Command) -> Identity {
        match self.send(command).await {
            Ok(Reply::Identity { identity }) => identity,
            other => panic!("expected an identity, got {other:?}"),
        }
    }
}

/// The JSON the app would post for `command`.
pub fn request(id: u32, command: Command) -> String {
    encode(&ToEngine::Request {
        id: RequestId(id),
        command,
    })
}

/// The first NIP-06 test vector.
pub const NIP06_WORDS: &str =
    "leader monkey parrot ring guide accident before fence cannon height naive bean";
pub const NIP06_NPUB: &str = "npub1zutzeysacnf9rru6zqwmxd54mud0k44tst6l70ja5mhv8jjumytsd2x7nu";
pub const NIP06_NSEC: &str = "nsec10allq0gjx7fddtzef0ax00mdps9t2kmtrldkyjfs8l5xruwvh2dq0lhhkp";
pub const PASSPHRASE: &str = "correct horse battery";
/// Two more users' phrases (BIP39 test vectors).
pub const BOB_WORDS: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
pub const CAROL_WORDS: &str =
    "legal winner thank year wave sausage worth useful legal winner thank yellow";
