//! A read eCash token and the button that receives it: on the Receive
//! screen and in chats.

use flash_protocol::TokenPreview;
use leptos::prelude::*;

use crate::engine::call_action;
use crate::ui::ActionError;

/// A read token and the button that receives it; also used in chats.
#[component]
pub fn TokenOffer(token: String, preview: TokenPreview) -> impl IntoView {
    let receive = call_action(|engine, (token, trust_mint): &(String, bool)| {
        engine.receive_token(token.clone(), *trust_mint)
    });
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
                Some(Ok(amount)) => view! {
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
