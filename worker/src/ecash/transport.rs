//! The HTTP transport the wallets talk to mints through.
//!
//! cdk replays some requests after a network error when a mint advertises
//! NUT-19 (cached responses), and times that replay with `tokio::time`,
//! which has no timer in a browser worker: the first failed swap would
//! panic and take the whole app down. This transport hides NUT-19 from the
//! wallet, so a failed request is reported instead of replayed; the money is
//! still safe because the operation's saga is recovered on the next start.

use async_trait::async_trait;
use cdk::nuts::AuthToken;
use cdk_http_client::{Async, HttpError, RawResponse, Transport};
use serde::de::DeserializeOwned;
use serde::Serialize;
use url::Url;

/// cdk's own transport, minus NUT-19 in `GET /v1/info`.
#[derive(Debug, Clone, Default)]
pub struct MintTransport(Async);

#[cfg_attr(target_arch = "wasm32", async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait)]
impl Transport for MintTransport {
    fn with_proxy(
        &mut self,
        proxy: Url,
        host_matcher: Option<&str>,
        accept_invalid_certs: bool,
    ) -> Result<(), HttpError> {
        self.0.with_proxy(proxy, host_matcher, accept_invalid_certs)
    }

    async fn http_get<R>(&self, url: Url, auth: Option<AuthToken>) -> Result<R, HttpError>
    where
        R: DeserializeOwned,
    {
        if !url.path().ends_with("/v1/info") {
            return self.0.http_get(url, auth).await;
        }
        let mut info: serde_json::Value = self.0.http_get(url, auth).await?;
        if let Some(nuts) = info.get_mut("nuts").and_then(|nuts| nuts.as_object_mut()) {
            nuts.remove("19");
        }
        serde_json::from_value(info).map_err(|error| HttpError::Serialization(error.to_string()))
    }

    async fn http_get_raw(
        &self,
        url: Url,
        auth: Option<AuthToken>,
    ) -> Result<RawResponse, HttpError> {
        self.0.http_get_raw(url, auth).await
    }

    async fn http_post<P, R>(
        &self,
        url: Url,
        auth_token: Option<AuthToken>,
        payload: &P,
    ) -> Result<R, HttpError>
    where
        P: Serialize + Send + Sync,
        R: DeserializeOwned,
    {
        self.0.http_post(url, auth_token, payload).await
    }

    async fn http_post_form_raw<P>(
        &self,
        url: Url,
        auth_token: Option<AuthToken>,
        payload: &P,
    ) -> Result<RawResponse, HttpError>
    where
        P: Serialize + Send + Sync,
    {
        self.0.http_post_form_raw(url, auth_token, payload).await
    }
}
