//! Choosing a mint and typing an amount, as the Send and Receive forms do.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::engine::use_engine;

/// A select of the trusted mints with their balances, starting on the
/// default one; a link to add one when there is none.
#[component]
pub fn MintPicker(mint: RwSignal<String>) -> impl IntoView {
    let engine = use_engine();
    engine.refresh_ecash();
    let wallet = engine.ecash();
    Effect::new(move |_| {
        if let Some(wallet) = wallet.get() {
            let current = mint.get_untracked();
            if !wallet.mints.iter().any(|known| known.url == current) {
                mint.set(
                    wallet
                        .default_mint
                        .or_else(|| wallet.mints.first().map(|first| first.url.clone()))
                        .unwrap_or_default(),
                );
            }
        }
    });
    move || {
        match wallet.get() {
        Some(wallet) if !wallet.mints.is_empty() => view! {
            <label class="field">
                <span>"Mint"</span>
                <select name="mint" on:change=move |event| mint.set(event_target_value(&event)) prop:value=move || mint.get()>
                    {wallet.mints.into_iter().map(|option| {
                        let label = format!("{} · {} sat", option.name.clone().unwrap_or_else(|| option.url.clone()), option.balance);
                        view! { <option value=option.url.clone()>{label}</option> }
                    }).collect_view()}
                </select>
            </label>
        }.into_any(),
        Some(_) => view! {
            <p class="hint" data-testid="no-mint">"You have no mint yet. " <A href="/mints">"Add a mint"</A> " to use eCash."</p>
        }.into_any(),
        None => view! { <p class="hint">"Opening the wallet…"</p> }.into_any(),
    }
    }
}
