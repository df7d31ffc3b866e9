//! Sending eCash as a token: shown as text and QR (animated when large),
//! optionally locked to a recipient's key, and sendable to a contact as a
//! private message.

use leptos::prelude::*;

use crate::engine::call_action;
use crate::ui::{amount_of, ActionError, AmountField, MintPicker, Token};

#[component]
pub fn SendToken() -> impl IntoView {
    let mint = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let lock_to = RwSignal::new(String::new());
    let send = call_action(|engine, (mint, amount, lock_to): &(String, u64, String)| {
        let lock_to = (!lock_to.trim().is_empty()).then(|| lock_to.trim().to_owned());
        engine.send_token(mint.clone(), *amount, lock_to)
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if let Some(sat) = amount_of(&amount.get_untracked()) {
            send.dispatch((mint.get_untracked(), sat, lock_to.get_untracked()));
        }
    };
    view! {
        <form class="card stack" on:submit=submit>
            <MintPicker mint/>
            <AmountField amount/>
            <label class="field">
                <span>"Lock to (optional npub): only its owner can receive it"</span>
                <input type="text" name="lock-to" autocomplete="off" placeholder="npub1…" bind:value=lock_to/>
            </label>
            <button class="button" type="submit"
                disabled=move || mint.get().is_empty() || amount_of(&amount.get()).is_none() || send.pending().get()>
                "Create token"
            </button>
            <ActionError action=send/>
        </form>
        {move || match send.value().get() {
            Some(Ok(sent)) => Some(view! { <Token sent/> }),
            _ => None,
        }}
    }
}
