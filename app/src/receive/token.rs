//! Receiving an eCash token: read it first (mint, amount, lock), then swap
//! it into the wallet; a mint not yet trusted is named and asked about.

use flash_protocol::{Command, Reply, TokenPreview};
use leptos::prelude::*;

use crate::engine::{command_action, ActionError};
use crate::qr::ScanButton;

#[component]
pub fn PasteToken() -> impl IntoView {
    let text = RwSignal::new(String::new());
    let inspect = command_action(|token: &String| Command::InspectToken {
        token: token.clone().into(),
    });
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
                Some(Ok(Reply::TokenPreview { preview })) => {
                    view! { <TokenOffer token=text.get_untracked() preview/> }.into_any()
                }
                Some(Err(_)) if !text.get().trim().is_empty() => view! { <ActionError action=inspect/> }.into_any(),
                _ => ().into_any(),
            }}
        </section>
    }
}

/// A read token and the button that receives it; also used in chats.
#[component]
pub fn TokenOffer(token: String, preview: TokenPreview) -> impl IntoView {
    let receive = command_action(
        |(token, trust_mint): &(String, bool)| Command::ReceiveToken {
            token: token.clone().into(),
            trust_mint: *trust_mint,
        },
    );
    let trust = !preview.known_mint;
    let summary = format!("{} sat from {}", preview.amount, preview.mint);
    view! {
        <div class="stack token-offer" data-testid="token-offer">
            <p><strong>{summary}</strong></p>
            {preview.memo.clone().map(|memo| view! { <p class="muted">{memo}</p> })}
            {preview.locked.then(|| view! { <p class="hint">"Locked to a key: only its holder can receive it."</p> })}
            {trust.then(|| view! {
                <p class="hint warning" data-testid="unknown-mint">
                    {format!("You have not used {} before. Receiving trusts it to hold these sats.", preview.mint)}
                </p>
            })}
            {move || match receive.value().get() {
                Some(Ok(Reply::Received { amount, .. })) => view! {
                    <p class="success" role="status" data-testid="received">{format!("Received {amount} sat")}</p>
                }.into_any(),
                _ => {
                    let token = token.clone();
                    view! {
                        <button class="button" disabled=move || receive.pending().get()
                            on:click=move |_| { receive.dispatch((token.clone(), trust)); }>
                            {if trust { "Trust mint and receive" } else { "Receive" }}
                        </button>
                    }.into_any()
                }
            }}
            <ActionError action=receive/>
        </div>
    }
}
