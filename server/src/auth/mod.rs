//! Sign-in: every `/api/account/*` request is signed by NIP-98
//! ([`nip98`]); the account is the signer's public key.

pub mod nip98;

pub use nip98::{AuthError, Nip98, Signer};
