//! Paying a Lightning invoice from the account (the default, when this
//! server offers one) or from a mint's eCash: the fee is shown before the
//! user confirms, and what the fee reserve does not use comes back.

use flash_protocol::{AccountQuote, Command, EcashState, InvoiceDetails, MeltQuote, Reply};
use leptos::prelude::*;

use crate::engine::{command_action, use_engine, ActionError, Engine};
use crate::mints::{amount_of, AmountField};
use crate::qr::ScanButton;
use crate::wallets::{Wallet, WalletPicker};

#[component]
pub fn PayInvoice() -> impl IntoView {
    let engine = use_engine();
    let wallet = RwSignal::new(Wallet::None);
    let invoice = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    // What the invoice asks for, read as it is pasted: an invoice that
    // leaves the amount to the payer gets an amount field.
    let details = LocalResource::new(move || {
        let text = invoice.get();
        async move { decode(engine, text).await }
    });
    let needs_amount = move || {
        matches!(
            details.get(),
            Some(Some(Ok(InvoiceDetails { amount: None, .. })))
        )
    };
    // The amount typed, for an invoice without one; `Err` when unusable.
    let chosen = move || -> Result<Option<u64>, ()> {
        if !needs_amount() {
            return Ok(None);
        }
        amount_of(&amount.get()).map(Some).ok_or(())
    };
    let quote = command_action(
        |(wallet, invoice, amount): &(Wallet, String, Option<u64>)| match wallet {
            Wallet::Mint(mint) => Command::QuoteMelt {
                mint: mint.clone(),
                invoice: invoice.clone(),
                amount: *amount,
            },
            Wallet::Account | Wallet::None => Command::QuoteAccountPayment {
                invoice: invoice.clone(),
                amount: *amount,
            },
        },
    );
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if let Ok(amount) = chosen() {
            quote.dispatch((wallet.get_untracked(), invoice.get_untracked(), amount));
        }
    };
    view! {
        <form class="card stack" on:submit=submit>
            <WalletPicker label="Pay from" wallet/>
            <label class="field">
                <span>"Lightning invoice"</span>
                <textarea name="invoice" rows="3" placeholder="lnbc…" bind:value=invoice></textarea>
            </label>
            <ScanButton on_scan=Callback::new(move |scanned: String| invoice.set(scanned))/>
            {move || details.get().flatten().map(|read| match read {
                Ok(details) => view! { <InvoiceSummary details/> }.into_any(),
                Err(error) => view! { <p class="hint warning" data-testid="invoice-problem">{error}</p> }.into_any(),
            })}
            {move || needs_amount().then(|| view! { <AmountField amount/> })}
            <button class="button" type="submit"
                disabled=move || wallet.get() == Wallet::None || invoice.get().trim().is_empty()
                    || chosen().is_err() || quote.pending().get()>
                "Review payment"
            </button>
            <ActionError action=quote/>
        </form>
        {move || match quote.value().get() {
            Some(Ok(Reply::MeltQuote { quote })) => Some(view! { <ConfirmMelt quote/> }.into_any()),
            Some(Ok(Reply::AccountQuote { quote })) => Some(view! { <ConfirmAccountPayment quote/> }.into_any()),
            _ => None,
        }}
    }
}

/// What the engine reads in `text`; `None` for nothing typed yet.
async fn decode(engine: Engine, text: String) -> Option<Result<InvoiceDetails, String>> {
    if text.trim().is_empty() {
        return None;
    }
    Some(
        match engine
            .request(Command::DecodeInvoice { invoice: text })
            .await
        {
            Ok(Reply::Invoice { invoice }) => Ok(invoice),
            Ok(other) => Err(format!("unexpected answer: {other:?}")),
            Err(error) => Err(error.to_string()),
        },
    )
}

/// An invoice's amount and description, before a wallet pays it.
#[component]
fn InvoiceSummary(details: InvoiceDetails) -> impl IntoView {
    let asks = match details.amount {
        Some(sat) => format!("Asks for {sat} sat"),
        None => "Leaves the amount to you".to_owned(),
    };
    view! {
        <p class="hint" data-testid="invoice-details">
            {asks}
            {details.description.map(|memo| format!(" · {memo}"))}
        </p>
    }
}

#[component]
fn ConfirmMelt(quote: MeltQuote) -> impl IntoView {
    let pay = command_action(|(mint, quote): &(String, String)| Command::Melt {
        mint: mint.clone(),
        quote: quote.clone(),
    });
    let input = (quote.mint.clone(), quote.id.clone());
    view! {
        <Confirm amount=quote.amount
            fee=format!("Lightning fee: at most {} sat; what is not used comes back", quote.fee_reserve)
            pay=Callback::new(move |()| { pay.dispatch(input.clone()); })
            paying=pay.pending().into()
            finished=Signal::derive(move || matches!(pay.value().get(), Some(Ok(_))))>
            {move || match pay.value().get() {
                Some(Ok(Reply::Melted { amount, fee })) => Some(view! {
                    <p class="success" role="status" data-testid="melted">{format!("Paid {amount} sat (fee {fee} sat)")}</p>
                }),
                _ => None,
            }}
            <ActionError action=pay/>
        </Confirm>
    }
}

#[component]
fn ConfirmAccountPayment(quote: AccountQuote) -> impl IntoView {
    // The amount quoted: the one the user chose, for an invoice without
    // one (for any other, the engine pays the invoice's own).
    let amount = quote.amount;
    let pay = command_action(move |invoice: &String| Command::PayFromAccount {
        invoice: invoice.clone(),
        amount: Some(amount),
    });
    let fee = if quote.internal {
        "To another user of this server: instant, no fee".to_owned()
    } else {
        format!(
            "Lightning fee: at most {} sat; what is not used comes back",
            quote.fee_reserve
        )
    };
    let invoice = quote.invoice.clone();
    view! {
        <Confirm amount=quote.amount fee
            pay=Callback::new(move |()| { pay.dispatch(invoice.clone()); })
            paying=pay.pending().into()
            finished=Signal::derive(move || matches!(pay.value().get(), Some(Ok(_))))>
            {quote.description.clone().filter(|memo| !memo.is_empty()).map(|memo| view! { <p class="muted">{memo}</p> })}
            {move || match pay.value().get() {
                Some(Ok(Reply::AccountPayment { payment })) => Some(match payment.state {
                    EcashState::Done => view! {
                        <p class="success" role="status" data-testid="paid">{format!("Paid {} sat (fee {} sat)", payment.amount, payment.fee)}</p>
                    }.into_any(),
                    EcashState::Pending => view! {
                        <p class="muted" role="status" data-testid="paid">"Payment on its way: the history shows when it arrives"</p>
                    }.into_any(),
                    EcashState::Failed => view! {
                        <p class="error" role="alert" data-testid="paid">
                            {format!("The payment failed ({}); the money is back in your account", payment.failure.unwrap_or_default())}
                        </p>
                    }.into_any(),
                }),
                _ => None,
            }}
            <ActionError action=pay/>
        </Confirm>
    }
}

/// What a payment costs, and the button that makes it (until the payment
/// has an answer: a failed try can be tried again).
#[component]
fn Confirm(
    amount: u64,
    fee: String,
    pay: Callback<()>,
    paying: Signal<bool>,
    finished: Signal<bool>,
    children: Children,
) -> impl IntoView {
    view! {
        <section class="card stack" aria-label="Payment">
            <p data-testid="melt-amount">{format!("Pay {amount} sat")}</p>
            <p class="muted" data-testid="melt-fee">{fee}</p>
            {children()}
            {move || (!finished.get()).then(|| view! {
                <button class="button" disabled=move || paying.get()
                    on:click=move |_| pay.run(())>
                    {move || if paying.get() { "Paying…" } else { "Pay" }}
                </button>
            })}
        </section>
    }
}
