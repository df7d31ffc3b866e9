//! The worker's native integration tests, linked as one test binary (each
//! binary links cdk and nostr-sdk, which dominates the build on 2 cores).
//!
//! A new native test module goes here: `tests/native/NAME.rs`, declared
//! below as `mod NAME;`; it reaches the shared helpers as `crate::support`
//! (and `async_test!` directly). Run one module with
//! `cargo test -p flash-worker --test native NAME::`.
//!
//! The browser tests (`tests/browser/`, and the benchmarks
//! `tests/bench_*.rs`) are their own targets, built for wasm32 only.
#![cfg(not(target_arch = "wasm32"))]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// Shared with the browser tests, hence outside this folder.
#[macro_use]
#[path = "../support/mod.rs"]
mod support;
#[path = "../cashu_store_behaviour/mod.rs"]
mod cashu_store_behaviour;
#[path = "../event_store_behaviour/mod.rs"]
mod event_store_behaviour;
#[path = "../protocol/mod.rs"]
mod protocol;
#[path = "../vault_behaviour/mod.rs"]
mod vault_behaviour;

mod account;
mod bunker;
mod cashu_store;
mod contacts;
mod ecash;
mod ecash_recovery;
mod engine;
mod event_store;
mod hostile_servers;
mod identity;
mod lnurl;
mod messaging;
mod relays;
mod session;
mod token_fuzz;
mod vault;
