//! What each NIP-47 method does for a connection, on its account: the
//! balance, invoices through [`invoices`], payments through [`payments`]
//! (charged to the connection's [`Budget`]), and the account's
//! transactions. `pay_keysend` and the others this wallet does not offer
//! are NOT_IMPLEMENTED.

use std::{str::FromStr, time::Duration};

use bitcoin::hex::FromHex;
use lightning_invoice::Bolt11Invoice;
use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::Row;

use super::{budget::Budget, connections::ConnectionView, Nwc};
use crate::{
    accounts::{
        invoices::{self, CreateInvoice, InvoiceError},
        ledger::LedgerError,
        payments::{self, PayRequest, PaymentError, PaymentView},
        AccountId,
    },
    database,
    lightning::Description,
};

/// The methods this wallet answers, as NIP-47 names them.
pub const SUPPORTED: &[&str] = &[
    "pay_invoice",
    "get_balance",
    "get_info",
    "make_invoice",
    "lookup_invoice",
    "list_transactions",
];
/// The most transactions one `list_transactions` answers.
pub const MAX_TRANSACTIONS: u64 = 100;
/// The furthest `list_transactions` pages.
const MAX_OFFSET: u64 = 10_000;
/// How often a pending payment is looked at until it ends.
const LOOK_EVERY: Duration = Duration::from_millis(200);
/// How long an answer waits for a pending payment; after that the request
/// stays unanswered, and [`super::requests`] tries again later.
const PAYMENT_WAIT: Duration = Duration::from_secs(90);

/// A NIP-47 error: its code and what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
}

impl Refusal {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// Who asks: a connection of an account, by one request.
pub struct Caller<'a> {
    pub account: &'a AccountId,
    pub connection: &'a ConnectionView,
    pub event_id: &'a str,
}

/// How a method answered.
pub enum Answer {
    Result(Value),
    Error(Refusal),
    /// A payment still in flight: no answer yet.
    Pending,
}

/// Answers `method` with `params` for `caller`.
pub async fn answer(nwc: &Nwc, caller: &Caller<'_>, method: &str, params: Value) -> Answer {
    if !SUPPORTED.contains(&method) {
        return Answer::Error(Refusal::new(
            "NOT_IMPLEMENTED",
            format!("this wallet does not offer {method}"),
        ));
    }
    if !caller
        .connection
        .methods
        .iter()
        .any(|allowed| allowed == method)
    {
        return Answer::Error(Refusal::new(
            "RESTRICTED",
            format!("this connection may not call {method}"),
        ));
    }
    let answered = match method {
        "get_info" => get_info(nwc, caller),
        "get_balance" => get_balance(nwc, caller).await,
        "make_invoice" => make_invoice(nwc, caller, params).await,
        "lookup_invoice" => lookup_invoice(nwc, caller, params).await,
        "list_transactions" => list_transactions(nwc, caller, params).await,
        _ => return pay_invoice(nwc, caller, params).await,
    };
    match answered {
        Ok(result) => Answer::Result(result),
        Err(refusal) => Answer::Error(refusal),
    }
}

fn params<T: for<'de> Deserialize<'de>>(params: Value) -> Result<T, Refusal> {
    serde_json::from_value(params).map_err(|err| Refusal::new("OTHER", format!("params: {err}")))
}

fn internal(err: impl std::fmt::Display) -> Refusal {
    tracing::warn!("nwc: {err}");
    Refusal::new("INTERNAL", "the wallet failed; try again")
}

fn get_info(nwc: &Nwc, caller: &Caller<'_>) -> Result<Value, Refusal> {
    let node = nwc.accounts.node.as_ref();
    Ok(json!({
        "alias": "Flash",
        "pubkey": node.map(|node| node.pubkey.to_string()),
        "network": node.map(|node| node.network.clone()),
        "methods": caller.connection.methods,
        "notifications": [],
    }))
}

async fn get_balance(nwc: &Nwc, caller: &Caller<'_>) -> Result<Value, Refusal> {
    let balance = nwc
        .accounts
        .ledger
        .balance(caller.account)
        .await
        .map_err(internal)?;
    Ok(json!({ "balance": balance }))
}

#[derive(Deserialize)]
struct MakeInvoice {
    amount: u64,
    description: Option<String>,
    description_hash: Option<String>,
    expiry: Option<u64>,
}

async fn make_invoice(nwc: &Nwc, caller: &Caller<'_>, value: Value) -> Result<Value, Refusal> {
    let request: MakeInvoice = params(value)?;
    let made = match request.description_hash {
        Some(hash) => {
            let hash = <[u8; 32]>::from_hex(&hash)
                .map_err(|_| Refusal::new("OTHER", "description_hash is not 32 bytes of hex"))?;
            invoices::add_invoice(
                &nwc.accounts,
                caller.account,
                request.amount,
                Description::Hash(hash),
                request.description.unwrap_or_default(),
                request.expiry.unwrap_or(invoices::DEFAULT_EXPIRY_SECS),
                None,
            )
            .await
        }
        None => {
            invoices::create_invoice(
                &nwc.accounts,
                caller.account,
                CreateInvoice {
                    amount_msat: request.amount,
                    description: request.description.unwrap_or_default(),
                    expiry_secs: request.expiry,
                },
            )
            .await
        }
    };
    let invoice = made.map_err(|err| match err {
        InvoiceError::Ledger(LedgerError::Database(_)) | InvoiceError::Node(_) => internal(err),
        other => Refusal::new("OTHER", other.to_string()),
    })?;
    lookup(nwc, caller.account, &invoice.payment_hash)
        .await?
        .ok_or_else(|| internal("a new invoice is not found"))
}

#[derive(Deserialize)]
struct LookupInvoice {
    payment_hash: Option<String>,
    invoice: Option<String>,
}

async fn lookup_invoice(nwc: &Nwc, caller: &Caller<'_>, value: Value) -> Result<Value, Refusal> {
    let request: LookupInvoice = params(value)?;
    let hash = match (request.payment_hash, request.invoice) {
        (Some(hash), _) => hash.to_ascii_lowercase(),
        (None, Some(invoice)) => {
            let invoice = invoice.trim().to_ascii_lowercase();
            let invoice = invoice.strip_prefix("lightning:").unwrap_or(&invoice);
            let invoice = Bolt11Invoice::from_str(invoice)
                .map_err(|err| Refusal::new("OTHER", format!("not an invoice: {err}")))?;
            invoice.payment_hash().to_string()
        }
        (None, None) => {
            return Err(Refusal::new(
                "OTHER",
                "say which invoice: payment_hash or invoice",
            ))
        }
    };
    lookup(nwc, caller.account, &hash)
        .await?
        .ok_or_else(|| Refusal::new("NOT_FOUND", "no such invoice or payment of this wallet"))
}

async fn lookup(nwc: &Nwc, account: &AccountId, hash: &str) -> Result<Option<Value>, Refusal> {
    let found = transactions(
        nwc,
        account,
        &Filter {
            payment_hash: hash,
            from: 0,
            until: i64::MAX,
            kind: "",
            unpaid: true,
            limit: 1,
            offset: 0,
        },
    )
    .await?;
    Ok(found.into_iter().next())
}

#[derive(Deserialize)]
struct ListTransactions {
    from: Option<i64>,
    until: Option<i64>,
    limit: Option<u64>,
    offset: Option<u64>,
    unpaid: Option<bool>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

async fn list_transactions(nwc: &Nwc, caller: &Caller<'_>, value: Value) -> Result<Value, Refusal> {
    let request: ListTransactions = params(value)?;
    let kind = match request.kind.as_deref() {
        None => "",
        Some("incoming") => "incoming",
        Some("outgoing") => "outgoing",
        Some(other) => {
            return Err(Refusal::new(
                "OTHER",
                format!("no transaction type {other:?}"),
            ))
        }
    };
    let transactions = transactions(
        nwc,
        caller.account,
        &Filter {
            payment_hash: "",
            from: request.from.unwrap_or(0),
            until: request.until.unwrap_or(i64::MAX),
            kind,
            unpaid: request.unpaid.unwrap_or(false),
            limit: request.limit.unwrap_or(50).min(MAX_TRANSACTIONS),
            offset: request.offset.unwrap_or(0).min(MAX_OFFSET),
        },
    )
    .await?;
    Ok(json!({ "transactions": transactions }))
}

/// Which of the account's transactions to read.
struct Filter<'a> {
    /// "" for any.
    payment_hash: &'a str,
    from: i64,
    until: i64,
    /// incoming, outgoing or "" for both.
    kind: &'a str,
    /// Unpaid invoices and unfinished payments too.
    unpaid: bool,
    limit: u64,
    offset: u64,
}

/// The account's invoices and payments as NIP-47 transactions, newest first.
async fn transactions(
    nwc: &Nwc,
    account: &AccountId,
    filter: &Filter<'_>,
) -> Result<Vec<Value>, Refusal> {
    let rows = sqlx::query(
        "SELECT kind, bolt11, description, preimage, payment_hash, amount_msat, fee_msat, state, \
         created_at, expires_at, settled_at FROM ( \
           SELECT 'incoming' AS kind, bolt11, description, CAST(NULL AS TEXT) AS preimage, \
                  payment_hash, \
                  CASE WHEN state = 'settled' THEN received_msat ELSE amount_msat END AS amount_msat, \
                  CAST(0 AS BIGINT) AS fee_msat, \
                  CASE WHEN state = 'settled' THEN 'settled' \
                       WHEN expires_at <= $2 THEN 'expired' ELSE 'pending' END AS state, \
                  created_at, CAST(expires_at AS BIGINT) AS expires_at, settled_at \
           FROM account_invoices WHERE account_id = $1 \
           UNION ALL \
           SELECT 'outgoing' AS kind, bolt11, CAST(NULL AS TEXT) AS description, preimage, \
                  payment_hash, amount_msat, fee_msat, \
                  CASE WHEN state = 'succeeded' THEN 'settled' ELSE state END AS state, \
                  created_at, CAST(NULL AS BIGINT) AS expires_at, \
                  CASE WHEN state = 'succeeded' THEN finished_at ELSE NULL END AS settled_at \
           FROM account_payments WHERE account_id = $1 \
         ) AS transactions \
         WHERE ($3 = '' OR payment_hash = $3) AND created_at >= $4 AND created_at <= $5 \
           AND ($6 = '' OR kind = $6) AND ($7 = 1 OR state = 'settled') \
         ORDER BY created_at DESC, payment_hash DESC LIMIT $8 OFFSET $9",
    )
    .bind(account.as_str())
    .bind(database::now())
    .bind(filter.payment_hash)
    .bind(filter.from)
    .bind(filter.until)
    .bind(filter.kind)
    .bind(i64::from(filter.unpaid))
    .bind(i64::try_from(filter.limit).unwrap_or(1))
    .bind(i64::try_from(filter.offset).unwrap_or(0))
    .fetch_all(nwc.accounts.ledger.db().pool())
    .await
    .map_err(internal)?;
    rows.iter()
        .map(|row| {
            let description: Option<String> = row.try_get("description")?;
            Ok(json!({
                "type": row.try_get::<String, _>("kind")?,
                "state": row.try_get::<String, _>("state")?,
                "invoice": row.try_get::<Option<String>, _>("bolt11")?,
                "description": description.filter(|text| !text.is_empty()),
                "preimage": row.try_get::<Option<String>, _>("preimage")?,
                "payment_hash": row.try_get::<String, _>("payment_hash")?,
                "amount": row.try_get::<i64, _>("amount_msat")?,
                "fees_paid": row.try_get::<i64, _>("fee_msat")?,
                "created_at": row.try_get::<i64, _>("created_at")?,
                "expires_at": row.try_get::<Option<i64>, _>("expires_at")?,
                "settled_at": row.try_get::<Option<i64>, _>("settled_at")?,
            }))
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(internal)
}

#[derive(Deserialize)]
struct PayInvoice {
    invoice: String,
    amount: Option<u64>,
}

/// Pays through the account's payment path, keyed by the request (so a
/// request acted on again after a crash finds its payment instead of paying
/// twice) and charged to the connection's budget in the payment's own
/// transaction; then waits for the payment to end.
async fn pay_invoice(nwc: &Nwc, caller: &Caller<'_>, value: Value) -> Answer {
    let request: PayInvoice = match params(value) {
        Ok(request) => request,
        Err(refusal) => return Answer::Error(refusal),
    };
    let connection = caller.connection;
    let budget = Budget {
        client_pubkey: connection.pubkey.clone(),
        event_id: caller.event_id.to_owned(),
        budget_msat: connection
            .budget_sat
            .and_then(|sat| i64::try_from(sat.saturating_mul(1000)).ok()),
        renewal: connection.budget_renewal,
    };
    let paid = payments::pay_within(
        &nwc.accounts,
        caller.account,
        PayRequest {
            bolt11: request.invoice,
            amount_msat: request.amount,
            idempotency_key: caller.event_id.to_owned(),
        },
        Some(&budget),
    )
    .await;
    let mut payment = match paid {
        Ok(payment) => payment,
        Err(err) => return Answer::Error(payment_refusal(err)),
    };
    let deadline = tokio::time::Instant::now() + PAYMENT_WAIT;
    while payment.state == "pending" {
        if tokio::time::Instant::now() >= deadline {
            return Answer::Pending;
        }
        tokio::time::sleep(LOOK_EVERY).await;
        match payments::by_id(&nwc.accounts, caller.account, &payment.id).await {
            Ok(Some(now)) => payment = now,
            Ok(None) => return Answer::Error(internal("a payment is not found")),
            Err(err) => return Answer::Error(internal(err)),
        }
    }
    paid_answer(payment)
}

fn paid_answer(payment: PaymentView) -> Answer {
    match (payment.state.as_str(), payment.preimage) {
        ("succeeded", Some(preimage)) => Answer::Result(json!({
            "preimage": preimage,
            "fees_paid": payment.fee_msat,
        })),
        // Paid inside the ledger: the payee's invoice settled without the
        // node, whose preimage it never needed.
        ("succeeded", None) => Answer::Result(json!({ "preimage": "", "fees_paid": 0 })),
        _ => Answer::Error(Refusal::new(
            "PAYMENT_FAILED",
            payment
                .failure
                .unwrap_or_else(|| "the payment failed".to_owned()),
        )),
    }
}

fn payment_refusal(err: PaymentError) -> Refusal {
    match err {
        PaymentError::OverBudget { .. } => Refusal::new("QUOTA_EXCEEDED", err.to_string()),
        PaymentError::Ledger(LedgerError::InsufficientBalance { .. }) => {
            Refusal::new("INSUFFICIENT_BALANCE", err.to_string())
        }
        PaymentError::Ledger(LedgerError::Database(_) | LedgerError::Random(_))
        | PaymentError::NoNode => internal(err),
        other => Refusal::new("OTHER", other.to_string()),
    }
}
