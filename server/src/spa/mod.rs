//! Serving the single-page app that Trunk builds into `dist/`.
//!
//! Real files are served from disk by [`ServeDir`] (with the `.br`/`.gz`
//! siblings the build writes for big files). A path that is not a file is
//! either a client-side route, answered with `index.html` so the app's router
//! can take over, or a missing asset, answered with a plain 404.

mod cache;
mod csp;

use std::{
    io,
    path::{Path, PathBuf},
};

use axum::{
    extract::{Request, State},
    handler::Handler,
    http::{HeaderValue, StatusCode},
    middleware,
    response::{IntoResponse, Response},
    Router,
};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

/// Why the built app cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum SpaError {
    #[error(
        "the app is not built: {} does not exist\n\
         Build it with `trunk build --release`, or point --dist (FLASH_DIST) at Trunk's output directory.",
        index.display()
    )]
    NotBuilt { index: PathBuf },

    #[error("could not read {}", path.display())]
    ReadIndex {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// A built app in a `dist/` directory, checked and ready to serve.
#[derive(Debug, Clone)]
pub struct Spa {
    dist: PathBuf,
    content_security_policy: HeaderValue,
}

impl Spa {
    /// Reads `dist/index.html` to derive the Content-Security-Policy that lets
    /// exactly its inline scripts run (and, for `dev`, reach the dev
    /// services on this machine).
    ///
    /// This happens once, at startup: after rebuilding the app, restart the
    /// server so the policy follows the new loader script.
    pub fn load(dist: &Path, dev: bool) -> Result<Self, SpaError> {
        let index = dist.join("index.html");
        let html = std::fs::read(&index).map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => SpaError::NotBuilt {
                index: index.clone(),
            },
            _ => SpaError::ReadIndex {
                path: index.clone(),
                source,
            },
        })?;

        Ok(Self {
            dist: dist.to_owned(),
            content_security_policy: csp::content_security_policy(&html, dev),
        })
    }

    /// The `Content-Security-Policy` header value for this build.
    pub fn content_security_policy(&self) -> &HeaderValue {
        &self.content_security_policy
    }

    /// A router that answers every request with a file from `dist/`, the app
    /// shell for client-side routes, or a 404.
    pub fn into_router(self) -> Router {
        let app_shell = ServeFile::new(self.dist.join("index.html"))
            .precompressed_br()
            .precompressed_gzip();

        let files = ServeDir::new(&self.dist)
            .precompressed_br()
            .precompressed_gzip()
            .fallback(client_route.with_state(app_shell));

        Router::new()
            .fallback_service(files)
            .layer(middleware::from_fn(cache::cache_control))
    }
}

/// Answers a GET for a path with no file behind it.
async fn client_route(State(app_shell): State<ServeFile>, request: Request) -> Response {
    if names_a_file(request.uri().path()) {
        // A missing script or wasm module must stay a 404: answering with HTML
        // would make the browser fail later with a confusing MIME or syntax
        // error (and a service worker might cache that HTML as the asset).
        return StatusCode::NOT_FOUND.into_response();
    }
    match app_shell.oneshot(request).await {
        Ok(response) => response.into_response(),
        Err(infallible) => match infallible {},
    }
}

/// Whether the last segment of `path` looks like a file name (`app.js`),
/// as opposed to a client-side route (`/send`, `/chat/abc`).
fn names_a_file(path: &str) -> bool {
    let last_segment = path.rsplit_once('/').map_or(path, |(_, segment)| segment);
    last_segment.contains('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_not_file_names() {
        assert!(!names_a_file("/"));
        assert!(!names_a_file("/send"));
        assert!(!names_a_file("/chat/abc"));
        assert!(!names_a_file("/v1.2/chat"));
    }

    #[test]
    fn paths_with_an_extension_name_files() {
        assert!(names_a_file("/missing.wasm"));
        assert!(names_a_file("/icons/icon-192.png"));
        assert!(names_a_file("/.well-known/x.json"));
    }

    #[test]
    fn mime_guess_knows_the_pwa_types() {
        // ServeDir takes Content-Type from mime_guess; browsers refuse to
        // stream-compile wasm or install a manifest served with another type.
        assert_eq!(
            mime_guess::from_path("app_bg.wasm").first_raw(),
            Some("application/wasm")
        );
        assert_eq!(
            mime_guess::from_path("manifest.webmanifest").first_raw(),
            Some("application/manifest+json")
        );
    }
}
