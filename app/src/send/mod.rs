//! Send: eCash as a token (to hand over, or to a contact over NOSTR), or
//! pay a Lightning invoice from a mint's balance.

mod lightning;
mod token;

use leptos::prelude::*;

use crate::shell::Screen;

#[derive(Clone, Copy, PartialEq)]
enum Way {
    Token,
    Lightning,
}

#[component]
pub fn Send() -> impl IntoView {
    let way = RwSignal::new(Way::Token);
    view! {
        <Screen title="Send">
            <div class="segmented two" role="radiogroup" aria-label="How to send">
                <label class="segment">
                    <input type="radio" name="send-way" checked=move || way.get() == Way::Token on:change=move |_| way.set(Way::Token)/>
                    <span>"eCash token"</span>
                </label>
                <label class="segment">
                    <input type="radio" name="send-way" checked=move || way.get() == Way::Lightning on:change=move |_| way.set(Way::Lightning)/>
                    <span>"Lightning invoice"</span>
                </label>
            </div>
            {move || match way.get() {
                Way::Token => view! { <token::SendToken/> }.into_any(),
                Way::Lightning => view! { <lightning::PayInvoice/> }.into_any(),
            }}
        </Screen>
    }
}
