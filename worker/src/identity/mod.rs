//! Identity: one BIP39 seed and every key derived from it.
