//! [`Lightning`] on LND's REST API, as `shared/contracts/lnd` specifies it:
//! the macaroon in `Grpc-Metadata-macaroon`, 64-bit integers as strings,
//! bytes as base64 (base64url in paths, except `/v1/invoice/{r_hash_str}`,
//! which is hex), streams as newline-delimited `{"result": …}` objects.
//!
//! LND's certificate is self-signed, so it is pinned: the connection is
//! accepted only when the node presents exactly the certificate the operator
//! configured (its `tls.cert`), whose key must then sign the handshake.

use std::{sync::Arc, time::Duration};

use base64::{
    engine::general_purpose::{STANDARD, URL_SAFE},
    Engine,
};
use bitcoin::hex::DisplayHex;
use futures_util::{stream, StreamExt, TryStreamExt};
use reqwest::{header::HeaderValue, Method, Response};
use rustls::{
    client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier},
    crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider},
    pki_types::{pem::PemObject, CertificateDer, ServerName, UnixTime},
    DigitallySignedStruct, SignatureScheme,
};
use serde::{de::DeserializeOwned, Deserialize};
use serde_json::{json, Value};

use super::{
    AddedInvoice, Description, Invoice, InvoiceState, InvoiceUpdates, Lightning, LightningError,
    NewInvoice, NodeInfo, Payment, PaymentHash, PaymentStatus, PaymentUpdates, SendPayment,
};

/// How long a request that is not a stream may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// No line of a stream is near this; a longer one is not LND.
const MAX_LINE_BYTES: usize = 1 << 20;

/// Where the node is and how to prove we may use it.
#[derive(Clone)]
pub struct LndConfig {
    /// `https://host:port` of LND's REST listener.
    pub url: String,
    /// The macaroon's bytes (LND's `admin.macaroon`, or one baked for
    /// invoices and payments).
    pub macaroon: Vec<u8>,
    /// LND's `tls.cert` (PEM or DER).
    pub certificate: Vec<u8>,
}

impl std::fmt::Debug for LndConfig {
    // The macaroon is a bearer credential: never in a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LndConfig")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// An LND node over REST. Cheap to clone.
#[derive(Clone)]
pub struct Lnd {
    url: String,
    macaroon: HeaderValue,
    client: reqwest::Client,
}

impl std::fmt::Debug for Lnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lnd")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Lnd {
    pub fn new(config: LndConfig) -> Result<Self, LightningError> {
        let url = config.url.trim_end_matches('/').to_owned();
        if !url.starts_with("https://") {
            return Err(LightningError::Config(format!(
                "LND's REST URL must be https:// (its certificate is pinned): {url:?}"
            )));
        }
        let certificate = read_certificate(&config.certificate)?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|err| LightningError::Config(err.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedCertificate {
                certificate,
                provider,
            }))
            .with_no_client_auth();
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .map_err(|err| LightningError::Config(err.to_string()))?;
        let mut macaroon = HeaderValue::from_str(&config.macaroon.to_lower_hex_string())
            .map_err(|_| LightningError::Config("unusable macaroon".to_owned()))?;
        macaroon.set_sensitive(true);
        Ok(Self {
            url,
            macaroon,
            client,
        })
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.url))
            .header("Grpc-Metadata-macaroon", self.macaroon.clone())
    }

    /// A unary call: one JSON answer.
    async fn call<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, LightningError> {
        let response = request
            .timeout(REQUEST_TIMEOUT)
            .send()
            .await
            .map_err(unreachable)?;
        let response = refused(response).await?;
        response
            .json()
            .await
            .map_err(|err| LightningError::Protocol(err.to_string()))
    }

    /// A server-streaming call: each line one `{"result": T}`.
    async fn stream<T: DeserializeOwned + Send + 'static>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<stream::BoxStream<'static, Result<T, LightningError>>, LightningError> {
        // A stream's body may last for ever, but its answer may not: a node
        // that never answers leaves the payment to be tracked later.
        let sent = tokio::time::timeout(REQUEST_TIMEOUT, request.send())
            .await
            .map_err(|_| {
                LightningError::Unreachable("the node did not answer in time".to_owned())
            })?;
        let response = refused(sent.map_err(unreachable)?).await?;
        let bytes = response.bytes_stream().map_err(unreachable);
        let lines = stream::unfold(
            (bytes.boxed(), Vec::<u8>::new()),
            |(mut bytes, mut buffer)| async move {
                loop {
                    if let Some(end) = buffer.iter().position(|byte| *byte == b'\n') {
                        let line: Vec<u8> = buffer.drain(..=end).collect();
                        return Some((Ok(line), (bytes, buffer)));
                    }
                    if buffer.len() > MAX_LINE_BYTES {
                        let err = LightningError::Protocol("a stream line is too long".to_owned());
                        return Some((Err(err), (bytes, Vec::new())));
                    }
                    match bytes.next().await {
                        Some(Ok(chunk)) => buffer.extend_from_slice(&chunk),
                        Some(Err(err)) => return Some((Err(err), (bytes, buffer))),
                        None => return None,
                    }
                }
            },
        );
        Ok(lines
            .filter_map(|line| async move {
                match line {
                    Ok(line) if line.iter().all(u8::is_ascii_whitespace) => None,
                    Ok(line) => Some(stream_item::<T>(&line)),
                    Err(err) => Some(Err(err)),
                }
            })
            .boxed())
    }
}

#[async_trait::async_trait]
impl Lightning for Lnd {
    async fn node_info(&self) -> Result<NodeInfo, LightningError> {
        let info: LndInfo = self.call(self.request(Method::GET, "/v1/getinfo")).await?;
        let network = info
            .chains
            .into_iter()
            .find(|chain| chain.chain == "bitcoin")
            .map(|chain| chain.network)
            .ok_or_else(|| {
                LightningError::Protocol("the node is on no bitcoin chain".to_owned())
            })?;
        Ok(NodeInfo {
            pubkey: info.identity_pubkey,
            network,
        })
    }

    async fn add_invoice(&self, invoice: NewInvoice) -> Result<AddedInvoice, LightningError> {
        let mut body = json!({
            "value_msat": invoice.amount_msat.to_string(),
            "expiry": invoice.expiry_secs.to_string(),
            "r_preimage": STANDARD.encode(invoice.preimage),
        });
        match invoice.description {
            Description::Memo(memo) => body["memo"] = Value::String(memo),
            Description::Hash(hash) => body["description_hash"] = STANDARD.encode(hash).into(),
        }
        let added: LndAddedInvoice = self
            .call(self.request(Method::POST, "/v1/invoices").json(&body))
            .await?;
        Ok(AddedInvoice {
            payment_hash: PaymentHash(bytes32(&added.r_hash)?),
            bolt11: added.payment_request,
        })
    }

    async fn lookup_invoice(&self, hash: PaymentHash) -> Result<Option<Invoice>, LightningError> {
        let request = self.request(Method::GET, &format!("/v1/invoice/{hash}"));
        match self.call::<LndInvoice>(request).await {
            Ok(invoice) => invoice.into_invoice().map(Some),
            Err(err) if err.is_not_found() => Ok(None),
            Err(err) => Err(err),
        }
    }

    async fn cancel_invoice(&self, hash: PaymentHash) -> Result<(), LightningError> {
        let body = json!({ "payment_hash": STANDARD.encode(hash.0) });
        let request = self
            .request(Method::POST, "/v2/invoices/cancel")
            .json(&body);
        // `invoicesrpcCancelInvoiceResp` has no fields.
        self.call::<serde::de::IgnoredAny>(request).await?;
        Ok(())
    }

    async fn subscribe_invoices(
        &self,
        settle_index: u64,
    ) -> Result<InvoiceUpdates, LightningError> {
        let request = self.request(
            Method::GET,
            &format!("/v1/invoices/subscribe?settle_index={settle_index}"),
        );
        let invoices = self.stream::<LndInvoice>(request).await?;
        Ok(invoices
            .map(|invoice| invoice.and_then(LndInvoice::into_invoice))
            .boxed())
    }

    async fn send_payment(&self, payment: SendPayment) -> Result<PaymentUpdates, LightningError> {
        let mut body = json!({
            "payment_request": payment.bolt11,
            "fee_limit_msat": payment.fee_limit_msat.to_string(),
            "timeout_seconds": payment.timeout_secs,
            "no_inflight_updates": false,
        });
        if let Some(amount_msat) = payment.amount_msat {
            body["amt_msat"] = amount_msat.to_string().into();
        }
        let request = self.request(Method::POST, "/v2/router/send").json(&body);
        let updates = self.stream::<LndPayment>(request).await?;
        Ok(updates
            .map(|payment| payment.and_then(LndPayment::into_payment))
            .boxed())
    }

    async fn track_payment(
        &self,
        hash: PaymentHash,
    ) -> Result<Option<PaymentUpdates>, LightningError> {
        let path = format!("/v2/router/track/{}", URL_SAFE.encode(hash.0));
        let mut updates = match self
            .stream::<LndPayment>(self.request(Method::GET, &path))
            .await
        {
            Ok(updates) => updates,
            Err(err) if err.is_not_found() => return Ok(None),
            Err(err) => return Err(err),
        };
        // LND may answer 200 and put "not initiated" in the stream's first line.
        match updates.next().await {
            None => Ok(None),
            Some(Err(err)) if err.is_not_found() => Ok(None),
            Some(first) => {
                let first = first.and_then(LndPayment::into_payment);
                let rest = updates.map(|payment| payment.and_then(LndPayment::into_payment));
                Ok(Some(stream::once(async { first }).chain(rest).boxed()))
            }
        }
    }
}

fn unreachable(err: reqwest::Error) -> LightningError {
    // reqwest's message names the URL, never the headers.
    LightningError::Unreachable(err.to_string())
}

/// A non-2xx answer as the node's own error (`rpcStatus`).
async fn refused(response: Response) -> Result<Response, LightningError> {
    if response.status().is_success() {
        return Ok(response);
    }
    let status = response.status();
    let body: Result<RpcStatus, _> = response.json().await;
    Err(match body {
        Ok(status) => LightningError::Refused {
            code: status.code,
            message: status.message,
        },
        Err(_) => LightningError::Protocol(format!("HTTP {status} without an LND error body")),
    })
}

/// One line of a stream: `{"result": T}` or `{"error": rpcStatus}`.
fn stream_item<T: DeserializeOwned>(line: &[u8]) -> Result<T, LightningError> {
    #[derive(Deserialize)]
    struct Item<T> {
        result: Option<T>,
        error: Option<RpcStatus>,
    }
    let item: Item<T> = serde_json::from_slice(line)
        .map_err(|err| LightningError::Protocol(format!("a stream line: {err}")))?;
    match (item.result, item.error) {
        (_, Some(status)) => Err(LightningError::Refused {
            code: status.code,
            message: status.message,
        }),
        (Some(result), None) => Ok(result),
        (None, None) => Err(LightningError::Protocol(
            "a stream line with neither result nor error".to_owned(),
        )),
    }
}

#[derive(Deserialize)]
struct RpcStatus {
    #[serde(default)]
    code: i32,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
struct LndInfo {
    identity_pubkey: String,
    #[serde(default)]
    chains: Vec<LndChain>,
}

#[derive(Deserialize)]
struct LndChain {
    chain: String,
    network: String,
}

#[derive(Deserialize)]
struct LndAddedInvoice {
    r_hash: String,
    payment_request: String,
}

#[derive(Deserialize)]
struct LndInvoice {
    r_hash: String,
    #[serde(default)]
    state: String,
    amt_paid_msat: Option<String>,
    settle_index: Option<String>,
}

impl LndInvoice {
    fn into_invoice(self) -> Result<Invoice, LightningError> {
        let state = match self.state.as_str() {
            "OPEN" | "" => InvoiceState::Open,
            "ACCEPTED" => InvoiceState::Accepted,
            "SETTLED" => InvoiceState::Settled,
            "CANCELED" => InvoiceState::Canceled,
            other => return Err(LightningError::Protocol(format!("invoice state {other:?}"))),
        };
        Ok(Invoice {
            payment_hash: PaymentHash(bytes32(&self.r_hash)?),
            state,
            amount_paid_msat: integer(self.amt_paid_msat.as_deref())?,
            settle_index: integer(self.settle_index.as_deref())?,
        })
    }
}

#[derive(Deserialize)]
struct LndPayment {
    payment_hash: String,
    #[serde(default)]
    status: String,
    fee_msat: Option<String>,
    payment_preimage: Option<String>,
    failure_reason: Option<String>,
}

impl LndPayment {
    fn into_payment(self) -> Result<Payment, LightningError> {
        let status = match self.status.as_str() {
            "UNKNOWN" | "IN_FLIGHT" | "INITIATED" | "" => PaymentStatus::InFlight,
            "SUCCEEDED" => PaymentStatus::Succeeded {
                preimage: self.payment_preimage.unwrap_or_default(),
                fee_msat: integer(self.fee_msat.as_deref())?,
            },
            "FAILED" => PaymentStatus::Failed {
                reason: failure_reason(self.failure_reason.as_deref()),
            },
            other => {
                return Err(LightningError::Protocol(format!(
                    "payment status {other:?}"
                )))
            }
        };
        Ok(Payment {
            payment_hash: self.payment_hash.parse()?,
            status,
        })
    }
}

/// LND's failure reason as a person reads it.
fn failure_reason(reason: Option<&str>) -> String {
    match reason.unwrap_or_default() {
        "FAILURE_REASON_TIMEOUT" => "the payment timed out",
        "FAILURE_REASON_NO_ROUTE" => "no route to the recipient within the fee limit",
        "FAILURE_REASON_INCORRECT_PAYMENT_DETAILS" => {
            "the recipient refused it (unknown, paid or cancelled invoice, or wrong amount)"
        }
        "FAILURE_REASON_INSUFFICIENT_BALANCE" => "the node's channels lack the balance",
        "FAILURE_REASON_CANCELED" => "the payment was cancelled",
        _ => "the payment failed",
    }
    .to_owned()
}

fn integer(text: Option<&str>) -> Result<u64, LightningError> {
    match text {
        None | Some("") => Ok(0),
        Some(text) => text
            .parse()
            .map_err(|_| LightningError::Protocol(format!("{text:?} is not an integer"))),
    }
}

fn bytes32(base64: &str) -> Result<[u8; 32], LightningError> {
    STANDARD
        .decode(base64)
        .or_else(|_| URL_SAFE.decode(base64))
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| LightningError::Protocol(format!("{base64:?} is not 32 base64 bytes")))
}

/// `tls.cert` as LND writes it (PEM), or its DER.
fn read_certificate(bytes: &[u8]) -> Result<CertificateDer<'static>, LightningError> {
    if bytes.starts_with(b"-----BEGIN") {
        CertificateDer::from_pem_slice(bytes)
            .map_err(|err| LightningError::Config(format!("LND's certificate: {err}")))
    } else if bytes.is_empty() {
        Err(LightningError::Config(
            "LND's certificate is empty".to_owned(),
        ))
    } else {
        Ok(CertificateDer::from(bytes.to_vec()))
    }
}

/// Accepts exactly one certificate, byte for byte, and checks that its key
/// signed the handshake.
#[derive(Debug)]
struct PinnedCertificate {
    certificate: CertificateDer<'static>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PinnedCertificate {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // The pin is the trust: names and dates are what LND wrote into its
        // own certificate and prove nothing more.
        if end_entity.as_ref() == self.certificate.as_ref() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
