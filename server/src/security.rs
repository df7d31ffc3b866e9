//! Security headers that go on every response the server sends.

use axum::{
    http::{header, HeaderName, HeaderValue},
    Router,
};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::Config;

/// The powerful features the app may use, in its own pages only: the camera
/// (QR codes) and NFC (tokens, cards). The rest that a wallet never needs are
/// denied to it and to anything it embeds.
const PERMISSIONS_POLICY: &str = "camera=(self), nfc=(self), microphone=(), geolocation=(), \
     payment=(), usb=(), serial=(), hid=(), bluetooth=(), midi=(), display-capture=(), \
     browsing-topics=()";

/// A year, without subdomains: the operator's other hosts are theirs to
/// decide.
const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// Whether clients reach this server over HTTPS. The server itself speaks
/// plain HTTP (TLS ends at a proxy in front of it), so the configured public
/// URL is what says so; a request's own scheme or `X-Forwarded-Proto` would
/// only be the proxy's word, or the client's.
pub(crate) fn served_over_https(config: &Config) -> bool {
    config
        .public_url
        .as_deref()
        .and_then(|url| url.get(..8))
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
}

/// Wraps every route (and fallback) of `router` with the security headers,
/// HSTS among them when `hsts` (clients reach the server over HTTPS).
///
/// The headers override anything set further in: a handler must not be able to
/// weaken the policy by accident.
pub(crate) fn with_security_headers(
    router: Router,
    content_security_policy: HeaderValue,
    hsts: bool,
) -> Router {
    let set =
        |name: HeaderName, value: HeaderValue| SetResponseHeaderLayer::overriding(name, value);
    let router = router
        .layer(set(
            header::CONTENT_SECURITY_POLICY,
            content_security_policy,
        ))
        // Browsers must trust our Content-Type (e.g. never run a JSON body as script).
        .layer(set(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        // A wallet's URLs can carry invoices or npubs: never leak them to other sites.
        .layer(set(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        // No other site's window shares a browsing context group with the
        // wallet (no `window.opener` either way, no cross-window leaks).
        .layer(set(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        .layer(set(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(PERMISSIONS_POLICY),
        ));
    if hsts {
        router.layer(set(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
        ))
    } else {
        router
    }
}
