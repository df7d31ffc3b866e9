//! The real `server` process killed (SIGKILL) at each step of a payment,
//! and several processes sharing one database: on restart, or in the
//! instance that survives, every payment ends right and every invoice paid
//! meanwhile is credited once, on SQLite and on PostgreSQL.

use axum::http::{Method, StatusCode};
use flash_dev::lightning::InvoiceTerms;
use flash_server::{
    accounts::{AccountId, Ledger},
    Database,
};
use serde_json::Value;

use crate::support::{
    self,
    lightning::{dev_fee_msat, eventually, Api, Lightning, User},
    Server,
};

/// Waits until payment `id` is in `state`.
async fn ends(user: &User, api: &Api, payment: &Value, state: &str) {
    let path = format!("/api/account/payments/{}", payment["id"].as_str().unwrap());
    eventually(&format!("payment {path} is {state}"), || async {
        user.call(api, Method::GET, &path, None).await.1["state"] == state
    })
    .await;
}

async fn assert_ledger_sums_to_zero(url: &str, name: &str) {
    let ledger = Ledger::open(Database::open(url).await.unwrap())
        .await
        .unwrap();
    support::assert_balanced(&ledger, name).await;
    let pending = ledger
        .balance(&AccountId::pending_outgoing())
        .await
        .unwrap();
    assert_eq!(pending, 0, "{name}: nothing is left in flight");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_at_each_step_of_a_payment_ends_each_right_after_restart() {
    let dist = support::built_dist();
    for (name, url, _dir) in support::database_urls().await {
        let lightning = Lightning::start().await;
        let settles_while_down = lightning.network.add_node("settles-while-down").unwrap();
        let fails_after_restart = lightning.network.add_node("fails-after-restart").unwrap();
        settles_while_down.hold_payments(true);
        fails_after_restart.hold_payments(true);
        let (server, url_of_server) = Server::start(dist.path(), &lightning.server_args(&url));
        let api = Api::Process(url_of_server);
        let alice = User::new();
        alice.receive_from(&api, &lightning.outside, 200_000).await;

        // The node took these two; their payees hold them in flight.
        let settled = settles_while_down
            .add_invoice(InvoiceTerms::new(
                30_000,
                "settled while the server is down",
            ))
            .unwrap();
        let (status, paid_while_down) = alice.pay(&api, &settled.bolt11, "while-down").await;
        assert_eq!(status, StatusCode::ACCEPTED, "{name}: {paid_while_down}");
        let failing = fails_after_restart
            .add_invoice(InvoiceTerms::new(20_000, "fails after the restart"))
            .unwrap();
        let (status, fails_later) = alice.pay(&api, &failing.bolt11, "fails-later").await;
        assert_eq!(status, StatusCode::ACCEPTED, "{name}: {fails_later}");
        // This one is written pending, and the node never answers for it.
        lightning.ours.set_unresponsive(true);
        let unanswered = lightning
            .outside
            .add_invoice(InvoiceTerms::new(10_000, "never answered"))
            .unwrap();
        let (status, never_sent) = alice.pay(&api, &unanswered.bolt11, "never-sent").await;
        assert_eq!(status, StatusCode::ACCEPTED, "{name}: {never_sent}");
        // And an invoice to be paid while no server runs.
        let incoming = alice.invoice(&api, 7_000, "paid while down").await;
        let held_msat = 200_000 - 30_000 - 20_000 - 10_000 - 3 * 2_000;
        assert_eq!(
            alice.balance(&api).await,
            held_msat,
            "{name}: amounts and reserves held"
        );

        drop(server); // SIGKILL
        settles_while_down.settle_held().unwrap();
        lightning
            .outside
            .pay(incoming["bolt11"].as_str().unwrap(), None, 100_000)
            .unwrap();
        lightning.ours.set_unresponsive(false);

        let (_server, url_of_server) = Server::start(dist.path(), &lightning.server_args(&url));
        let api = Api::Process(url_of_server);
        fails_after_restart.fail_held().unwrap();
        ends(&alice, &api, &paid_while_down, "succeeded").await;
        ends(&alice, &api, &fails_later, "failed").await;
        ends(&alice, &api, &never_sent, "failed").await;
        let expected = 200_000 + 7_000 - 30_000 - dev_fee_msat(30_000);
        eventually("the invoice paid while down is credited", || async {
            alice.balance(&api).await == expected
        })
        .await;
        assert_ledger_sums_to_zero(&url, name).await;
        // The node paid the unanswered invoice never, and the others once.
        assert!(
            lightning
                .ours
                .track_payment(&unanswered.payment_hash)
                .is_none(),
            "{name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_instance_doing_the_work_dies_another_takes_it_over() {
    let dist = support::built_dist();
    for (name, url, _dir) in support::database_urls().await {
        let lightning = Lightning::start().await;
        let (first, first_url) = Server::start(dist.path(), &lightning.server_args(&url));
        let alice = User::new();
        // Credited by the only instance: it holds the work.
        alice
            .receive_from(&Api::Process(first_url.clone()), &lightning.outside, 5_000)
            .await;
        let (_second, second_url) = Server::start(dist.path(), &lightning.server_args(&url));
        let second = Api::Process(second_url);
        // Any instance answers any request.
        assert_eq!(alice.balance(&second).await, 5_000, "{name}");
        let invoice = alice.invoice(&second, 8_000, "after the takeover").await;

        drop(first); // SIGKILL the instance doing the work
        lightning
            .outside
            .pay(invoice["bolt11"].as_str().unwrap(), None, 100_000)
            .unwrap();
        eventually("the survivor credits the invoice", || async {
            alice.balance(&second).await == 13_000
        })
        .await;
        let rent = lightning
            .outside
            .add_invoice(InvoiceTerms::new(2_000, "rent"))
            .unwrap();
        let (status, paid) = alice.pay(&second, &rent.bolt11, "rent").await;
        assert_eq!(
            (status, paid["state"].as_str()),
            (StatusCode::OK, Some("succeeded")),
            "{name}"
        );
        assert_eq!(
            alice.balance(&second).await,
            13_000 - 2_000 - dev_fee_msat(2_000),
            "{name}"
        );
        assert_ledger_sums_to_zero(&url, name).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_payments_through_two_processes_on_one_postgresql_from_an_account_that_affords_ten(
) {
    let dist = support::built_dist();
    let urls = support::database_urls().await;
    let Some((name, url, _)) = urls.iter().find(|(name, _, _)| *name == "postgres") else {
        return eprintln!("no PostgreSQL: skipped");
    };
    let lightning = Lightning::start().await;
    // The ledger's limits under test, not the rate limits.
    let mut args = lightning.server_args(url);
    args.extend(["--account-rate", "1000/1000", "--address-rate", "1000/1000"].map(str::to_owned));
    let (_first, first_url) = Server::start(dist.path(), &args);
    let (_second, second_url) = Server::start(dist.path(), &args);
    let apis = [Api::Process(first_url), Api::Process(second_url)];
    let (alice, bob) = (User::new(), User::new());
    alice
        .receive_from(&apis[0], &lightning.outside, 10_000)
        .await;
    let mut invoices = Vec::new();
    for i in 0..100 {
        let invoice = bob.invoice(&apis[i % 2], 1_000, "one of a hundred").await;
        invoices.push(invoice["bolt11"].as_str().unwrap().to_owned());
    }

    let payments = invoices.iter().enumerate().map(|(i, bolt11)| {
        let (alice, api) = (&alice, &apis[i % 2]);
        async move { alice.pay(api, bolt11, &format!("pay-{i}")).await }
    });
    let results = futures_util::future::join_all(payments).await;
    let (mut paid, mut refused) = (0, 0);
    for (status, answer) in results {
        match (status, answer["error"].as_str()) {
            (StatusCode::OK, None) if answer["state"] == "succeeded" => paid += 1,
            (StatusCode::CONFLICT, Some("insufficient_balance")) => refused += 1,
            other => panic!("{name}: unexpected {other:?}: {answer}"),
        }
    }
    assert_eq!((paid, refused), (10, 90), "{name}");
    assert_eq!(alice.balance(&apis[1]).await, 0, "{name}");
    assert_eq!(bob.balance(&apis[0]).await, 10_000, "{name}");
    assert_ledger_sums_to_zero(url, name).await;
}
