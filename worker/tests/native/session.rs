//! The unlocked session ends whole: a lock, or another tab taking the
//! profile over, cuts short every eCash operation still running, and the
//! next session finishes it from what was written, once.

use crate::support;

use flash_worker::profiles::memory::MemoryProfiles;
use flash_worker::protocol::{Command, EngineError, Identity, MintQuote, Reply};
use futures::future::{self, Either, LocalBoxFuture};
use futures::StreamExt;
use support::ecash::*;
use support::gate::GatedMint;
use support::{started_engine_in, TestEngine, BOB_WORDS, NIP06_WORDS, PASSPHRASE, PROFILE};

/// Where a wallet asks whether a mint quote's invoice was paid.
const QUOTE_STATE: &str = "/v1/mint/quote/bolt11/";
/// Where a wallet swaps proofs (a send that needs change).
const SWAP: &str = "/v1/swap";

async fn trust(user: &TestEngine, mint: &GatedMint) {
    let added = user
        .send(Command::AddMint {
            url: mint.url.clone(),
        })
        .await;
    assert!(matches!(added, Ok(Reply::Ecash { .. })), "{added:?}");
}

async fn quote(user: &TestEngine, mint: &GatedMint, amount: u64) -> MintQuote {
    match user
        .send(Command::RequestMint {
            mint: mint.url.clone(),
            amount,
        })
        .await
    {
        Ok(Reply::MintQuote { quote }) => quote,
        other => panic!("no quote: {other:?}"),
    }
}

fn await_mint(mint: &GatedMint, quote: &MintQuote) -> Command {
    Command::AwaitMint {
        mint: mint.url.clone(),
        quote: quote.id.clone(),
    }
}

async fn lock(user: &TestEngine) {
    let locked = user.identity(Command::Lock).await;
    assert!(matches!(locked, Identity::Locked { .. }), "{locked:?}");
}

async fn unlock(user: &TestEngine) {
    let unlocked = user
        .identity(Command::Unlock {
            passphrase: PASSPHRASE.into(),
        })
        .await;
    assert!(
        matches!(unlocked, Identity::Unlocked { .. }),
        "{unlocked:?}"
    );
}

/// Runs `operation` until the mint holds one of its requests, then `cut`
/// while it waits; returns what the operation answered.
// Boxed by the caller: the engine's futures are too big for a test
// thread's stack.
async fn cut_short(
    mint: &GatedMint,
    operation: LocalBoxFuture<'_, Result<Reply, EngineError>>,
    cut: LocalBoxFuture<'_, ()>,
) -> Result<Reply, EngineError> {
    let operation = match future::select(operation, Box::pin(mint.gate.holding())).await {
        Either::Left((answer, _)) => panic!("ended before reaching the mint: {answer:?}"),
        Either::Right(((), operation)) => operation,
    };
    let (answer, ()) = futures::join!(operation, cut);
    answer
}

/// Total and pending sat once the mint was asked about every proof.
async fn settled(user: &TestEngine) -> (u64, u64) {
    let checked = user.send(Command::CheckProofs).await;
    assert!(matches!(checked, Ok(Reply::Ecash { .. })), "{checked:?}");
    let wallet = wallet(user).await;
    assert!(wallet.problems.is_empty(), "{:?}", wallet.problems);
    (wallet.total, wallet.pending)
}

/// Sends `amount` from `from` to a new user, who receives it: the mint
/// signs fresh outputs for both, which it refuses if a counter repeats.
async fn pay_someone(from: &TestEngine, mint: &GatedMint, amount: u64) {
    let token = match from
        .send(Command::SendToken {
            mint: mint.url.clone(),
            amount,
            lock_to: None,
        })
        .await
    {
        Ok(Reply::Token { token, .. }) => token.expose().to_owned(),
        other => panic!("no token: {other:?}"),
    };
    let (bob, _) = user(BOB_WORDS).await;
    assert_eq!(
        receive(&bob, &token, true).await,
        Ok(Reply::Received {
            mint: mint.url.clone(),
            amount
        })
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_mint_waiting_for_its_invoice_when_the_wallet_locks_is_minted_once_after_unlocking() {
    let mint = GatedMint::start().await;
    let browser = MemoryProfiles::new();
    let (alice, _) = user_in(&browser, NIP06_WORDS).await;
    trust(&alice, &mint).await;
    let quote = quote(&alice, &mint, 100).await;

    // The wallet waits to hear the invoice was paid; the user locks.
    mint.gate.hold(QUOTE_STATE);
    let waited = cut_short(
        &mint,
        Box::pin(alice.send(await_mint(&mint, &quote))),
        Box::pin(lock(&alice)),
    )
    .await;
    assert_eq!(waited, Err(EngineError::Locked));

    // Unlocked again; now the wallet hears of the payment.
    unlock(&alice).await;
    mint.gate.open();
    assert_eq!(settled(&alice).await, (100, 0));
    // The app asks again for the quote it showed: it was minted once.
    assert_eq!(
        alice.send(await_mint(&mint, &quote)).await,
        Ok(Reply::Minted {
            mint: mint.url.clone(),
            amount: 100
        })
    );
    assert_eq!(settled(&alice).await, (100, 0));

    // Kept as it is across a restart, and every counter was fresh.
    drop(alice);
    let (alice, _) = user_in(&browser, NIP06_WORDS).await;
    assert_eq!(settled(&alice).await, (100, 0));
    pay_someone(&alice, &mint, 40).await;
    assert_eq!(settled(&alice).await.0, 60);
}

#[tokio::test(flavor = "current_thread")]
async fn a_mint_under_way_when_another_tab_takes_the_wallet_over_is_minted_once_there() {
    let mint = GatedMint::start().await;
    let browser = MemoryProfiles::new();
    let (first, _) = user_in(&browser, NIP06_WORDS).await;
    let mut lost = first.engine.lost_profiles().expect("first call");
    trust(&first, &mint).await;
    let quote = quote(&first, &mint, 100).await;

    mint.gate.hold(QUOTE_STATE);
    let second = started_engine_in(&browser);
    let take_over = async {
        let opened = second
            .send(Command::OpenProfile {
                profile: Some(PROFILE.into()),
                take_over: true,
            })
            .await;
        assert!(matches!(opened, Ok(Reply::Opened { .. })), "{opened:?}");
        let taken = lost.next().await.expect("told");
        first.engine.profile_taken_over(&taken).await;
    };
    let waited = cut_short(
        &mint,
        Box::pin(first.send(await_mint(&mint, &quote))),
        Box::pin(take_over),
    )
    .await;
    assert_eq!(waited, Err(EngineError::Locked));

    unlock(&second).await;
    mint.gate.open();
    assert_eq!(settled(&second).await, (100, 0));
    assert_eq!(
        second.send(await_mint(&mint, &quote)).await,
        Ok(Reply::Minted {
            mint: mint.url.clone(),
            amount: 100
        })
    );
    pay_someone(&second, &mint, 40).await;
    assert_eq!(settled(&second).await.0, 60);
    // The first tab has nothing left to act with.
    let after = first.send(Command::GetEcash).await;
    assert!(
        matches!(after, Err(EngineError::Storage { .. })),
        "{after:?}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_send_cut_short_by_a_lock_loses_nothing() {
    let mint = GatedMint::start().await;
    let browser = MemoryProfiles::new();
    let (alice, _) = user_in(&browser, NIP06_WORDS).await;
    trust(&alice, &mint).await;
    let quote = quote(&alice, &mint, 100).await;
    assert!(matches!(
        alice.send(await_mint(&mint, &quote)).await,
        Ok(Reply::Minted { amount: 100, .. })
    ));

    // A token locked to Bob (NUT-11) takes a swap at the mint for its new
    // secrets: the wallet locks while the mint has it.
    let (_, bob) = user(BOB_WORDS).await;
    mint.gate.hold(SWAP);
    let send = Command::SendToken {
        mint: mint.url.clone(),
        amount: 30,
        lock_to: Some(bob),
    };
    let sent = cut_short(&mint, Box::pin(alice.send(send)), Box::pin(lock(&alice))).await;
    assert_eq!(sent, Err(EngineError::Locked));
    mint.gate.refuse_held();

    unlock(&alice).await;
    // The swap never reached the mint: every sat is spendable again.
    assert_eq!(settled(&alice).await, (100, 0));
    pay_someone(&alice, &mint, 30).await;
    assert_eq!(settled(&alice).await.0, 70);
}
