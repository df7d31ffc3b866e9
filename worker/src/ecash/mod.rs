//! eCash: a multi-mint Cashu wallet on cdk 0.18 that never loses a proof.
//!
//! - [`store`]: cdk's wallet database, ours: in memory, and in IndexedDB
//!   with every record sealed.
//! - [`wallet`]: one cdk wallet per trusted mint over that store and the
//!   seed, and the operations the app offers.
//! - [`payment`]: waiting for an invoice to be paid (NUT-17, or polling).
//! - [`token`]: reading what the user pastes (tokens, recipients).
//! - [`transport`]: cdk's HTTP transport, made safe for a browser worker.
//!
//! Money safety comes from cdk's sagas: every operation is written to the
//! store before its first request to the mint, and
//! [`wallet::Wallets::recover`] finishes or undoes whatever a closed tab
//! left half done.

pub mod payment;
pub mod store;
pub mod token;
pub mod transport;
pub mod wallet;
