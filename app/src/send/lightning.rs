//! Paying a Lightning invoice from the account (the default, when this
//! server offers one) or from a mint's eCash: the fee is shown before the
//! user confirms, and what the fee reserve does not use comes back.

use flash_protocol::{AccountQuote, Command, EcashState, MeltQuote, Reply};
use leptos::prelude::*;

use crate::engine::{command_action, ActionError};
use crate::qr::ScanButton;
use crate::wallets::{Wallet, WalletPicker};

#[component]
pub fn PayInvoice() -> impl IntoView {
    let wallet = RwSignal::new(Wallet::None);
    let invoice = RwSignal::new(String::new());
    let quote = command_action(|(wallet, invoice): &(Wallet, String)| match wallet {
        Wallet::Mint(mint) => Command::QuoteMelt {
            mint: mint.clone(),
            invoice: invoice.clone(),
        },
        Wallet::Account | Wallet::None => Command::QuoteAccountPayment {
            invoice: invoice.clone(),
            amount: None,
        },
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        quote.dispatch((wallet.get_untracked(), invoice.get_untracked()));
    };
    view! {
        <form class="card stack" on:submit=submit>
            <WalletPicker label="Pay from" wallet/>
            <label class="field">
                <span>"Lightning invoice"</span>
                <textarea name="invoice" rows="3" placeholder="lnbc…" bind:value=invoice></textarea>
            </label>
            <ScanButton on_scan=Callback::new(move |scanned: String| invoice.set(scanned))/>
            <button class="button" type="submit"
                disabled=move || wallet.get() == Wallet::None || invoice.get().trim().is_empty() || quote.pending().get()>
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
    let pay = command_action(|invoice: &String| Command::PayFromAccount {
        invoice: invoice.clone(),
        amount: None,
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
