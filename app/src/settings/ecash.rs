//! eCash upkeep: find lost eCash again from the seed (NUT-13), and ask the
//! mints which pending tokens were spent (NUT-07).

use flash_protocol::{Command, Identity};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::engine::{call_action, command_action, use_engine};
use crate::ui::ActionError;

#[component]
pub fn EcashSettings() -> impl IntoView {
    let engine = use_engine();
    let identity = engine.identity();
    let restoring = engine.restoring();
    let restore = call_action(|engine, _: &()| engine.restore_ecash());
    let check = command_action(|_: &()| Command::CheckProofs);
    let has_seed = move || {
        matches!(
            identity.get(),
            Some(Identity::Unlocked { has_seed: true, .. })
        )
    };
    view! {
        <Show when=has_seed>
            <section class="card stack" aria-labelledby="ecash-title">
                <h2 id="ecash-title">"eCash"</h2>
                <p class="hint"><A href="/mints">"Your mints"</A></p>
                <p class="hint">"Restoring asks each of your mints for the eCash your recovery words made, e.g. after restoring the wallet in a new browser."</p>
                <button class="button secondary" disabled=move || restore.pending().get()
                    on:click=move |_| { restore.dispatch(()); }>
                    "Restore eCash from recovery words"
                </button>
                {move || restore.pending().get().then(|| restoring.get().map(|(done, of, amount)| view! {
                    <p class="hint" role="status">{format!("{done} of {of} mints checked, {amount} sat found")}</p>
                }))}
                {move || match restore.value().get() {
                    Some(Ok(amount)) => Some(view! {
                        <p class="success" role="status" data-testid="restored">{format!("Restored {amount} sat")}</p>
                    }),
                    _ => None,
                }}
                <ActionError action=restore/>
                <button class="button secondary" disabled=move || check.pending().get()
                    on:click=move |_| { check.dispatch(()); }>
                    "Check pending eCash with the mints"
                </button>
                {move || matches!(check.value().get(), Some(Ok(_))).then(|| view! {
                    <p class="hint" role="status">"Checked: pending eCash is up to date."</p>
                })}
                <ActionError action=check/>
            </section>
        </Show>
    }
}
