//! The vault: every secret encrypted at rest.
