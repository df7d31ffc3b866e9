//! Every answer of the LND stand-in, checked against LND's own swagger files
//! (`dev/contracts/lnd`), made strict: a field the contract does not name is
//! an error, so a misspelt or invented field fails here rather than in
//! production against a real LND.
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use base64::{
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
    Engine,
};
use bitcoin::hex::DisplayHex;
use flash_dev::lightning::{LndStandIn, Network};
use futures_util::StreamExt;
use serde_json::{json, Value};

const LIGHTNING: &str = include_str!("../contracts/lnd/lightning.swagger.json");
const ROUTER: &str = include_str!("../contracts/lnd/router.swagger.json");
const INVOICES: &str = include_str!("../contracts/lnd/invoices.swagger.json");

/// How long a stream may take to deliver its next line.
const WAIT: Duration = Duration::from_secs(20);

/// One swagger file's operations.
struct Contract(Value);

impl Contract {
    fn parse(text: &str) -> Self {
        Self(serde_json::from_str(text).expect("a swagger file"))
    }

    /// The schema of `method path`'s answer with `status` ("200" or
    /// "default", the error body), with the file's definitions beside it.
    fn answer(&self, method: &str, path: &str, status: &str) -> jsonschema::Validator {
        let schema = self.0["paths"][path][method]["responses"][status]["schema"].clone();
        assert!(
            schema.is_object(),
            "the contract has no {status} answer for {method} {path}"
        );
        let mut schema = json!({
            "allOf": [schema],
            "definitions": self.0["definitions"].clone(),
        });
        forbid_unnamed_fields(&mut schema);
        jsonschema::draft4::new(&schema).expect("a valid schema")
    }
}

/// Swagger lets an object carry fields it does not name; LND's answers carry
/// only named ones, so the stand-in's must too (a message that names none,
/// such as `invoicesrpcCancelInvoiceResp`, is `{}`).
fn forbid_unnamed_fields(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            let names_none =
                object.get("type") == Some(&json!("object")) && !object.contains_key("$ref");
            if (object.contains_key("properties") || names_none)
                && !object.contains_key("additionalProperties")
            {
                object.insert("additionalProperties".to_owned(), Value::Bool(false));
            }
            object.values_mut().for_each(forbid_unnamed_fields);
        }
        Value::Array(items) => items.iter_mut().for_each(forbid_unnamed_fields),
        _ => {}
    }
}

#[track_caller]
fn assert_follows(validator: &jsonschema::Validator, answer: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(answer)
        .map(|error| format!("{} at {}", error, error.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{answer} breaks the contract: {errors:#?}"
    );
}

/// An HTTPS client that trusts exactly `stand_in`'s certificate.
fn client(stand_in: &LndStandIn) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(
            reqwest::Certificate::from_der(stand_in.certificate_der()).expect("a certificate"),
        )
        .build()
        .expect("a client")
}

/// A node's REST API, as the server calls it.
struct Rest {
    client: reqwest::Client,
    url: String,
    macaroon: String,
}

impl Rest {
    fn new(stand_in: &LndStandIn) -> Self {
        Self {
            client: client(stand_in),
            url: stand_in.url().to_owned(),
            macaroon: stand_in.macaroon_hex().to_owned(),
        }
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.url))
            .header("Grpc-Metadata-macaroon", &self.macaroon)
            .send()
            .await
            .expect("the stand-in answers")
    }

    async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.url))
            .header("Grpc-Metadata-macaroon", &self.macaroon)
            .json(&body)
            .send()
            .await
            .expect("the stand-in answers")
    }
}

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON answer"))
}

/// The lines of a streaming answer, as JSON values.
struct Lines {
    bytes: futures_util::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buffer: Vec<u8>,
}

impl Lines {
    fn new(response: reqwest::Response) -> Self {
        assert_eq!(response.status().as_u16(), 200, "a stream opens with 200");
        Self {
            bytes: response.bytes_stream().boxed(),
            buffer: Vec::new(),
        }
    }

    async fn next(&mut self) -> Value {
        loop {
            if let Some(end) = self.buffer.iter().position(|byte| *byte == b'\n') {
                let line: Vec<u8> = self.buffer.drain(..=end).collect();
                return serde_json::from_slice(&line).expect("a JSON line");
            }
            let chunk = tokio::time::timeout(WAIT, self.bytes.next())
                .await
                .expect("the stream's next line in time")
                .expect("the stream is still open")
                .expect("the stream reads");
            self.buffer.extend_from_slice(&chunk);
        }
    }
}

#[tokio::test]
async fn every_answer_of_the_stand_in_follows_lnds_contract() {
    let lightning = Contract::parse(LIGHTNING);
    let router = Contract::parse(ROUTER);
    let invoices_rpc = Contract::parse(INVOICES);
    let network = Network::new();
    let payee = LndStandIn::spawn(network.add_node("payee").unwrap())
        .await
        .unwrap();
    let payer = LndStandIn::spawn(network.add_node("payer").unwrap())
        .await
        .unwrap();
    let (payee_rest, payer_rest) = (Rest::new(&payee), Rest::new(&payer));
    let error = lightning.answer("get", "/v1/getinfo", "default");

    let (status, info) = json_of(payee_rest.get("/v1/getinfo").await).await;
    assert_eq!(status, 200);
    assert_follows(&lightning.answer("get", "/v1/getinfo", "200"), &info);
    assert_eq!(info["chains"][0]["network"], "regtest");

    let mut invoices = Lines::new(
        payee_rest
            .get("/v1/invoices/subscribe?settle_index=0")
            .await,
    );
    let invoice_line = lightning.answer("get", "/v1/invoices/subscribe", "200");

    let (status, added) = json_of(
        payee_rest
            .post(
                "/v1/invoices",
                json!({ "memo": "coffee", "value_msat": "21000", "expiry": "600" }),
            )
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_follows(&lightning.answer("post", "/v1/invoices", "200"), &added);
    let hash = STANDARD
        .decode(added["r_hash"].as_str().unwrap())
        .unwrap()
        .to_lower_hex_string();

    let (status, open) = json_of(payee_rest.get(&format!("/v1/invoice/{hash}")).await).await;
    assert_eq!(status, 200);
    assert_follows(
        &lightning.answer("get", "/v1/invoice/{r_hash_str}", "200"),
        &open,
    );
    assert_eq!(open["state"], "OPEN");
    let announced = invoices.next().await;
    assert_follows(&invoice_line, &announced);
    assert_eq!(announced["result"]["state"], "OPEN");

    let mut sent = Lines::new(
        payer_rest
            .post(
                "/v2/router/send",
                json!({
                    "payment_request": added["payment_request"],
                    "fee_limit_msat": "5000",
                    "timeout_seconds": 60,
                    "no_inflight_updates": false,
                }),
            )
            .await,
    );
    let payment_line = router.answer("post", "/v2/router/send", "200");
    let succeeded = sent.next().await;
    assert_follows(&payment_line, &succeeded);
    assert_eq!(succeeded["result"]["status"], "SUCCEEDED");
    let settled = invoices.next().await;
    assert_follows(&invoice_line, &settled);
    assert_eq!(settled["result"]["state"], "SETTLED");
    assert_eq!(settled["result"]["amt_paid_msat"], "21000");

    let track_path = format!(
        "/v2/router/track/{}",
        URL_SAFE_NO_PAD.encode(STANDARD.decode(added["r_hash"].as_str().unwrap()).unwrap())
    );
    let tracked = Lines::new(payer_rest.get(&track_path).await).next().await;
    assert_follows(
        &router.answer("get", "/v2/router/track/{payment_hash}", "200"),
        &tracked,
    );
    assert_eq!(
        tracked["result"]["payment_preimage"],
        succeeded["result"]["payment_preimage"]
    );

    // The errors: paid twice, an unknown invoice, no macaroon.
    let (status, twice) = json_of(
        payer_rest
            .post(
                "/v2/router/send",
                json!({ "payment_request": added["payment_request"], "fee_limit_msat": "5000" }),
            )
            .await,
    )
    .await;
    assert_eq!(status, 409);
    assert_follows(&router.answer("post", "/v2/router/send", "default"), &twice);
    let (status, unknown) = json_of(
        payee_rest
            .get(&format!("/v1/invoice/{}", "00".repeat(32)))
            .await,
    )
    .await;
    assert_eq!(status, 404);
    assert_follows(&error, &unknown);

    // Cancelling: an open invoice, then the same again (success both
    // times); a payment to it then fails as LND's would, and the
    // subscription says nothing of it (LND tells it only of invoices added
    // or settled: the next line is the next invoice added).
    let cancelled = lightning_invoice(&payee_rest, "cancelled").await;
    assert_eq!(
        invoices.next().await["result"]["r_hash"],
        cancelled["r_hash"]
    );
    let cancel = invoices_rpc.answer("post", "/v2/invoices/cancel", "200");
    let cancel_error = invoices_rpc.answer("post", "/v2/invoices/cancel", "default");
    for _ in 0..2 {
        let (status, answer) = json_of(
            payee_rest
                .post(
                    "/v2/invoices/cancel",
                    json!({ "payment_hash": cancelled["r_hash"] }),
                )
                .await,
        )
        .await;
        assert_eq!((status, &answer), (200, &json!({})));
        assert_follows(&cancel, &answer);
    }
    let (status, looked_up) = json_of(
        payee_rest
            .get(&format!(
                "/v1/invoice/{}",
                STANDARD
                    .decode(cancelled["r_hash"].as_str().unwrap())
                    .unwrap()
                    .to_lower_hex_string()
            ))
            .await,
    )
    .await;
    assert_eq!(
        (status, looked_up["state"].as_str()),
        (200, Some("CANCELED"))
    );
    let refused = Lines::new(
        payer_rest
            .post(
                "/v2/router/send",
                json!({ "payment_request": cancelled["payment_request"], "fee_limit_msat": "5000" }),
            )
            .await,
    )
    .next()
    .await;
    assert_follows(&payment_line, &refused);
    assert_eq!(
        (
            refused["result"]["status"].as_str(),
            refused["result"]["failure_reason"].as_str()
        ),
        (
            Some("FAILED"),
            Some("FAILURE_REASON_INCORRECT_PAYMENT_DETAILS")
        )
    );
    let next = lightning_invoice(&payee_rest, "after the cancel").await;
    let line = invoices.next().await;
    assert_follows(&invoice_line, &line);
    assert_eq!(line["result"]["r_hash"], next["r_hash"]);
    // A settled invoice, an unknown one, a hash of the wrong length: LND's
    // registry errors, passed on as gRPC's UNKNOWN.
    for (hash, message) in [
        (added["r_hash"].clone(), "invoice already settled"),
        (json!(STANDARD.encode([7; 32])), "unable to locate invoice"),
        (
            json!(STANDARD.encode([7; 5])),
            "invalid hash length of 5, want 32",
        ),
    ] {
        let (status, refused) = json_of(
            payee_rest
                .post("/v2/invoices/cancel", json!({ "payment_hash": hash }))
                .await,
        )
        .await;
        assert_eq!(
            (
                status,
                refused["code"].as_i64(),
                refused["message"].as_str()
            ),
            (500, Some(2), Some(message))
        );
        assert_follows(&cancel_error, &refused);
    }

    let anonymous = client(&payee)
        .get(format!("{}/v1/getinfo", payee.url()))
        .send()
        .await
        .unwrap();
    let (status, refused) = json_of(anonymous).await;
    assert_eq!(status, 401);
    assert_follows(&error, &refused);
}

/// A new invoice of 1 sat on `rest`'s node, as `POST /v1/invoices` answers.
async fn lightning_invoice(rest: &Rest, memo: &str) -> Value {
    let (status, added) = json_of(
        rest.post(
            "/v1/invoices",
            json!({ "memo": memo, "value_msat": "1000", "expiry": "600" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{added}");
    added
}

#[test]
fn the_strict_contract_refuses_a_field_lnd_does_not_name() {
    let validator = Contract::parse(LIGHTNING).answer("get", "/v1/getinfo", "200");
    assert!(validator.is_valid(&json!({ "identity_pubkey": "02ab" })));
    assert!(!validator.is_valid(&json!({ "identity_pub_key": "02ab" })));
    assert!(!validator.is_valid(&json!({ "chains": [{ "chain": "bitcoin", "net": "regtest" }] })));
    let cancelled = Contract::parse(INVOICES).answer("post", "/v2/invoices/cancel", "200");
    assert!(cancelled.is_valid(&json!({})));
    assert!(!cancelled.is_valid(&json!({ "canceled": true })));
}
