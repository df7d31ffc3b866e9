//! Paying a Lightning invoice, a Lightning address or an LNURL-pay code
//! from the account (the default, when this server offers one) or from a
//! mint's eCash: a payee's own words, the amounts it takes and its comment
//! field are shown first, the fee is shown before the user confirms, and
//! what the fee reserve does not use comes back. Paid to a person as a zap
//! (NIP-57), the engine signs the zap request their server announces it
//! with.

use flash_protocol::{AccountQuote, EcashState, InvoiceDetails, MeltQuote, PayeeOffer, Zap};
use leptos::prelude::*;

use crate::engine::{call_action, use_engine, CallAction, Engine};
use crate::ui::{amount_of, ActionError, AmountField, ScanButton, Wallet, WalletPicker};

/// What the pasted text was read as.
#[derive(Debug, Clone, PartialEq)]
enum Target {
    Invoice(InvoiceDetails),
    Payee(PayeeOffer),
}

/// The cost of paying, from the wallet picked.
#[derive(Debug, Clone)]
enum Quote {
    Melt(MeltQuote),
    Account(AccountQuote),
}

/// What the user asked to review: what to pay, from where, how much (when
/// they choose) and, to a payee, their comment.
#[derive(Debug, Clone)]
struct Review {
    wallet: Wallet,
    text: String,
    payee: Option<PayeeOffer>,
    amount: Option<u64>,
    comment: String,
    zap: Option<Zap>,
}

/// The form, with `pay` filled in; paying a payee as a zap to `zap` (an
/// npub) when their server takes zaps.
#[component]
pub fn PayInvoice(pay: Option<String>, zap: Option<String>) -> impl IntoView {
    let engine = use_engine();
    let wallet = RwSignal::new(Wallet::None);
    let invoice = RwSignal::new(pay.unwrap_or_default());
    let amount = RwSignal::new(String::new());
    let comment = RwSignal::new(String::new());
    // What the text is, read as it is pasted: an invoice that leaves the
    // amount to the payer, and a payee, get an amount field.
    let target = LocalResource::new(move || {
        let text = invoice.get();
        async move { read(engine, text).await }
    });
    let read_target = move || target.get().flatten().and_then(Result::ok);
    let needs_amount = move || {
        matches!(
            read_target(),
            Some(Target::Invoice(InvoiceDetails { amount: None, .. }) | Target::Payee(_))
        )
    };
    // The amount typed, where one is asked for; `Err` when unusable.
    let chosen = move || -> Result<Option<u64>, ()> {
        if !needs_amount() {
            return Ok(None);
        }
        amount_of(&amount.get()).map(Some).ok_or(())
    };
    let quote: CallAction<Review, Quote> = Action::new_unsync(move |review: &Review| {
        let Review {
            wallet,
            mut text,
            payee,
            mut amount,
            comment,
            zap,
        } = review.clone();
        async move {
            // A payee's invoice first, checked by the engine; it names its
            // amount.
            if let (Some(offer), Some(sat)) = (payee, amount) {
                text = engine.payee_invoice(offer, sat, comment, zap).await?;
                amount = None;
            }
            match wallet {
                Wallet::Mint(mint) => engine.quote_melt(mint, text, amount).await.map(Quote::Melt),
                Wallet::Account | Wallet::None => engine
                    .quote_account_payment(text, amount)
                    .await
                    .map(Quote::Account),
            }
        }
    });
    let zap_to = StoredValue::new(zap);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let payee = match read_target() {
            Some(Target::Payee(offer)) => Some(offer),
            _ => None,
        };
        let zap = zap_of(payee.as_ref(), zap_to.get_value());
        if let Ok(amount) = chosen() {
            quote.dispatch(Review {
                wallet: wallet.get_untracked(),
                text: invoice.get_untracked(),
                payee,
                amount,
                comment: comment.get_untracked(),
                zap,
            });
        }
    };
    view! {
        <form class="card stack" on:submit=submit>
            <WalletPicker label="Pay from" wallet/>
            <label class="field">
                <span>"Invoice, Lightning address or LNURL"</span>
                <textarea name="invoice" rows="3" placeholder="lnbc… or name@domain" bind:value=invoice></textarea>
            </label>
            <ScanButton on_scan=Callback::new(move |scanned: String| invoice.set(scanned))/>
            {move || target.get().flatten().map(|read| match read {
                Ok(Target::Invoice(details)) => view! { <InvoiceSummary details/> }.into_any(),
                Ok(Target::Payee(offer)) => view! { <PayeeSummary offer comment zapping=zap_to.get_value().is_some()/> }.into_any(),
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
            Some(Ok(Quote::Melt(quote))) => Some(view! { <ConfirmMelt quote/> }.into_any()),
            Some(Ok(Quote::Account(quote))) => Some(view! { <ConfirmAccountPayment quote/> }.into_any()),
            _ => None,
        }}
    }
}

/// The zap to `recipient` paying `payee` is, when their server takes zaps
/// (one that does not is paid plainly, as its summary says).
fn zap_of(payee: Option<&PayeeOffer>, recipient: Option<String>) -> Option<Zap> {
    let recipient = recipient.filter(|_| payee.is_some_and(|offer| offer.allows_nostr))?;
    Some(Zap {
        recipient,
        event: None,
    })
}

/// Whether `text` is a payee's address or code rather than an invoice (the
/// engine reads either strictly).
fn is_payee(text: &str) -> bool {
    let text = text.trim().to_ascii_lowercase();
    let text = text.strip_prefix("lightning:").unwrap_or(&text);
    text.contains('@') || text.starts_with("lnurl")
}

/// What the engine reads in `text`; `None` for nothing typed yet.
async fn read(engine: Engine, text: String) -> Option<Result<Target, String>> {
    if text.trim().is_empty() {
        return None;
    }
    let target = match is_payee(&text) {
        true => engine.read_payee(text).await.map(Target::Payee),
        false => engine.decode_invoice(text).await.map(Target::Invoice),
    };
    Some(target.map_err(|error| error.to_string()))
}

/// Who a payee is, in their server's words, what they take, whether a zap
/// (`zapping`) is announced, and the comment field when they take one.
#[component]
fn PayeeSummary(offer: PayeeOffer, comment: RwSignal<String>, zapping: bool) -> impl IntoView {
    let who = offer
        .identifier
        .clone()
        .unwrap_or_else(|| offer.payee.clone());
    let bounds = if offer.min == offer.max {
        format!("Takes exactly {} sat", offer.min)
    } else {
        format!("Takes {} to {} sat", offer.min, offer.max)
    };
    let allowed = offer.comment_allowed;
    let zap_line = zapping.then_some(if offer.allows_nostr {
        "A zap: their server announces it on NOSTR, with your comment, signed by you"
    } else {
        "Their server does not announce zaps: this is a plain payment"
    });
    view! {
        <div class="hint" data-testid="payee-details">
            <p><strong>{who}</strong>{format!(" · {}", offer.host)}</p>
            <p>{offer.description}</p>
            <p class="muted" data-testid="payee-bounds">{bounds}</p>
            {zap_line.map(|line| view! { <p class="muted" data-testid="payee-zap">{line}</p> })}
        </div>
        {(allowed > 0).then(|| view! {
            <label class="field">
                <span>{format!("Comment (up to {allowed} characters)")}</span>
                <input type="text" name="comment" maxlength=allowed.to_string() autocomplete="off" bind:value=comment/>
            </label>
        })}
    }
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
    let pay = call_action(|engine, (mint, quote): &(String, String)| {
        engine.melt(mint.clone(), quote.clone())
    });
    let input = (quote.mint.clone(), quote.id.clone());
    view! {
        <Confirm amount=quote.amount
            fee=format!("Lightning fee: at most {} sat; what is not used comes back", quote.fee_reserve)
            pay=Callback::new(move |()| { pay.dispatch(input.clone()); })
            paying=pay.pending().into()
            finished=Signal::derive(move || matches!(pay.value().get(), Some(Ok(_))))>
            {move || match pay.value().get() {
                Some(Ok((amount, fee))) => Some(view! {
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
    let pay = call_action(move |engine, invoice: &String| {
        engine.pay_from_account(invoice.clone(), Some(amount))
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
                Some(Ok(payment)) => Some(match payment.state {
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
