//! Cache-Control for files served from `dist/`.
//!
//! Trunk puts a content hash into the names of the files it generates, and
//! the build's post-build hook into the engine's (its loader, glue and wasm),
//! so a hashed file never changes: browsers may keep it forever. Everything
//! else (`index.html`, `sw.js`, the manifest, icons) keeps its name across
//! releases, so browsers must revalidate it on every use; ServeDir answers
//! `If-Modified-Since` with a cheap 304.

use axum::{
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::Response,
};

const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

/// Trunk writes its 64-bit content hash as hex without leading zeros, so it
/// is usually 16 digits and sometimes fewer (`flash-app-44d7e92c2e783e2`).
/// Below 12 digits (one build in 65,536) the file is simply revalidated,
/// which is always safe.
const MIN_HASH_LEN: usize = 12;

/// Middleware: sets `Cache-Control` (and `Vary`) on every static response.
pub(super) async fn cache_control(request: Request, next: Next) -> Response {
    let hashed = is_hashed_asset(request.uri().path());
    let mut response = next.run(request).await;

    let status = response.status();
    // Only a real hit may be kept forever: a 404 for a hashed name (e.g. during
    // a deploy) must not stick in the cache.
    let cacheable = status.is_success() || status == StatusCode::NOT_MODIFIED;
    let policy = if hashed && cacheable {
        IMMUTABLE
    } else {
        REVALIDATE
    };

    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, policy);
    // ServeDir picks a `.br`/`.gz` sibling from Accept-Encoding but does not
    // say so; without Vary a shared cache could hand brotli to a client that
    // cannot decode it.
    headers
        .entry(header::VARY)
        .or_insert(HeaderValue::from_static("accept-encoding"));
    response
}

/// Whether the file named by `path` carries a Trunk content hash: a `-` then
/// at least [`MIN_HASH_LEN`] lowercase hex digits right before `.ext` or `_bg.wasm`, as in
/// `flash-app-3f2a9c0d1e4b5a6f.js` or `flash-app-3f2a9c0d1e4b5a6f_bg.wasm`.
fn is_hashed_asset(path: &str) -> bool {
    let file_name = path.rsplit_once('/').map_or(path, |(_, name)| name);
    let stem = file_name
        .strip_suffix("_bg.wasm")
        .or_else(|| file_name.rsplit_once('.').map(|(stem, _extension)| stem));
    let Some((_, hash)) = stem.and_then(|stem| stem.rsplit_once('-')) else {
        return false;
    };
    hash.len() >= MIN_HASH_LEN && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn trunk_hashed_names_are_immutable() {
        for path in [
            "/flash-app-3f2a9c0d1e4b5a6f.js",
            "/flash-app-3f2a9c0d1e4b5a6f_bg.wasm",
            "/main-0123456789abcdef.css",
            "/flash-app-44d7e92c2e783e2_bg.wasm",
            "/snippets/x/inline0-0123456789abcdef0123.js",
            // The engine's, named by scripts/post-build.sh.
            "/engine-0123456789abcdef.js",
            "/flash-worker-0123456789abcdef.js",
            "/flash-worker-0123456789abcdef_bg.wasm",
        ] {
            assert!(is_hashed_asset(path), "{path} should count as hashed");
        }
    }

    #[test]
    fn stable_names_are_revalidated() {
        for path in [
            "/",
            "/index.html",
            "/send",
            "/sw.js",
            "/manifest.webmanifest",
            "/icons/icon-192.png",
            // Too short, or not lowercase hex: not a Trunk hash.
            "/app-0123456789a.js",
            "/app-0123456789ABCDEF.js",
            // A hash-like directory does not make the file hashed.
            "/build-0123456789abcdef/app.js",
            "/app-0123456789abcdef",
        ] {
            assert!(!is_hashed_asset(path), "{path} should not count as hashed");
        }
    }
}
