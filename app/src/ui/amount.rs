//! The amount a form asks for, in sat.

use leptos::prelude::*;

/// The amount an eCash form asks for, in sat; read it with [`amount_of`].
#[component]
pub fn AmountField(amount: RwSignal<String>) -> impl IntoView {
    view! {
        <label class="field">
            <span>"Amount (sat)"</span>
            <input type="text" inputmode="numeric" name="amount" autocomplete="off" bind:value=amount/>
        </label>
    }
}

/// A typed amount in sat: whole, positive, without spaces or separators.
pub fn amount_of(text: &str) -> Option<u64> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | ',' | '_' | '\u{a0}'))
        .collect();
    digits.parse::<u64>().ok().filter(|amount| *amount > 0)
}
