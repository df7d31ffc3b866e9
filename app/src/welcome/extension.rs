//! Sign in with a NIP-07 browser extension: the key stays in the extension.

use flash_protocol::Command;
use leptos::prelude::*;

use crate::engine::extension::{extension_available, extension_pubkey};
use crate::engine::{use_engine, RequestError};

#[component]
pub fn SignInWithExtension() -> impl IntoView {
    let engine = use_engine();
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let sign_in = move |_| {
        pending.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let outcome = match extension_pubkey().await {
                Ok(pubkey) => engine
                    .request_identity(Command::SignInWithExtension { pubkey })
                    .await
                    .map(drop)
                    .map_err(|error: RequestError| error.to_string()),
                Err(reason) => Err(format!("The extension did not share a key: {reason}")),
            };
            error.set(outcome.err());
            pending.set(false);
        });
    };
    view! {
        {if extension_available() {
            view! {
                <button class="button secondary" disabled=move || pending.get() on:click=sign_in>
                    {move || if pending.get() { "Waiting for the extension…" } else { "Sign in with extension (NIP-07)" }}
                </button>
            }.into_any()
        } else {
            view! {
                <p class="hint">"Have a NOSTR extension such as Alby or nos2x? Install it and reload to sign in with it."</p>
            }.into_any()
        }}
        {move || error.get().map(|error| view! { <p class="error" role="alert">{error}</p> })}
    }
}
