//! eCash between engines through a real Cashu mint in process (cdk, served
//! by cdk-axum, on the fake Lightning node that pays its own invoices).
#![cfg(not(target_arch = "wasm32"))]

use crate::support;

use flash_dev::fake_invoice;
use flash_worker::profiles::memory::MemoryProfiles;
use flash_worker::protocol::{Command, EcashKind, EcashState, EngineError, Field, Reply};
use support::ecash::*;
use support::{BOB_WORDS, CAROL_WORDS, NIP06_WORDS};

/// BOLT 11's first example: no amount ("please make a donation"), mainnet.
const DONATION: &str = "lnbc1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6twvus8g6rfwvs8qun0dfjkxaq9qrsgq357wnc5r2ueh7ck6q93dj32dlqnls087fxdwk8qakdyafkq3yap9us6v52vjjsrvywa6rt52cm9r9zqt8r2t7mlcwspyetp5h2tztugp9lfyql";

#[tokio::test(flavor = "current_thread")]
async fn a_pasted_invoice_is_read_before_a_wallet_pays_it() {
    let (alice, _) = user(NIP06_WORDS).await;
    let read = |invoice: String| alice.send(Command::DecodeInvoice { invoice });
    match read(format!("LIGHTNING:{}", fake_invoice(50).to_uppercase())).await {
        Ok(Reply::Invoice { invoice }) => {
            assert_eq!(invoice.amount, Some(50));
            assert_eq!(
                invoice.description.as_deref(),
                Some("Flash dev mint: fake payment")
            );
        }
        other => panic!("not read: {other:?}"),
    }
    match read(DONATION.to_owned()).await {
        Ok(Reply::Invoice { invoice }) => {
            assert_eq!(invoice.amount, None, "the payer chooses");
            assert_eq!(
                invoice.description.as_deref(),
                Some("Please consider supporting this project")
            );
        }
        other => panic!("not read: {other:?}"),
    }
    match read("lnbc-not-an-invoice".to_owned()).await {
        Err(EngineError::Invalid {
            field: Some(Field::Invoice),
            message,
        }) => {
            assert!(message.contains("not a Lightning invoice"), "{message}")
        }
        other => panic!("not refused: {other:?}"),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn mints_by_lightning_then_sends_a_token_another_user_receives() {
    let mint = mint().await;
    let (alice, _) = user(NIP06_WORDS).await;
    let (bob, _) = user(BOB_WORDS).await;

    let added = add_mint(&alice, &mint).await;
    let view = &added.mints[0];
    assert_eq!(view.name.as_deref(), Some(flash_dev::NAME));
    assert!(view.nuts.contains(&4) && view.nuts.contains(&5) && view.nuts.contains(&7));
    assert_eq!(added.default_mint.as_deref(), Some(view.url.as_str()));

    fund(&alice, &mint, 100).await;
    assert_eq!(balance(&alice).await, 100);

    let token = send_token(&alice, &mint, 40, None).await;
    assert!(token.starts_with("cashuB"), "{token}");
    assert_eq!(balance(&alice).await, 60);

    let preview = match bob
        .send(Command::InspectToken {
            token: format!("  cashu:{token}\n").into(),
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
async fn the_history_shows_the_newest_first_and_reads_further_back_on_request() {
    let mint = mint().await;
    let (alice, _) = user(NIP06_WORDS).await;
    add_mint(&alice, &mint).await;
    for amount in [10, 20, 30] {
        fund(&alice, &mint, amount).await;
    }
    send_token(&alice, &mint, 5, None).await;
    let history = |limit| alice.send(Command::History { limit });

    match history(2).await {
        Ok(Reply::History {
            entries,
            more,
            problems,
        }) => {
            assert!(problems.is_empty(), "{problems:?}");
            assert_eq!(entries.len(), 2);
            assert!(more, "older movements exist");
            assert!(entries[0].time >= entries[1].time, "newest first");
        }
        other => panic!("no history: {other:?}"),
    }
    match history(50).await {
        Ok(Reply::History { entries, more, .. }) => {
            let mut amounts: Vec<_> = entries.iter().map(|entry| entry.amount).collect();
            amounts.sort_unstable();
            assert_eq!(amounts, [5, 10, 20, 30]);
            assert!(!more, "everything is shown");
        }
        other => panic!("no history: {other:?}"),
    }
    for limit in [0, flash_worker::protocol::HISTORY_MAX + 1] {
        assert!(
            matches!(history(limit).await, Err(EngineError::Invalid { .. })),
            "{limit}"
        );
    }
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
            amount: None,
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
            token: token.as_str().into(),
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
async fn a_sent_token_nobody_redeemed_is_shown_again_and_taken_back() {
    let mint = mint().await;
    let (alice, _) = user(NIP06_WORDS).await;
    add_mint(&alice, &mint).await;
    fund(&alice, &mint, 50).await;
    let token = send_token(&alice, &mint, 20, None).await;
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

    // Closed before it was passed on, it can be shown again.
    let show = Command::ShowSentToken {
        mint: mint.url().to_string(),
        send: send.clone(),
    };
    match alice.send(show.clone()).await {
        Ok(Reply::Token {
            token: again,
            amount,
            ..
        }) => assert_eq!((again.expose(), amount), (token.as_str(), 20)),
        other => panic!("not shown: {other:?}"),
    }

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
    // Taken back, there is no token to show any more.
    let gone = ecash_message(alice.send(show).await);
    assert!(gone.contains("redeemed or taken back"), "{gone}");
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

    // Input the user can fix names its field, for the app to show the
    // reason beside it.
    let (field, zero) = refused_input(try_send(&alice, &mint, 0, None).await);
    assert_eq!(field, Field::Amount);
    assert!(zero.contains("more than 0"), "{zero}");

    let too_much = try_send(&alice, &mint, 21, None).await;
    assert_eq!(
        too_much,
        Err(EngineError::InsufficientFunds {
            mint: url.clone(),
            available: 20
        })
    );
    assert!(too_much
        .unwrap_err()
        .to_string()
        .contains("20 sat available"));

    let (field, bad_lock) = refused_input(try_send(&alice, &mint, 5, Some("npub1notakey")).await);
    assert_eq!(field, Field::Person);
    assert!(bad_lock.contains("npub1notakey"), "{bad_lock}");

    for garbage in ["", "hello", "cashuBnotbase64!!", "cashuAeyJ0b2tlbiI6W119"] {
        let outcome = alice
            .send(Command::InspectToken {
                token: garbage.into(),
            })
            .await;
        let (field, message) = refused_input(outcome);
        assert_eq!(field, Field::Token, "{garbage:?}");
        assert!(!message.is_empty(), "{garbage:?}");
    }

    let not_a_mint = alice
        .send(Command::AddMint {
            url: format!("{url}/nothing-here"),
        })
        .await;
    assert!(ecash_message(not_a_mint).contains("did not answer as a Cashu mint"));
    let (field, not_an_address) = refused_input(
        alice
            .send(Command::AddMint {
                url: "mint dot example".into(),
            })
            .await,
    );
    assert_eq!(field, Field::Mint);
    assert!(
        not_an_address.contains("not a mint address"),
        "{not_an_address}"
    );

    let not_an_invoice = alice
        .send(Command::QuoteMelt {
            mint: url.clone(),
            invoice: "lnbc-not-an-invoice".into(),
            amount: None,
        })
        .await;
    let (field, not_an_invoice) = refused_input(not_an_invoice);
    assert_eq!(field, Field::Invoice);
    assert!(
        not_an_invoice.contains("not a Lightning invoice"),
        "{not_an_invoice}"
    );

    // An invoice that leaves the amount to the payer needs one.
    let amountless = alice
        .send(Command::QuoteMelt {
            mint: url.clone(),
            invoice: DONATION.into(),
            amount: None,
        })
        .await;
    let (field, amountless) = refused_input(amountless);
    assert_eq!(field, Field::Amount);
    assert!(
        amountless.contains("say how many sat to pay"),
        "{amountless}"
    );

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

#[tokio::test(flavor = "current_thread")]
async fn a_token_with_a_forged_dleq_proof_is_refused() {
    use std::str::FromStr;

    use cdk::nuts::{SecretKey, Token};

    let mint = mint().await;
    let (alice, _) = user(NIP06_WORDS).await;
    let (bob, _) = user(BOB_WORDS).await;
    add_mint(&alice, &mint).await;
    add_mint(&bob, &mint).await;
    fund(&alice, &mint, 20).await;
    let token = send_token(&alice, &mint, 10, None).await;

    let Ok(Token::TokenV4(mut forged)) = Token::from_str(&token) else {
        panic!("not a v4 token: {token}");
    };
    let proof = &mut forged.token[0].proofs[0];
    let dleq = proof
        .dleq
        .as_mut()
        .expect("the mint's DLEQ proof is in the token");
    dleq.e = SecretKey::from_slice(&[3; 32]).expect("a scalar");
    let forged = Token::TokenV4(forged).to_string();

    let refused = ecash_message(receive(&bob, &forged, false).await);
    assert!(refused.contains("DLEQ"), "{refused}");
    assert_eq!(balance(&bob).await, 0);
    // The genuine token is still good.
    assert!(matches!(
        receive(&bob, &token, false).await,
        Ok(Reply::Received { amount: 10, .. })
    ));
}

#[tokio::test(flavor = "current_thread")]
async fn a_mint_that_is_down_or_answers_garbage_gives_a_reason_and_loses_nothing() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mint = MintElsewhere::start();
    let url = mint.url.clone();
    let (alice, _) = user(NIP06_WORDS).await;
    alice
        .send(Command::AddMint { url: url.clone() })
        .await
        .expect("mint added");
    fund_at(&alice, &url, 50).await;

    // Everything the mint ran, open connections included, stops.
    drop(mint);
    let down = alice
        .send(Command::RequestMint {
            mint: url.clone(),
            amount: 10,
        })
        .await;
    assert!(unreachable_message(down).contains("could not be reached"));
    assert_eq!(balance(&alice).await, 50);

    // Something that answers every request with broken JSON.
    let garbage = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listener");
    let address = garbage.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = garbage.accept().await {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request).await;
            let _ = stream
                .write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 9\r\nconnection: close\r\n\r\n{\"nuts\":[",
                )
                .await;
        }
    });
    let not_a_mint = alice
        .send(Command::AddMint {
            url: format!("http://{address}"),
        })
        .await;
    assert!(ecash_message(not_a_mint).contains("did not answer as a Cashu mint"));
    assert_eq!(wallet(&alice).await.mints.len(), 1);
    assert_eq!(balance(&alice).await, 50);
}

#[tokio::test(flavor = "current_thread")]
async fn an_invoice_for_another_network_is_refused_before_paying() {
    let mint = mint().await;
    let (alice, _) = user(NIP06_WORDS).await;
    add_mint(&alice, &mint).await;
    fund(&alice, &mint, 50).await;
    // A well-formed invoice, but for testnet, while the dev mint's
    // Lightning node is on mainnet.
    let testnet = {
        use bitcoin::hashes::{sha256, Hash};
        use cdk::lightning_invoice::{Currency, InvoiceBuilder, PaymentSecret};
        use cdk::secp256k1::{Secp256k1, SecretKey};
        let key = SecretKey::from_slice(&[7; 32]).expect("key");
        InvoiceBuilder::new(Currency::BitcoinTestnet)
            .description("testnet".into())
            .payment_hash(sha256::Hash::from_byte_array([1; 32]))
            .payment_secret(PaymentSecret([2; 32]))
            .amount_milli_satoshis(10_000)
            .current_timestamp()
            .min_final_cltv_expiry_delta(144)
            .build_signed(|hash| Secp256k1::new().sign_ecdsa_recoverable(hash, &key))
            .expect("invoice")
            .to_string()
    };
    let refused = alice
        .send(Command::QuoteMelt {
            mint: mint.url().to_string(),
            invoice: testnet,
            amount: None,
        })
        .await;
    let (field, message) = refused_input(refused);
    assert_eq!(field, Field::Invoice);
    assert!(message.contains("for Bitcoin testnet"), "{message}");
    assert_eq!(balance(&alice).await, 50);
}

#[tokio::test(flavor = "current_thread")]
async fn ecash_keeps_working_across_a_keyset_rotation() {
    let mint = mint().await;
    let (alice, _) = user(NIP06_WORDS).await;
    let (bob, _) = user(BOB_WORDS).await;
    add_mint(&alice, &mint).await;
    fund(&alice, &mint, 50).await;

    mint.rotate_keyset().await.expect("rotated");

    // Old-keyset proofs are spent into new-keyset ones; the wallet learns
    // the new keyset when the mint refuses the old one for new signatures.
    let token = send_token(&alice, &mint, 21, None).await;
    assert!(matches!(
        receive(&bob, &token, true).await,
        Ok(Reply::Received { amount: 21, .. })
    ));
    fund(&alice, &mint, 10).await;
    assert_eq!(balance(&alice).await, 50 - 21 + 10);
}

/// Time is virtual here: the runtime jumps ahead whenever everything waits,
/// so the wallet's patience runs out at once.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_mint_that_never_answers_is_given_up_with_a_reason() {
    // Accepts connections, reads the requests, never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listener");
    let address = silent.local_addr().expect("address");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            held.push(stream);
        }
    });
    let (alice, _) = user(NIP06_WORDS).await;
    let slow = alice
        .send(Command::AddMint {
            url: format!("http://{address}"),
        })
        .await;
    assert!(unreachable_message(slow).contains("did not answer within"));
    assert!(wallet(&alice).await.mints.is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn an_older_cashu_a_token_is_received_too() {
    use std::str::FromStr;

    let mint = mint().await;
    let (alice, _) = user(NIP06_WORDS).await;
    let (bob, _) = user(BOB_WORDS).await;
    add_mint(&alice, &mint).await;
    add_mint(&bob, &mint).await;
    fund(&alice, &mint, 20).await;
    let token = send_token(&alice, &mint, 12, None).await;
    let v3 = cdk::nuts::Token::from_str(&token)
        .expect("a token")
        .to_v3_string();
    assert!(v3.starts_with("cashuA"), "{v3}");
    assert!(matches!(
        receive(&bob, &v3, false).await,
        Ok(Reply::Received { amount: 12, .. })
    ));
}
