//! The network itself: nodes, their invoices and their payments, in memory.
//!
//! Payments settle by payment hash: paying an invoice finds the invoice of
//! that hash on whichever node issued it, checks what a real payee checks
//! (the invoice is that node's, open, unexpired, for this amount), and moves
//! it to settled and the payment to succeeded in one step, or holds both in
//! flight while the payee is [held](Node::hold_payments).

use std::{
    collections::HashMap,
    str::FromStr,
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use bitcoin::{
    hashes::{sha256, Hash},
    secp256k1::{PublicKey, Secp256k1, SecretKey},
};
use lightning_invoice::{Bolt11Invoice, Currency, InvoiceBuilder, PaymentSecret};
use tokio::sync::broadcast;

/// The chain every dev node is on: invoices read `lnbcrt…`.
pub const CURRENCY: Currency = Currency::Regtest;

/// What routing between two dev nodes costs: 1 sat plus 0.1 %, so every
/// payment out of a node pays a fee its sender can see.
const BASE_FEE_MSAT: u64 = 1_000;
const FEE_PPM: u64 = 1_000;

/// How many updates a slow subscriber may fall behind before it misses some
/// (it then reads the current state again, as LND's clients do).
const EVENT_BUFFER: usize = 1024;

/// An invoice's life, as LND names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceState {
    Open,
    /// Paid and held by the payee, not yet settled (a held payment).
    Accepted,
    Settled,
    Canceled,
}

/// What an invoice without an expiry lasts, as in LND: one day.
pub const DEFAULT_EXPIRY_SECS: u64 = 86_400;

/// What to ask of a new invoice.
#[derive(Debug, Clone, Default)]
pub struct InvoiceTerms {
    /// 0: an invoice for any amount.
    pub value_msat: u64,
    pub memo: String,
    /// Committed to instead of `memo` when given (LNURL-pay, zaps).
    pub description_hash: Option<[u8; 32]>,
    /// 0: [`DEFAULT_EXPIRY_SECS`].
    pub expiry_secs: u64,
    /// The preimage to use, when the caller chose it (LND's `r_preimage`);
    /// otherwise the node draws one.
    pub preimage: Option<[u8; 32]>,
}

impl InvoiceTerms {
    /// `value_msat` for `memo`, valid for a day.
    pub fn new(value_msat: u64, memo: &str) -> Self {
        Self {
            value_msat,
            memo: memo.to_owned(),
            ..Self::default()
        }
    }
}

/// An invoice a node issued.
#[derive(Debug, Clone)]
pub struct Invoice {
    pub node: String,
    pub payment_hash: [u8; 32],
    pub preimage: [u8; 32],
    pub payment_addr: [u8; 32],
    pub bolt11: String,
    pub value_msat: u64,
    pub memo: String,
    pub description_hash: Option<[u8; 32]>,
    pub creation_date: u64,
    pub expiry_secs: u64,
    pub state: InvoiceState,
    pub add_index: u64,
    /// 0 until settled, then the node's count of settled invoices.
    pub settle_index: u64,
    pub settle_date: u64,
    pub amount_paid_msat: u64,
}

/// A payment's life, as LND names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentStatus {
    InFlight,
    Succeeded,
    Failed,
}

/// Why a payment failed, as LND names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureReason {
    None,
    NoRoute,
    IncorrectPaymentDetails,
    Timeout,
}

/// A payment a node sent.
#[derive(Debug, Clone)]
pub struct Payment {
    pub node: String,
    pub payment_hash: [u8; 32],
    pub bolt11: String,
    pub value_msat: u64,
    pub fee_msat: u64,
    pub preimage: Option<[u8; 32]>,
    pub status: PaymentStatus,
    pub failure_reason: FailureReason,
    pub creation_time_ns: u64,
    pub payment_index: u64,
}

/// A change on the network, for subscribers.
#[derive(Debug, Clone)]
pub enum Update {
    Invoice(Invoice),
    Payment(Payment),
}

/// Why a node refused a request outright (LND answers these as errors, not
/// as a failed payment).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum NetworkError {
    #[error("no node named {0:?}")]
    UnknownNode(String),
    #[error("a node named {0:?} exists already")]
    NodeExists(String),
    #[error("invalid payment request: {0}")]
    BadInvoice(String),
    #[error("invoice is for another network")]
    WrongNetwork,
    #[error("invoice expired")]
    InvoiceExpired,
    #[error("amount must be specified when paying a zero amount invoice")]
    AmountRequired,
    #[error("amount must not be specified when paying a non-zero amount invoice")]
    AmountNotAllowed,
    #[error("invoice with payment hash already exists")]
    InvoiceExists,
    #[error("payment is in transition")]
    PaymentInFlight,
    #[error("invoice is already paid")]
    AlreadyPaid,
    /// LND's words for an invoice it does not have.
    #[error("unable to locate invoice")]
    InvoiceNotFound,
    /// LND's words for cancelling an invoice that was paid.
    #[error("invoice already settled")]
    InvoiceSettled,
    #[error("the invoice's description is too long")]
    DescriptionTooLong,
    #[error("could not sign the invoice: {0}")]
    Signing(String),
    #[error("no randomness")]
    Random,
}

/// A dev Lightning network. Cheap to clone: clones share the network.
#[derive(Debug, Clone)]
pub struct Network {
    state: Arc<Mutex<State>>,
    updates: broadcast::Sender<Update>,
}

#[derive(Debug, Default)]
struct State {
    nodes: HashMap<String, NodeState>,
    invoices: HashMap<[u8; 32], Invoice>,
    /// By paying node and payment hash.
    payments: HashMap<(String, [u8; 32]), Payment>,
}

#[derive(Debug)]
struct NodeState {
    secret_key: SecretKey,
    pubkey: PublicKey,
    holding: bool,
    unresponsive: bool,
    invoices_added: u64,
    invoices_settled: u64,
    payments_sent: u64,
}

impl Default for Network {
    fn default() -> Self {
        Self::new()
    }
}

impl Network {
    pub fn new() -> Self {
        Self {
            state: Arc::default(),
            updates: broadcast::channel(EVENT_BUFFER).0,
        }
    }

    /// Adds a node with a fresh key.
    pub fn add_node(&self, name: &str) -> Result<Node, NetworkError> {
        let secret_key =
            SecretKey::from_slice(&random_bytes()?).map_err(|_| NetworkError::Random)?;
        let pubkey = PublicKey::from_secret_key(&Secp256k1::signing_only(), &secret_key);
        let mut state = self.lock();
        if state.nodes.contains_key(name) {
            return Err(NetworkError::NodeExists(name.to_owned()));
        }
        state.nodes.insert(
            name.to_owned(),
            NodeState {
                secret_key,
                pubkey,
                holding: false,
                unresponsive: false,
                invoices_added: 0,
                invoices_settled: 0,
                payments_sent: 0,
            },
        );
        Ok(Node {
            network: self.clone(),
            name: name.to_owned(),
            pubkey,
        })
    }

    /// The node called `name`.
    pub fn node(&self, name: &str) -> Result<Node, NetworkError> {
        let pubkey = self.lock().nodes.get(name).map(|node| node.pubkey);
        match pubkey {
            Some(pubkey) => Ok(Node {
                network: self.clone(),
                name: name.to_owned(),
                pubkey,
            }),
            None => Err(NetworkError::UnknownNode(name.to_owned())),
        }
    }

    /// Every change from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Update> {
        self.updates.subscribe()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding it leaves plain data; keep serving.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn publish(&self, update: Update) {
        // No subscriber is not an error.
        let _ = self.updates.send(update);
    }
}

/// One node of a [`Network`].
#[derive(Debug, Clone)]
pub struct Node {
    network: Network,
    name: String,
    pubkey: PublicKey,
}

impl Node {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The network this node is on.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// The node's identity key, which signs its invoices.
    pub fn pubkey(&self) -> PublicKey {
        self.pubkey
    }

    /// Issues a BOLT11 invoice signed by this node, on `terms`.
    pub fn add_invoice(&self, terms: InvoiceTerms) -> Result<Invoice, NetworkError> {
        let InvoiceTerms {
            value_msat,
            memo,
            description_hash,
            expiry_secs,
            preimage,
        } = terms;
        let preimage = match preimage {
            Some(preimage) => preimage,
            None => random_bytes()?,
        };
        let expiry_secs = if expiry_secs == 0 {
            DEFAULT_EXPIRY_SECS
        } else {
            expiry_secs
        };
        let payment_addr = random_bytes()?;
        let payment_hash = sha256::Hash::hash(&preimage).to_byte_array();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let mut state = self.network.lock();
        if state.invoices.contains_key(&payment_hash) {
            return Err(NetworkError::InvoiceExists);
        }
        let node = node_mut(&mut state, &self.name)?;
        let builder = InvoiceBuilder::new(CURRENCY)
            .payment_hash(sha256::Hash::from_byte_array(payment_hash))
            .payment_secret(PaymentSecret(payment_addr))
            .duration_since_epoch(now)
            .min_final_cltv_expiry_delta(80)
            .expiry_time(Duration::from_secs(expiry_secs));
        let builder = if value_msat > 0 {
            builder.amount_milli_satoshis(value_msat)
        } else {
            builder
        };
        let secret_key = node.secret_key;
        let sign = |hash: &bitcoin::secp256k1::Message| {
            Secp256k1::signing_only().sign_ecdsa_recoverable(hash, &secret_key)
        };
        let signed = match description_hash {
            Some(hash) => builder
                .description_hash(sha256::Hash::from_byte_array(hash))
                .build_signed(sign),
            None => builder.description(memo.clone()).build_signed(sign),
        };
        let bolt11 = signed.map_err(|err| match err {
            lightning_invoice::CreationError::DescriptionTooLong => {
                NetworkError::DescriptionTooLong
            }
            other => NetworkError::Signing(other.to_string()),
        })?;
        node.invoices_added += 1;
        let invoice = Invoice {
            node: self.name.clone(),
            payment_hash,
            preimage,
            payment_addr,
            bolt11: bolt11.to_string(),
            value_msat,
            memo,
            description_hash,
            creation_date: now.as_secs(),
            expiry_secs,
            state: InvoiceState::Open,
            add_index: node.invoices_added,
            settle_index: 0,
            settle_date: 0,
            amount_paid_msat: 0,
        };
        state.invoices.insert(payment_hash, invoice.clone());
        drop(state);
        self.network.publish(Update::Invoice(invoice.clone()));
        Ok(invoice)
    }

    /// This node's invoice of `payment_hash`.
    pub fn lookup_invoice(&self, payment_hash: &[u8; 32]) -> Option<Invoice> {
        let state = self.network.lock();
        state
            .invoices
            .get(payment_hash)
            .filter(|invoice| invoice.node == self.name)
            .cloned()
    }

    /// This node's invoices settled after `settle_index`, oldest first.
    pub fn invoices_settled_after(&self, settle_index: u64) -> Vec<Invoice> {
        let state = self.network.lock();
        let mut settled: Vec<Invoice> = state
            .invoices
            .values()
            .filter(|invoice| invoice.node == self.name && invoice.settle_index > settle_index)
            .cloned()
            .collect();
        settled.sort_by_key(|invoice| invoice.settle_index);
        settled
    }

    /// Pays `bolt11` (`amount_msat` only for an invoice without an amount),
    /// spending at most `fee_limit_msat` on routing. A refused request is an
    /// `Err`; a payment the network could not deliver is a failed
    /// [`Payment`]; a payee that [holds payments](Node::hold_payments) leaves
    /// it in flight.
    pub fn pay(
        &self,
        bolt11: &str,
        amount_msat: Option<u64>,
        fee_limit_msat: u64,
    ) -> Result<Payment, NetworkError> {
        let invoice = Bolt11Invoice::from_str(bolt11)
            .map_err(|err| NetworkError::BadInvoice(err.to_string()))?;
        if invoice.currency() != CURRENCY {
            return Err(NetworkError::WrongNetwork);
        }
        if invoice.is_expired() {
            return Err(NetworkError::InvoiceExpired);
        }
        // As LND: the invoice's amount, or the payer's for an invoice
        // without one, never both.
        let value_msat = match (invoice.amount_milli_satoshis(), amount_msat) {
            (Some(_), Some(_)) => return Err(NetworkError::AmountNotAllowed),
            (Some(invoice_msat), None) => invoice_msat,
            (None, Some(given)) if given > 0 => given,
            (None, _) => return Err(NetworkError::AmountRequired),
        };
        let payment_hash = invoice.payment_hash().to_byte_array();
        let payee = invoice.recover_payee_pub_key();

        let mut state = self.network.lock();
        let key = (self.name.clone(), payment_hash);
        match state.payments.get(&key).map(|payment| payment.status) {
            Some(PaymentStatus::InFlight) => return Err(NetworkError::PaymentInFlight),
            Some(PaymentStatus::Succeeded) => return Err(NetworkError::AlreadyPaid),
            Some(PaymentStatus::Failed) | None => {}
        }
        let node = node_mut(&mut state, &self.name)?;
        node.payments_sent += 1;
        let mut payment = Payment {
            node: self.name.clone(),
            payment_hash,
            bolt11: bolt11.to_owned(),
            value_msat,
            fee_msat: 0,
            preimage: None,
            status: PaymentStatus::Failed,
            failure_reason: FailureReason::None,
            creation_time_ns: now_ns(),
            payment_index: node.payments_sent,
        };
        let fee_msat = BASE_FEE_MSAT + value_msat * FEE_PPM / 1_000_000;
        let payee_node = state
            .nodes
            .iter()
            .find(|(_, node)| node.pubkey == payee)
            .map(|(name, node)| (name.clone(), node.holding));
        let target = state
            .invoices
            .get(&payment_hash)
            .filter(|target| Some(&target.node) == payee_node.as_ref().map(|(name, _)| name))
            .cloned();

        let mut updates = Vec::new();
        match (payee_node, target) {
            (None, _) => payment.failure_reason = FailureReason::NoRoute,
            _ if fee_msat > fee_limit_msat => payment.failure_reason = FailureReason::NoRoute,
            (Some(_), None) => payment.failure_reason = FailureReason::IncorrectPaymentDetails,
            (Some((payee_name, holding)), Some(mut target)) => {
                let amount_ok = target.value_msat == 0 || target.value_msat <= value_msat;
                if target.state != InvoiceState::Open || !amount_ok {
                    payment.failure_reason = FailureReason::IncorrectPaymentDetails;
                } else {
                    payment.fee_msat = fee_msat;
                    target.amount_paid_msat = value_msat;
                    if holding {
                        target.state = InvoiceState::Accepted;
                        payment.status = PaymentStatus::InFlight;
                    } else {
                        settle(&mut state, &payee_name, &mut target, &mut payment)?;
                    }
                    state.invoices.insert(payment_hash, target.clone());
                    updates.push(Update::Invoice(target));
                }
            }
        }
        state.payments.insert(key, payment.clone());
        drop(state);
        updates.push(Update::Payment(payment.clone()));
        for update in updates {
            self.network.publish(update);
        }
        Ok(payment)
    }

    /// This node's payment of `payment_hash`.
    pub fn track_payment(&self, payment_hash: &[u8; 32]) -> Option<Payment> {
        let state = self.network.lock();
        state
            .payments
            .get(&(self.name.clone(), *payment_hash))
            .cloned()
    }

    /// Cancels this node's invoice of `payment_hash`, as LND's
    /// CancelInvoice does: an open invoice is cancelled, and every payment
    /// to it from then on fails at its payer with incorrect payment details;
    /// a payment this node holds for it fails back the same way. An invoice
    /// cancelled already stays so (success); a settled one is refused.
    pub fn cancel_invoice(&self, payment_hash: &[u8; 32]) -> Result<Invoice, NetworkError> {
        let mut state = self.network.lock();
        let mut invoice = state
            .invoices
            .get(payment_hash)
            .filter(|invoice| invoice.node == self.name)
            .cloned()
            .ok_or(NetworkError::InvoiceNotFound)?;
        match invoice.state {
            InvoiceState::Settled => return Err(NetworkError::InvoiceSettled),
            InvoiceState::Canceled => return Ok(invoice),
            InvoiceState::Open | InvoiceState::Accepted => {}
        }
        let mut updates = Vec::new();
        if invoice.state == InvoiceState::Accepted {
            let held = state.payments.iter_mut().find(|(key, payment)| {
                key.1 == *payment_hash && payment.status == PaymentStatus::InFlight
            });
            if let Some((_, payment)) = held {
                payment.status = PaymentStatus::Failed;
                payment.failure_reason = FailureReason::IncorrectPaymentDetails;
                payment.fee_msat = 0;
                updates.push(Update::Payment(payment.clone()));
            }
        }
        invoice.state = InvoiceState::Canceled;
        invoice.amount_paid_msat = 0;
        state.invoices.insert(*payment_hash, invoice.clone());
        drop(state);
        updates.push(Update::Invoice(invoice.clone()));
        for update in updates {
            self.network.publish(update);
        }
        Ok(invoice)
    }

    /// While `holding`, payments to this node's invoices stay in flight
    /// (as if the node were offline with the HTLC locked in) until
    /// [`Node::settle_held`] or [`Node::fail_held`].
    pub fn hold_payments(&self, holding: bool) {
        let mut state = self.network.lock();
        if let Some(node) = state.nodes.get_mut(&self.name) {
            node.holding = holding;
        }
    }

    /// While `unresponsive`, this node's LND stand-in takes payment requests
    /// and never answers them, nor starts the payment (a node that hangs, or
    /// a request lost on the way): the sender cannot know whether it paid.
    pub fn set_unresponsive(&self, unresponsive: bool) {
        let mut state = self.network.lock();
        if let Some(node) = state.nodes.get_mut(&self.name) {
            node.unresponsive = unresponsive;
        }
    }

    pub fn is_unresponsive(&self) -> bool {
        let state = self.network.lock();
        state
            .nodes
            .get(&self.name)
            .is_some_and(|node| node.unresponsive)
    }

    /// How many payments to this node's invoices it holds now.
    pub fn held(&self) -> usize {
        let state = self.network.lock();
        state
            .invoices
            .values()
            .filter(|invoice| invoice.node == self.name && invoice.state == InvoiceState::Accepted)
            .count()
    }

    /// Settles every payment this node holds; returns how many.
    pub fn settle_held(&self) -> Result<usize, NetworkError> {
        self.release_held(true)
    }

    /// Fails every payment this node holds; returns how many.
    pub fn fail_held(&self) -> Result<usize, NetworkError> {
        self.release_held(false)
    }

    fn release_held(&self, settle_them: bool) -> Result<usize, NetworkError> {
        let mut state = self.network.lock();
        let held: Vec<Invoice> = state
            .invoices
            .values()
            .filter(|invoice| invoice.node == self.name && invoice.state == InvoiceState::Accepted)
            .cloned()
            .collect();
        let mut updates = Vec::new();
        for mut invoice in held {
            let key = state
                .payments
                .iter()
                .find(|(key, payment)| {
                    key.1 == invoice.payment_hash && payment.status == PaymentStatus::InFlight
                })
                .map(|(key, _)| key.clone());
            let Some(key) = key else { continue };
            let Some(mut payment) = state.payments.get(&key).cloned() else {
                continue;
            };
            if settle_them {
                settle(&mut state, &self.name, &mut invoice, &mut payment)?;
            } else {
                invoice.state = InvoiceState::Open;
                invoice.amount_paid_msat = 0;
                payment.status = PaymentStatus::Failed;
                payment.failure_reason = FailureReason::Timeout;
                payment.fee_msat = 0;
            }
            state.invoices.insert(invoice.payment_hash, invoice.clone());
            state.payments.insert(key, payment.clone());
            updates.push(Update::Invoice(invoice));
            updates.push(Update::Payment(payment));
        }
        drop(state);
        let released = updates.len() / 2;
        for update in updates {
            self.network.publish(update);
        }
        Ok(released)
    }
}

fn settle(
    state: &mut State,
    payee: &str,
    invoice: &mut Invoice,
    payment: &mut Payment,
) -> Result<(), NetworkError> {
    let payee = node_mut(state, payee)?;
    payee.invoices_settled += 1;
    invoice.state = InvoiceState::Settled;
    invoice.settle_index = payee.invoices_settled;
    invoice.settle_date = now_ns() / 1_000_000_000;
    payment.status = PaymentStatus::Succeeded;
    payment.preimage = Some(invoice.preimage);
    Ok(())
}

fn node_mut<'a>(state: &'a mut State, name: &str) -> Result<&'a mut NodeState, NetworkError> {
    state
        .nodes
        .get_mut(name)
        .ok_or_else(|| NetworkError::UnknownNode(name.to_owned()))
}

fn random_bytes() -> Result<[u8; 32], NetworkError> {
    let mut bytes = [0; 32];
    getrandom::fill(&mut bytes).map_err(|_| NetworkError::Random)?;
    Ok(bytes)
}

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX)
        })
}
