//! Receive: a Lightning invoice into the account or a mint, or an
//! eCash token pasted or scanned.

mod lightning;
mod token;

use leptos::prelude::*;

use crate::ui::{Screen, Segmented};

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
            <Segmented name="receive-way" label="How to receive" value=way
                choices=vec![(Way::Lightning, "Lightning"), (Way::Token, "eCash token")]/>
            {move || match way.get() {
                Way::Lightning => view! { <lightning::LightningInvoice/> }.into_any(),
                Way::Token => view! { <token::PasteToken/> }.into_any(),
            }}
        </Screen>
    }
}
