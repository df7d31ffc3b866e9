//! The server's integration tests, linked as one test binary. A new module
//! goes here as `tests/integration/NAME.rs`, declared below as `mod NAME;`,
//! with the shared helpers at `crate::support`.
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod accounts;
mod crash;
mod dev_mint;
mod dev_relay;
mod lightning;
mod limits;
mod lnurl;
mod names;
mod nwc;
mod openapi;
mod payments;
mod spa;
mod zaps;
