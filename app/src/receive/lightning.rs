//! Receiving by Lightning: an invoice of the account (the default, when
//! this server offers one) or a mint's, as a QR code and text; the view
//! says "Received" the moment it is paid.

use flash_protocol::{AccountInvoice, Command, MintQuote, Reply};
use leptos::prelude::*;

use crate::engine::command_action;
use crate::ui::{amount_of, ActionError, AmountField, CopyButton, Qr, Wallet, WalletPicker};

#[component]
pub fn LightningInvoice() -> impl IntoView {
    let wallet = RwSignal::new(Wallet::None);
    let amount = RwSignal::new(String::new());
    let request = command_action(|(wallet, amount): &(Wallet, u64)| match wallet {
        Wallet::Mint(mint) => Command::RequestMint {
            mint: mint.clone(),
            amount: *amount,
        },
        Wallet::Account | Wallet::None => Command::CreateAccountInvoice {
            amount: *amount,
            description: String::new(),
        },
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if let Some(sat) = amount_of(&amount.get_untracked()) {
            request.dispatch((wallet.get_untracked(), sat));
        }
    };
    view! {
        <form class="card stack" on:submit=submit>
            <WalletPicker label="Receive into" wallet/>
            <AmountField amount/>
            <button class="button" type="submit"
                disabled=move || wallet.get() == Wallet::None || amount_of(&amount.get()).is_none() || request.pending().get()>
                "Create invoice"
            </button>
            <ActionError action=request/>
        </form>
        {move || match request.value().get() {
            Some(Ok(Reply::MintQuote { quote })) => Some(view! { <MintInvoice quote/> }.into_any()),
            Some(Ok(Reply::AccountInvoice { invoice })) => Some(view! { <AccountInvoiceView invoice/> }.into_any()),
            _ => None,
        }}
    }
}

/// A mint quote's invoice: the eCash is minted as soon as it is paid.
#[component]
fn MintInvoice(quote: MintQuote) -> impl IntoView {
    let paid = command_action(|(mint, quote): &(String, String)| Command::AwaitMint {
        mint: mint.clone(),
        quote: quote.clone(),
    });
    paid.dispatch((quote.mint.clone(), quote.id.clone()));
    view! {
        <Invoice invoice=quote.invoice>
            {move || match paid.value().get() {
                Some(Ok(Reply::Minted { amount, .. })) => view! {
                    <p class="success" role="status" data-testid="minted">{format!("Received {amount} sat")}</p>
                }.into_any(),
                Some(Err(_)) => view! { <ActionError action=paid/> }.into_any(),
                _ => view! { <p class="muted" role="status">"Waiting for payment…"</p> }.into_any(),
            }}
        </Invoice>
    }
}

/// An invoice of the account: the server credits it when it is paid.
#[component]
fn AccountInvoiceView(invoice: AccountInvoice) -> impl IntoView {
    let paid = command_action(|id: &String| Command::AwaitAccountInvoice { id: id.clone() });
    paid.dispatch(invoice.id.clone());
    view! {
        <Invoice invoice=invoice.invoice>
            {move || match paid.value().get() {
                Some(Ok(Reply::AccountReceived { amount })) => view! {
                    <p class="success" role="status" data-testid="received-lightning">{format!("Received {amount} sat")}</p>
                }.into_any(),
                Some(Err(_)) => view! { <ActionError action=paid/> }.into_any(),
                _ => view! { <p class="muted" role="status">"Waiting for payment…"</p> }.into_any(),
            }}
        </Invoice>
    }
}

/// An invoice as a QR code, text and a copy button, under what became of it.
#[component]
fn Invoice(invoice: String, children: Children) -> impl IntoView {
    view! {
        <section class="card stack" aria-label="Invoice">
            {children()}
            <Qr text=format!("lightning:{invoice}") testid="invoice-qr"/>
            <code class="wrap" data-testid="invoice">{invoice.clone()}</code>
            <CopyButton text=invoice label="Copy invoice"/>
        </section>
    }
}
