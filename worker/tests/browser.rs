//! The worker glue in a real dedicated worker in headless Chromium.
#![cfg(target_arch = "wasm32")]

use flash_worker::browser::dispatch;
use flash_worker::engine::Engine;
use flash_worker::protocol::{
    encode, Command, EngineError, EngineStatus, Event, FromEngine, Reply, RequestId, ToEngine,
};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
fn a_request_posted_as_a_string_is_answered() {
    let mut engine = Engine::new();
    engine.ready();
    let message = encode(&ToEngine::Request {
        id: RequestId(3),
        command: Command::GetStatus,
    });
    let answer = dispatch(&mut engine, &JsValue::from_str(&message));
    assert!(matches!(
        answer,
        FromEngine::Response {
            id: RequestId(3),
            outcome: Ok(Reply::Status {
                status: EngineStatus::Ready { .. }
            }),
        }
    ));
}

#[wasm_bindgen_test]
fn a_structured_clone_instead_of_a_string_is_rejected() {
    let mut engine = Engine::new();
    let answer = dispatch(&mut engine, &js_sys::Object::new().into());
    assert!(matches!(
        answer,
        FromEngine::Event(Event::Rejected {
            error: EngineError::MalformedMessage { .. }
        })
    ));
}
