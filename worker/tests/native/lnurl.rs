//! Paying a Lightning address through a server that answers as told: the
//! offer is read as LUD-06 says, and an invoice that does not commit to
//! what the user was shown (another description, another amount, a plain
//! memo) is refused before any wallet sees it. A zap (NIP-57) sends a zap
//! request signed by the user, and its invoice must commit to that.

use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use bitcoin::hashes::{sha256, Hash};
use cdk::lightning_invoice::{Currency, InvoiceBuilder, PaymentSecret};
use cdk::secp256k1::{Secp256k1, SecretKey};
use flash_worker::protocol::{Command, EngineError, PayeeOffer, Reply, Zap};
use nostr::{Event, JsonUtil, Keys, Kind, PublicKey, ToBech32};
use serde_json::{json, Value};

use crate::support::ecash::user;
use crate::support::NIP06_WORDS;

/// How the stand-in's callback answers.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Callback {
    /// An invoice for the amount asked, committing to the metadata.
    Honest,
    /// One committing to other metadata.
    OtherDescription,
    /// One for a sat more than asked.
    OtherAmount,
    /// One with a plain memo instead of the metadata's hash.
    Memo,
    /// LUD-06's error.
    Refusal,
}

type Asked = (u64, Option<String>);

#[derive(Clone)]
struct Payee {
    metadata: String,
    callback: Arc<Mutex<Callback>>,
    /// Each callback's amount (msat) and comment.
    asked: Arc<Mutex<Vec<Asked>>>,
    origin: String,
    /// The key it says it signs zap receipts with, when it takes zaps.
    zaps: Option<String>,
    /// Each zap request received, as sent.
    zap_requests: Arc<Mutex<Vec<String>>>,
}

/// A Lightning address server for `bob`, taking zaps signed by `zaps` (a
/// key, as the offer says it); returns it and his address.
async fn payee_with(zaps: Option<String>) -> (Payee, String) {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("a port");
    let host = format!(
        "127.0.0.1:{}",
        listener.local_addr().expect("an address").port()
    );
    let address = format!("bob@{host}");
    let metadata =
        json!([["text/plain", "Tips for Bob"], ["text/identifier", address]]).to_string();
    let payee = Payee {
        metadata,
        callback: Arc::new(Mutex::new(Callback::Honest)),
        asked: Arc::new(Mutex::new(Vec::new())),
        origin: format!("http://{host}"),
        zaps,
        zap_requests: Arc::new(Mutex::new(Vec::new())),
    };
    let app = Router::new()
        .route("/.well-known/lnurlp/bob", get(offer))
        .route("/callback", get(callback))
        .with_state(payee.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (payee, address)
}

async fn payee() -> (Payee, String) {
    payee_with(None).await
}

async fn offer(State(payee): State<Payee>) -> Json<Value> {
    let mut offer = json!({
        "tag": "payRequest",
        "callback": format!("{}/callback", payee.origin),
        "minSendable": 10_000,
        "maxSendable": 5_000_000,
        "metadata": payee.metadata,
        "commentAllowed": 20,
    });
    if let Some(key) = &payee.zaps {
        offer["allowsNostr"] = json!(true);
        offer["nostrPubkey"] = json!(key);
    }
    Json(offer)
}

async fn callback(
    State(payee): State<Payee>,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Json<Value> {
    let msat: u64 = query
        .get("amount")
        .and_then(|amount| amount.parse().ok())
        .unwrap_or(0);
    payee
        .asked
        .lock()
        .unwrap()
        .push((msat, query.get("comment").cloned()));
    let zap_request = query.get("nostr");
    if let Some(zap_request) = zap_request {
        payee.zap_requests.lock().unwrap().push(zap_request.clone());
    }
    let mode = *payee.callback.lock().unwrap();
    // As NIP-57's Appendix D says: a zap's invoice commits to its request.
    let described = zap_request.unwrap_or(&payee.metadata);
    let committed = match mode {
        Callback::OtherDescription => sha256::Hash::hash(b"[[\"text/plain\",\"Tips for Eve\"]]"),
        _ => sha256::Hash::hash(described.as_bytes()),
    };
    let builder = InvoiceBuilder::new(Currency::Bitcoin)
        .payment_hash(sha256::Hash::from_byte_array([1; 32]))
        .payment_secret(PaymentSecret([2; 32]))
        .amount_milli_satoshis(if mode == Callback::OtherAmount {
            msat + 1000
        } else {
            msat
        })
        .current_timestamp()
        .min_final_cltv_expiry_delta(144);
    let key = SecretKey::from_slice(&[7; 32]).expect("key");
    let sign = |hash: &cdk::secp256k1::Message| Secp256k1::new().sign_ecdsa_recoverable(hash, &key);
    let invoice = match mode {
        Callback::Refusal => {
            return Json(json!({"status": "ERROR", "reason": "Bob is not taking tips today"}))
        }
        Callback::Memo => builder
            .description("Tips for Bob".into())
            .build_signed(sign),
        _ => builder.description_hash(committed).build_signed(sign),
    };
    Json(json!({ "pr": invoice.expect("an invoice").to_string(), "routes": [] }))
}

fn payee_code(answer: Result<Reply, EngineError>) -> String {
    match answer {
        Err(EngineError::Payee { code, .. }) => code,
        other => panic!("not a payee's refusal: {other:?}"),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn an_address_is_read_and_its_invoice_checked_against_what_the_user_saw() {
    let (payee, address) = payee().await;
    let (alice, _) = user(NIP06_WORDS).await;

    let offer = match alice
        .send(Command::ReadPayee {
            payee: format!("lightning:{address}"),
        })
        .await
    {
        Ok(Reply::Payee { offer }) => offer,
        other => panic!("no offer: {other:?}"),
    };
    assert_eq!(
        (
            offer.description.as_str(),
            offer.identifier.as_deref(),
            offer.min,
            offer.max,
            offer.comment_allowed
        ),
        ("Tips for Bob", Some(address.as_str()), 10, 5_000, 20)
    );
    let ask = |offer: &PayeeOffer, amount: u64, comment: &str| Command::RequestPayeeInvoice {
        offer: offer.clone(),
        amount,
        comment: comment.into(),
        zap: None,
    };

    // Outside the bounds, or too long a comment: the server is not asked.
    for (amount, comment, code) in [
        (9, "", "amount_out_of_bounds"),
        (5_001, "", "amount_out_of_bounds"),
        (21, "twenty-one characters", "comment_too_long"),
    ] {
        assert_eq!(
            payee_code(alice.send(ask(&offer, amount, comment)).await),
            code
        );
    }
    assert!(payee.asked.lock().unwrap().is_empty());

    match alice.send(ask(&offer, 21, "for the coffee")).await {
        Ok(Reply::PayeeInvoice { details, .. }) => assert_eq!(details.amount, Some(21)),
        other => panic!("no invoice: {other:?}"),
    }
    assert_eq!(
        payee.asked.lock().unwrap().last().cloned(),
        Some((21_000, Some("for the coffee".to_owned())))
    );

    for mode in [
        Callback::OtherDescription,
        Callback::OtherAmount,
        Callback::Memo,
    ] {
        *payee.callback.lock().unwrap() = mode;
        assert_eq!(
            payee_code(alice.send(ask(&offer, 21, "")).await),
            "invoice_mismatch",
            "{mode:?}"
        );
    }
    *payee.callback.lock().unwrap() = Callback::Refusal;
    match alice.send(ask(&offer, 21, "")).await {
        Err(EngineError::Payee { code, message }) => {
            assert_eq!(code, "refused");
            assert!(
                message.contains("Bob is not taking tips today"),
                "{message}"
            );
        }
        other => panic!("not refused: {other:?}"),
    }

    // An offer edited on its way back is checked against its metadata too.
    *payee.callback.lock().unwrap() = Callback::Honest;
    let edited = PayeeOffer {
        metadata: "[[\"text/plain\",\"Tips for Eve\"]]".into(),
        ..offer.clone()
    };
    assert_eq!(
        payee_code(alice.send(ask(&edited, 21, "")).await),
        "invoice_mismatch"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn what_is_not_a_payee_is_refused_with_the_reason() {
    let (alice, _) = user(NIP06_WORDS).await;
    for text in [
        "bob@",
        "Bob@example.com",
        "lnurl1notbech32",
        "alice@example.com/../evil",
    ] {
        let answer = alice.send(Command::ReadPayee { payee: text.into() }).await;
        assert_eq!(payee_code(answer), "not_a_payee", "{text}");
    }
    // Nothing listens there: unreachable, said as such.
    let answer = alice
        .send(Command::ReadPayee {
            payee: "bob@127.0.0.1:9".into(),
        })
        .await;
    assert_eq!(payee_code(answer), "unreachable");
}

/// The values of `event`'s tags named `name`.
fn tag_values(event: &Event, name: &str) -> Vec<Vec<String>> {
    event
        .tags
        .iter()
        .map(|tag| tag.as_slice())
        .filter(|tag| tag.first().map(String::as_str) == Some(name))
        .map(|tag| tag[1..].to_vec())
        .collect()
}

#[tokio::test(flavor = "current_thread")]
async fn a_zap_sends_a_request_the_user_signed_and_its_invoice_commits_to_it() {
    let server_key = Keys::generate().public_key().to_hex();
    let (payee, address) = payee_with(Some(server_key.clone())).await;
    let (alice, npub) = user(NIP06_WORDS).await;

    let offer = match alice
        .send(Command::ReadPayee {
            payee: address.clone(),
        })
        .await
    {
        Ok(Reply::Payee { offer }) => offer,
        other => panic!("no offer: {other:?}"),
    };
    assert!(offer.allows_nostr);
    assert_eq!(offer.nostr_pubkey.as_deref(), Some(server_key.as_str()));

    let bob = Keys::generate().public_key();
    let zapped_note = nostr::EventId::all_zeros();
    let zap = |offer: &PayeeOffer, amount: u64| Command::RequestPayeeInvoice {
        offer: offer.clone(),
        amount,
        comment: "great post".into(),
        zap: Some(Zap {
            recipient: bob.to_bech32().expect("an npub"),
            event: Some(zapped_note.to_hex()),
        }),
    };

    // A receipt needs somewhere to go: the user's (read) relays.
    assert_eq!(
        payee_code(alice.send(zap(&offer, 21)).await),
        "zap_without_relays"
    );
    let relay = "wss://relay.example.com";
    alice
        .send(Command::AddRelay {
            url: relay.into(),
            read: true,
            write: true,
        })
        .await
        .expect("a relay");

    match alice.send(zap(&offer, 21)).await {
        Ok(Reply::PayeeInvoice { details, .. }) => assert_eq!(details.amount, Some(21)),
        other => panic!("no invoice: {other:?}"),
    }
    // The server got a zap request as NIP-57's Appendix A writes it, signed
    // by Alice, and no LUD-12 comment beside it.
    let sent = payee.zap_requests.lock().unwrap().last().cloned();
    let request = Event::from_json(sent.expect("a zap request")).expect("an event");
    request.verify().expect("signed");
    assert_eq!(request.kind, Kind::ZapRequest);
    assert_eq!(request.pubkey, PublicKey::parse(&npub).expect("a key"));
    assert_eq!(request.content, "great post");
    assert_eq!(tag_values(&request, "p"), vec![vec![bob.to_hex()]]);
    assert_eq!(tag_values(&request, "e"), vec![vec![zapped_note.to_hex()]]);
    assert_eq!(
        tag_values(&request, "amount"),
        vec![vec!["21000".to_owned()]]
    );
    assert_eq!(tag_values(&request, "relays"), vec![vec![relay.to_owned()]]);
    let lnurl = tag_values(&request, "lnurl");
    assert!(
        lnurl.len() == 1 && lnurl[0][0].starts_with("lnurl1"),
        "{lnurl:?}"
    );
    assert_eq!(
        payee.asked.lock().unwrap().last().cloned(),
        Some((21_000, None))
    );

    // An invoice committing to the metadata, not the zap request: refused.
    *payee.callback.lock().unwrap() = Callback::OtherDescription;
    assert_eq!(
        payee_code(alice.send(zap(&offer, 21)).await),
        "invoice_mismatch"
    );
    *payee.callback.lock().unwrap() = Callback::Honest;

    // Nothing is signed or asked for outside the bounds, nor for a payee
    // whose server takes no zaps, nor for someone who is not a key.
    let asked = payee.zap_requests.lock().unwrap().len();
    assert_eq!(
        payee_code(alice.send(zap(&offer, 5_001)).await),
        "amount_out_of_bounds"
    );
    let no_zaps = PayeeOffer {
        allows_nostr: false,
        nostr_pubkey: None,
        ..offer.clone()
    };
    assert_eq!(
        payee_code(alice.send(zap(&no_zaps, 21)).await),
        "zaps_not_taken"
    );
    let not_a_key = Command::RequestPayeeInvoice {
        offer: offer.clone(),
        amount: 21,
        comment: String::new(),
        zap: Some(Zap {
            recipient: "bob".into(),
            event: None,
        }),
    };
    assert_eq!(payee_code(alice.send(not_a_key).await), "not_a_zap");
    assert_eq!(payee.zap_requests.lock().unwrap().len(), asked);
}

#[tokio::test(flavor = "current_thread")]
async fn a_server_that_takes_zaps_without_a_valid_key_is_paid_without() {
    let (_payee, address) = payee_with(Some("npub-not-a-key".into())).await;
    let (alice, _) = user(NIP06_WORDS).await;
    let offer = match alice.send(Command::ReadPayee { payee: address }).await {
        Ok(Reply::Payee { offer }) => offer,
        other => panic!("no offer: {other:?}"),
    };
    assert!(!offer.allows_nostr);
    assert_eq!(offer.nostr_pubkey, None);
}
