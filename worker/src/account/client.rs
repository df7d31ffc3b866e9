//! The HTTP client of the account API: the browser's `fetch` in the worker
//! (reqwest on wasm32), a native client in tests.
//!
//! Every answer is bounded in time and size before it is read, and read
//! into the API's types or refused as [`AccountError::BadAnswer`].

use std::sync::Arc;
use std::time::Duration;

use nostr::nips::nip98::HttpMethod;
use nostr::{NostrSigner, Url};
use serde::de::DeserializeOwned;
use serde_json::json;

use super::api::{self, ErrorBody};
use super::changes::Changes;
use super::{nip98, AccountError};
use crate::fetch;

/// How long one request may take. The server answers a payment within
/// 5 s (pending, if the network has not settled it by then).
const ANSWER_WITHIN: Duration = Duration::from_secs(20);

/// The most of an answer read: a history page of 100 movements is ~30 KiB.
const MAX_ANSWER: usize = 256 * 1024;

/// The user's account at one server, signed for by one signer.
#[derive(Clone)]
pub struct AccountClient {
    /// The server's origin: what NIP-98 events name.
    origin: Url,
    signer: Arc<dyn NostrSigner>,
    http: reqwest::Client,
}

impl AccountClient {
    /// Fails only where the HTTP client cannot start (natively, a TLS
    /// backend without its crypto provider); the browser's `fetch` always
    /// can.
    pub fn new(origin: Url, signer: Arc<dyn NostrSigner>) -> Result<Self, AccountError> {
        let http = reqwest::Client::builder()
            .build()
            .map_err(|error| AccountError::Unreachable(error.to_string()))?;
        Ok(Self {
            origin,
            signer,
            http,
        })
    }

    /// What the server offers (`GET /api/config`, not signed).
    pub async fn offered(&self) -> Result<api::Offered, AccountError> {
        let url = self.url("/api/config")?;
        within(async {
            let response = self.http.get(url).send().await.map_err(unreachable)?;
            read(response).await
        })
        .await
    }

    /// The account, opened by the server on first use.
    pub async fn account(&self) -> Result<api::Account, AccountError> {
        self.call(HttpMethod::GET, "/api/account", None).await
    }

    /// The account's name; `None` when it has none.
    pub async fn name(&self) -> Result<Option<api::Name>, AccountError> {
        match self.call(HttpMethod::GET, "/api/account/name", None).await {
            Ok(name) => Ok(Some(name)),
            Err(AccountError::Refused { code, .. }) if code == "not_found" => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Takes `name`, naming `relays` (for NIP-05).
    pub async fn set_name(&self, name: &str, relays: &[String]) -> Result<api::Name, AccountError> {
        let body = json!({ "name": name, "relays": relays });
        self.call(HttpMethod::PUT, "/api/account/name", Some(body))
            .await
    }

    /// Gives the name up.
    pub async fn release_name(&self) -> Result<(), AccountError> {
        self.call(HttpMethod::POST, "/api/account/name/release", None)
            .await
    }

    /// The apps connected to the account; `None` when the server offers no
    /// Nostr Wallet Connect.
    pub async fn wallet_connections(&self) -> Result<Option<api::WalletConnections>, AccountError> {
        match self
            .call(HttpMethod::GET, "/api/nwc/connections", None)
            .await
        {
            Ok(listed) => Ok(Some(listed)),
            Err(AccountError::Refused { code, .. }) if code == "not_found" => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Connects the app of `pubkey` (its secret stays with the caller).
    pub async fn connect_wallet(
        &self,
        pubkey: &str,
        name: &str,
        methods: &[String],
        budget: (Option<u64>, &str),
        expires_at: Option<i64>,
    ) -> Result<api::WalletConnected, AccountError> {
        let body = json!({
            "pubkey": pubkey,
            "name": name,
            "methods": methods,
            "budget_sat": budget.0,
            "budget_renewal": budget.1,
            "expires_at": expires_at,
        });
        self.call(HttpMethod::POST, "/api/nwc/connections", Some(body))
            .await
    }

    /// Ends the connection of `pubkey`.
    pub async fn revoke_wallet_connection(
        &self,
        pubkey: &str,
    ) -> Result<api::WalletConnection, AccountError> {
        // Hex only: the key goes into the path.
        if pubkey.len() != 64 || !pubkey.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(AccountError::Refused {
                code: "pubkey_invalid".to_owned(),
                message: format!("{pubkey:?} is not a connection's key"),
            });
        }
        let path = format!("/api/nwc/connections/{pubkey}/revoke");
        self.call(HttpMethod::POST, &path, None).await
    }

    /// The host of the server, as addresses at it name it.
    pub fn host(&self) -> String {
        match (self.origin.host_str(), self.origin.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => String::new(),
        }
    }

    /// A new invoice of the account.
    pub async fn create_invoice(
        &self,
        amount_msat: u64,
        description: &str,
    ) -> Result<api::Invoice, AccountError> {
        let body = json!({ "amount_msat": amount_msat, "description": description });
        self.call(HttpMethod::POST, "/api/account/invoices", Some(body))
            .await
    }

    /// One invoice of the account, as it stands.
    pub async fn invoice(&self, id: &str) -> Result<api::Invoice, AccountError> {
        let path = format!("/api/account/invoices/{}", path_segment(id)?);
        self.call(HttpMethod::GET, &path, None).await
    }

    /// What paying `bolt11` would cost.
    pub async fn quote(
        &self,
        bolt11: &str,
        amount_msat: Option<u64>,
    ) -> Result<api::Quote, AccountError> {
        let body = json!({ "bolt11": bolt11, "amount_msat": amount_msat });
        self.call(HttpMethod::POST, "/api/account/payments/quote", Some(body))
            .await
    }

    /// Pays `bolt11`; the same `key` again answers with the same payment.
    pub async fn pay(
        &self,
        bolt11: &str,
        amount_msat: Option<u64>,
        key: &str,
    ) -> Result<api::Payment, AccountError> {
        let body = json!({ "bolt11": bolt11, "amount_msat": amount_msat, "idempotency_key": key });
        self.call(HttpMethod::POST, "/api/account/payments", Some(body))
            .await
    }

    /// A page of the account's movements, newest first.
    pub async fn history(
        &self,
        before: Option<&str>,
        limit: u32,
    ) -> Result<api::History, AccountError> {
        let mut path = format!("/api/account/history?limit={limit}");
        if let Some(before) = before {
            path.push_str("&before=");
            path.push_str(&path_segment(before)?);
        }
        self.call(HttpMethod::GET, &path, None).await
    }

    /// The account's changes as the server announces them.
    pub async fn changes(&self) -> Result<Changes, AccountError> {
        let path = "/api/account/events";
        let url = self.url(path)?;
        let authorization =
            nip98::authorization(self.signer.as_ref(), &url, HttpMethod::GET, None).await?;
        let response = within(async {
            self.http
                .get(url)
                .header("authorization", authorization)
                .header("accept", "text/event-stream")
                .send()
                .await
                .map_err(unreachable)
        })
        .await?;
        if !response.status().is_success() {
            return Err(refusal(response).await);
        }
        Ok(Changes::new(response.bytes_stream()))
    }

    /// One signed request; `body` is sent as JSON.
    async fn call<T: DeserializeOwned>(
        &self,
        method: HttpMethod,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<T, AccountError> {
        let url = self.url(path)?;
        let body = body.map(|body| body.to_string().into_bytes());
        let authorization =
            nip98::authorization(self.signer.as_ref(), &url, method, body.as_deref()).await?;
        within(async {
            let request = match method {
                HttpMethod::POST => self.http.post(url),
                HttpMethod::PUT => self.http.put(url),
                _ => self.http.get(url),
            };
            let request = request.header("authorization", authorization);
            let request = match body {
                Some(body) => request
                    .header("content-type", "application/json")
                    .body(body),
                None => request,
            };
            let response = request.send().await.map_err(unreachable)?;
            read(response).await
        })
        .await
    }

    fn url(&self, path: &str) -> Result<Url, AccountError> {
        self.origin
            .join(path)
            .map_err(|error| AccountError::Unreachable(error.to_string()))
    }
}

/// An id from the server, checked before it goes into a path.
fn path_segment(id: &str) -> Result<String, AccountError> {
    let fine = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b':' | b'.'));
    fine.then(|| id.to_owned())
        .ok_or_else(|| AccountError::BadAnswer(format!("an id the server never gives: {id:?}")))
}

/// `work`, or [`AccountError::TimedOut`] after [`ANSWER_WITHIN`].
async fn within<T>(
    work: impl std::future::Future<Output = Result<T, AccountError>>,
) -> Result<T, AccountError> {
    fetch::within(ANSWER_WITHIN, work).await
}

/// A successful answer's body as `T`, or the server's refusal.
async fn read<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, AccountError> {
    if !response.status().is_success() {
        return Err(refusal(response).await);
    }
    // An answer with nothing to say (204) reads as `null`, as `()` does.
    let body = match response.status() {
        reqwest::StatusCode::NO_CONTENT => b"null".to_vec(),
        _ => bounded_body(response).await?,
    };
    serde_json::from_slice(&body).map_err(|error| AccountError::BadAnswer(error.to_string()))
}

/// The refusal an error answer carries.
async fn refusal(response: reqwest::Response) -> AccountError {
    let status = response.status();
    match bounded_body(response).await {
        Ok(body) => match serde_json::from_slice::<ErrorBody>(&body) {
            Ok(error) => match error.error.as_str() {
                // The server gave up waiting on its own work (a payment
                // goes on): not a refusal, and not known to be nothing.
                "timeout" => AccountError::TimedOut,
                // Turned away before anything was done.
                "overloaded" => AccountError::Unreachable("the server is busy".to_owned()),
                code => AccountError::refused(code, &error.message),
            },
            // A proxy's page, say, in front of a server that is down.
            Err(_) if status.is_server_error() => {
                AccountError::Unreachable(format!("the server answered {status}"))
            }
            Err(_) => AccountError::BadAnswer(format!("{status} without the API's error body")),
        },
        Err(error) => error,
    }
}

/// The body, refused past [`MAX_ANSWER`] without reading the rest.
async fn bounded_body(response: reqwest::Response) -> Result<Vec<u8>, AccountError> {
    Ok(fetch::bounded_body(response, MAX_ANSWER).await?)
}

fn unreachable(error: reqwest::Error) -> AccountError {
    AccountError::Unreachable(error.to_string())
}
