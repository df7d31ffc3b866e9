//! The dev stand-ins: what `server --dev` and the tests run in place of the
//! services a real deployment talks to. Nothing here ships outside `--dev`
//! and tests.
//!
//! - [`mint`]: a real Cashu mint (cdk), whose Lightning node is a node of
//!   the simulated network, or fake (its invoices pay themselves).
//! - [`lightning`]: a simulated Lightning network, reached through an LND
//!   REST stand-in.

pub mod lightning;
pub mod mint;

pub use mint::{fake_invoice, DevMint, DevMintError, RunningMint, NAME};
