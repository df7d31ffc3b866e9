//! Moving money between the Lightning account and a mint's eCash, one step
//! each way; shown when the server offers an account and the user has a
//! mint.

use leptos::prelude::*;

use crate::engine::{call_action, use_engine};
use crate::ui::{amount_of, ActionError, AmountField, MintPicker, Segmented};

#[derive(Clone, Copy, PartialEq)]
enum Way {
    ToEcash,
    ToAccount,
}

#[component]
pub fn Moves() -> impl IntoView {
    let engine = use_engine();
    let account = engine.account();
    let ecash = engine.ecash();
    // A memo, so a balance change does not draw the form again (and lose
    // what the user typed): only whether it is shown.
    let shown = Memo::new(move |_| {
        account.get().flatten().is_some()
            && ecash.get().is_some_and(|wallet| !wallet.mints.is_empty())
    });
    move || shown.get().then(|| view! { <MoveForm/> })
}

#[component]
fn MoveForm() -> impl IntoView {
    let way = RwSignal::new(Way::ToEcash);
    let mint = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let moving = call_action(|engine, (way, mint, amount): &(Way, String, u64)| {
        engine.move_money(*way == Way::ToEcash, mint.clone(), *amount)
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if let Some(sat) = amount_of(&amount.get_untracked()) {
            moving.dispatch((way.get_untracked(), mint.get_untracked(), sat));
        }
    };
    view! {
        <form class="card stack" aria-label="Move money" on:submit=submit>
            <h2>"Move money"</h2>
            <Segmented name="move-way" label="Which way" value=way
                choices=vec![(Way::ToEcash, "Account → eCash"), (Way::ToAccount, "eCash → account")]/>
            <MintPicker mint/>
            <AmountField amount/>
            <button class="button" type="submit"
                disabled=move || mint.get().is_empty() || amount_of(&amount.get()).is_none() || moving.pending().get()>
                {move || if moving.pending().get() { "Moving…" } else { "Move" }}
            </button>
            {move || match moving.value().get() {
                Some(Ok((amount, fee))) => Some(view! {
                    <p class="success" role="status" data-testid="moved">{format!("Moved {amount} sat (fee {fee} sat)")}</p>
                }),
                _ => None,
            }}
            <ActionError action=moving/>
        </form>
    }
}
