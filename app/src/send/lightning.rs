//! Paying a Lightning invoice from a mint's eCash: the fee reserve is shown
//! before the user confirms, and unused fees come back as change.

use flash_protocol::{Command, MeltQuote, Reply};
use leptos::prelude::*;

use crate::engine::{command_action, ActionError};
use crate::mints::MintPicker;
use crate::qr::ScanButton;

#[component]
pub fn PayInvoice() -> impl IntoView {
    let mint = RwSignal::new(String::new());
    let invoice = RwSignal::new(String::new());
    let quote = command_action(|(mint, invoice): &(String, String)| Command::QuoteMelt {
        mint: mint.clone(),
        invoice: invoice.clone(),
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        quote.dispatch((mint.get_untracked(), invoice.get_untracked()));
    };
    view! {
        <form class="card stack" on:submit=submit>
            <MintPicker mint/>
            <label class="field">
                <span>"Lightning invoice"</span>
                <textarea name="invoice" rows="3" placeholder="lnbc…" bind:value=invoice></textarea>
            </label>
            <ScanButton on_scan=Callback::new(move |scanned: String| invoice.set(scanned))/>
            <button class="button" type="submit"
                disabled=move || mint.get().is_empty() || invoice.get().trim().is_empty() || quote.pending().get()>
                "Review payment"
            </button>
            <ActionError action=quote/>
        </form>
        {move || match quote.value().get() {
            Some(Ok(Reply::MeltQuote { quote })) => Some(view! { <Confirm quote/> }),
            _ => None,
        }}
    }
}

#[component]
fn Confirm(quote: MeltQuote) -> impl IntoView {
    let pay = command_action(|(mint, quote): &(String, String)| Command::Melt {
        mint: mint.clone(),
        quote: quote.clone(),
    });
    let input = (quote.mint.clone(), quote.id.clone());
    view! {
        <section class="card stack" aria-label="Payment">
            <p data-testid="melt-amount">{format!("Pay {} sat", quote.amount)}</p>
            <p class="muted" data-testid="melt-fee">{format!("Lightning fee: at most {} sat; what is not used comes back", quote.fee_reserve)}</p>
            {move || match pay.value().get() {
                Some(Ok(Reply::Melted { amount, fee })) => view! {
                    <p class="success" role="status" data-testid="melted">{format!("Paid {amount} sat (fee {fee} sat)")}</p>
                }.into_any(),
                _ => {
                    let input = input.clone();
                    view! {
                        <button class="button" disabled=move || pay.pending().get()
                            on:click=move |_| { pay.dispatch(input.clone()); }>
                            {move || if pay.pending().get() { "Paying…" } else { "Pay" }}
                        </button>
                    }.into_any()
                }
            }}
            <ActionError action=pay/>
        </section>
    }
}
