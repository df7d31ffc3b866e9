//! `GET /api/openapi.json`: the API described as OpenAPI 3.1, generated from
//! the handlers' and types' annotations, so it cannot drift from the code.

use axum::Json;
use utoipa::{
    openapi::security::{ApiKey, ApiKeyValue, SecurityScheme},
    Modify, OpenApi,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Flash Web server",
        description = "Lightning accounts signed in by NOSTR (NIP-98), and what the server offers."
    ),
    paths(
        super::config::config,
        crate::accounts::account,
        crate::accounts::invoices::create,
        crate::accounts::invoices::get,
        crate::accounts::payments::quote_route,
        crate::accounts::payments::pay_route,
        crate::accounts::payments::get_route,
        crate::accounts::events::stream_route,
        crate::accounts::history::history_route,
        crate::accounts::names::get_route,
        crate::accounts::names::set_route,
        crate::accounts::names::release_route,
        crate::nwc::connections::create_route,
        crate::nwc::connections::list_route,
        crate::nwc::connections::revoke_route,
    ),
    modifiers(&Nip98Scheme),
    tags(
        (name = "server", description = "What this server offers"),
        (name = "account", description = "The signer's Lightning account"),
        (name = "nwc", description = "Apps connected to the signer's account by Nostr Wallet Connect"),
    )
)]
struct Document;

/// Every account route is signed: `Authorization: Nostr <base64 event>`.
struct Nip98Scheme;

impl Modify for Nip98Scheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "nostr",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`Nostr <base64 kind-27235 event>` (NIP-98) naming this request's absolute URL, \
                 method and, with a body, its SHA-256; each event accepted once, within 60 s",
            ))),
        );
    }
}

pub(crate) async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(Document::openapi())
}
