//! Flash Web's engine.
//!
//! The engine runs in a dedicated Web Worker and owns every key, connection
//! and store; the app only sends [`protocol::Command`]s and renders the
//! [`protocol::FromEngine`] messages it gets back.
//!
//! - [`protocol`]: the UI↔engine messages, re-exported from the
//!   `flash-protocol` crate (the only part the app compiles).
//! - [`engine`] (feature `engine`): target-neutral logic, tested natively.
//! - [`account`]: the Lightning account this server holds, over NIP-98.
//! - [`fetch`]: fetching from untrusted web servers, bounded in time and size.
//! - [`identity`]: the BIP39 seed and the keys derived from it.
//! - [`invoice`]: a Lightning invoice as pasted or scanned, for either wallet.
//! - [`lnurl`]: paying a Lightning address or LNURL-pay code (LUD-06/16).
//! - [`zaps`]: zapping through one (NIP-57's zap requests).
//! - [`vault`]: every secret sealed at rest, in IndexedDB or in memory.
//! - [`contacts`]: profiles (kind 0), follow lists (kind 3), NIP-05, search.
//! - [`ecash`]: Cashu wallets; [`ecash::store`] is cdk's wallet database,
//!   sealed in IndexedDB or kept in memory.
//! - [`relays`]: the user's relay list, each relay's status and NIP-11 info.
//! - [`storage`]: the profile's IndexedDB databases (their schema, one
//!   upgrade path each) and how storing fails.
//! - `browser` (wasm32 only): the glue that runs the engine inside a worker.

pub use flash_protocol as protocol;

#[cfg(feature = "engine")]
pub mod account;

#[cfg(feature = "engine")]
pub mod contacts;

#[cfg(feature = "engine")]
pub mod ecash;

#[cfg(feature = "engine")]
pub mod engine;

#[cfg(feature = "engine")]
pub mod events;

#[cfg(feature = "engine")]
pub mod fetch;

#[cfg(feature = "engine")]
pub mod identity;

#[cfg(feature = "engine")]
pub mod invoice;

#[cfg(feature = "engine")]
pub mod lnurl;

#[cfg(feature = "engine")]
pub mod messaging;

#[cfg(feature = "engine")]
pub mod profiles;

#[cfg(feature = "engine")]
pub mod relays;

#[cfg(feature = "engine")]
pub mod signer;

#[cfg(feature = "engine")]
pub mod storage;

#[cfg(feature = "engine")]
pub mod vault;

#[cfg(feature = "engine")]
pub mod zaps;

#[cfg(all(feature = "engine", target_arch = "wasm32"))]
pub mod browser;
