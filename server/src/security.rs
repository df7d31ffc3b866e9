//! Security headers that go on every response the server sends.

use axum::{
    http::{header, HeaderValue},
    Router,
};
use tower_http::set_header::SetResponseHeaderLayer;

/// Wraps every route (and fallback) of `router` with the security headers.
///
/// The headers override anything set further in: a handler must not be able to
/// weaken the policy by accident.
pub(crate) fn with_security_headers(
    router: Router,
    content_security_policy: HeaderValue,
) -> Router {
    router
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            content_security_policy,
        ))
        // Browsers must trust our Content-Type (e.g. never run a JSON body as script).
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        // A wallet's URLs can carry invoices or npubs: never leak them to other sites.
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
}
