//! A simulated Lightning network, in process: several nodes, each with its
//! own key, each invoice a real BOLT11 signed by its node, payments settled
//! across nodes by payment hash, and a payee that can hold a payment in
//! flight until told to settle or fail it.
//!
//! The server reaches a node as it reaches LND in production, through an
//! [`LndStandIn`] speaking LND's REST API.

pub mod lnd;
pub mod network;

pub use lnd::{LndStandIn, LndStandInError};
pub use network::{
    FailureReason, Invoice, InvoiceState, InvoiceTerms, Network, NetworkError, Node, Payment,
    PaymentStatus, Update, CURRENCY,
};
