//! Sending eCash as a token: shown as text and QR (animated when large),
//! optionally locked to a recipient's key, and sendable to a contact as a
//! private message.

use flash_protocol::{Command, Reply};
use leptos::prelude::*;

use crate::engine::{command_action, ActionError};
use crate::mints::{amount_of, AmountField, MintPicker};
use crate::qr::Qr;
use crate::shell::CopyButton;

#[component]
pub fn SendToken() -> impl IntoView {
    let mint = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let lock_to = RwSignal::new(String::new());
    let send =
        command_action(
            |(mint, amount, lock_to): &(String, u64, String)| Command::SendToken {
                mint: mint.clone(),
                amount: *amount,
                lock_to: (!lock_to.trim().is_empty()).then(|| lock_to.trim().to_owned()),
            },
        );
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
            Some(Ok(Reply::Token { token, amount, fee })) => {
                let token = token.expose().to_owned();
                Some(view! { <Token token amount fee/> })
            }
            _ => None,
        }}
    }
}

/// A token to pass on: its text, QR, copy, and a private message to send it
/// in. Also what the history shows again for a token not yet redeemed.
#[component]
pub fn Token(token: String, amount: u64, fee: u64) -> impl IntoView {
    let to = RwSignal::new(String::new());
    let message = command_action(|(to, text): &(String, String)| Command::SendMessage {
        to: vec![to.clone()],
        text: text.clone().into(),
        subject: None,
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
                {move || matches!(message.value().get(), Some(Ok(Reply::MessageSent { .. })))
                    .then(|| view! { <p class="success" role="status" data-testid="token-messaged">"Sent"</p> })}
                <ActionError action=message/>
            </form>
        </section>
    }
}
