//! Browser glue: runs the [`Engine`] inside a dedicated Web Worker.
//!
//! The worker's loader script (`public/engine.js`) instantiates this module
//! and calls [`start`], which first says which protocol this engine speaks
//! (the app talks only to an engine of its own); from then on every
//! `message` event goes through [`dispatch`], every answer and pushed event
//! goes back with `postMessage`, and a timer drives auto-lock.

use std::rc::Rc;

use cdk::lightning_invoice::Currency;
use futures::channel::mpsc;
use futures::StreamExt;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::engine::{Engine, Environment};
use crate::profiles::indexeddb::IndexedDbProfiles;
use crate::profiles::ProfileStores;
use crate::protocol::{encode, EngineError, EngineStatus, Event, FromEngine, Hello};
use crate::vault::KdfParams;

/// How often auto-lock is checked: a lock is at most this late.
const AUTO_LOCK_CHECK_MS: i32 = 5_000;

/// Relays used when the server advertises none (it does in `--dev`).
const DEFAULT_RELAYS: [&str; 3] = [
    "wss://relay.damus.io",
    "wss://nos.lol",
    "wss://relay.primal.net",
];

/// The relay a `nostrconnect://` code names: the one nsec.app runs for
/// NIP-46, which signer apps (Amber, nsec.app) reach.
const NIP46_RELAY: &str = "wss://relay.nsec.app";

/// Starts the engine in the current worker. Called once by the loader script.
#[wasm_bindgen]
pub fn start() {
    // Before anything else can be posted (even a panic's report), so the
    // app reads it first.
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    post_text(&scope, &encode(&Hello::ours()));
    std::panic::set_hook(Box::new(report_panic));
    spawn_local(run());
}

/// Builds the engine, wires it to the worker, then announces it; the app
/// holds its requests until then.
async fn run() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let dev = dev_config(&scope).await;
    let relays = dev
        .as_ref()
        .map(|dev| dev.relays.clone())
        .filter(|relays| !relays.is_empty())
        .unwrap_or_else(|| {
            DEFAULT_RELAYS
                .iter()
                .map(|relay| (*relay).to_owned())
                .collect()
        });
    // In development the dev relay carries NIP-46 too, so a signer run
    // beside it can answer.
    let signer_relays = dev
        .as_ref()
        .map(|dev| dev.relays.clone())
        .filter(|relays| !relays.is_empty())
        .unwrap_or_else(|| vec![NIP46_RELAY.to_owned()]);
    let network = match dev.as_ref().and_then(|dev| dev.network.as_deref()) {
        Some("regtest") => Currency::Regtest,
        Some("signet") => Currency::Signet,
        Some("testnet") => Currency::BitcoinTestnet,
        _ => Currency::Bitcoin,
    };
    let mints = dev.map(|dev| dev.mints).unwrap_or_default();
    let (events, mut pushed) = mpsc::unbounded();
    let engine = Rc::new(Engine::new(
        IndexedDbProfiles::default(),
        events,
        browser_environment(
            relays,
            signer_relays,
            mints,
            network,
            scope.location().origin(),
        ),
    ));

    spawn_local({
        let scope = scope.clone();
        async move {
            while let Some(message) = pushed.next().await {
                post(&scope, &message);
            }
        }
    });
    match missing_capability(&scope) {
        Some(message) => engine.fail(message),
        None => engine.ready(),
    }
    if let Some(mut lost) = engine.lost_profiles() {
        let engine = Rc::clone(&engine);
        spawn_local(async move {
            while let Some(profile) = lost.next().await {
                engine.profile_taken_over(&profile).await;
            }
        });
    }
    spawn_local({
        let engine = Rc::clone(&engine);
        async move { engine.pump_messages().await }
    });
    listen(&scope, &engine);
    drive_auto_lock(&scope, &engine);
    post(&scope, &FromEngine::Event(Event::Started));
}

/// The services the server advertises for development (`/api/dev/config`).
#[derive(serde::Deserialize)]
struct DevConfig {
    relays: Vec<String>,
    #[serde(default)]
    mints: Vec<String>,
    /// The chain the dev services' invoices are for.
    #[serde(default)]
    network: Option<String>,
}

/// What the server advertises for development, if it does.
async fn dev_config(scope: &DedicatedWorkerGlobalScope) -> Option<DevConfig> {
    let response = JsFuture::from(scope.fetch_with_str("/api/dev/config"))
        .await
        .ok()?;
    let response: web_sys::Response = response.dyn_into().ok()?;
    if !response.ok() {
        return None;
    }
    let text = JsFuture::from(response.text().ok()?)
        .await
        .ok()?
        .as_string()?;
    serde_json::from_str(&text).ok()
}

fn browser_environment(
    relays: Vec<String>,
    signer_relays: Vec<String>,
    mints: Vec<String>,
    network: Currency,
    server: String,
) -> Environment {
    Environment {
        // Date.now() is a whole, non-negative number of milliseconds.
        now_ms: std::sync::Arc::new(|| js_sys::Date::now() as u64),
        kdf: Box::new(KdfParams::recommended),
        relays,
        signer_relays,
        mints,
        network,
        server: Some(server),
    }
}

/// Answers every message; commands run concurrently so that one waiting for
/// the page (a signature) does not hold up the others.
fn listen<P: ProfileStores + 'static>(scope: &DedicatedWorkerGlobalScope, engine: &Rc<Engine<P>>) {
    let on_message = {
        let engine = Rc::clone(engine);
        let scope = scope.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let (engine, scope) = (Rc::clone(&engine), scope.clone());
            spawn_local(async move {
                let answer = dispatch(&engine, &event.data()).await;
                post(&scope, &answer);
            });
        })
    };
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker does.
    on_message.forget();
}

fn drive_auto_lock<P: ProfileStores + 'static>(
    scope: &DedicatedWorkerGlobalScope,
    engine: &Rc<Engine<P>>,
) {
    let tick = {
        let engine = Rc::clone(engine);
        Closure::<dyn FnMut()>::new(move || {
            let engine = Rc::clone(&engine);
            spawn_local(async move { engine.tick().await });
        })
    };
    // Fails only in a closing worker, which needs no auto-lock.
    let _ = scope.set_interval_with_callback_and_timeout_and_arguments_0(
        tick.as_ref().unchecked_ref(),
        AUTO_LOCK_CHECK_MS,
    );
    tick.forget();
}

/// Answers one `message` event's data. Anything but a string is rejected.
pub async fn dispatch<P: ProfileStores>(engine: &Engine<P>, data: &JsValue) -> FromEngine {
    match data.as_string() {
        Some(text) => engine.receive(&text).await,
        None => FromEngine::Event(Event::Rejected {
            error: EngineError::MalformedMessage {
                reason: "expected a JSON string".to_owned(),
            },
        }),
    }
}

/// What the engine needs from the worker's environment and did not find.
fn missing_capability(scope: &DedicatedWorkerGlobalScope) -> Option<String> {
    let indexed_db = js_sys::Reflect::get(scope, &JsValue::from_str("indexedDB"))
        .ok()
        .filter(|value| !value.is_undefined() && !value.is_null());
    indexed_db.is_none().then(|| {
        "This browser gives the engine no IndexedDB, so Flash cannot store your \
         wallet. Private browsing often turns it off: open Flash in a normal window."
            .to_owned()
    })
}

fn post(scope: &DedicatedWorkerGlobalScope, message: &FromEngine) {
    post_text(scope, &encode(message));
}

fn post_text(scope: &DedicatedWorkerGlobalScope, text: &str) {
    // postMessage of a string only fails if the worker is closing, when no
    // one is left to tell.
    let _ = scope.post_message(&JsValue::from_str(text));
}

/// Tells the app the engine crashed, then lets the panic abort the module.
fn report_panic(info: &std::panic::PanicHookInfo<'_>) {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let status = EngineStatus::Failed {
        message: format!("The engine crashed: {info}"),
    };
    post(&scope, &FromEngine::Event(Event::Status { status }));
    console_error_panic_hook::hook(info);
}
