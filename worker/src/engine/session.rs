//! The unlocked session: what exists from an unlock (or a sign-in) until
//! the next lock, auto-lock, takeover by another tab or switch of profile.
//!
//! Every command of a capability service runs inside the session it
//! started in ([`Session::run`]). Ending the session drops its
//! [`SessionEnd`], which cancels all of them at their next await: a future
//! of an old session never writes anything afterwards, and never holds a
//! capability's state (an eCash store, with the seed and the store's key)
//! past the lock. Cancelling is safe where it cuts: every operation writes
//! what it is about to do before its network call, and the next session
//! recovers it (see `ecash::wallet::Wallets::recover`).

use std::rc::Rc;

use futures::channel::oneshot;
use futures::future::{self, Either, FutureExt, Shared};

use super::account::AccountService;
use super::ecash::EcashService;
use crate::protocol::EngineError;

/// One session's services and the signal that ends it.
pub(super) struct Session {
    /// Resolves when the session ends.
    ended: Shared<oneshot::Receiver<()>>,
    pub(super) ecash: EcashService,
    pub(super) account: AccountService,
}

/// Ends its session when dropped. Held by the engine alone, never by the
/// tasks it cancels, so ending never waits on them.
pub(super) struct SessionEnd {
    _signal: oneshot::Sender<()>,
}

impl Session {
    /// A new session, and what ends it.
    pub(super) fn start() -> (Rc<Self>, SessionEnd) {
        let (end, ended) = oneshot::channel();
        let session = Self {
            ended: ended.shared(),
            ecash: EcashService::default(),
            account: AccountService::default(),
        };
        (Rc::new(session), SessionEnd { _signal: end })
    }

    /// Runs `work` unless, or until, this session ends; a command cut
    /// short by the end answers [`EngineError::Locked`].
    ///
    /// Not an `async fn`: `work` is boxed before anything awaits, so the
    /// caller's future holds a pointer, not every capability's largest
    /// command (cdk's and the account's futures are large, and inline they
    /// grew the dispatch's future until a debug build overflowed its stack).
    pub(super) fn run<'a, T: 'a>(
        &self,
        work: impl std::future::Future<Output = Result<T, EngineError>> + 'a,
    ) -> impl std::future::Future<Output = Result<T, EngineError>> + 'a {
        let work = Box::pin(work);
        let ended = self.ended.clone();
        async move {
            match future::select(work, ended).await {
                Either::Left((outcome, _)) => outcome,
                Either::Right(_) => Err(EngineError::Locked),
            }
        }
    }
}
