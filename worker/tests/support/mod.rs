//! Builds engines for tests: an in-memory profile, fast Argon2id, a clock
//! the test moves, and the stream of events the engine pushes.
#![allow(dead_code)] // Each test file uses its own part of this.

use std::cell::Cell;
use std::rc::Rc;

use flash_worker::engine::{Engine, Environment};
use flash_worker::protocol::{
    encode, Command, EngineError, FromEngine, Identity, Reply, RequestId, ToEngine,
};
use flash_worker::vault::{KdfParams, MemoryStore};
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

/// A clock the test sets, in milliseconds.
#[derive(Clone, Default)]
pub struct Clock(Rc<Cell<u64>>);

impl Clock {
    pub fn advance(&self, ms: u64) {
        self.0.set(self.0.get() + ms);
    }
}

pub struct TestEngine {
    pub engine: Engine<MemoryStore>,
    pub events: mpsc::UnboundedReceiver<FromEngine>,
    pub clock: Clock,
}

/// An engine opened on `store` (a fresh one by default).
pub async fn engine_on(store: MemoryStore) -> TestEngine {
    let (sender, events) = mpsc::unbounded();
    let clock = Clock::default();
    clock.advance(1_700_000_000_000);
    let now = clock.clone();
    let engine = Engine::new(
        sender,
        Environment {
            now_ms: Box::new(move || now.0.get()),
            kdf: Box::new(KdfParams::for_tests),
        },
    );
    engine
        .open(async { Ok::<_, std::convert::Infallible>(store) })
        .await;
    TestEngine {
        engine,
        events,
        clock,
    }
}

pub async fn engine() -> TestEngine {
    engine_on(MemoryStore::new()).await
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
