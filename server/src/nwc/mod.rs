//! Nostr Wallet Connect (NIP-47) on the Lightning accounts.
//!
//! A user connects an app by the public key of a secret their own app made
//! for it ([`connections`]: the server never sees the secret), with the
//! methods it may call and what it may spend per period ([`budget`]). The
//! connected app then talks to the server's wallet service key over NOSTR
//! relays: the [`listener`] takes its requests (in one instance at a time,
//! under a lease in the database), and [`requests`] records each before
//! acting on it and answers it once, with [`methods`] doing the work through
//! the account's own invoices and payments.

pub mod budget;
pub mod connections;
pub mod listener;
pub mod methods;
pub mod requests;

use axum::{
    middleware,
    routing::{get, post},
    Router,
};
use nostr::{Keys, PublicKey, RelayUrl};

use crate::{accounts::Accounts, auth::Nip98, limits::RateLimits};
pub use connections::NwcError;
pub use listener::Listener;

/// The wallet service: the accounts it serves, its key and its relays.
/// Cheap to clone.
#[derive(Clone)]
pub struct Nwc {
    pub accounts: Accounts,
    /// The wallet service's key; its secret never leaves this struct.
    keys: Keys,
    /// Where it listens and answers (the relays in every connection URI).
    pub relays: Vec<RelayUrl>,
}

// By hand, so no derive could ever print the key.
impl std::fmt::Debug for Nwc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Nwc")
            .field("pubkey", &self.keys.public_key())
            .field("relays", &self.relays)
            .finish_non_exhaustive()
    }
}

impl Nwc {
    pub fn new(accounts: Accounts, keys: Keys, relays: Vec<RelayUrl>) -> Self {
        Self {
            accounts,
            keys,
            relays,
        }
    }

    /// The wallet service's public key, which connection URIs name.
    pub fn pubkey(&self) -> PublicKey {
        self.keys.public_key()
    }

    pub(crate) fn keys(&self) -> &Keys {
        &self.keys
    }
}

/// The router to nest at `/api/nwc`: every route is NIP-98 signed (by the
/// account's owner), and counted against the signer's rate limit.
pub fn router(nwc: Nwc, limits: RateLimits) -> Router {
    let auth = nwc.accounts.auth.clone();
    Router::new()
        .route(
            "/connections",
            get(connections::list_route).post(connections::create_route),
        )
        // Not DELETE: NIP-98 signs GET, POST, PUT and PATCH only.
        .route(
            "/connections/{pubkey}/revoke",
            post(connections::revoke_route),
        )
        .route_layer(middleware::from_fn_with_state(
            limits,
            RateLimits::per_account,
        ))
        .route_layer(middleware::from_fn_with_state(auth, Nip98::require))
        .with_state(nwc)
}
