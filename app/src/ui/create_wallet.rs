//! Create a wallet: draw the words, have them written down and checked,
//! then choose the passphrase.

use flash_protocol::{Command, WordCount};
use leptos::prelude::*;

use crate::engine::{call_action, command_action};
use crate::ui::{ActionError, NewPassphrase};

/// A drawn mnemonic, shown once.
#[derive(Clone)]
struct Drawn {
    words: Vec<String>,
    check_positions: Vec<usize>,
}

#[component]
pub fn CreateWallet(on_back: Callback<()>) -> impl IntoView {
    let drawn = RwSignal::new(None::<Drawn>);
    let written_down = RwSignal::new(false);
    let draw = call_action(|engine, words: &WordCount| engine.new_mnemonic(*words));
    Effect::new(move |_| {
        if let Some(Ok((words, check_positions))) = draw.value().get() {
            drawn.set(Some(Drawn {
                words: words.iter().map(|word| word.expose().to_owned()).collect(),
                check_positions,
            }));
            written_down.set(false);
        }
    });
    view! {
        <section class="screen">
            <h1>"Create a new wallet"</h1>
            {move || match (drawn.get(), written_down.get()) {
                (None, _) => view! {
                    <p class="muted">"Flash draws recovery words that restore everything: keep them on paper, never in a photo or a chat."</p>
                    <button class="button" disabled=move || draw.pending().get()
                        on:click=move |_| { draw.dispatch(WordCount::Twelve); }>
                        "Show my 12 recovery words"
                    </button>
                    <button class="button secondary" disabled=move || draw.pending().get()
                        on:click=move |_| { draw.dispatch(WordCount::TwentyFour); }>
                        "Use 24 words instead"
                    </button>
                    <button class="link" on:click=move |_| on_back.run(())>"Back"</button>
                }.into_any(),
                (Some(drawn), false) => view! {
                    <ShowWords words=drawn.words/>
                    <button class="button" on:click=move |_| written_down.set(true)>
                        "I wrote them down"
                    </button>
                }.into_any(),
                (Some(drawn), true) => view! {
                    <CheckAndSeal check_positions=drawn.check_positions on_back=Callback::new(move |()| written_down.set(false))/>
                }.into_any(),
            }}
            <ActionError action=draw/>
        </section>
    }
}

#[component]
fn ShowWords(words: Vec<String>) -> impl IntoView {
    view! {
        <p class="muted">"Write these words down in order. Anyone who has them has your money."</p>
        <ol class="words" data-testid="recovery-words">
            {words.into_iter().map(|word| view! { <li>{word}</li> }).collect_view()}
        </ol>
    }
}

/// Asks three words back, then the passphrase, then creates the vault.
#[component]
fn CheckAndSeal(check_positions: Vec<usize>, on_back: Callback<()>) -> impl IntoView {
    let answers: Vec<(usize, RwSignal<String>)> = check_positions
        .iter()
        .map(|&position| (position, RwSignal::new(String::new())))
        .collect();
    let passphrase = RwSignal::new(None::<String>);
    let collected = answers.clone();
    let create = command_action(move |passphrase: &String| Command::CreateWallet {
        backup_check: collected
            .iter()
            .map(|(_, answer)| answer.get_untracked().into())
            .collect(),
        passphrase: passphrase.clone().into(),
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if let Some(passphrase) = passphrase.get_untracked() {
            create.dispatch(passphrase);
        }
    };
    view! {
        <form class="stack" on:submit=submit>
            <p class="muted">"Check your copy: type the words at these positions."</p>
            {answers
                .into_iter()
                .map(|(position, answer)| view! {
                    <label class="field">
                        <span>{format!("Word #{position}")}</span>
                        <input type="text" name=format!("word-{position}") autocomplete="off"
                            autocapitalize="none" spellcheck="false" bind:value=answer/>
                    </label>
                })
                .collect_view()}
            <NewPassphrase chosen=passphrase/>
            <button class="button" type="submit"
                disabled=move || passphrase.get().is_none() || create.pending().get()>
                {move || if create.pending().get() { "Creating…" } else { "Create wallet" }}
            </button>
            <button class="link" type="button" on:click=move |_| on_back.run(())>"Show the words again"</button>
            <ActionError action=create/>
        </form>
    }
}
