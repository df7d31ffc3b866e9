//! Send: eCash as a token (to hand over, or to a contact over NOSTR), or
//! pay over Lightning (an invoice, a Lightning address or an LNURL) from
//! the account or a mint.

mod lightning;
pub mod token;

use leptos::prelude::*;

use crate::shell::{Screen, Segmented};

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
            <Segmented name="send-way" label="How to send" value=way
                choices=vec![(Way::Token, "eCash token"), (Way::Lightning, "Lightning")]/>
            {move || match way.get() {
                Way::Token => view! { <token::SendToken/> }.into_any(),
                Way::Lightning => view! { <lightning::PayInvoice/> }.into_any(),
            }}
        </Screen>
    }
}
