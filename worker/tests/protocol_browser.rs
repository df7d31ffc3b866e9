//! The protocol round trip (`tests/protocol/`) in Chromium; natively it runs
//! in `tests/native`.
#![cfg(target_arch = "wasm32")]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod support;
mod protocol;
