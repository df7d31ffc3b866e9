//! Money safety: every eCash operation interrupted after each of its writes
//! to the store (as a closed tab or a crash would leave it), then the engine
//! started again. The balance must come out right: no proof lost, none
//! counted twice.
#![cfg(not(target_arch = "wasm32"))]

use crate::support;

use flash_dev::{fake_invoice, RunningMint};
use flash_worker::profiles::memory::MemoryProfiles;
use flash_worker::protocol::{Command, Reply};
use support::ecash::*;
use support::{TestEngine, BOB_WORDS, NIP06_WORDS, PROFILE};

/// Alice, in a browser of her own, with `funded` sat at a fresh mint.
struct World {
    mint: RunningMint,
    browser: MemoryProfiles,
    alice: TestEngine,
}

async fn world(funded: u64) -> World {
    world_of(NIP06_WORDS, funded).await
}

/// Like [`world`], for the user of `words`.
async fn world_of(words: &str, funded: u64) -> World {
    let mint = mint().await;
    let browser = MemoryProfiles::new();
    let (alice, _) = user_in(&browser, words).await;
    add_mint(&alice, &mint).await;
    if funded > 0 {
        fund(&alice, &mint, funded).await;
    }
    World {
        mint,
        browser,
        alice,
    }
}

/// Lets the store take only `writes` more writes, as if the tab closed
/// right after them.
fn cut_after(world: &World, writes: usize) {
    world
        .browser
        .cashu_records(PROFILE)
        .fail_after_writes(writes);
}

/// Starts Alice's engine again, the store whole again; the wallet recovers
/// on its first eCash command.
async fn restart(world: World) -> World {
    world.browser.cashu_records(PROFILE).heal();
    let World {
        mint,
        browser,
        alice,
    } = world;
    drop(alice);
    let (alice, _) = user_in(&browser, NIP06_WORDS).await;
    World {
        mint,
        browser,
        alice,
    }
}

/// Total and pending sat after a restart, once the mints were asked.
async fn settled(alice: &TestEngine) -> (u64, u64) {
    let checked = alice.send(Command::CheckProofs).await;
    assert!(matches!(checked, Ok(Reply::Ecash { .. })), "{checked:?}");
    let wallet = wallet(alice).await;
    assert!(wallet.problems.is_empty(), "{:?}", wallet.problems);
    (wallet.total, wallet.pending)
}

#[tokio::test(flavor = "current_thread")]
async fn minting_interrupted_at_any_step_ends_with_the_paid_amount() {
    for writes in 0.. {
        let world = world(0).await;
        let url = world.mint.url().to_string();
        let quote = match world
            .alice
            .send(Command::RequestMint {
                mint: url.clone(),
                amount: 100,
            })
            .await
        {
            Ok(Reply::MintQuote { quote }) => quote,
            other => panic!("no quote: {other:?}"),
        };
        cut_after(&world, writes);
        let cut = world
            .alice
            .send(Command::AwaitMint {
                mint: url,
                quote: quote.id,
            })
            .await
            .is_err();
        let world = restart(world).await;
        // The invoice was paid: the restarted wallet mints or recovers it.
        assert_eq!(
            settled(&world.alice).await,
            (100, 0),
            "after {writes} writes"
        );
        if !cut {
            break;
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn sending_interrupted_at_any_step_loses_nothing() {
    for writes in 0.. {
        let world = world(100).await;
        cut_after(&world, writes);
        let cut = try_send(&world.alice, &world.mint, 40, None).await.is_err();
        let world = restart(world).await;
        // A token the user never saw is taken back; one they got stays
        // pending until redeemed (or taken back by them).
        let expected = if cut { (100, 0) } else { (60, 40) };
        assert_eq!(
            settled(&world.alice).await,
            expected,
            "after {writes} writes"
        );
        if !cut {
            break;
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn receiving_interrupted_at_any_step_ends_with_the_token_received_once() {
    for writes in 0.. {
        let sender = world_of(BOB_WORDS, 50).await;
        let token = send_token(&sender.alice, &sender.mint, 40, None).await;
        // Bob sends; Alice, in a browser of her own, receives.
        let browser = MemoryProfiles::new();
        let (receiver, _) = user_in(&browser, NIP06_WORDS).await;
        add_mint(&receiver, &sender.mint).await;
        let world = World {
            mint: sender.mint,
            browser,
            alice: receiver,
        };
        cut_after(&world, writes);
        let cut = receive(&world.alice, &token, false).await.is_err();
        let world = restart(world).await;
        let (total, _) = settled(&world.alice).await;
        let total = if total == 0 {
            // Cut before the mint swapped it: the token is still good.
            assert!(matches!(
                receive(&world.alice, &token, false).await,
                Ok(Reply::Received { amount: 40, .. })
            ));
            balance(&world.alice).await
        } else {
            total
        };
        assert_eq!(total, 40, "after {writes} writes");
        if !cut {
            break;
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn paying_interrupted_at_any_step_is_paid_once_or_not_at_all() {
    for writes in 0.. {
        let world = world(100).await;
        let quote = match world
            .alice
            .send(Command::QuoteMelt {
                mint: world.mint.url().to_string(),
                invoice: fake_invoice(50),
                amount: None,
            })
            .await
        {
            Ok(Reply::MeltQuote { quote }) => quote,
            other => panic!("no quote: {other:?}"),
        };
        cut_after(&world, writes);
        let cut = world
            .alice
            .send(Command::Melt {
                mint: world.mint.url().to_string(),
                quote: quote.id,
            })
            .await
            .is_err();
        let world = restart(world).await;
        let (total, pending) = settled(&world.alice).await;
        let left = total + pending;
        assert!(
            left == 100 || (100 - 50 - quote.fee_reserve..=100 - 50).contains(&left),
            "{left} sat left after {writes} writes"
        );
        if !cut {
            break;
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn restoring_interrupted_at_any_step_finds_everything_once() {
    for writes in 0.. {
        let funded = world(64).await;
        let browser = MemoryProfiles::new();
        let (elsewhere, _) = user_in(&browser, NIP06_WORDS).await;
        // The wallets open (and recover) before the cut.
        wallet(&elsewhere).await;
        let world = World {
            mint: funded.mint,
            browser,
            alice: elsewhere,
        };
        // Adding a mint the seed used restores what it holds there.
        cut_after(&world, writes);
        let cut = world
            .alice
            .send(Command::AddMint {
                url: world.mint.url().to_string(),
            })
            .await
            .is_err();
        let world = restart(world).await;
        add_mint(&world.alice, &world.mint).await;
        let again = world.alice.send(Command::RestoreEcash).await;
        assert!(matches!(again, Ok(Reply::Restored { .. })), "{again:?}");
        assert_eq!(
            settled(&world.alice).await,
            (64, 0),
            "after {writes} writes"
        );
        if !cut {
            break;
        }
    }
}
