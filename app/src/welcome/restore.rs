//! Restore a wallet from its recovery words, checked as they are typed.

use flash_protocol::{Command, MnemonicProblem};
use leptos::prelude::*;

use crate::engine::{call_action, command_action};
use crate::ui::{ActionError, NewPassphrase};

#[component]
pub fn RestoreWallet(on_back: Callback<()>) -> impl IntoView {
    let phrase = RwSignal::new(String::new());
    let passphrase = RwSignal::new(None::<String>);
    let check = call_action(|engine, phrase: &String| engine.check_mnemonic(phrase.clone()));
    Effect::new(move |_| {
        let typed = phrase.get();
        if !typed.trim().is_empty() {
            check.dispatch(typed);
        }
    });
    let problem = move || match check.value().get() {
        Some(Ok(problem)) => problem,
        _ => None,
    };
    let valid =
        move || !phrase.get().trim().is_empty() && matches!(check.value().get(), Some(Ok(None)));
    let restore = command_action(move |passphrase: &String| Command::RestoreWallet {
        phrase: phrase.get_untracked().into(),
        passphrase: passphrase.clone().into(),
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if let Some(passphrase) = passphrase.get_untracked() {
            restore.dispatch(passphrase);
        }
    };
    view! {
        <section class="screen">
            <h1>"Restore a wallet"</h1>
            <form class="stack" on:submit=submit>
                <label class="field">
                    <span>"Recovery words (12 or 24, separated by spaces)"</span>
                    <textarea name="recovery-words" rows="4" autocomplete="off" autocapitalize="none"
                        spellcheck="false" bind:value=phrase></textarea>
                </label>
                {move || problem().map(|problem| view! { <MnemonicHint problem/> })}
                <NewPassphrase chosen=passphrase/>
                <button class="button" type="submit"
                    disabled=move || !valid() || passphrase.get().is_none() || restore.pending().get()>
                    {move || if restore.pending().get() { "Restoring…" } else { "Restore wallet" }}
                </button>
                <button class="link" type="button" on:click=move |_| on_back.run(())>"Back"</button>
                <ActionError action=restore/>
            </form>
        </section>
    }
}

/// What is wrong with the words so far, with likely intended words.
#[component]
fn MnemonicHint(problem: MnemonicProblem) -> impl IntoView {
    let text = match problem {
        MnemonicProblem::WrongLength { count } => {
            format!("{count} words so far: a recovery phrase has 12, 15, 18, 21 or 24.")
        }
        MnemonicProblem::BadChecksum => {
            "Every word is valid but they do not fit together: one is probably wrong or out of order."
                .to_owned()
        }
        MnemonicProblem::UnknownWords { words } => words
            .iter()
            .map(|unknown| match unknown.suggestions.as_slice() {
                [] => format!("Word {} “{}” is not a recovery word.", unknown.position, unknown.word),
                suggestions => format!(
                    "Word {} “{}” is not a recovery word: did you mean {}?",
                    unknown.position,
                    unknown.word,
                    suggestions.join(", ")
                ),
            })
            .collect::<Vec<_>>()
            .join(" "),
    };
    view! { <p class="hint warning" data-testid="mnemonic-problem" role="status">{text}</p> }
}
