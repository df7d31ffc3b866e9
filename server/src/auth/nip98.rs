//! NIP-98 HTTP auth: `Authorization: Nostr <base64 kind-27235 event>` naming
//! the absolute URL, the method and, with a body, its SHA-256.
//!
//! rust-nostr's `verify_auth_header` checks the event (signature, kind, tags,
//! time, payload); this module adds what one process cannot know alone: each
//! event is accepted once, recorded in the database so every instance of the
//! server refuses a replay.

use std::time::Duration;

use axum::{
    body::{to_bytes, Body},
    extract::{OriginalUri, Request, State},
    http::{header, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use base64::Engine;
use nostr::{
    nips::nip98::{self, HttpMethod},
    Event, JsonUtil, PublicKey, Timestamp, Url,
};

use crate::database::{self, Database};

/// The largest request body an account route reads (its hash is checked, so
/// it is read whole): the API's limit.
pub use crate::limits::MAX_BODY;

/// How long a NIP-98 event stays acceptable; replay records older than this
/// are pruned, since the clock check refuses those events anyway.
const WINDOW: Duration = Duration::from_secs(120);

/// The verified signer of a request, for handlers behind [`Nip98::require`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signer(pub PublicKey);

/// Why a request's signature was refused. Every variant answers 401 with a
/// code the client can act on (sign again, fix its clock, …).
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("this request needs an Authorization: Nostr header (NIP-98)")]
    Missing,
    #[error("the authorization event was already used: sign each request afresh")]
    Replayed,
    #[error("the authorization is for another request: {0}")]
    WrongRequest(String),
    #[error("the authorization event is outside the accepted clock window (check the device's clock): {0}")]
    Stale(String),
    #[error("the body does not match the authorization's payload hash")]
    WrongPayload,
    #[error("the authorization's signature or event id is not valid: {0}")]
    BadSignature(String),
    #[error("malformed authorization: {0}")]
    Malformed(String),
    #[error("the request body is over {MAX_BODY} bytes")]
    BodyTooLarge,
    #[error("could not check the authorization against the database")]
    Database(#[from] sqlx::Error),
}

impl AuthError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing => "auth_required",
            Self::Replayed => "auth_replayed",
            Self::WrongRequest(_) => "auth_wrong_request",
            Self::Stale(_) => "auth_stale",
            Self::WrongPayload => "auth_wrong_payload",
            Self::BadSignature(_) => "auth_bad_signature",
            Self::Malformed(_) => "auth_malformed",
            Self::BodyTooLarge => "payload_too_large",
            Self::Database(_) => "unavailable",
        }
    }

    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Database(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::UNAUTHORIZED,
        }
    }
}

impl From<nip98::Error> for AuthError {
    fn from(err: nip98::Error) -> Self {
        use nip98::Error as E;
        let message = err.to_string();
        match err {
            E::AuthorizationHeaderMissing => Self::Missing,
            E::AuthorizationNotMatchRequest { .. } | E::MissingTag(_) | E::WrongAuthHeaderKind => {
                Self::WrongRequest(message)
            }
            E::AuthorizationTooOld { .. } => Self::Stale(message),
            E::PayloadHashMismatch => Self::WrongPayload,
            E::Event(_) => Self::BadSignature(message),
            _ => Self::Malformed(message),
        }
    }
}

// One JSON shape for every API error: the API's error type renders it.
impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        crate::api::ApiError::from(self).into_response()
    }
}

/// The NIP-98 verifier: the server's public origin (what clients sign in
/// `u`) and the replay record.
#[derive(Debug, Clone)]
pub struct Nip98 {
    origin: Url,
    db: Database,
}

impl Nip98 {
    /// `origin` is the URL clients reach the server at (scheme, host, port):
    /// behind a proxy the `Host` header cannot be trusted, so it is configured.
    pub fn new(origin: Url, db: Database) -> Self {
        Self { origin, db }
    }

    /// The server's public origin.
    pub fn origin(&self) -> &Url {
        &self.origin
    }

    /// Middleware: verifies the request's NIP-98 header and hands the
    /// handler its [`Signer`], or answers 401 with the reason.
    pub async fn require(
        State(verifier): State<Self>,
        request: Request,
        next: Next,
    ) -> Result<Response, AuthError> {
        let (mut parts, body) = request.into_parts();
        let body = to_bytes(body, MAX_BODY)
            .await
            .map_err(|_| AuthError::BodyTooLarge)?;
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or(AuthError::Missing)?
            .to_str()
            .map_err(|_| AuthError::Malformed("the header is not ASCII".to_owned()))?;
        // Nested routers strip their prefix from `uri`; the client signed the
        // whole path.
        let uri = parts
            .extensions
            .get::<OriginalUri>()
            .map_or(&parts.uri, |original| &original.0);
        let path = uri.path_and_query().map_or("/", |path| path.as_str());
        let signer = verifier.verify(header, &parts.method, path, &body).await?;
        parts.extensions.insert(Signer(signer));
        Ok(next.run(Request::from_parts(parts, Body::from(body))).await)
    }

    /// Verifies one request: `path` with its query, as received.
    pub async fn verify(
        &self,
        header: &str,
        method: &Method,
        path: &str,
        body: &[u8],
    ) -> Result<PublicKey, AuthError> {
        let url = self
            .origin
            .join(path)
            .map_err(|err| AuthError::Malformed(err.to_string()))?;
        let method = http_method(method)?;
        let body = (!body.is_empty()).then_some(body);
        let signer = nip98::verify_auth_header(header, &url, method, Timestamp::now(), body)?;
        // Verified, so this decodes: read the id for the replay record.
        let event_id = event_id(header)?;
        self.accept_once(&event_id).await?;
        Ok(signer)
    }

    async fn accept_once(&self, event_id: &str) -> Result<(), AuthError> {
        let now = database::now();
        let window = i64::try_from(WINDOW.as_secs()).unwrap_or(i64::MAX);
        let mut tx = self.db.begin_write().await?;
        sqlx::query("DELETE FROM nip98_seen WHERE created_at < $1")
            .bind(now - window)
            .execute(&mut *tx)
            .await?;
        let inserted = sqlx::query(
            "INSERT INTO nip98_seen (event_id, created_at) VALUES ($1, $2) \
             ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(event_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        if inserted.rows_affected() == 0 {
            return Err(AuthError::Replayed);
        }
        Ok(())
    }
}

fn http_method(method: &Method) -> Result<HttpMethod, AuthError> {
    match *method {
        Method::GET => Ok(HttpMethod::GET),
        Method::POST => Ok(HttpMethod::POST),
        Method::PUT => Ok(HttpMethod::PUT),
        Method::PATCH => Ok(HttpMethod::PATCH),
        _ => Err(AuthError::WrongRequest(format!(
            "NIP-98 cannot sign a {method} request"
        ))),
    }
}

fn event_id(header: &str) -> Result<String, AuthError> {
    let encoded = header.split_once(' ').map_or("", |(_, event)| event);
    let json = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|err| AuthError::Malformed(err.to_string()))?;
    let event = Event::from_json(json).map_err(|err| AuthError::Malformed(err.to_string()))?;
    Ok(event.id.to_hex())
}
