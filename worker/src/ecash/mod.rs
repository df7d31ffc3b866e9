//! eCash: Cashu wallets (cdk), and where their state is kept.

pub mod store;
