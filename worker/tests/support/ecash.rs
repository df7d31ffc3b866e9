//! eCash test helpers: users, a real mint, and the commands tests repeat.

use flash_dev::{DevMint, RunningMint};
use flash_worker::profiles::memory::MemoryProfiles;
use flash_worker::protocol::{Command, EcashWallet, EngineError, Field, Identity, Reply};

use super::{started_engine_in, TestEngine, PASSPHRASE, PROFILE};

/// A user of `browser`: its wallet restored from `words`, unlocked.
pub async fn user_in(browser: &MemoryProfiles, words: &str) -> (TestEngine, String) {
    let test = started_engine_in(browser);
    test.send(Command::OpenProfile {
        profile: Some(PROFILE.into()),
        take_over: false,
    })
    .await
    .expect("opened");
    let identity = match test.send(Command::GetIdentity).await {
        Ok(Reply::Identity {
            identity: Identity::None,
        }) => {
            test.identity(Command::RestoreWallet {
                phrase: words.into(),
                passphrase: PASSPHRASE.into(),
            })
            .await
        }
        _ => {
            test.identity(Command::Unlock {
                passphrase: PASSPHRASE.into(),
            })
            .await
        }
    };
    match identity {
        Identity::Unlocked { npub, .. } => (test, npub),
        other => panic!("not unlocked: {other:?}"),
    }
}

pub async fn user(words: &str) -> (TestEngine, String) {
    user_in(&MemoryProfiles::new(), words).await
}

pub async fn mint() -> RunningMint {
    DevMint::spawn_standalone().await.expect("dev mint")
}

pub async fn wallet(user: &TestEngine) -> EcashWallet {
    match user.send(Command::GetEcash).await {
        Ok(Reply::Ecash { wallet }) => wallet,
        other => panic!("no wallet: {other:?}"),
    }
}

pub async fn balance(user: &TestEngine) -> u64 {
    wallet(user).await.total
}

pub async fn add_mint(user: &TestEngine, mint: &RunningMint) -> EcashWallet {
    match user
        .send(Command::AddMint {
            url: mint.url().to_string(),
        })
        .await
    {
        Ok(Reply::Ecash { wallet }) => wallet,
        other => panic!("mint not added: {other:?}"),
    }
}

/// A dev mint in a runtime of its own, so a test can take it down whole:
/// dropping this stops every task it ran, its open connections included.
pub struct MintElsewhere {
    pub url: String,
    // Declared first: dropped (stopped) before the runtime goes.
    mint: Option<RunningMint>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl MintElsewhere {
    pub fn start() -> Self {
        std::thread::spawn(|| {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("runtime");
            let mint = runtime
                .block_on(DevMint::spawn_standalone())
                .expect("dev mint");
            Self {
                url: mint.url().to_string(),
                mint: Some(mint),
                runtime: Some(runtime),
            }
        })
        .join()
        .expect("mint thread")
    }
}

impl Drop for MintElsewhere {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            // Inside another runtime, a runtime can only be shut down
            // without waiting; its tasks (the mint's) stop with it.
            let _entered = runtime.enter();
            drop(self.mint.take());
            drop(_entered);
            runtime.shutdown_background();
        }
    }
}

/// Pays a Lightning invoice of `amount` into `user`'s wallet at `mint`.
pub async fn fund(user: &TestEngine, mint: &RunningMint, amount: u64) {
    fund_at(user, &mint.url().to_string(), amount).await;
}

/// Like [`fund`], for the mint at `url`.
pub async fn fund_at(user: &TestEngine, url: &str, amount: u64) {
    let url = url.to_owned();
    let quote = match user
        .send(Command::RequestMint {
            mint: url.clone(),
            amount,
        })
        .await
    {
        Ok(Reply::MintQuote { quote }) => quote,
        other => panic!("no quote: {other:?}"),
    };
    assert!(quote.invoice.starts_with("ln"), "{}", quote.invoice);
    let minted = user
        .send(Command::AwaitMint {
            mint: url.clone(),
            quote: quote.id,
        })
        .await;
    assert_eq!(minted, Ok(Reply::Minted { mint: url, amount }));
}

/// Asks for a token of `amount` at `mint`, whatever the answer.
pub async fn try_send(
    user: &TestEngine,
    mint: &RunningMint,
    amount: u64,
    lock_to: Option<&str>,
) -> Result<Reply, EngineError> {
    user.send(Command::SendToken {
        mint: mint.url().to_string(),
        amount,
        lock_to: lock_to.map(str::to_owned),
    })
    .await
}

pub async fn send_token(
    user: &TestEngine,
    mint: &RunningMint,
    amount: u64,
    lock_to: Option<&str>,
) -> String {
    match try_send(user, mint, amount, lock_to).await {
        Ok(Reply::Token {
            token,
            amount: sent,
            ..
        }) => {
            assert_eq!(sent, amount);
            token.expose().to_owned()
        }
        other => panic!("no token: {other:?}"),
    }
}

pub async fn receive(
    user: &TestEngine,
    token: &str,
    trust_mint: bool,
) -> Result<Reply, EngineError> {
    user.send(Command::ReceiveToken {
        token: token.into(),
        trust_mint,
    })
    .await
}

/// The message of a mint that could not be reached in time.
pub fn unreachable_message(outcome: Result<Reply, EngineError>) -> String {
    match outcome {
        Err(EngineError::MintUnreachable { message }) => message,
        other => panic!("expected an unreachable mint, got {other:?}"),
    }
}

/// The field and message of input the engine refused, naming which.
pub fn refused_input(outcome: Result<Reply, EngineError>) -> (Field, String) {
    match outcome {
        Err(EngineError::Invalid {
            field: Some(field),
            message,
        }) => (field, message),
        other => panic!("expected refused input naming its field, got {other:?}"),
    }
}

pub fn ecash_message(outcome: Result<Reply, EngineError>) -> String {
    match outcome {
        Err(EngineError::Ecash { message }) => message,
        other => panic!("expected an eCash error, got {other:?}"),
    }
}
