//! The locked screen: the vault is closed until the passphrase opens it.

use flash_protocol::Command;
use leptos::prelude::*;

use crate::engine::command_action;
use crate::ui::{ActionError, Npub};

#[component]
pub fn Unlock(npub: Option<String>) -> impl IntoView {
    let passphrase = RwSignal::new(String::new());
    let unlock = command_action(|passphrase: &String| Command::Unlock {
        passphrase: passphrase.clone().into(),
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        unlock.dispatch(passphrase.get_untracked());
    };
    // A failed attempt clears the field so the next one starts fresh.
    Effect::new(move |_| {
        if let Some(Err(_)) = unlock.value().get() {
            passphrase.set(String::new());
        }
    });
    view! {
        <section class="screen">
            <h1>"Flash is locked"</h1>
            {npub.map(|npub| view! { <Npub npub/> })}
            <form class="stack" on:submit=submit>
                <label class="field">
                    <span>"Passphrase"</span>
                    <input type="password" name="passphrase" autocomplete="current-password" bind:value=passphrase/>
                </label>
                <button class="button" type="submit" disabled=move || unlock.pending().get() || passphrase.get().is_empty()>
                    {move || if unlock.pending().get() { "Unlocking…" } else { "Unlock" }}
                </button>
                <ActionError action=unlock/>
            </form>
        </section>
    }
}
