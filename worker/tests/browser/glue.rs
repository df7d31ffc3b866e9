//! The worker glue in a real dedicated worker in headless Chromium.

use crate::support::{engine, request};
use flash_worker::browser::dispatch;
use flash_worker::protocol::{
    Command, EngineError, EngineStatus, Event, FromEngine, Reply, RequestId,
};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
async fn a_request_posted_as_a_string_is_answered() {
    let test = engine().await;
    let message = request(3, Command::GetStatus);
    let answer = dispatch(&test.engine, &JsValue::from_str(&message)).await;
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
async fn a_structured_clone_instead_of_a_string_is_rejected() {
    let test = engine().await;
    let answer = dispatch(&test.engine, &js_sys::Object::new().into()).await;
    assert!(matches!(
        answer,
        FromEngine::Event(Event::Rejected {
            error: EngineError::MalformedMessage { .. }
        })
    ));
}
