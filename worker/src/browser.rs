//! Browser glue: runs the [`Engine`] inside a dedicated Web Worker.
//!
//! The worker's loader script (`public/engine.js`) instantiates this module
//! and calls [`start`]; from then on every `message` event goes through
//! [`dispatch`] and every answer goes back with `postMessage`.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::engine::Engine;
use crate::protocol::{encode, EngineError, EngineStatus, Event, FromEngine};

/// Starts the engine in the current worker. Called once by the loader script.
#[wasm_bindgen]
pub fn start() {
    std::panic::set_hook(Box::new(report_panic));
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let engine = Rc::new(RefCell::new(Engine::new()));

    let on_message = {
        let engine = Rc::clone(&engine);
        let scope = scope.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let answer = dispatch(&mut engine.borrow_mut(), &event.data());
            post(&scope, &answer);
        })
    };
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker does.
    on_message.forget();

    post(&scope, &FromEngine::Event(Event::Started));
    let status = match missing_capability(&scope) {
        Some(message) => engine.borrow_mut().fail(message).clone(),
        None => engine.borrow_mut().ready().clone(),
    };
    post(&scope, &FromEngine::Event(Event::Status { status }));
}

/// Answers one `message` event's data. Anything but a string is rejected.
pub fn dispatch(engine: &mut Engine, data: &JsValue) -> FromEngine {
    match data.as_string() {
        Some(text) => engine.receive(&text),
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
    // postMessage of a string only fails if the worker is closing, when no
    // one is left to tell.
    let _ = scope.post_message(&JsValue::from_str(&encode(message)));
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
