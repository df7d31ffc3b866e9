//! Lightning accounts end to end through the real router, signed by NIP-98,
//! on a dev Lightning network reached through the LND stand-in by the
//! server's production LND client, on SQLite and on PostgreSQL: receiving
//! from outside, paying outside with the unused fee reserve back, paying
//! another user inside the ledger (the node's invoice then cancelled, so
//! no one outside pays it again), payments the payee holds, retries, bad
//! invoices, and invoices paid while no server ran.

use axum::http::{Method, StatusCode};
use bitcoin::hex::DisplayHex;
use flash_dev::lightning::{FailureReason, InvoiceState, InvoiceTerms, PaymentStatus};
use flash_server::{
    accounts::{AccountId, Ledger},
    App, Database,
};
use serde_json::{json, Value};

use crate::support::{
    self,
    lightning::{dev_fee_msat, eventually, Api, Lightning, User},
};

async fn assert_offers_lightning(app: &App, name: &str) {
    let (status, _, body) = support::get(&app.router(), "/api/config").await;
    assert_eq!(status, StatusCode::OK);
    let offered: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(offered["lightning"], true, "{name}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_receives_from_outside_and_pays_outside_with_the_unused_reserve_back() {
    let dist = support::built_dist();
    for (name, url, _dir) in support::database_urls().await {
        let lightning = Lightning::start().await;
        let app = lightning.server(&url, &dist).await;
        let api = Api::InProcess(app.router());
        assert_offers_lightning(&app, name).await;
        let alice = User::new();

        let invoice = alice.invoice(&api, 50_000, "coffee money").await;
        assert_eq!(invoice["state"], "open", "{name}");
        lightning
            .outside
            .pay(invoice["bolt11"].as_str().unwrap(), None, 100_000)
            .unwrap();
        eventually("the invoice is credited", || async {
            alice.balance(&api).await == 50_000
        })
        .await;
        let path = format!("/api/account/invoices/{}", invoice["id"].as_str().unwrap());
        let (_, settled) = alice.call(&api, Method::GET, &path, None).await;
        assert_eq!(
            (settled["state"].as_str(), settled["received_msat"].as_i64()),
            (Some("settled"), Some(50_000)),
            "{name}"
        );

        let rent = lightning
            .outside
            .add_invoice(InvoiceTerms::new(20_000, "rent"))
            .unwrap();
        let (status, quote) = alice
            .call(
                &api,
                Method::POST,
                "/api/account/payments/quote",
                Some(json!({ "bolt11": rent.bolt11 })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {quote}");
        assert_eq!(quote["route"], "lightning", "{name}");
        assert_eq!(quote["amount_msat"], 20_000, "{name}");
        assert_eq!(quote["fee_reserve_msat"], 2_000, "{name}: at least 2 sat");
        assert_eq!(quote["description"], "rent", "{name}");

        // The amount repeated by the payer's app: the node is given the
        // invoice alone, as LND requires.
        let (status, paid) = alice
            .call(
                &api,
                Method::POST,
                "/api/account/payments",
                Some(json!({ "bolt11": rent.bolt11, "amount_msat": 20_000, "idempotency_key": "rent-1" })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {paid}");
        assert_eq!(paid["state"], "succeeded", "{name}");
        assert_eq!(paid["fee_msat"], dev_fee_msat(20_000), "{name}");
        assert_eq!(
            paid["preimage"].as_str(),
            Some(rent.preimage.to_lower_hex_string().as_str()),
            "{name}"
        );
        assert_eq!(
            alice.balance(&api).await,
            50_000 - 20_000 - dev_fee_msat(20_000),
            "{name}: the unused reserve came back"
        );
        // The history: both movements, a page at a time.
        let (status, first) = alice
            .call(&api, Method::GET, "/api/account/history?limit=1", None)
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {first}");
        let next = first["next"].as_str().expect("a second page");
        let (_, second) = alice
            .call(
                &api,
                Method::GET,
                &format!("/api/account/history?limit=1&before={next}"),
                None,
            )
            .await;
        let mut movements: Vec<(String, i64, i64)> = [&first, &second]
            .iter()
            .flat_map(|page| page["movements"].as_array().unwrap().clone())
            .map(|movement| {
                (
                    format!(
                        "{} {}",
                        movement["kind"].as_str().unwrap(),
                        movement["state"].as_str().unwrap()
                    ),
                    movement["amount_msat"].as_i64().unwrap(),
                    movement["fee_msat"].as_i64().unwrap(),
                )
            })
            .collect();
        movements.sort();
        assert_eq!(
            movements,
            [
                ("received settled".to_owned(), 50_000, 0),
                ("sent succeeded".to_owned(), 20_000, dev_fee_msat(20_000)),
            ],
            "{name}"
        );
        assert!(second["next"].is_null(), "{name}: {second}");
        let (status, refused) = alice
            .call(&api, Method::GET, "/api/account/history?limit=1000", None)
            .await;
        assert_eq!(
            (status, refused["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("bad_request")),
            "{name}"
        );

        let ledger = Ledger::open(Database::open(&url).await.unwrap())
            .await
            .unwrap();
        support::assert_balanced(&ledger, name).await;
        assert_eq!(
            ledger.balance(&AccountId::fees()).await.unwrap(),
            dev_fee_msat(20_000),
            "{name}: the fee is the network's"
        );
        app.shutdown();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_users_pay_each_other_inside_the_server_instantly_and_without_fee() {
    let dist = support::built_dist();
    for (name, url, _dir) in support::database_urls().await {
        let lightning = Lightning::start().await;
        let app = lightning.server(&url, &dist).await;
        let api = Api::InProcess(app.router());
        let (alice, bob) = (User::new(), User::new());
        alice.receive_from(&api, &lightning.outside, 30_000).await;

        let invoice = bob.invoice(&api, 12_000, "lunch").await;
        let bolt11 = invoice["bolt11"].as_str().unwrap();
        let (_, quote) = alice
            .call(
                &api,
                Method::POST,
                "/api/account/payments/quote",
                Some(json!({ "bolt11": bolt11 })),
            )
            .await;
        assert_eq!(
            (quote["route"].as_str(), quote["fee_reserve_msat"].as_i64()),
            (Some("internal"), Some(0)),
            "{name}"
        );
        let (status, paid) = alice.pay(&api, bolt11, "lunch").await;
        assert_eq!(status, StatusCode::OK, "{name}: {paid}");
        assert_eq!(
            (paid["state"].as_str(), paid["fee_msat"].as_i64()),
            (Some("succeeded"), Some(0)),
            "{name}"
        );
        assert_eq!(alice.balance(&api).await, 18_000, "{name}");
        assert_eq!(bob.balance(&api).await, 12_000, "{name}");
        let hash: [u8; 32] =
            bitcoin::hex::FromHex::from_hex(invoice["payment_hash"].as_str().unwrap()).unwrap();
        assert!(
            lightning.ours.track_payment(&hash).is_none(),
            "{name}: never through the node"
        );
        // The node's invoice is cancelled: someone outside who pays it too
        // is refused, as any node refuses a cancelled invoice's payer.
        let at_node = lightning.ours.lookup_invoice(&hash).unwrap();
        assert_eq!(
            (at_node.state, at_node.amount_paid_msat),
            (InvoiceState::Canceled, 0),
            "{name}"
        );
        let refused = lightning.outside.pay(bolt11, None, 100_000).unwrap();
        assert_eq!(
            (refused.status, refused.failure_reason),
            (
                PaymentStatus::Failed,
                FailureReason::IncorrectPaymentDetails
            ),
            "{name}"
        );
        // Bob is credited once: a payment after it is credited, and nothing
        // else came with it.
        bob.receive_from(&api, &lightning.outside, 1_000).await;
        assert_eq!(bob.balance(&api).await, 13_000, "{name}");
        let path = format!("/api/account/invoices/{}", invoice["id"].as_str().unwrap());
        let (_, seen) = bob.call(&api, Method::GET, &path, None).await;
        assert_eq!(
            (seen["state"].as_str(), seen["received_msat"].as_i64()),
            (Some("settled"), Some(12_000)),
            "{name}"
        );

        // Paid once: again (another key) is refused, and so is one's own.
        let (status, again) = alice.pay(&api, bolt11, "lunch-again").await;
        assert_eq!(
            (status, again["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invoice_not_payable")),
            "{name}: {again}"
        );
        let own = alice.invoice(&api, 1_000, "mine").await;
        let (status, refused) = alice
            .pay(&api, own["bolt11"].as_str().unwrap(), "self")
            .await;
        assert_eq!(
            (status, refused["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("own_invoice")),
            "{name}"
        );
        assert_eq!(alice.balance(&api).await, 18_000, "{name}");
        app.shutdown();
    }
}

fn bolt11(invoice: &Value) -> &str {
    invoice["bolt11"].as_str().unwrap()
}

fn payment_hash(invoice: &Value) -> [u8; 32] {
    bitcoin::hex::FromHex::from_hex(invoice["payment_hash"].as_str().unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invoice_paid_inside_while_the_node_was_down_is_cancelled_at_the_next_start() {
    let dist = support::built_dist();
    for (name, url, _dir) in support::database_urls().await {
        let lightning = Lightning::start().await;
        let app = lightning.server(&url, &dist).await;
        let api = Api::InProcess(app.router());
        let (alice, bob) = (User::new(), User::new());
        alice.receive_from(&api, &lightning.outside, 30_000).await;
        let paid_outside_too = bob.invoice(&api, 5_000, "paid from outside too").await;
        let left_open = bob.invoice(&api, 7_000, "left open").await;

        // Alice pays both while the server cannot reach its node: paid all
        // the same, but the node's invoices stay open.
        lightning.stand_in.set_down(true);
        for (invoice, key) in [(&paid_outside_too, "first"), (&left_open, "second")] {
            let (status, paid) = alice.pay(&api, bolt11(invoice), key).await;
            assert_eq!(
                (status, paid["state"].as_str()),
                (StatusCode::OK, Some("succeeded")),
                "{name}: {paid}"
            );
        }
        assert_eq!(bob.balance(&api).await, 12_000, "{name}");
        app.shutdown();
        for invoice in [&paid_outside_too, &left_open] {
            let at_node = lightning.ours.lookup_invoice(&payment_hash(invoice));
            assert_eq!(at_node.unwrap().state, InvoiceState::Open, "{name}");
        }
        // While no server runs, someone outside pays the first.
        let paid = lightning
            .outside
            .pay(bolt11(&paid_outside_too), None, 100_000)
            .unwrap();
        assert_eq!(paid.status, PaymentStatus::Succeeded, "{name}");
        lightning.stand_in.set_down(false);

        let app = lightning.server(&url, &dist).await;
        let api = Api::InProcess(app.router());
        eventually("the invoice left open is cancelled at the node", || async {
            lightning
                .ours
                .lookup_invoice(&payment_hash(&left_open))
                .is_some_and(|invoice| invoice.state == InvoiceState::Canceled)
        })
        .await;
        let refused = lightning
            .outside
            .pay(bolt11(&left_open), None, 100_000)
            .unwrap();
        assert_eq!(
            (refused.status, refused.failure_reason),
            (
                PaymentStatus::Failed,
                FailureReason::IncorrectPaymentDetails
            ),
            "{name}"
        );
        // The outside payment that came first is Bob's too: nothing stays
        // with the node.
        eventually("the outside payment is credited", || async {
            bob.balance(&api).await == 17_000
        })
        .await;
        assert_eq!(alice.balance(&api).await, 18_000, "{name}");
        let ledger = Ledger::open(Database::open(&url).await.unwrap())
            .await
            .unwrap();
        support::assert_balanced(&ledger, name).await;
        app.shutdown();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_payment_pays_once_and_bad_requests_say_why_and_move_nothing() {
    let dist = support::built_dist();
    for (name, url, _dir) in support::database_urls().await {
        let lightning = Lightning::start().await;
        let app = lightning.server(&url, &dist).await;
        let api = Api::InProcess(app.router());
        let alice = User::new();
        alice.receive_from(&api, &lightning.outside, 10_000).await;

        let gift = lightning
            .outside
            .add_invoice(InvoiceTerms::new(3_000, "gift"))
            .unwrap();
        let (_, first) = alice.pay(&api, &gift.bolt11, "gift").await;
        // Retried as a QR code carries it: upper-case, behind `lightning:`.
        let scanned = format!("LIGHTNING:{}", gift.bolt11.to_ascii_uppercase());
        let (status, retried) = alice.pay(&api, &scanned, "gift").await;
        assert_eq!(status, StatusCode::OK, "{name}: {retried}");
        assert_eq!(retried["id"], first["id"], "{name}: the same payment");
        let after_gift = 10_000 - 3_000 - dev_fee_msat(3_000);
        assert_eq!(alice.balance(&api).await, after_gift, "{name}");
        let other = lightning
            .outside
            .add_invoice(InvoiceTerms::new(1_000, "other"))
            .unwrap();
        let (status, reused) = alice.pay(&api, &other.bolt11, "gift").await;
        assert_eq!(
            (status, reused["error"].as_str()),
            (StatusCode::CONFLICT, Some("idempotency_key_reused")),
            "{name}"
        );

        let mainnet = flash_dev::fake_invoice(1);
        let any_amount = lightning
            .outside
            .add_invoice(InvoiceTerms::new(0, "tip jar"))
            .unwrap();
        let too_much = lightning
            .outside
            .add_invoice(InvoiceTerms::new(9_000, "too much"))
            .unwrap();
        for (bolt11, status, code) in [
            ("lnbcrt1garbage", StatusCode::BAD_REQUEST, "invoice_invalid"),
            (
                mainnet.as_str(),
                StatusCode::BAD_REQUEST,
                "invoice_wrong_network",
            ),
            (
                any_amount.bolt11.as_str(),
                StatusCode::BAD_REQUEST,
                "amount_required",
            ),
            (
                too_much.bolt11.as_str(),
                StatusCode::CONFLICT,
                "insufficient_balance",
            ),
        ] {
            let (got, refused) = alice.pay(&api, bolt11, &format!("bad-{code}")).await;
            assert_eq!(
                (got, refused["error"].as_str()),
                (status, Some(code)),
                "{name}: {refused}"
            );
            assert!(
                !refused["message"].as_str().unwrap_or_default().is_empty(),
                "{name}"
            );
        }
        let (status, malformed) = alice
            .call(
                &api,
                Method::POST,
                "/api/account/payments",
                Some(json!({ "invoice": "lnbcrt1" })),
            )
            .await;
        assert_eq!(
            (status, malformed["error"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("bad_request")),
            "{name}"
        );
        assert_eq!(
            alice.balance(&api).await,
            after_gift,
            "{name}: nothing moved"
        );
        // An invoice without an amount, for the amount the payer names.
        let (status, tipped) = alice
            .call(
                &api,
                Method::POST,
                "/api/account/payments",
                Some(json!({ "bolt11": any_amount.bolt11, "amount_msat": 1_500, "idempotency_key": "tip" })),
            )
            .await;
        assert_eq!(
            (status, tipped["state"].as_str()),
            (StatusCode::OK, Some("succeeded")),
            "{name}: {tipped}"
        );
        assert_eq!(
            alice.balance(&api).await,
            after_gift - 1_500 - dev_fee_msat(1_500),
            "{name}"
        );
        app.shutdown();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_the_payee_holds_is_pending_until_it_settles_or_fails() {
    let dist = support::built_dist();
    for (name, url, _dir) in support::database_urls().await {
        let lightning = Lightning::start().await;
        let app = lightning.server(&url, &dist).await;
        let api = Api::InProcess(app.router());
        let alice = User::new();
        alice.receive_from(&api, &lightning.outside, 100_000).await;
        lightning.outside.hold_payments(true);

        let held = lightning
            .outside
            .add_invoice(InvoiceTerms::new(40_000, "held"))
            .unwrap();
        let (status, pending) = alice.pay(&api, &held.bolt11, "held").await;
        assert_eq!(
            (status, pending["state"].as_str()),
            (StatusCode::ACCEPTED, Some("pending")),
            "{name}: {pending}"
        );
        let reserve = pending["fee_reserve_msat"].as_i64().unwrap();
        assert_eq!(
            alice.balance(&api).await,
            100_000 - 40_000 - reserve,
            "{name}: held"
        );
        lightning.outside.settle_held().unwrap();
        let path = format!("/api/account/payments/{}", pending["id"].as_str().unwrap());
        eventually("the held payment succeeds", || async {
            alice.call(&api, Method::GET, &path, None).await.1["state"] == "succeeded"
        })
        .await;
        let after_held = 100_000 - 40_000 - dev_fee_msat(40_000);
        assert_eq!(alice.balance(&api).await, after_held, "{name}");

        let fails = lightning
            .outside
            .add_invoice(InvoiceTerms::new(10_000, "fails"))
            .unwrap();
        let (status, pending) = alice.pay(&api, &fails.bolt11, "fails").await;
        assert_eq!(status, StatusCode::ACCEPTED, "{name}: {pending}");
        lightning.outside.fail_held().unwrap();
        let path = format!("/api/account/payments/{}", pending["id"].as_str().unwrap());
        eventually("the held payment fails", || async {
            alice.call(&api, Method::GET, &path, None).await.1["state"] == "failed"
        })
        .await;
        assert_eq!(
            alice.balance(&api).await,
            after_held,
            "{name}: all of it back"
        );
        app.shutdown();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoices_paid_while_no_server_ran_are_credited_once_at_start() {
    let dist = support::built_dist();
    for (name, url, _dir) in support::database_urls().await {
        let lightning = Lightning::start().await;
        let alice = User::new();
        let app = lightning.server(&url, &dist).await;
        alice
            .receive_from(&Api::InProcess(app.router()), &lightning.outside, 1_000)
            .await;
        let first = alice
            .invoice(&Api::InProcess(app.router()), 2_000, "while down")
            .await;
        let second = alice
            .invoice(&Api::InProcess(app.router()), 3_000, "while down too")
            .await;
        app.shutdown();

        for invoice in [&first, &second] {
            lightning
                .outside
                .pay(invoice["bolt11"].as_str().unwrap(), None, 100_000)
                .unwrap();
        }
        let app = lightning.server(&url, &dist).await;
        let api = Api::InProcess(app.router());
        eventually("both invoices are credited", || async {
            alice.balance(&api).await == 6_000
        })
        .await;
        app.shutdown();
        // A third start credits nothing again.
        let app = lightning.server(&url, &dist).await;
        let later = alice
            .invoice(&Api::InProcess(app.router()), 4_000, "later")
            .await;
        lightning
            .outside
            .pay(later["bolt11"].as_str().unwrap(), None, 100_000)
            .unwrap();
        eventually("the later invoice is credited", || async {
            alice.balance(&Api::InProcess(app.router())).await == 10_000
        })
        .await;
        assert_eq!(
            alice.balance(&Api::InProcess(app.router())).await,
            10_000,
            "{name}: each credited once"
        );
        app.shutdown();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_tells_the_app_when_money_arrives_and_when_a_payment_ends() {
    let dist = support::built_dist();
    for (name, url, _dir) in support::database_urls().await {
        let lightning = Lightning::start().await;
        let app = lightning.server(&url, &dist).await;
        let api = Api::InProcess(app.router());
        let alice = User::new();
        let mut events = alice.events(&app.router()).await;
        assert_eq!(events.next().await["balance_msat"], 0, "{name}");

        let invoice = alice.invoice(&api, 9_000, "live").await;
        lightning
            .outside
            .pay(invoice["bolt11"].as_str().unwrap(), None, 100_000)
            .unwrap();
        assert_eq!(events.next().await["balance_msat"], 9_000, "{name}");

        let coffee = lightning
            .outside
            .add_invoice(InvoiceTerms::new(4_000, "coffee"))
            .unwrap();
        alice.pay(&api, &coffee.bolt11, "coffee").await;
        let after = 9_000 - 4_000 - dev_fee_msat(4_000);
        let mut seen = Vec::new();
        while seen.last() != Some(&after) {
            seen.push(events.next().await["balance_msat"].as_i64().unwrap());
            assert!(seen.len() < 4, "{name}: {seen:?}");
        }
        app.shutdown();
    }
}
