//! `GET /api/config`: which services this server offers, so the app shows
//! only what works here.

use axum::{extract::State, Json};
use serde::Serialize;

/// What this server offers. Later services (on-chain, cards, NWC) add fields.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct Offered {
    /// Lightning accounts at `/api/account`, signed in by NIP-98.
    pub accounts: bool,
    /// Whether the accounts receive and pay Lightning (the server has a
    /// node); without it they only pay each other.
    pub lightning: bool,
    /// The dev services at `/api/dev/config` (a relay and a mint).
    pub dev: bool,
    /// Nostr Wallet Connect on the accounts, at `/api/nwc`.
    pub nwc: bool,
}

#[utoipa::path(get, path = "/api/config", tag = "server", responses((status = 200, body = Offered)))]
pub(crate) async fn config(State(offered): State<Offered>) -> Json<Offered> {
    Json(offered)
}
