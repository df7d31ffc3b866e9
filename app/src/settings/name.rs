//! The user's name at this server: `name@<server>`, their Lightning address
//! and NOSTR address (NIP-05), chosen, changed or given up here.

use flash_protocol::AccountName;
use leptos::prelude::*;

use crate::engine::{call_action, CallAction};
use crate::ui::{ActionError, CopyButton};

#[component]
pub fn NameSettings() -> impl IntoView {
    let current = call_action(|engine, _: &()| engine.name());
    let set = call_action(|engine, name: &String| engine.set_name(name.clone()));
    let release = call_action(|engine, _: &()| engine.release_name());
    current.dispatch(());
    // The latest answer of any of the three is what the name is now.
    let name = RwSignal::new(None::<AccountName>);
    keep_name(current, name);
    keep_name(set, name);
    keep_name(release, name);
    let typed = RwSignal::new(String::new());
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        set.dispatch(typed.get_untracked().trim().to_owned());
    };
    view! {
        <section class="card stack" aria-labelledby="name-title">
            <h2 id="name-title">"Your address"</h2>
            <p class="hint">"A name here is your Lightning address, to be paid at, and your NOSTR address (NIP-05), so people find and check you."</p>
            {move || name.get().map(|AccountName { address, .. }| view! {
                <p><code data-testid="address">{address.clone()}</code></p>
                <CopyButton text=address label="Copy address"/>
                <button class="button small secondary" disabled=move || release.pending().get()
                    on:click=move |_| { release.dispatch(()); }>
                    "Give up this name"
                </button>
            })}
            <form class="stack" on:submit=submit>
                <label class="field">
                    <span>{move || if name.get().is_some() { "Change your name" } else { "Choose a name" }}</span>
                    <input type="text" name="name" autocomplete="off" autocapitalize="none" spellcheck="false"
                        minlength="2" maxlength="32" placeholder="satoshi" bind:value=typed/>
                </label>
                <p class="hint">"2 to 32 of a–z, 0–9, '-', '_' and '.'"</p>
                <button class="button secondary" type="submit"
                    disabled=move || typed.get().trim().len() < 2 || set.pending().get()>
                    "Save name"
                </button>
            </form>
            <ActionError action=current/>
            <ActionError action=set/>
            <ActionError action=release/>
        </section>
    }
}

/// Keeps `name` as `action`'s answer says it is.
fn keep_name<I: Send + Sync + 'static>(
    action: CallAction<I, Option<AccountName>>,
    name: RwSignal<Option<AccountName>>,
) {
    Effect::new(move |_| {
        if let Some(Ok(now)) = action.value().get() {
            name.set(now);
        }
    });
}
