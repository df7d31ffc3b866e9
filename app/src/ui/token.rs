//! A created eCash token to pass on: on the Send screen and in the history.

use leptos::prelude::*;

use crate::engine::{call_action, SentToken};
use crate::ui::{ActionError, CopyButton, Qr};

/// A token to pass on: its text, QR, copy, and a private message to send it
/// in. Also what the history shows again for a token not yet redeemed.
#[component]
pub fn Token(sent: SentToken) -> impl IntoView {
    let SentToken { token, amount, fee } = sent;
    let to = RwSignal::new(String::new());
    let message = call_action(|engine, (to, text): &(String, String)| {
        engine.send_message(vec![to.clone()], text.clone(), None)
    });
    let for_message = token.clone();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        message.dispatch((to.get_untracked().trim().to_owned(), for_message.clone()));
    };
    view! {
        <section class="card stack" aria-label="Token">
            <p role="status">{format!("A token for {amount} sat")} {(fee > 0).then(|| format!(" ({fee} sat fee)"))}</p>
            <Qr text=token.clone() testid="token-qr"/>
            <code class="wrap token" data-testid="token">{token.clone()}</code>
            <CopyButton text=token.clone() label="Copy token"/>
            <form class="stack" on:submit=submit>
                <label class="field">
                    <span>"Or send it privately to (npub)"</span>
                    <input type="text" name="send-to" autocomplete="off" placeholder="npub1…" bind:value=to/>
                </label>
                <button class="button secondary" type="submit" disabled=move || to.get().trim().is_empty() || message.pending().get()>
                    "Send as a private message"
                </button>
                {move || matches!(message.value().get(), Some(Ok(_)))
                    .then(|| view! { <p class="success" role="status" data-testid="token-messaged">"Sent"</p> })}
                <ActionError action=message/>
            </form>
        </section>
    }
}
