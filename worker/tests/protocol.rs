//! The protocol round trip, natively and (with wasm-bindgen-test) in Chromium.

use flash_worker::engine::{Engine, VERSION};
use flash_worker::protocol::{
    decode, encode, Command, EngineError, EngineStatus, Event, FromEngine, Reply, RequestId,
    ToEngine,
};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

fn request(id: u32, command: Command) -> String {
    encode(&ToEngine::Request {
        id: RequestId(id),
        command,
    })
}

#[test]
fn every_message_survives_the_wire() {
    let messages = [
        FromEngine::Event(Event::Started),
        FromEngine::Event(Event::Status {
            status: EngineStatus::Starting,
        }),
        FromEngine::Event(Event::Status {
            status: EngineStatus::Failed {
                message: "no IndexedDB".into(),
            },
        }),
        FromEngine::Response {
            id: RequestId(7),
            outcome: Ok(Reply::Status {
                status: EngineStatus::Ready {
                    version: "1.2.3".into(),
                },
            }),
        },
        FromEngine::Response {
            id: RequestId(8),
            outcome: Err(EngineError::MalformedMessage {
                reason: "bad".into(),
            }),
        },
    ];
    for message in messages {
        let decoded: FromEngine = decode(&encode(&message)).expect("decodes");
        assert_eq!(decoded, message);
    }
    let command = ToEngine::Request {
        id: RequestId(1),
        command: Command::GetStatus,
    };
    assert_eq!(
        decode::<ToEngine>(&encode(&command)).expect("decodes"),
        command
    );
}

#[test]
fn a_status_request_is_answered_with_the_same_id_and_the_current_status() {
    let mut engine = Engine::new();
    let starting = engine.receive(&request(41, Command::GetStatus));
    assert_eq!(
        starting,
        FromEngine::Response {
            id: RequestId(41),
            outcome: Ok(Reply::Status {
                status: EngineStatus::Starting
            }),
        }
    );

    engine.ready();
    let ready = engine.receive(&request(42, Command::GetStatus));
    assert_eq!(
        ready,
        FromEngine::Response {
            id: RequestId(42),
            outcome: Ok(Reply::Status {
                status: EngineStatus::Ready {
                    version: VERSION.to_owned()
                },
            }),
        }
    );
}

#[test]
fn garbage_from_the_page_is_rejected_with_a_reason_not_a_panic() {
    let mut engine = Engine::new();
    for garbage in [
        "",
        "null",
        "{",
        "{\"request\":{\"id\":-1}}",
        "{\"launch\":\"missiles\"}",
    ] {
        match engine.receive(garbage) {
            FromEngine::Event(Event::Rejected {
                error: EngineError::MalformedMessage { reason },
            }) => assert!(!reason.is_empty(), "a reason for {garbage:?}"),
            other => panic!("{garbage:?} was answered with {other:?}"),
        }
    }
    // The engine keeps working afterwards.
    assert!(matches!(
        engine.receive(&request(1, Command::GetStatus)),
        FromEngine::Response {
            id: RequestId(1),
            outcome: Ok(_)
        }
    ));
}
