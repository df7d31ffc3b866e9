//! The engine's browser side in headless Chromium (wasm-bindgen-test, in a
//! dedicated worker), linked as one test binary: each wasm32 test binary
//! links the whole engine and is prepared by wasm-bindgen and started in its
//! own browser, which dominated the browser tests' time.
//!
//! A new browser test module goes here: `tests/browser/NAME.rs`, declared
//! below as `mod NAME;`. Run them with `cargo_browser_test --lib --test
//! browser` (`scripts/setup.sh`); the benchmarks (`tests/bench_*.rs`) and
//! the Argon2id measurement (`tests/vault_kdf_timing.rs`) are targets of
//! their own, run by their scripts.
#![cfg(target_arch = "wasm32")]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// Shared with the native tests, hence outside this folder.
#[macro_use]
#[path = "../support/mod.rs"]
mod support;
#[path = "../cashu_store_behaviour/mod.rs"]
mod cashu_store_behaviour;
#[path = "../event_store_behaviour/mod.rs"]
mod event_store_behaviour;
#[path = "../fresh_profile/mod.rs"]
mod fresh_profile;
#[path = "../protocol/mod.rs"]
mod protocol;
#[path = "../vault_behaviour/mod.rs"]
mod vault_behaviour;

mod cashu_store;
mod event_store;
mod glue;
mod vault;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_dedicated_worker);
