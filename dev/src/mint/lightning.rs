//! The dev mint's Lightning node when it sits on the dev network: cdk's
//! [`MintPayment`] over one [`Node`], so the mint's invoices are real
//! invoices of that node, paid by other nodes, and its melts are payments the
//! network routes, charges for and may hold.
//!
//! Only bolt11 in sat is offered: it is all the mint advertises.

use std::{
    collections::{HashMap, VecDeque},
    pin::Pin,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex, MutexGuard,
    },
    time::{SystemTime, UNIX_EPOCH},
};

use bitcoin::hex::DisplayHex;
use cdk::{
    amount::Amount,
    cdk_payment::{
        self, Bolt11Settings, CreateIncomingPaymentResponse, Event, IncomingPaymentOptions,
        MakePaymentResponse, MintPayment, OutgoingPaymentOptions, PaymentIdentifier,
        PaymentQuoteResponse, SettingsResponse, WaitPaymentResponse,
    },
    mint::QuoteId,
    nuts::{CurrencyUnit, MeltOptions, MeltQuoteState},
    Bolt11Invoice,
};
use futures_util::Stream;
use tokio::sync::{broadcast, watch};

use crate::lightning::{
    Invoice, InvoiceState, InvoiceTerms, NetworkError, Node, Payment, PaymentStatus, Update,
    CURRENCY,
};

/// What a melt reserves for routing fees: 1 %, at least 2 sats. The network
/// charges 1 sat + 0.1 %, so the reserve covers it and a melt gets the rest
/// back as change (NUT-08), as on a real node.
pub(super) const FEE_RESERVE_MIN_SAT: u64 = 2;
pub(super) const FEE_RESERVE_PERCENT: f32 = 0.01;

const MSAT_PER_SAT: u64 = 1_000;

/// Why the mint's node could not do what the mint asked.
#[derive(Debug, thiserror::Error)]
pub enum NodeBackendError {
    #[error("the dev mint's node offers bolt11 only")]
    UnsupportedMethod,
    #[error("the dev mint's node works in sat only")]
    UnsupportedUnit,
    #[error("the invoice has no amount and none was given")]
    NoAmount,
    #[error("the amount given is not the invoice's")]
    AmountMismatch,
    #[error("the dev mint's node pays in one part (no MPP)")]
    Mpp,
    #[error("the invoice is for another network than the dev network's regtest")]
    WrongNetwork,
    #[error("the amount does not fit in msat")]
    Overflow,
    #[error("the dev mint's node refused: {0}")]
    Network(#[from] NetworkError),
}

impl From<NodeBackendError> for cdk_payment::Error {
    fn from(err: NodeBackendError) -> Self {
        match err {
            NodeBackendError::UnsupportedMethod | NodeBackendError::Mpp => {
                Self::UnsupportedPaymentOption
            }
            NodeBackendError::UnsupportedUnit => Self::UnsupportedUnit,
            NodeBackendError::AmountMismatch => Self::AmountMismatch,
            NodeBackendError::Network(NetworkError::AlreadyPaid) => Self::InvoiceAlreadyPaid,
            NodeBackendError::Network(NetworkError::PaymentInFlight) => Self::InvoicePaymentPending,
            other => Self::Backend(Box::new(other)),
        }
    }
}

/// The mint's Lightning backend on a dev network node.
#[derive(Debug, Clone)]
pub struct NodeBackend {
    node: Node,
    shared: Arc<Shared>,
}

/// What the backend and its payment event streams share.
#[derive(Debug)]
struct Shared {
    /// Melts whose payment the payee holds, by payment hash: the stream tells
    /// the mint when the network settles or fails them.
    pending_melts: Mutex<HashMap<[u8; 32], QuoteId>>,
    /// The last settle index the mint was told of, so a reconnected stream
    /// resumes where the previous one stopped.
    settle_index: AtomicU64,
    stream_active: AtomicBool,
    /// `true` asks the running stream to end.
    cancel: watch::Sender<bool>,
}

impl NodeBackend {
    /// A backend paying and receiving as `node`.
    pub fn new(node: Node) -> Self {
        Self {
            node,
            shared: Arc::new(Shared {
                pending_melts: Mutex::default(),
                settle_index: AtomicU64::new(0),
                stream_active: AtomicBool::new(false),
                cancel: watch::channel(false).0,
            }),
        }
    }

    /// The node the mint receives and pays with.
    pub fn node(&self) -> &Node {
        &self.node
    }

    /// Where `make_payment` and `check_outgoing_payment` agree: the mint's
    /// view of this node's payment of `payment_hash`.
    fn outgoing(&self, payment_hash: [u8; 32]) -> MakePaymentResponse {
        let payment = self.node.track_payment(&payment_hash);
        let (status, total_spent, payment_proof) = match &payment {
            // The node never started it (it refused the request): nothing
            // can settle, so the mint may give the proofs back.
            None => (MeltQuoteState::Unpaid, 0, None),
            Some(payment) => match payment.status {
                PaymentStatus::InFlight => (MeltQuoteState::Pending, 0, None),
                PaymentStatus::Failed => (MeltQuoteState::Failed, 0, None),
                PaymentStatus::Succeeded => (
                    MeltQuoteState::Paid,
                    sat_up(payment.value_msat.saturating_add(payment.fee_msat)),
                    payment
                        .preimage
                        .map(|preimage| preimage.to_lower_hex_string()),
                ),
            },
        };
        MakePaymentResponse {
            payment_lookup_id: PaymentIdentifier::PaymentHash(payment_hash),
            payment_proof,
            status,
            total_spent: Amount::new(total_spent, CurrencyUnit::Sat),
        }
    }

    fn pending_melts(&self) -> MutexGuard<'_, HashMap<[u8; 32], QuoteId>> {
        // A panic while holding it leaves a plain map; keep serving.
        self.shared
            .pending_melts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// What happened since the mint last heard: the node's invoices settled
    /// since then, and the held melts the network has since settled or
    /// failed.
    fn catch_up(&self) -> Vec<Event> {
        let after = self.shared.settle_index.load(Ordering::SeqCst);
        let mut events: Vec<Event> = Vec::new();
        for invoice in self.node.invoices_settled_after(after) {
            self.shared
                .settle_index
                .fetch_max(invoice.settle_index, Ordering::SeqCst);
            events.push(Event::PaymentReceived(received(&invoice)));
        }
        let mut pending = self.pending_melts();
        let resolved: Vec<(Payment, QuoteId)> = pending
            .iter()
            .filter_map(|(hash, quote_id)| {
                let payment = self.node.track_payment(hash)?;
                (payment.status != PaymentStatus::InFlight).then(|| (payment, quote_id.clone()))
            })
            .collect();
        for (payment, quote_id) in resolved {
            pending.remove(&payment.payment_hash);
            events.push(match payment.status {
                PaymentStatus::Failed => Event::PaymentFailed {
                    quote_id,
                    reason: format!("{:?}", payment.failure_reason),
                },
                _ => Event::PaymentSuccessful {
                    quote_id,
                    details: self.outgoing(payment.payment_hash),
                },
            });
        }
        events
    }
}

#[async_trait::async_trait]
impl MintPayment for NodeBackend {
    type Err = cdk_payment::Error;

    async fn get_settings(&self) -> Result<SettingsResponse, Self::Err> {
        Ok(SettingsResponse {
            unit: CurrencyUnit::Sat.to_string(),
            bolt11: Some(Bolt11Settings {
                mpp: false,
                amountless: true,
                invoice_description: true,
            }),
            bolt12: None,
            onchain: None,
            custom: HashMap::new(),
        })
    }

    async fn create_incoming_payment_request(
        &self,
        options: IncomingPaymentOptions,
    ) -> Result<CreateIncomingPaymentResponse, Self::Err> {
        let IncomingPaymentOptions::Bolt11(options) = options else {
            return Err(NodeBackendError::UnsupportedMethod.into());
        };
        let value_msat = to_msat(&options.amount)?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        let expiry_secs = match options.unix_expiry {
            Some(expiry) if expiry <= now => return Err(cdk_payment::Error::InvalidExpiry),
            Some(expiry) => expiry - now,
            // The node's default.
            None => 0,
        };
        let invoice = self
            .node
            .add_invoice(InvoiceTerms {
                value_msat,
                memo: options.description.unwrap_or_default(),
                expiry_secs,
                ..InvoiceTerms::default()
            })
            .map_err(NodeBackendError::from)?;
        Ok(CreateIncomingPaymentResponse {
            request_lookup_id: PaymentIdentifier::PaymentHash(invoice.payment_hash),
            request: invoice.bolt11,
            expiry: Some(invoice.creation_date + invoice.expiry_secs),
            extra_json: None,
        })
    }

    async fn get_payment_quote(
        &self,
        unit: &CurrencyUnit,
        options: OutgoingPaymentOptions,
    ) -> Result<PaymentQuoteResponse, Self::Err> {
        let OutgoingPaymentOptions::Bolt11(options) = options else {
            return Err(NodeBackendError::UnsupportedMethod.into());
        };
        ensure_sat(unit)?;
        // Refused now rather than at payment: the node cannot pay it.
        if options.bolt11.currency() != CURRENCY {
            return Err(NodeBackendError::WrongNetwork.into());
        }
        let amount_msat = amount_msat(&options.bolt11, options.melt_options)?;
        let amount = sat_up(amount_msat);
        Ok(PaymentQuoteResponse {
            request_lookup_id: Some(PaymentIdentifier::PaymentHash(
                *options.bolt11.payment_hash().as_ref(),
            )),
            amount: Amount::new(amount, unit.clone()),
            fee: Amount::new(fee_reserve(amount), unit.clone()),
            state: MeltQuoteState::Unpaid,
            extra_json: None,
            estimated_blocks: None,
            fee_options: None,
        })
    }

    async fn make_payment(
        &self,
        unit: &CurrencyUnit,
        options: OutgoingPaymentOptions,
    ) -> Result<MakePaymentResponse, Self::Err> {
        let OutgoingPaymentOptions::Bolt11(options) = options else {
            return Err(NodeBackendError::UnsupportedMethod.into());
        };
        ensure_sat(unit)?;
        let bolt11 = &options.bolt11;
        let amount_msat = amount_msat(bolt11, options.melt_options)?;
        let fee_limit_msat = match &options.max_fee_amount {
            Some(limit) => to_msat(limit)?,
            None => fee_reserve(sat_up(amount_msat))
                .checked_mul(MSAT_PER_SAT)
                .ok_or(NodeBackendError::Overflow)?,
        };
        // The node takes an amount only for an invoice without one.
        let given_msat = bolt11
            .amount_milli_satoshis()
            .is_none()
            .then_some(amount_msat);
        let payment = self
            .node
            .pay(&bolt11.to_string(), given_msat, fee_limit_msat)
            .map_err(NodeBackendError::from)?;
        if payment.status == PaymentStatus::InFlight {
            self.pending_melts()
                .insert(payment.payment_hash, options.quote_id.clone());
        }
        Ok(self.outgoing(payment.payment_hash))
    }

    async fn wait_payment_event(
        &self,
    ) -> Result<Pin<Box<dyn Stream<Item = Event> + Send>>, Self::Err> {
        // Subscribed before catching up, so nothing settles in between
        // unseen.
        let updates = self.node.network().subscribe();
        self.shared.cancel.send_replace(false);
        let cancel = self.shared.cancel.subscribe();
        self.shared.stream_active.store(true, Ordering::SeqCst);
        let state = StreamState {
            backend: self.clone(),
            updates,
            cancel,
            queued: self.catch_up().into(),
        };
        Ok(Box::pin(futures_util::stream::unfold(state, next_event)))
    }

    fn is_payment_event_stream_active(&self) -> bool {
        self.shared.stream_active.load(Ordering::SeqCst)
    }

    fn cancel_payment_event_stream(&self) {
        self.shared.cancel.send_replace(true);
    }

    async fn check_incoming_payment_status(
        &self,
        payment_identifier: &PaymentIdentifier,
    ) -> Result<Vec<WaitPaymentResponse>, Self::Err> {
        let PaymentIdentifier::PaymentHash(payment_hash) = payment_identifier else {
            return Err(NodeBackendError::UnsupportedMethod.into());
        };
        Ok(self
            .node
            .lookup_invoice(payment_hash)
            .filter(|invoice| invoice.state == InvoiceState::Settled)
            .map(|invoice| received(&invoice))
            .into_iter()
            .collect())
    }

    async fn check_outgoing_payment(
        &self,
        payment_identifier: &PaymentIdentifier,
    ) -> Result<MakePaymentResponse, Self::Err> {
        let PaymentIdentifier::PaymentHash(payment_hash) = payment_identifier else {
            return Err(NodeBackendError::UnsupportedMethod.into());
        };
        Ok(self.outgoing(*payment_hash))
    }
}

/// One payment event stream: the network's updates, turned into the mint's
/// events.
struct StreamState {
    backend: NodeBackend,
    updates: broadcast::Receiver<Update>,
    cancel: watch::Receiver<bool>,
    queued: VecDeque<Event>,
}

impl Drop for StreamState {
    fn drop(&mut self) {
        self.backend
            .shared
            .stream_active
            .store(false, Ordering::SeqCst);
    }
}

async fn next_event(mut state: StreamState) -> Option<(Event, StreamState)> {
    loop {
        if let Some(event) = state.queued.pop_front() {
            return Some((event, state));
        }
        if *state.cancel.borrow() {
            return None;
        }
        let mine = state.backend.node.name().to_owned();
        tokio::select! {
            // Cancelled, or the backend is gone: the stream ends.
            changed = state.cancel.changed() => if changed.is_err() { return None },
            update = state.updates.recv() => match update {
                Ok(Update::Invoice(invoice)) if invoice.node == mine => {}
                Ok(Update::Payment(payment)) if payment.node == mine => {}
                Ok(_) => continue,
                // Missed some: the catch-up reads the current state anyway.
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return None,
            },
        }
        state.queued.extend(state.backend.catch_up());
    }
}

/// The mint's record of a settled invoice of its node.
fn received(invoice: &Invoice) -> WaitPaymentResponse {
    WaitPaymentResponse {
        payment_identifier: PaymentIdentifier::PaymentHash(invoice.payment_hash),
        payment_amount: Amount::new(invoice.amount_paid_msat, CurrencyUnit::Msat),
        payment_id: invoice.payment_hash.to_lower_hex_string(),
    }
}

/// What paying `bolt11` sends: the invoice's amount, or the wallet's for an
/// invoice without one (which must agree with the invoice's if both exist).
fn amount_msat(
    bolt11: &Bolt11Invoice,
    melt_options: Option<MeltOptions>,
) -> Result<u64, NodeBackendError> {
    match (bolt11.amount_milli_satoshis(), melt_options) {
        (_, Some(MeltOptions::Mpp { .. })) => Err(NodeBackendError::Mpp),
        (Some(invoice), Some(MeltOptions::Amountless { amountless })) => {
            if invoice == u64::from(amountless.amount_msat) {
                Ok(invoice)
            } else {
                Err(NodeBackendError::AmountMismatch)
            }
        }
        (None, Some(MeltOptions::Amountless { amountless })) => {
            Ok(u64::from(amountless.amount_msat))
        }
        (Some(invoice), None) => Ok(invoice),
        (None, None) => Err(NodeBackendError::NoAmount),
    }
}

/// 1 % of `amount`, at least [`FEE_RESERVE_MIN_SAT`].
fn fee_reserve(amount: u64) -> u64 {
    // An f32 as cdk's own `FeeReserve`; dev amounts are far below where it
    // loses whole sats.
    let percent = (amount as f32 * FEE_RESERVE_PERCENT) as u64;
    percent.max(FEE_RESERVE_MIN_SAT)
}

fn to_msat(amount: &Amount<CurrencyUnit>) -> Result<u64, NodeBackendError> {
    match amount.unit() {
        CurrencyUnit::Sat => amount
            .value()
            .checked_mul(MSAT_PER_SAT)
            .ok_or(NodeBackendError::Overflow),
        CurrencyUnit::Msat => Ok(amount.value()),
        _ => Err(NodeBackendError::UnsupportedUnit),
    }
}

fn ensure_sat(unit: &CurrencyUnit) -> Result<(), NodeBackendError> {
    match unit {
        CurrencyUnit::Sat => Ok(()),
        _ => Err(NodeBackendError::UnsupportedUnit),
    }
}

/// `msat` in sat, a part of a sat counted as a whole one: what the mint
/// charges must cover what the node spent.
fn sat_up(msat: u64) -> u64 {
    msat.div_ceil(MSAT_PER_SAT)
}
