//! The server's LND client against the LND stand-in of a dev node, on the
//! dev Lightning network: invoices it creates are paid by another node (or
//! refused to it once cancelled), payments it sends arrive, and a node it
//! should not trust is refused.

use std::{str::FromStr, time::Duration};

use bitcoin::hashes::{sha256, Hash};
use flash_dev::lightning::{InvoiceTerms, LndStandIn, Network, Node};
use flash_server::lightning::{
    Description, Invoice, InvoiceState, InvoiceUpdates, Lightning, LightningError, Lnd, LndConfig,
    NewInvoice, PaymentHash, PaymentStatus, PaymentUpdates, SendPayment,
};
use futures_util::StreamExt;
use lightning_invoice::{Bolt11Invoice, Bolt11InvoiceDescriptionRef};

/// How long a stream may take to deliver its next update.
const WAIT: Duration = Duration::from_secs(20);
/// What a dev payment of `amount_msat` costs in routing: 1 sat plus 0.1 %.
fn dev_fee_msat(amount_msat: u64) -> u64 {
    1_000 + amount_msat / 1_000
}

/// The server's node (`ours`, reached by LND's REST API) and a node outside.
struct Nodes {
    ours: Lnd,
    ours_node: Node,
    outside: Node,
    _stand_in: LndStandIn,
}

async fn nodes() -> Nodes {
    let network = Network::new();
    let ours_node = network.add_node("server").unwrap();
    let outside = network.add_node("outside").unwrap();
    let stand_in = LndStandIn::spawn(ours_node.clone()).await.unwrap();
    Nodes {
        ours: lnd(
            &stand_in,
            stand_in.macaroon_hex(),
            stand_in.certificate_pem().into_bytes(),
        ),
        ours_node,
        outside,
        _stand_in: stand_in,
    }
}

fn lnd(stand_in: &LndStandIn, macaroon_hex: &str, certificate: Vec<u8>) -> Lnd {
    use bitcoin::hex::FromHex;
    Lnd::new(LndConfig {
        url: stand_in.url().to_owned(),
        macaroon: Vec::from_hex(macaroon_hex).unwrap(),
        certificate,
    })
    .unwrap()
}

fn memo(text: &str, amount_msat: u64) -> NewInvoice {
    NewInvoice {
        amount_msat,
        description: Description::Memo(text.to_owned()),
        expiry_secs: 600,
        preimage: random_preimage(),
    }
}

fn random_preimage() -> [u8; 32] {
    let mut preimage = [0; 32];
    getrandom::fill(&mut preimage).unwrap();
    preimage
}

async fn next_invoice(updates: &mut InvoiceUpdates) -> Invoice {
    tokio::time::timeout(WAIT, updates.next())
        .await
        .expect("an invoice update in time")
        .expect("the subscription is open")
        .expect("a readable update")
}

/// The update of `updates` that ends the payment (or the first in flight,
/// with `until_final` false).
async fn payment_update(updates: &mut PaymentUpdates, until_final: bool) -> PaymentStatus {
    loop {
        let payment = tokio::time::timeout(WAIT, updates.next())
            .await
            .expect("a payment update in time")
            .expect("the stream is open")
            .expect("a readable update");
        if !until_final || payment.status != PaymentStatus::InFlight {
            return payment.status;
        }
    }
}

#[tokio::test]
async fn an_invoice_of_ours_paid_from_outside_is_seen_settled() {
    let nodes = nodes().await;
    let info = nodes.ours.node_info().await.unwrap();
    assert_eq!(info.pubkey, nodes.ours_node.pubkey().to_string());
    assert_eq!(info.network, "regtest");

    let mut updates = nodes.ours.subscribe_invoices(0).await.unwrap();
    let terms = memo("coffee", 21_000);
    let added = nodes.ours.add_invoice(terms.clone()).await.unwrap();
    assert_eq!(
        added.payment_hash.0,
        sha256::Hash::hash(&terms.preimage).to_byte_array(),
        "the invoice is for the preimage the server chose"
    );
    let decoded = Bolt11Invoice::from_str(&added.bolt11).unwrap();
    assert_eq!(decoded.amount_milli_satoshis(), Some(21_000));
    assert_eq!(decoded.recover_payee_pub_key(), nodes.ours_node.pubkey());
    assert_eq!(decoded.payment_hash().to_byte_array(), added.payment_hash.0);
    assert!(matches!(
        decoded.description(),
        Bolt11InvoiceDescriptionRef::Direct(text) if text.to_string() == "coffee"
    ));
    let open = nodes
        .ours
        .lookup_invoice(added.payment_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((open.state, open.amount_paid_msat), (InvoiceState::Open, 0));
    assert_eq!(next_invoice(&mut updates).await.state, InvoiceState::Open);

    nodes.outside.pay(&added.bolt11, None, 10_000).unwrap();
    let settled = next_invoice(&mut updates).await;
    assert_eq!(settled.payment_hash, added.payment_hash);
    assert_eq!(
        (
            settled.state,
            settled.amount_paid_msat,
            settled.settle_index
        ),
        (InvoiceState::Settled, 21_000, 1)
    );
    let looked_up = nodes
        .ours
        .lookup_invoice(added.payment_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(looked_up.state, InvoiceState::Settled);
    let unknown = PaymentHash([7; 32]);
    assert!(nodes.ours.lookup_invoice(unknown).await.unwrap().is_none());
}

#[tokio::test]
async fn a_subscription_resumes_after_the_last_settled_invoice_it_saw() {
    let nodes = nodes().await;
    let mut paid = Vec::new();
    for amount_msat in [1_000, 2_000, 3_000] {
        let added = nodes
            .ours
            .add_invoice(memo("tip", amount_msat))
            .await
            .unwrap();
        nodes.outside.pay(&added.bolt11, None, 10_000).unwrap();
        paid.push(added.payment_hash);
    }
    let mut updates = nodes.ours.subscribe_invoices(1).await.unwrap();
    let second = next_invoice(&mut updates).await;
    let third = next_invoice(&mut updates).await;
    assert_eq!((second.payment_hash, second.settle_index), (paid[1], 2));
    assert_eq!((third.payment_hash, third.settle_index), (paid[2], 3));
}

#[tokio::test]
async fn an_invoice_for_a_description_hash_commits_to_that_hash() {
    let nodes = nodes().await;
    let metadata = r#"[["text/plain","Pay alice"]]"#;
    let hash = sha256::Hash::hash(metadata.as_bytes()).to_byte_array();
    let added = nodes
        .ours
        .add_invoice(NewInvoice {
            amount_msat: 5_000,
            description: Description::Hash(hash),
            expiry_secs: 600,
            preimage: random_preimage(),
        })
        .await
        .unwrap();
    let decoded = Bolt11Invoice::from_str(&added.bolt11).unwrap();
    assert!(matches!(
        decoded.description(),
        Bolt11InvoiceDescriptionRef::Hash(committed) if committed.0.to_byte_array() == hash
    ));
}

#[tokio::test]
async fn a_payment_we_send_arrives_with_its_preimage_and_fee() {
    let nodes = nodes().await;
    let outside = nodes
        .outside
        .add_invoice(InvoiceTerms::new(40_000, "rent"))
        .unwrap();
    let send = SendPayment {
        bolt11: outside.bolt11.clone(),
        amount_msat: None,
        fee_limit_msat: 2_000,
        timeout_secs: 60,
    };
    let mut updates = nodes.ours.send_payment(send.clone()).await.unwrap();
    let PaymentStatus::Succeeded { preimage, fee_msat } = payment_update(&mut updates, true).await
    else {
        panic!("the payment should succeed");
    };
    assert_eq!(fee_msat, dev_fee_msat(40_000));
    use bitcoin::hex::FromHex;
    let preimage = <[u8; 32]>::from_hex(&preimage).unwrap();
    assert_eq!(
        sha256::Hash::hash(&preimage).to_byte_array(),
        outside.payment_hash
    );

    // LND takes the invoice's amount alone: a second amount is refused.
    let doubled = nodes
        .outside
        .add_invoice(InvoiceTerms::new(5_000, "doubled"))
        .unwrap();
    let refused = nodes
        .ours
        .send_payment(SendPayment {
            bolt11: doubled.bolt11,
            amount_msat: Some(5_000),
            ..send.clone()
        })
        .await
        .err()
        .expect("refused");
    assert!(
        matches!(refused, LightningError::Refused { code: 3, .. }),
        "{refused:?}"
    );

    // Paid once: a second attempt is refused, not paid again.
    let again = nodes.ours.send_payment(send).await.err().expect("refused");
    assert!(
        matches!(again, LightningError::Refused { code: 6, .. }),
        "{again:?}"
    );
    // And the node still reports the payment it made.
    let mut tracked = nodes
        .ours
        .track_payment(PaymentHash(outside.payment_hash))
        .await
        .unwrap()
        .expect("a payment the node made");
    assert!(matches!(
        payment_update(&mut tracked, true).await,
        PaymentStatus::Succeeded { .. }
    ));
}

#[tokio::test]
async fn a_payment_the_payee_holds_stays_in_flight_until_it_settles_or_fails() {
    let nodes = nodes().await;
    nodes.outside.hold_payments(true);
    let settles = nodes
        .outside
        .add_invoice(InvoiceTerms::new(10_000, "held"))
        .unwrap();
    let fails = nodes
        .outside
        .add_invoice(InvoiceTerms::new(20_000, "held too"))
        .unwrap();
    let send = |bolt11: &str| SendPayment {
        bolt11: bolt11.to_owned(),
        amount_msat: None,
        fee_limit_msat: 5_000,
        timeout_secs: 60,
    };

    let mut first = nodes
        .ours
        .send_payment(send(&settles.bolt11))
        .await
        .unwrap();
    assert_eq!(
        payment_update(&mut first, false).await,
        PaymentStatus::InFlight
    );
    let mut tracked = nodes
        .ours
        .track_payment(PaymentHash(settles.payment_hash))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        payment_update(&mut tracked, false).await,
        PaymentStatus::InFlight
    );
    assert_eq!(nodes.outside.settle_held().unwrap(), 1);
    assert!(matches!(
        payment_update(&mut first, true).await,
        PaymentStatus::Succeeded { .. }
    ));
    assert!(matches!(
        payment_update(&mut tracked, true).await,
        PaymentStatus::Succeeded { .. }
    ));

    let mut second = nodes.ours.send_payment(send(&fails.bolt11)).await.unwrap();
    assert_eq!(
        payment_update(&mut second, false).await,
        PaymentStatus::InFlight
    );
    assert_eq!(nodes.outside.fail_held().unwrap(), 1);
    assert!(matches!(
        payment_update(&mut second, true).await,
        PaymentStatus::Failed { .. }
    ));
}

#[tokio::test]
async fn an_invoice_we_cancel_is_refused_to_its_payers_and_a_settled_one_stays_settled() {
    use flash_dev::lightning::{FailureReason, PaymentStatus as Sent};
    let nodes = nodes().await;
    let cancelled = nodes
        .ours
        .add_invoice(memo("cancelled", 3_000))
        .await
        .unwrap();
    // Twice: the second changes nothing and is no error.
    for _ in 0..2 {
        nodes
            .ours
            .cancel_invoice(cancelled.payment_hash)
            .await
            .unwrap();
    }
    let looked_up = nodes
        .ours
        .lookup_invoice(cancelled.payment_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(looked_up.state, InvoiceState::Canceled);
    let refused = nodes.outside.pay(&cancelled.bolt11, None, 10_000).unwrap();
    assert_eq!(
        (refused.status, refused.failure_reason),
        (Sent::Failed, FailureReason::IncorrectPaymentDetails)
    );

    // A payment our node holds for an invoice it cancels fails back.
    nodes.ours_node.hold_payments(true);
    let held = nodes.ours.add_invoice(memo("held", 2_000)).await.unwrap();
    let payment = nodes.outside.pay(&held.bolt11, None, 10_000).unwrap();
    assert_eq!(payment.status, Sent::InFlight);
    nodes.ours.cancel_invoice(held.payment_hash).await.unwrap();
    let failed = nodes.outside.track_payment(&held.payment_hash.0).unwrap();
    assert_eq!(
        (failed.status, failed.failure_reason),
        (Sent::Failed, FailureReason::IncorrectPaymentDetails)
    );
    nodes.ours_node.hold_payments(false);

    let paid = nodes.ours.add_invoice(memo("paid", 1_000)).await.unwrap();
    let payment = nodes.outside.pay(&paid.bolt11, None, 10_000).unwrap();
    assert_eq!(payment.status, Sent::Succeeded);
    let err = nodes
        .ours
        .cancel_invoice(paid.payment_hash)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, LightningError::Refused { message, .. } if message == "invoice already settled"),
        "{err:?}"
    );
    let still = nodes
        .ours
        .lookup_invoice(paid.payment_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (still.state, still.amount_paid_msat),
        (InvoiceState::Settled, 1_000)
    );
    assert!(nodes
        .ours
        .cancel_invoice(PaymentHash([7; 32]))
        .await
        .is_err());
}

#[tokio::test]
async fn a_payment_the_node_never_started_is_not_tracked_and_an_unroutable_one_fails() {
    let nodes = nodes().await;
    assert!(nodes
        .ours
        .track_payment(PaymentHash([9; 32]))
        .await
        .unwrap()
        .is_none());
    // An invoice of a node that is not on the network: no route.
    let nowhere = Network::new().add_node("elsewhere").unwrap();
    let stranger = nowhere
        .add_invoice(InvoiceTerms::new(1_000, "lost"))
        .unwrap();
    let mut updates = nodes
        .ours
        .send_payment(SendPayment {
            bolt11: stranger.bolt11,
            amount_msat: None,
            fee_limit_msat: 5_000,
            timeout_secs: 60,
        })
        .await
        .unwrap();
    assert!(matches!(
        payment_update(&mut updates, true).await,
        PaymentStatus::Failed { .. }
    ));
}

#[tokio::test]
async fn a_node_with_another_macaroon_or_certificate_is_refused() {
    let nodes = nodes().await;
    let stand_in = &nodes._stand_in;
    let wrong_macaroon = lnd(
        stand_in,
        &"ab".repeat(32),
        stand_in.certificate_pem().into_bytes(),
    );
    let refused = wrong_macaroon.node_info().await.unwrap_err();
    assert!(
        matches!(refused, LightningError::Refused { code: 16, .. }),
        "{refused:?}"
    );

    // Someone else answering at LND's address: its certificate is not the
    // one pinned, so nothing (the macaroon included) is sent to it.
    let impostor = LndStandIn::spawn(Network::new().add_node("impostor").unwrap())
        .await
        .unwrap();
    let pinned_elsewhere = lnd(
        stand_in,
        stand_in.macaroon_hex(),
        impostor.certificate_der().to_vec(),
    );
    let unreachable = pinned_elsewhere.node_info().await.unwrap_err();
    assert!(
        matches!(unreachable, LightningError::Unreachable(_)),
        "{unreachable:?}"
    );
}

#[test]
fn an_unusable_lnd_configuration_is_refused_with_its_reason() {
    let plain_http = Lnd::new(LndConfig {
        url: "http://127.0.0.1:8080".to_owned(),
        macaroon: vec![1, 2, 3],
        certificate: b"-----BEGIN CERTIFICATE-----\n".to_vec(),
    });
    assert!(
        matches!(plain_http, Err(LightningError::Config(reason)) if reason.contains("https://"))
    );
    let no_certificate = Lnd::new(LndConfig {
        url: "https://127.0.0.1:8080".to_owned(),
        macaroon: vec![1, 2, 3],
        certificate: Vec::new(),
    });
    assert!(matches!(no_certificate, Err(LightningError::Config(_))));
}
