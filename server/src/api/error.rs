//! The API's one error type: every failed `/api` request answers with its
//! JSON body, so clients can branch on `error` and show `message` to a
//! developer.

use axum::{
    extract::rejection::QueryRejection,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;

use crate::{accounts::LedgerError, auth::AuthError};

/// Why an API request failed. Handlers return it as their `Err`.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    /// The query string lacks a parameter or holds one that does not parse.
    #[error("{}", .0.body_text())]
    Query(#[from] QueryRejection),

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
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            Self::Query(rejection) => rejection.status(),
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::Auth(err) => err.status(),
            Self::Ledger(err) => match err {
                LedgerError::InsufficientBalance { .. } => StatusCode::CONFLICT,
                LedgerError::UnknownAccount(_) => StatusCode::NOT_FOUND,
                LedgerError::Database(_) | LedgerError::Random(_) => {
                    StatusCode::SERVICE_UNAVAILABLE
                }
                _ => StatusCode::BAD_REQUEST,
            },
        }
    }

    /// The body's `error`: what a client branches on.
    fn code(&self) -> &'static str {
        match self {
            Self::Query(_) | Self::BadRequest(_) => "bad_request",
            Self::NotFound { .. } => "not_found",
            Self::Auth(err) => err.code(),
            Self::Ledger(err) => match err {
                LedgerError::InsufficientBalance { .. } => "insufficient_balance",
                LedgerError::UnknownAccount(_) => "unknown_account",
                LedgerError::BadIdempotencyKey => "bad_idempotency_key",
                LedgerError::AmountOutOfRange => "amount_out_of_range",
                LedgerError::Unbalanced | LedgerError::MalformedEntry => "bad_request",
                LedgerError::Database(_) | LedgerError::Random(_) => "unavailable",
            },
        }
    }
}

/// The JSON an [`ApiError`] answers with.
#[derive(Debug, Serialize)]
struct ErrorBody {
    error: &'static str,
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // The client gets "unavailable"; the operator needs the cause.
        match &self {
            Self::Ledger(LedgerError::Database(err)) => tracing::error!("ledger: {err}"),
            Self::Auth(AuthError::Database(err)) => tracing::error!("NIP-98 replay check: {err}"),
            _ => {}
        }
        let body = ErrorBody {
            error: self.code(),
            message: self.to_string(),
        };
        let status = self.status();
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            // RFC 9110: a 401 names the scheme that would be accepted.
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Nostr"));
        }
        response
    }
}
