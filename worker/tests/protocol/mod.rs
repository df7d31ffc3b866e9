//! The protocol round trip, natively and (with wasm-bindgen-test) in Chromium.

use crate::support;

use flash_worker::engine::VERSION;
use flash_worker::protocol::{
    decode, encode, Command, EngineError, EngineStatus, Event, ExtensionCall, FromEngine, Identity,
    RelayAuth, RelayConnection, RelayView, Reply, RequestId, ToEngine,
};
use support::{engine, request};

async_test! {
    fn every_message_survives_the_wire() {
        let messages = [
            FromEngine::Event(Event::Started),
            FromEngine::Event(Event::Status { status: EngineStatus::Starting }),
            FromEngine::Event(Event::Status {
                status: EngineStatus::Failed { message: "no IndexedDB".into() },
            }),
            FromEngine::Event(Event::ExtensionRequest {
                request_id: 3,
                call: ExtensionCall::Nip44Decrypt { pubkey: "ab".into(), ciphertext: "x".into() },
            }),
            FromEngine::Event(Event::Relays {
                relays: vec![RelayView {
                    url: "wss://relay.example.com".into(),
                    read: true,
                    write: false,
                    connection: RelayConnection::Failed { reason: "refused".into() },
                    auth: RelayAuth::Authenticated,
                }],
            }),
            FromEngine::Response {
                id: RequestId(7),
                outcome: Ok(Reply::Identity {
                    identity: Identity::Locked { npub: Some("npub1x".into()) },
                }),
            },
            FromEngine::Response {
                id: RequestId(8),
                outcome: Err(EngineError::WrongPassphrase { retry_in_ms: 2_000 }),
            },
        ];
        for message in messages {
            let decoded: FromEngine = decode(&encode(&message)).expect("decodes");
            assert_eq!(decoded, message);
        }
        let command = ToEngine::Request {
            id: RequestId(1),
            command: Command::Unlock { passphrase: "secret words".into() },
        };
        assert_eq!(decode::<ToEngine>(&encode(&command)).expect("decodes"), command);
        // A command's Debug never shows what it carries, nor does a request
        // to the extension, which may hold a private message.
        assert!(!format!("{command:?}").contains("secret words"));
        let request = Event::ExtensionRequest {
            request_id: 1,
            call: ExtensionCall::Nip44Encrypt { pubkey: "ab".into(), plaintext: "meet at noon".into() },
        };
        assert!(!format!("{request:?}").contains("meet at noon"));
    }
}

async_test! {
    fn a_status_request_is_answered_with_the_same_id_once_the_profile_is_open() {
        let test = engine().await;
        let ready = test.engine.receive(&request(42, Command::GetStatus)).await;
        assert_eq!(
            ready,
            FromEngine::Response {
                id: RequestId(42),
                outcome: Ok(Reply::Status {
                    status: EngineStatus::Ready { version: VERSION.to_owned() },
                }),
            }
        );
        let identity = test.engine.receive(&request(43, Command::GetIdentity)).await;
        assert_eq!(
            identity,
            FromEngine::Response {
                id: RequestId(43),
                outcome: Ok(Reply::Identity { identity: Identity::None }),
            }
        );
    }
}

async_test! {
    fn garbage_from_the_page_is_rejected_with_a_reason_not_a_panic() {
        let test = engine().await;
        for garbage in ["", "null", "{", "{\"request\":{\"id\":-1}}", "{\"launch\":\"missiles\"}"] {
            match test.engine.receive(garbage).await {
                FromEngine::Event(Event::Rejected {
                    error: EngineError::MalformedMessage { reason },
                }) => assert!(!reason.is_empty(), "a reason for {garbage:?}"),
                other => panic!("{garbage:?} was answered with {other:?}"),
            }
        }
        // The engine keeps working afterwards.
        assert!(matches!(
            test.engine.receive(&request(1, Command::GetStatus)).await,
            FromEngine::Response { id: RequestId(1), outcome: Ok(_) }
        ));
    }
}
