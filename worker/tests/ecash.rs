//! eCash between engines through a real Cashu mint in process (cdk, served
//! by cdk-axum, on the fake Lightning node that pays its own invoices).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use flash_dev_mint::fake_invoice;
use flash_worker::profiles::memory::MemoryProfiles;
use flash_worker::protocol::{Command, EcashKind, EcashState, EngineError, Reply};
use support::ecash::*;
use support::NIP06_WORDS;

#[tokio::test(flavor = "current_thread")]
async fn mints_by_lightning_then_sends_a_token_another_user_receives() {
    let mint = mint().await;
    let (alice, _) = user(NIP06_WORDS).await;
    let (bob, _) = user(BOB_WORDS).await;

    let added = add_mint(&alice, &mint).await;
    let view = &added.mints[0];
    assert_eq!(view.name.as_deref(), Some(flash_dev_mint::NAME));
    assert!(view.nuts.contains(&4) && view.nuts.contains(&5) && view.nuts.contains(&7));
    assert_eq!(added.default_mint.as_deref(), Some(view.url.as_str()));

    fund(&alice, &mint, 100).await;
    assert_eq!(balance(&alice).await, 100);

    let token = send_token(&alice, &mint, 40, None).await;
    assert!(token.starts_with("cashuB"), "{token}");
    assert_eq!(balance(&alice).await, 60);

    let preview = match bob
        .send(Command::InspectToken {
            token: format!("  cashu:{token}\n"),
        })
        .await
    {
        Ok(Reply::TokenPreview { preview }) => preview,
        other => panic!("not read: {other:?}"),
    };
    assert_eq!(
        (preview.amount, preview.known_mint, preview.locked),
        (40, false, false)
    );

    // An unknown mint is named, and nothing happens until the user trusts it.
    assert_eq!(
        receive(&bob, &token, false).await,
        Err(EngineError::UnknownMint {
            mint: mint.url().to_string()
        })
    );
    assert!(wallet(&bob).await.mints.is_empty());

    assert_eq!(
        receive(&bob, &token, true).await,
        Ok(Reply::Received {
            mint: mint.url().to_string(),
            amount: 40
        })
    );
    assert_eq!(balance(&bob).await, 40);

    // Spent once, refused after.
    let again = ecash_message(receive(&bob, &token, true).await);
    assert!(again.contains("already spent"), "{again}");
    assert_eq!(balance(&bob).await, 40);

    let history = match alice.send(Command::EcashHistory).await {
        Ok(Reply::EcashHistory { entries }) => entries,
        other => panic!("no history: {other:?}"),
    };
    let kinds: Vec<_> = history
        .iter()
        .map(|entry| (entry.kind, entry.amount))
        .collect();
    assert!(kinds.contains(&(EcashKind::Mint, 100)), "{kinds:?}");
    assert!(kinds.contains(&(EcashKind::Send, 40)), "{kinds:?}");
}

#[tokio::test(flavor = "current_thread")]
async fn pays_an_invoice_showing_the_fee_reserve_and_getting_change_back() {
    let mint = mint().await;
    let (alice, _) = user(NIP06_WORDS).await;
    add_mint(&alice, &mint).await;
    fund(&alice, &mint, 100).await;

    let quote = match alice
        .send(Command::QuoteMelt {
            mint: mint.url().to_string(),
            invoice: format!("lightning:{}", fake_invoice(50)),
        })
        .await
    {
        Ok(Reply::MeltQuote { quote }) => quote,
        other => panic!("no quote: {other:?}"),
    };
    assert_eq!(quote.amount, 50);
    assert!(quote.fee_reserve > 0);

    let paid = alice
        .send(Command::Melt {
            mint: mint.url().to_string(),
            quote: quote.id,
        })
        .await;
    let Ok(Reply::Melted { amount, fee }) = paid else {
        panic!("not paid: {paid:?}");
    };
    assert_eq!(amount, 50);
    assert!(fee <= quote.fee_reserve);
    // Only the fee actually paid is gone: the rest of the reserve came back.
    assert_eq!(balance(&alice).await, 100 - 50 - fee);
}

#[tokio::test(flavor = "current_thread")]
async fn a_token_locked_to_an_npub_is_received_only_by_that_npub() {
    let mint = mint().await;
    let (alice, _) = user(NIP06_WORDS).await;
    let (bob, bob_npub) = user(BOB_WORDS).await;
    let (carol, _) = user(CAROL_WORDS).await;
    add_mint(&alice, &mint).await;
    fund(&alice, &mint, 50).await;

    let token = send_token(&alice, &mint, 30, Some(&bob_npub)).await;
    let preview = match carol
        .send(Command::InspectToken {
            token: token.clone(),
        })
        .await
    {
        Ok(Reply::TokenPreview { preview }) => preview,
        other => panic!("not read: {other:?}"),
    };
    assert!(preview.locked);

    let refused = ecash_message(receive(&carol, &token, true).await);
    assert!(!refused.is_empty());
    assert_eq!(balance(&carol).await, 0);

    assert_eq!(
        receive(&bob, &token, true).await,
        Ok(Reply::Received {
            mint: mint.url().to_string(),
            amount: 30
        })
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_sent_token_nobody_redeemed_is_taken_back() {
    let mint = mint().await;
    let (alice, _) = user(NIP06_WORDS).await;
    add_mint(&alice, &mint).await;
    fund(&alice, &mint, 50).await;
    send_token(&alice, &mint, 20, None).await;
    assert_eq!(balance(&alice).await, 30);

    let history = match alice.send(Command::EcashHistory).await {
        Ok(Reply::EcashHistory { entries }) => entries,
        other => panic!("no history: {other:?}"),
    };
    let sent = history
        .iter()
        .find(|entry| entry.kind == EcashKind::Send)
        .expect("the send is in the history");
    assert_eq!(sent.state, EcashState::Pending);
    let send = sent
        .reclaim
        .clone()
        .expect("a pending send can be taken back");

    let reclaimed = alice
        .send(Command::ReclaimToken {
            mint: mint.url().to_string(),
            send,
        })
        .await;
    assert!(
        matches!(reclaimed, Ok(Reply::Ecash { .. })),
        "{reclaimed:?}"
    );
    assert_eq!(balance(&alice).await, 50);
}

#[tokio::test(flavor = "current_thread")]
async fn the_seeds_ecash_is_found_again_in_another_browser() {
    let mint = mint().await;
    let (alice, _) = user(NIP06_WORDS).await;
    add_mint(&alice, &mint).await;
    fund(&alice, &mint, 64).await;
    send_token(&alice, &mint, 10, None).await;

    // Adding the mint finds what the seed holds there, the unredeemed 10
    // sat token included (the seed made it too)...
    let (elsewhere, _) = user(NIP06_WORDS).await;
    assert_eq!(add_mint(&elsewhere, &mint).await.total, 64);
    // ...and a restore later finds nothing twice.
    assert_eq!(
        elsewhere.send(Command::RestoreEcash).await,
        Ok(Reply::Restored { amount: 0 })
    );
    assert_eq!(balance(&elsewhere).await, 64);
    // Its secrets are not reused: minting more works.
    fund(&elsewhere, &mint, 5).await;
    assert_eq!(balance(&elsewhere).await, 69);
}

#[tokio::test(flavor = "current_thread")]
async fn bad_input_gets_a_reason_and_changes_nothing() {
    let mint = mint().await;
    let (alice, _) = user(NIP06_WORDS).await;
    add_mint(&alice, &mint).await;
    fund(&alice, &mint, 20).await;
    let url = mint.url().to_string();

    let zero = alice
        .send(Command::SendToken {
            mint: url.clone(),
            amount: 0,
            lock_to: None,
        })
        .await;
    assert!(ecash_message(zero).contains("more than 0"));

    let too_much = alice
        .send(Command::SendToken {
            mint: url.clone(),
            amount: 21,
            lock_to: None,
        })
        .await;
    assert!(ecash_message(too_much).contains("20 sat available"));

    let bad_lock = alice
        .send(Command::SendToken {
            mint: url.clone(),
            amount: 5,
            lock_to: Some("npub1notakey".into()),
        })
        .await;
    assert!(ecash_message(bad_lock).contains("npub1notakey"));

    for garbage in ["", "hello", "cashuBnotbase64!!", "cashuAeyJ0b2tlbiI6W119"] {
        let outcome = alice
            .send(Command::InspectToken {
                token: garbage.into(),
            })
            .await;
        assert!(!ecash_message(outcome).is_empty(), "{garbage:?}");
    }

    let not_a_mint = alice
        .send(Command::AddMint {
            url: format!("{url}/nothing-here"),
        })
        .await;
    assert!(ecash_message(not_a_mint).contains("did not answer as a Cashu mint"));

    let not_an_invoice = alice
        .send(Command::QuoteMelt {
            mint: url.clone(),
            invoice: "lnbc-not-an-invoice".into(),
        })
        .await;
    assert!(ecash_message(not_an_invoice).contains("not a Lightning invoice"));

    let has_money = alice.send(Command::RemoveMint { url: url.clone() }).await;
    assert!(ecash_message(has_money).contains("20 sat"));

    assert_eq!(balance(&alice).await, 20);
    assert_eq!(wallet(&alice).await.mints.len(), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn ecash_is_closed_while_locked_and_kept_across_a_restart() {
    let mint = mint().await;
    let browser = MemoryProfiles::new();
    let (alice, _) = user_in(&browser, NIP06_WORDS).await;
    add_mint(&alice, &mint).await;
    fund(&alice, &mint, 30).await;

    alice.identity(Command::Lock).await;
    assert_eq!(
        alice.send(Command::GetEcash).await,
        Err(EngineError::Locked)
    );
    drop(alice);

    let (again, _) = user_in(&browser, NIP06_WORDS).await;
    assert_eq!(balance(&again).await, 30);
}
