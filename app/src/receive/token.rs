//! Receiving an eCash token: read it first (mint, amount, lock), then swap
//! it into the wallet; a mint not yet trusted is named and asked about.

use leptos::prelude::*;

use crate::engine::call_action;
use crate::ui::{ActionError, ScanButton, TokenOffer};

#[component]
pub fn PasteToken() -> impl IntoView {
    let text = RwSignal::new(String::new());
    let inspect = call_action(|engine, token: &String| engine.inspect_token(token.clone()));
    Effect::new(move |_| {
        let token = text.get();
        if !token.trim().is_empty() {
            inspect.dispatch(token);
        }
    });
    view! {
        <section class="card stack">
            <label class="field">
                <span>"Paste an eCash token"</span>
                <textarea name="token" rows="4" placeholder="cashuB…" bind:value=text></textarea>
            </label>
            <ScanButton on_scan=Callback::new(move |scanned: String| text.set(scanned))/>
            {move || match inspect.value().get() {
                Some(Ok(preview)) => {
                    view! { <TokenOffer token=text.get_untracked() preview/> }.into_any()
                }
                Some(Err(_)) if !text.get().trim().is_empty() => view! { <ActionError action=inspect/> }.into_any(),
                _ => ().into_any(),
            }}
        </section>
    }
}
