//! Secrets cross the protocol as the plain JSON strings they always were,
//! and no `Debug` of a message that carries one shows it.

use flash_protocol::{
    decode, encode, AccountPayment, Command, EcashState, Event, ExportKind, ExtensionCall,
    FromEngine, Reply, RequestId, Secret, ToEngine, WalletConnection,
};

/// Each command that carries a secret, its JSON (as an app built before
/// [`Secret`] sent it), and the secrets in it.
fn commands() -> Vec<(Command, &'static str, Vec<&'static str>)> {
    vec![
        (
            Command::CreateWallet {
                backup_check: vec!["abandon".into(), "zoo".into()],
                passphrase: "pass-create".into(),
            },
            r#"{"type":"create_wallet","backup_check":["abandon","zoo"],"passphrase":"pass-create"}"#,
            vec!["abandon", "zoo", "pass-create"],
        ),
        (
            Command::CheckMnemonic {
                phrase: "leader monkey".into(),
            },
            r#"{"type":"check_mnemonic","phrase":"leader monkey"}"#,
            vec!["leader monkey"],
        ),
        (
            Command::RestoreWallet {
                phrase: "parrot guitar".into(),
                passphrase: "pass-restore".into(),
            },
            r#"{"type":"restore_wallet","phrase":"parrot guitar","passphrase":"pass-restore"}"#,
            vec!["parrot guitar", "pass-restore"],
        ),
        (
            Command::ExtensionAnswer {
                request_id: 4,
                outcome: Ok("decrypted words".into()),
            },
            r#"{"type":"extension_answer","request_id":4,"outcome":{"Ok":"decrypted words"}}"#,
            vec!["decrypted words"],
        ),
        (
            Command::ImportKey {
                key: "nsec1secretkey".into(),
                key_password: "key-password".into(),
                passphrase: "pass-import".into(),
            },
            r#"{"type":"import_key","key":"nsec1secretkey","key_password":"key-password","passphrase":"pass-import"}"#,
            vec!["nsec1secretkey", "key-password", "pass-import"],
        ),
        (
            Command::ConnectBunker {
                uri: "bunker://ab?secret=bunker-secret".into(),
                passphrase: "pass-bunker".into(),
            },
            r#"{"type":"connect_bunker","uri":"bunker://ab?secret=bunker-secret","passphrase":"pass-bunker"}"#,
            vec!["bunker-secret", "pass-bunker"],
        ),
        (
            Command::AwaitNostrConnect {
                passphrase: "pass-await".into(),
            },
            r#"{"type":"await_nostr_connect","passphrase":"pass-await"}"#,
            vec!["pass-await"],
        ),
        (
            Command::ImportBackup {
                file: "{}".into(),
                passphrase: "pass-backup".into(),
            },
            r#"{"type":"import_backup","file":"{}","passphrase":"pass-backup"}"#,
            vec!["pass-backup"],
        ),
        (
            Command::Unlock {
                passphrase: "pass-unlock".into(),
            },
            r#"{"type":"unlock","passphrase":"pass-unlock"}"#,
            vec!["pass-unlock"],
        ),
        (
            Command::Export {
                secret: ExportKind::Nsec,
                passphrase: "pass-export".into(),
            },
            r#"{"type":"export","secret":"nsec","passphrase":"pass-export"}"#,
            vec!["pass-export"],
        ),
        (
            Command::ExportBackup {
                passphrase: "pass-export-backup".into(),
            },
            r#"{"type":"export_backup","passphrase":"pass-export-backup"}"#,
            vec!["pass-export-backup"],
        ),
        (
            Command::ChangePassphrase {
                old: "pass-old".into(),
                new: "pass-new".into(),
            },
            r#"{"type":"change_passphrase","old":"pass-old","new":"pass-new"}"#,
            vec!["pass-old", "pass-new"],
        ),
        (
            Command::SendMessage {
                to: vec!["npub1bob".into()],
                text: "meet at noon".into(),
                subject: None,
            },
            r#"{"type":"send_message","to":["npub1bob"],"text":"meet at noon","subject":null}"#,
            vec!["meet at noon"],
        ),
        (
            Command::InspectToken {
                token: "cashuBinspect".into(),
            },
            r#"{"type":"inspect_token","token":"cashuBinspect"}"#,
            vec!["cashuBinspect"],
        ),
        (
            Command::ReceiveToken {
                token: "cashuBreceive".into(),
                trust_mint: true,
            },
            r#"{"type":"receive_token","token":"cashuBreceive","trust_mint":true}"#,
            vec!["cashuBreceive"],
        ),
    ]
}

/// Each reply that carries a secret, its JSON, and the secrets in it.
fn replies() -> Vec<(Reply, &'static str, Vec<&'static str>)> {
    vec![
        (
            Reply::NewMnemonic {
                words: vec!["abandon".into(), "zoo".into()],
                check_positions: vec![2],
            },
            r#"{"type":"new_mnemonic","words":["abandon","zoo"],"check_positions":[2]}"#,
            vec!["abandon", "zoo"],
        ),
        (
            Reply::Exported {
                text: "nsec1exported".into(),
            },
            r#"{"type":"exported","text":"nsec1exported"}"#,
            vec!["nsec1exported"],
        ),
        (
            Reply::NostrConnect {
                uri: "nostrconnect://ab?secret=code-secret".into(),
            },
            r#"{"type":"nostr_connect","uri":"nostrconnect://ab?secret=code-secret"}"#,
            vec!["code-secret"],
        ),
        (
            Reply::WalletConnected {
                connection: WalletConnection {
                    pubkey: "ab".into(),
                    name: "app".into(),
                    methods: vec!["pay_invoice".into()],
                    budget_sat: None,
                    budget_renewal: "never".into(),
                    spent_sat: 0,
                    expires_at: None,
                    created_at: 1,
                    revoked: false,
                },
                uri: "nostr+walletconnect://ab?secret=nwc-secret".into(),
            },
            r#"{"type":"wallet_connected","connection":{"pubkey":"ab","name":"app","methods":["pay_invoice"],"budget_sat":null,"budget_renewal":"never","spent_sat":0,"expires_at":null,"created_at":1,"revoked":false},"uri":"nostr+walletconnect://ab?secret=nwc-secret"}"#,
            vec!["nwc-secret"],
        ),
        (
            Reply::Token {
                token: "cashuBsent".into(),
                amount: 5,
                fee: 0,
            },
            r#"{"type":"token","token":"cashuBsent","amount":5,"fee":0}"#,
            vec!["cashuBsent"],
        ),
    ]
}

fn assert_hidden(debug: String, secrets: &[&str]) {
    for secret in secrets {
        assert!(!debug.contains(secret), "{secret:?} shows in {debug}");
    }
}

#[test]
fn a_command_keeps_its_wire_and_its_debug_shows_no_secret() {
    for (command, json, secrets) in commands() {
        let request = ToEngine::Request {
            id: RequestId(1),
            command: command.clone(),
        };
        assert_eq!(
            encode(&request),
            format!(r#"{{"request":{{"id":1,"command":{json}}}}}"#)
        );
        assert_eq!(decode::<Command>(json).expect("decodes"), command);
        assert_hidden(format!("{request:?}"), &secrets);
        assert_hidden(format!("{command:#?}"), &secrets);
    }
}

#[test]
fn a_reply_keeps_its_wire_and_its_debug_shows_no_secret() {
    for (reply, json, secrets) in replies() {
        let response = FromEngine::Response {
            id: RequestId(2),
            outcome: Ok(reply.clone()),
        };
        assert_eq!(
            encode(&response),
            format!(r#"{{"response":{{"id":2,"outcome":{{"Ok":{json}}}}}}}"#)
        );
        assert_eq!(decode::<Reply>(json).expect("decodes"), reply);
        assert_hidden(format!("{response:?}"), &secrets);
    }
}

#[test]
fn a_request_to_the_extension_shows_no_plaintext() {
    for (call, json) in [
        (
            ExtensionCall::Nip44Encrypt {
                pubkey: "ab".into(),
                plaintext: "meet at noon".into(),
            },
            r#"{"method":"nip44_encrypt","pubkey":"ab","plaintext":"meet at noon"}"#,
        ),
        (
            ExtensionCall::Nip04Encrypt {
                pubkey: "ab".into(),
                plaintext: "meet at noon".into(),
            },
            r#"{"method":"nip04_encrypt","pubkey":"ab","plaintext":"meet at noon"}"#,
        ),
    ] {
        let event = Event::ExtensionRequest {
            request_id: 3,
            call: call.clone(),
        };
        assert_eq!(
            encode(&event),
            format!(r#"{{"type":"extension_request","request_id":3,"call":{json}}}"#)
        );
        assert_eq!(decode::<ExtensionCall>(json).expect("decodes"), call);
        assert_hidden(format!("{event:?}"), &["meet at noon"]);
    }
}

#[test]
fn what_carries_no_secret_still_shows_in_debug() {
    // Debug is derived again: a payment's state is there to read.
    let reply = Reply::AccountPayment {
        payment: AccountPayment {
            id: "pay-7".into(),
            amount: 21,
            fee: 0,
            state: EcashState::Pending,
            failure: None,
        },
    };
    let debug = format!("{reply:?}");
    assert!(
        debug.contains("pay-7") && debug.contains("Pending"),
        "{debug}"
    );
    assert_eq!(
        format!("{:?}", Secret::from("hunter2")),
        "Secret(<redacted>)"
    );
    assert_eq!(Secret::from("hunter2").expose(), "hunter2");
}
