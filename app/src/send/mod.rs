//! Send: eCash as a token (to hand over, or to a contact over NOSTR), or
//! pay over Lightning (an invoice, a Lightning address or an LNURL) from
//! the account or a mint. `/send?pay=ADDRESS&zap=NPUB` opens the Lightning
//! form filled in, paying as a zap to them (a person's "Zap" button).

mod lightning;
mod token;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::ui::{Screen, Segmented};

#[derive(Clone, Copy, PartialEq)]
enum Way {
    Token,
    Lightning,
}

#[component]
pub fn Send() -> impl IntoView {
    let (pay, zap) = use_query_map().with_untracked(|query| (query.get("pay"), query.get("zap")));
    let way = RwSignal::new(if pay.is_some() {
        Way::Lightning
    } else {
        Way::Token
    });
    view! {
        <Screen title="Send">
            <Segmented name="send-way" label="How to send" value=way
                choices=vec![(Way::Token, "eCash token"), (Way::Lightning, "Lightning")]/>
            {move || match way.get() {
                Way::Token => view! { <token::SendToken/> }.into_any(),
                Way::Lightning => view! { <lightning::PayInvoice pay=pay.clone() zap=zap.clone()/> }.into_any(),
            }}
        </Screen>
    }
}
