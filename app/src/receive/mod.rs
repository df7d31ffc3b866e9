//! Receive: a Lightning invoice that turns into eCash once paid, or an
//! eCash token pasted or scanned.

mod lightning;
mod token;

pub use token::TokenOffer;

use leptos::prelude::*;

use crate::shell::Screen;

#[derive(Clone, Copy, PartialEq)]
enum Way {
    Lightning,
    Token,
}

#[component]
pub fn Receive() -> impl IntoView {
    let way = RwSignal::new(Way::Lightning);
    view! {
        <Screen title="Receive">
            <div class="segmented two" role="radiogroup" aria-label="How to receive">
                <label class="segment">
                    <input type="radio" name="receive-way" checked=move || way.get() == Way::Lightning on:change=move |_| way.set(Way::Lightning)/>
                    <span>"Lightning"</span>
                </label>
                <label class="segment">
                    <input type="radio" name="receive-way" checked=move || way.get() == Way::Token on:change=move |_| way.set(Way::Token)/>
                    <span>"eCash token"</span>
                </label>
            </div>
            {move || match way.get() {
                Way::Lightning => view! { <lightning::MintInvoice/> }.into_any(),
                Way::Token => view! { <token::PasteToken/> }.into_any(),
            }}
        </Screen>
    }
}
