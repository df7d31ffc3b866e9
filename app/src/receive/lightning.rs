//! Receiving by Lightning: an invoice of the account (the default, when
//! this server offers one) or a mint's, as a QR code and text; the view
//! says "Received" the moment it is paid.

use flash_protocol::{AccountInvoice, MintQuote};
use leptos::prelude::*;

use crate::engine::call_action;
use crate::ui::{amount_of, ActionError, AmountField, CopyButton, Qr, Wallet, WalletPicker};

/// The invoice asked for, of the wallet picked.
#[derive(Clone)]
enum Asked {
    Mint(MintQuote),
    Account(AccountInvoice),
}

#[component]
pub fn LightningInvoice() -> impl IntoView {
    let wallet = RwSignal::new(Wallet::None);
    let amount = RwSignal::new(String::new());
    let request = call_action(|engine, (wallet, amount): &(Wallet, u64)| {
        let (wallet, amount) = (wallet.clone(), *amount);
        async move {
            match wallet {
                Wallet::Mint(mint) => engine.request_mint(mint, amount).await.map(Asked::Mint),
                Wallet::Account | Wallet::None => engine
                    .account_invoice(amount, String::new())
                    .await
                    .map(Asked::Account),
            }
        }
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
            Some(Ok(Asked::Mint(quote))) => Some(view! { <MintInvoice quote/> }.into_any()),
            Some(Ok(Asked::Account(invoice))) => Some(view! { <AccountInvoiceView invoice/> }.into_any()),
            _ => None,
        }}
    }
}

/// A mint quote's invoice: the eCash is minted as soon as it is paid.
#[component]
fn MintInvoice(quote: MintQuote) -> impl IntoView {
    let paid = call_action(|engine, (mint, quote): &(String, String)| {
        engine.await_mint(mint.clone(), quote.clone())
    });
    paid.dispatch((quote.mint.clone(), quote.id.clone()));
    view! {
        <Invoice invoice=quote.invoice>
            {move || match paid.value().get() {
                Some(Ok(amount)) => view! {
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
    let paid = call_action(|engine, id: &String| engine.await_account_invoice(id.clone()));
    paid.dispatch(invoice.id.clone());
    view! {
        <Invoice invoice=invoice.invoice>
            {move || match paid.value().get() {
                Some(Ok(amount)) => view! {
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
