//! The server's Lightning node, behind one trait: [`Lightning`] says what the
//! accounts need from a node; [`lnd::Lnd`] is the production implementation,
//! LND's REST API. (The dev network reaches the same client through its LND
//! stand-in, so there is no second implementation to drift.)

pub mod lnd;

use std::{fmt, str::FromStr};

use futures_util::stream::BoxStream;

pub use lnd::{Lnd, LndConfig};

/// A payment hash: what an invoice and the payments to it share.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PaymentHash(pub [u8; 32]);

impl PaymentHash {
    /// The hash of `preimage`: what an invoice for it commits to.
    pub fn of_preimage(preimage: &[u8; 32]) -> Self {
        use bitcoin::hashes::{sha256, Hash};
        Self(sha256::Hash::hash(preimage).to_byte_array())
    }
}

impl fmt::Display for PaymentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for PaymentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PaymentHash({self})")
    }
}

impl FromStr for PaymentHash {
    type Err = LightningError;

    /// 64 hex digits.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        use bitcoin::hex::FromHex;
        <[u8; 32]>::from_hex(text)
            .map(Self)
            .map_err(|_| LightningError::Protocol(format!("{text:?} is not a payment hash")))
    }
}

/// Who the node is and which chain it is on.
#[derive(Debug, Clone)]
pub struct NodeInfo {
    /// Its identity key (hex), the payee of its invoices.
    pub pubkey: String,
    /// The chain's network as LND names it: `mainnet`, `testnet`, `signet`,
    /// `regtest`.
    pub network: String,
}

/// What an invoice commits to as its description.
#[derive(Debug, Clone)]
pub enum Description {
    Memo(String),
    /// The SHA-256 of a description given elsewhere (LNURL-pay's metadata,
    /// a zap request).
    Hash([u8; 32]),
}

/// An invoice to create.
#[derive(Debug, Clone)]
pub struct NewInvoice {
    /// 0: an invoice for any amount.
    pub amount_msat: u64,
    pub description: Description,
    pub expiry_secs: u64,
    /// Chosen by the server, so the invoice's payment hash is known (and
    /// written down) before the node is asked for it.
    pub preimage: [u8; 32],
}

/// An invoice just created.
#[derive(Debug, Clone)]
pub struct AddedInvoice {
    pub payment_hash: PaymentHash,
    pub bolt11: String,
}

/// An invoice's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceState {
    Open,
    /// Paid, held by the node, not yet settled.
    Accepted,
    Settled,
    Canceled,
}

/// An invoice as the node knows it.
#[derive(Debug, Clone)]
pub struct Invoice {
    pub payment_hash: PaymentHash,
    pub state: InvoiceState,
    pub amount_paid_msat: u64,
    /// The node's count of settled invoices when this one settled (0 while
    /// unsettled): a subscription resumes after the last one credited.
    pub settle_index: u64,
}

/// A payment to send.
#[derive(Debug, Clone)]
pub struct SendPayment {
    pub bolt11: String,
    /// Only for an invoice without an amount.
    pub amount_msat: Option<u64>,
    pub fee_limit_msat: u64,
    pub timeout_secs: u32,
}

/// Where a payment is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentStatus {
    InFlight,
    Succeeded { preimage: String, fee_msat: u64 },
    Failed { reason: String },
}

/// A payment as the node reports it.
#[derive(Debug, Clone)]
pub struct Payment {
    pub payment_hash: PaymentHash,
    pub status: PaymentStatus,
}

/// Updates to one payment, until it succeeds or fails.
pub type PaymentUpdates = BoxStream<'static, Result<Payment, LightningError>>;

/// Updates to the node's invoices.
pub type InvoiceUpdates = BoxStream<'static, Result<Invoice, LightningError>>;

/// A Lightning node.
#[async_trait::async_trait]
pub trait Lightning: Send + Sync + fmt::Debug {
    async fn node_info(&self) -> Result<NodeInfo, LightningError>;

    async fn add_invoice(&self, invoice: NewInvoice) -> Result<AddedInvoice, LightningError>;

    /// `None` when the node has no invoice of this hash.
    async fn lookup_invoice(&self, hash: PaymentHash) -> Result<Option<Invoice>, LightningError>;

    /// Cancels the node's invoice of `hash`: every payment to it from then on
    /// fails at its payer. An invoice cancelled already is success; a
    /// settled (or unknown) one is an `Err`.
    async fn cancel_invoice(&self, hash: PaymentHash) -> Result<(), LightningError>;

    /// Every invoice settled after `settle_index`, then every change as it
    /// happens (invoices added or settled).
    async fn subscribe_invoices(&self, settle_index: u64)
        -> Result<InvoiceUpdates, LightningError>;

    /// Sends a payment; its updates follow. A payment the node refuses to
    /// start (already paid, expired, malformed) is an `Err`.
    async fn send_payment(&self, payment: SendPayment) -> Result<PaymentUpdates, LightningError>;

    /// The updates of a payment sent before (from its current state on);
    /// `None` when the node never started it.
    async fn track_payment(
        &self,
        hash: PaymentHash,
    ) -> Result<Option<PaymentUpdates>, LightningError>;
}

/// Why the node could not answer.
#[derive(Debug, thiserror::Error)]
pub enum LightningError {
    #[error("the Lightning node is unreachable: {0}")]
    Unreachable(String),
    /// The node refused the request (`code` is its gRPC status).
    #[error("the Lightning node refused: {message}")]
    Refused { code: i32, message: String },
    #[error("the Lightning node answered something unexpected: {0}")]
    Protocol(String),
    #[error("the Lightning node's configuration is unusable: {0}")]
    Config(String),
}

impl LightningError {
    /// gRPC's NOT_FOUND.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Refused { code: 5, .. })
    }
}
