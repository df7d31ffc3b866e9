//! Receiving by Lightning: the mint's invoice as a QR code and text; the
//! eCash is minted as soon as the invoice is paid.

use flash_protocol::{Command, MintQuote, Reply};
use leptos::prelude::*;

use crate::engine::{command_action, ActionError};
use crate::mints::{amount_of, AmountField, MintPicker};
use crate::qr::Qr;
use crate::shell::CopyButton;

#[component]
pub fn MintInvoice() -> impl IntoView {
    let mint = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let request = command_action(|(mint, amount): &(String, u64)| Command::RequestMint {
        mint: mint.clone(),
        amount: *amount,
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if let Some(sat) = amount_of(&amount.get_untracked()) {
            request.dispatch((mint.get_untracked(), sat));
        }
    };
    let quote = move || match request.value().get() {
        Some(Ok(Reply::MintQuote { quote })) => Some(quote),
        _ => None,
    };
    view! {
        <form class="card stack" on:submit=submit>
            <MintPicker mint/>
            <AmountField amount/>
            <button class="button" type="submit"
                disabled=move || mint.get().is_empty() || amount_of(&amount.get()).is_none() || request.pending().get()>
                "Create invoice"
            </button>
            <ActionError action=request/>
        </form>
        {move || quote().map(|quote| view! { <Invoice quote/> })}
    }
}

/// A quote's invoice, and what became of it.
#[component]
fn Invoice(quote: MintQuote) -> impl IntoView {
    let paid = command_action(|(mint, quote): &(String, String)| Command::AwaitMint {
        mint: mint.clone(),
        quote: quote.clone(),
    });
    paid.dispatch((quote.mint.clone(), quote.id.clone()));
    view! {
        <section class="card stack" aria-label="Invoice">
            {move || match paid.value().get() {
                Some(Ok(Reply::Minted { amount, .. })) => view! {
                    <p class="success" role="status" data-testid="minted">{format!("Received {amount} sat")}</p>
                }.into_any(),
                Some(Err(_)) => view! { <ActionError action=paid/> }.into_any(),
                _ => view! { <p class="muted" role="status">"Waiting for payment…"</p> }.into_any(),
            }}
            <Qr text=format!("lightning:{}", quote.invoice) testid="invoice-qr"/>
            <code class="wrap" data-testid="invoice">{quote.invoice.clone()}</code>
            <CopyButton text=quote.invoice.clone() label="Copy invoice"/>
        </section>
    }
}
