//! Fetching from web servers the engine does not trust (a NIP-05 domain, a
//! relay's NIP-11 document, the account's server): one deadline over the
//! whole exchange, headers and body alike, and a byte cap enforced while
//! the body streams in, so a hostile server can neither hold a request open
//! by trickling its answer nor run the worker out of memory with an endless
//! one.
//!
//! The browser's `fetch` in the worker (reqwest on wasm32), a native client
//! in tests.

use std::future::Future;
use std::time::Duration;

use futures::StreamExt;

/// How long an exchange may take, and how much of an answer is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub deadline: Duration,
    pub max_bytes: usize,
}

/// Why a fetch gave nothing usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("it did not answer within {} s", .0.as_secs())]
    TimedOut(Duration),
    #[error("its answer is larger than {} KiB", .0 / 1024)]
    TooLarge(usize),
    #[error("it answered with a redirect, which is not followed")]
    Redirected,
    #[error("{0}")]
    Network(String),
}

/// An answer read whole, within the limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// A client that follows no redirect where it can say so (natively); in
/// the browser `fetch` follows them, and [`get`] refuses what it reached.
pub fn client() -> Result<reqwest::Client, FetchError> {
    let builder = reqwest::Client::builder();
    #[cfg(not(target_arch = "wasm32"))]
    let builder = builder.redirect(reqwest::redirect::Policy::none());
    builder.build().map_err(network)
}

/// `GET url` with `headers`, read whole within `limits`. A redirect is
/// [`FetchError::Redirected`]: what a server redirects to is not the
/// document asked for (NIP-05 requires ignoring them).
pub async fn get(
    client: &reqwest::Client,
    url: &str,
    headers: &[(&str, &str)],
    limits: Limits,
) -> Result<Answer, FetchError> {
    let url = reqwest::Url::parse(url).map_err(|error| FetchError::Network(error.to_string()))?;
    within(limits.deadline, async {
        let mut request = client.get(url.clone());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.map_err(network)?;
        if response.status().is_redirection() || *response.url() != url {
            return Err(FetchError::Redirected);
        }
        let status = response.status().as_u16();
        let body = bounded_body(response, limits.max_bytes).await?;
        Ok(Answer { status, body })
    })
    .await
}

/// `work`, or [`FetchError::TimedOut`] (in the caller's error) after
/// `deadline`.
pub async fn within<T, E: From<FetchError>>(
    deadline: Duration,
    work: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    async_utility::time::timeout(Some(deadline), work)
        .await
        .unwrap_or_else(|| Err(FetchError::TimedOut(deadline).into()))
}

/// The body, refused once it passes `max_bytes`, without reading the rest.
pub async fn bounded_body(
    response: reqwest::Response,
    max_bytes: usize,
) -> Result<Vec<u8>, FetchError> {
    let mut body = Vec::new();
    let mut chunks = response.bytes_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(network)?;
        if body.len() + chunk.len() > max_bytes {
            return Err(FetchError::TooLarge(max_bytes));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn network(error: reqwest::Error) -> FetchError {
    FetchError::Network(error.to_string())
}
