//! Choosing the passphrase that seals the vault.

use leptos::prelude::*;

/// Minimum length asked of a new passphrase: short ones fall to guessing
/// even behind Argon2id.
const MIN_LENGTH: usize = 8;

/// A passphrase typed twice; `chosen` holds it once both agree.
#[component]
pub fn NewPassphrase(chosen: RwSignal<Option<String>>) -> impl IntoView {
    let first = RwSignal::new(String::new());
    let second = RwSignal::new(String::new());
    let problem = move || {
        let (first, second) = (first.get(), second.get());
        if first.is_empty() {
            None
        } else if first.chars().count() < MIN_LENGTH {
            Some(format!("Use at least {MIN_LENGTH} characters."))
        } else if !second.is_empty() && first != second {
            Some("The two passphrases differ.".to_owned())
        } else {
            None
        }
    };
    Effect::new(move |_| {
        let agreed = problem().is_none() && !first.get().is_empty() && first.get() == second.get();
        chosen.set(agreed.then(|| first.get()));
    });
    view! {
        <label class="field">
            <span>"Passphrase"</span>
            <input type="password" name="passphrase" autocomplete="new-password" bind:value=first/>
        </label>
        <label class="field">
            <span>"Passphrase again"</span>
            <input type="password" name="passphrase-again" autocomplete="new-password" bind:value=second/>
        </label>
        <p class="hint">
            "It unlocks Flash on this device. It cannot be recovered: your recovery words can."
        </p>
        {move || problem().map(|problem| view! { <p class="error" role="alert">{problem}</p> })}
    }
}
