//! The OpenAPI document the server serves describes what it answers: every
//! route the app uses is in it, and real answers of a whole flow (receive,
//! quote, pay, errors) validate against the schemas it gives for them.

use axum::http::{Method, StatusCode};
use flash_dev::lightning::InvoiceTerms;
use serde_json::{json, Value};

use crate::support::{
    self,
    lightning::{Api, Lightning, User},
};

/// The document, and a check of one answer against it.
struct Document(Value);

impl Document {
    #[track_caller]
    fn assert_answer(&self, method: &str, path: &str, status: StatusCode, answer: &Value) {
        let documented = &self.0["paths"][path][method]["responses"][status.as_str()];
        let schema = documented["content"]["application/json"]["schema"].clone();
        assert!(
            schema.is_object(),
            "the document has no JSON {status} answer for {method} {path}"
        );
        let root = json!({ "allOf": [schema], "components": self.0["components"].clone() });
        let validator = jsonschema::draft202012::new(&root).expect("a valid schema");
        let errors: Vec<String> = validator
            .iter_errors(answer)
            .map(|error| format!("{error} at {}", error.instance_path))
            .collect();
        assert!(
            errors.is_empty(),
            "{method} {path} {status}: {answer} is not as documented: {errors:#?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_openapi_document_describes_the_real_answers() {
    let dist = support::built_dist();
    let (_, url, _dir) = support::database_urls().await.remove(0);
    let lightning = Lightning::start().await;
    let app = lightning.server(&url, &dist).await;
    let router = app.router();
    let (status, _, body) = support::get(&router, "/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let document = Document(serde_json::from_slice(&body).unwrap());
    assert!(document.0["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(document.0["components"]["securitySchemes"]["nostr"].is_object());

    let (_, _, body) = support::get(&router, "/api/config").await;
    let offered: Value = serde_json::from_slice(&body).unwrap();
    document.assert_answer("get", "/api/config", StatusCode::OK, &offered);

    let api = Api::InProcess(router);
    let alice = User::new();
    let (status, account) = alice.call(&api, Method::GET, "/api/account", None).await;
    document.assert_answer("get", "/api/account", status, &account);
    let invoice = alice.invoice(&api, 30_000, "documented").await;
    document.assert_answer(
        "post",
        "/api/account/invoices",
        StatusCode::CREATED,
        &invoice,
    );
    lightning
        .outside
        .pay(invoice["bolt11"].as_str().unwrap(), None, 100_000)
        .unwrap();
    let path = format!("/api/account/invoices/{}", invoice["id"].as_str().unwrap());
    let (status, looked_up) = alice.call(&api, Method::GET, &path, None).await;
    document.assert_answer("get", "/api/account/invoices/{id}", status, &looked_up);

    let rent = lightning
        .outside
        .add_invoice(InvoiceTerms::new(5_000, "rent"))
        .unwrap();
    let (status, quote) = alice
        .call(
            &api,
            Method::POST,
            "/api/account/payments/quote",
            Some(json!({ "bolt11": rent.bolt11 })),
        )
        .await;
    document.assert_answer("post", "/api/account/payments/quote", status, &quote);
    support::lightning::eventually("the invoice is credited", || async {
        alice.balance(&api).await == 30_000
    })
    .await;
    let (status, paid) = alice.pay(&api, &rent.bolt11, "rent").await;
    document.assert_answer("post", "/api/account/payments", status, &paid);
    let path = format!("/api/account/payments/{}", paid["id"].as_str().unwrap());
    let (status, looked_up) = alice.call(&api, Method::GET, &path, None).await;
    document.assert_answer("get", "/api/account/payments/{id}", status, &looked_up);

    let (status, history) = alice
        .call(&api, Method::GET, "/api/account/history?limit=1", None)
        .await;
    document.assert_answer("get", "/api/account/history", status, &history);

    let (status, refused) = alice.pay(&api, "lnbcrt1nonsense", "bad").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    document.assert_answer("post", "/api/account/payments", status, &refused);
    app.shutdown();
}
