//! The API's one error type: every failed `/api` request answers with its
//! JSON body, so clients can branch on `error` and show `message` to a
//! developer.

use std::time::Duration;

use axum::{
    extract::rejection::{JsonRejection, QueryRejection},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    BoxError, Json,
};
use serde::Serialize;

use crate::{
    accounts::{InvoiceError, LedgerError, NameError, PaymentError},
    auth::AuthError,
    limits::MAX_BODY,
    nwc::NwcError,
};

/// Why an API request failed. Handlers return it as their `Err`.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    /// The query string lacks a parameter or holds one that does not parse.
    #[error("{}", .0.body_text())]
    Query(#[from] QueryRejection),

    /// The JSON body is missing, malformed, or not what the endpoint reads.
    #[error("{}", .0.body_text())]
    Body(#[from] JsonRejection),

    /// A well-formed request the endpoint cannot answer as asked.
    #[error("{0}")]
    BadRequest(String),

    /// No endpoint at `path`.
    #[error("no API endpoint at {path}")]
    NotFound { path: String },

    /// The request's NIP-98 signature was refused.
    #[error(transparent)]
    Auth(#[from] AuthError),

    /// The ledger refused or could not write a movement of money.
    #[error(transparent)]
    Ledger(#[from] LedgerError),

    /// The client is over a rate limit.
    #[error("too many requests: try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },

    /// An invoice could not be created or found.
    #[error(transparent)]
    Invoice(#[from] InvoiceError),

    /// A payment was refused or could not be started.
    #[error(transparent)]
    Payment(#[from] PaymentError),

    /// A name was refused, or the account has none.
    #[error(transparent)]
    Name(#[from] NameError),

    /// A wallet connection was refused, or not found.
    #[error(transparent)]
    Nwc(#[from] NwcError),

    /// The request's body is over the API's limit.
    #[error("the request body is over {MAX_BODY} bytes")]
    PayloadTooLarge,

    /// The answer took longer than the server allows.
    #[error(
        "no answer within {secs} s: what the request did by then stands (a payment goes on; \
         send it again with the same idempotency key to see it)"
    )]
    Timeout { secs: u64 },

    /// The server is working on as many requests as it takes at once.
    #[error("the server is busy: try again in a moment")]
    Overloaded,

    /// A layer of the server failed in a way it does not name.
    #[error("the server failed: {0}")]
    Internal(String),
}

impl ApiError {
    /// The error of a request the API's timeout cut short.
    pub(crate) fn late(err: BoxError, timeout: Duration) -> Self {
        if err.is::<tower::timeout::error::Elapsed>() {
            Self::Timeout {
                secs: timeout.as_secs(),
            }
        } else {
            Self::Internal(err.to_string())
        }
    }

    /// The error of a request the server's concurrency limit turned away.
    pub(crate) fn shed(err: BoxError) -> Self {
        if err.is::<tower::load_shed::error::Overloaded>() {
            Self::Overloaded
        } else {
            Self::Internal(err.to_string())
        }
    }
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            Self::Query(rejection) => rejection.status(),
            Self::Body(rejection) => rejection.status(),
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::Auth(err) => err.status(),
            Self::Ledger(err) => ledger_status(err),
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Invoice(err) => match err {
                InvoiceError::Unknown(_) => StatusCode::NOT_FOUND,
                InvoiceError::NoNode | InvoiceError::Node(_) => StatusCode::SERVICE_UNAVAILABLE,
                InvoiceError::Ledger(err) => ledger_status(err),
                _ => StatusCode::BAD_REQUEST,
            },
            Self::Payment(err) => match err {
                PaymentError::Unknown(_) => StatusCode::NOT_FOUND,
                PaymentError::AlreadyPaid
                | PaymentError::KeyReused
                | PaymentError::OverBudget { .. } => StatusCode::CONFLICT,
                PaymentError::NoNode => StatusCode::SERVICE_UNAVAILABLE,
                PaymentError::Ledger(err) => ledger_status(err),
                _ => StatusCode::BAD_REQUEST,
            },
            Self::Name(err) => err.status(),
            Self::Nwc(err) => err.status(),
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Timeout { .. } | Self::Overloaded => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The body's `error`: what a client branches on.
    fn code(&self) -> &'static str {
        match self {
            Self::Body(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                "payload_too_large"
            }
            Self::Query(_) | Self::Body(_) | Self::BadRequest(_) => "bad_request",
            Self::NotFound { .. } => "not_found",
            Self::Auth(err) => err.code(),
            Self::Ledger(err) => ledger_code(err),
            Self::RateLimited { .. } => "rate_limited",
            Self::Invoice(err) => match err {
                InvoiceError::DescriptionTooLong => "description_too_long",
                InvoiceError::ExpiryOutOfRange => "expiry_out_of_range",
                InvoiceError::AmountTooLarge { .. } => "amount_out_of_range",
                InvoiceError::NoNode | InvoiceError::Node(_) => "lightning_unavailable",
                InvoiceError::Unknown(_) => "not_found",
                InvoiceError::Ledger(err) => ledger_code(err),
            },
            Self::Payment(err) => match err {
                PaymentError::NotAnInvoice(_) => "invoice_invalid",
                PaymentError::WrongNetwork { .. } => "invoice_wrong_network",
                PaymentError::Expired => "invoice_expired",
                PaymentError::AmountRequired => "amount_required",
                PaymentError::AmountMismatch { .. } => "amount_mismatch",
                PaymentError::AmountOutOfRange { .. } => "amount_out_of_range",
                PaymentError::OwnInvoice => "own_invoice",
                PaymentError::NotPayable => "invoice_not_payable",
                PaymentError::AlreadyPaid => "invoice_already_paid",
                PaymentError::KeyReused => "idempotency_key_reused",
                PaymentError::NoNode => "lightning_unavailable",
                PaymentError::Unknown(_) => "not_found",
                PaymentError::OverBudget { .. } => "over_budget",
                PaymentError::Ledger(err) => ledger_code(err),
            },
            Self::Name(err) => err.code(),
            Self::Nwc(err) => err.code(),
            Self::PayloadTooLarge => "payload_too_large",
            Self::Timeout { .. } => "timeout",
            Self::Overloaded => "overloaded",
            Self::Internal(_) => "internal",
        }
    }
}

fn ledger_status(err: &LedgerError) -> StatusCode {
    match err {
        LedgerError::InsufficientBalance { .. } => StatusCode::CONFLICT,
        LedgerError::UnknownAccount(_) => StatusCode::NOT_FOUND,
        LedgerError::Database(_) | LedgerError::Random(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    }
}

fn ledger_code(err: &LedgerError) -> &'static str {
    match err {
        LedgerError::InsufficientBalance { .. } => "insufficient_balance",
        LedgerError::UnknownAccount(_) => "unknown_account",
        LedgerError::BadIdempotencyKey => "bad_idempotency_key",
        LedgerError::AmountOutOfRange => "amount_out_of_range",
        LedgerError::Unbalanced | LedgerError::MalformedEntry => "bad_request",
        LedgerError::Database(_) | LedgerError::Random(_) => "unavailable",
    }
}

/// The JSON an [`ApiError`] answers with.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorBody {
    /// What a client branches on, e.g. `insufficient_balance`.
    error: &'static str,
    /// For a developer; the app shows its own words.
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // The client gets "unavailable"; the operator needs the cause.
        match &self {
            Self::Ledger(LedgerError::Database(err))
            | Self::Invoice(InvoiceError::Ledger(LedgerError::Database(err)))
            | Self::Payment(PaymentError::Ledger(LedgerError::Database(err)))
            | Self::Name(NameError::Ledger(LedgerError::Database(err)))
            | Self::Nwc(NwcError::Ledger(LedgerError::Database(err))) => {
                tracing::error!("ledger: {err}")
            }
            Self::Invoice(InvoiceError::Node(err)) => tracing::warn!("Lightning node: {err}"),
            Self::Auth(AuthError::Database(err)) => tracing::error!("NIP-98 replay check: {err}"),
            Self::Internal(err) => tracing::error!("{err}"),
            _ => {}
        }
        let retry_after = match self {
            Self::RateLimited { retry_after_secs } => Some(retry_after_secs),
            Self::Overloaded => Some(1),
            _ => None,
        };
        let body = ErrorBody {
            error: self.code(),
            message: self.to_string(),
        };
        let status = self.status();
        let mut response = (status, Json(body)).into_response();
        if let Some(retry_after_secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            // RFC 9110: a 401 names the scheme that would be accepted.
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Nostr"));
        }
        response
    }
}
