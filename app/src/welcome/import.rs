//! The other ways in: an existing NOSTR key, a backup file, or an npub to
//! watch without any key.

use flash_worker::protocol::Command;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::passphrase::NewPassphrase;
use crate::engine::{command_action, describe, ActionError};

/// Keep an `nsec` or `ncryptsec` as the identity.
#[component]
pub fn ImportKey(on_back: Callback<()>) -> impl IntoView {
    let key = RwSignal::new(String::new());
    let key_password = RwSignal::new(String::new());
    let passphrase = RwSignal::new(None::<String>);
    let import = command_action(move |passphrase: &String| Command::ImportKey {
        key: key.get_untracked(),
        key_password: key_password.get_untracked(),
        passphrase: passphrase.clone(),
    });
    let encrypted = move || key.get().trim().starts_with("ncryptsec1");
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if let Some(passphrase) = passphrase.get_untracked() {
            import.dispatch(passphrase);
        }
    };
    view! {
        <section class="screen">
            <h1>"Import a NOSTR key"</h1>
            <form class="stack" on:submit=submit>
                <label class="field">
                    <span>"Your key (nsec1… or ncryptsec1…)"</span>
                    <input type="password" name="nostr-key" autocomplete="off" spellcheck="false" bind:value=key/>
                </label>
                <Show when=encrypted>
                    <label class="field">
                        <span>"The ncryptsec's password"</span>
                        <input type="password" name="key-password" autocomplete="off" bind:value=key_password/>
                    </label>
                </Show>
                <NewPassphrase chosen=passphrase/>
                <button class="button" type="submit"
                    disabled=move || key.get().trim().is_empty() || passphrase.get().is_none() || import.pending().get()>
                    "Import key"
                </button>
                <button class="link" type="button" on:click=move |_| on_back.run(())>"Back"</button>
                <ActionError action=import/>
            </form>
        </section>
    }
}

/// Follow an npub read-only.
#[component]
pub fn WatchNpub(on_back: Callback<()>) -> impl IntoView {
    let npub = RwSignal::new(String::new());
    let watch = command_action(|npub: &String| Command::WatchNpub { npub: npub.clone() });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        watch.dispatch(npub.get_untracked());
    };
    view! {
        <section class="screen">
            <h1>"Watch an npub"</h1>
            <p class="muted">"Read-only: see a profile's messages and activity without any key. Nothing can be signed or spent."</p>
            <form class="stack" on:submit=submit>
                <label class="field">
                    <span>"npub to watch"</span>
                    <input type="text" name="npub" autocomplete="off" spellcheck="false" bind:value=npub/>
                </label>
                <button class="button" type="submit" disabled=move || npub.get().trim().is_empty() || watch.pending().get()>
                    "Watch"
                </button>
                <button class="link" type="button" on:click=move |_| on_back.run(())>"Back"</button>
                <ActionError action=watch/>
            </form>
        </section>
    }
}

/// Restore a profile from an encrypted backup file.
#[component]
pub fn ImportBackup(on_back: Callback<()>) -> impl IntoView {
    let file = RwSignal::new(None::<String>);
    let read_error = RwSignal::new(None::<String>);
    let passphrase = RwSignal::new(String::new());
    let import = command_action(move |passphrase: &String| Command::ImportBackup {
        file: file.get_untracked().unwrap_or_default(),
        passphrase: passphrase.clone(),
    });
    let choose = move |event: leptos::ev::Event| {
        let chosen = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|input| input.files())
            .and_then(|files| files.get(0));
        let Some(chosen) = chosen else { return };
        leptos::task::spawn_local(async move {
            match JsFuture::from(chosen.text()).await {
                Ok(text) => {
                    file.set(text.as_string());
                    read_error.set(None);
                }
                Err(error) => read_error.set(Some(format!(
                    "The file could not be read: {}",
                    describe(&error)
                ))),
            }
        });
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        import.dispatch(passphrase.get_untracked());
    };
    view! {
        <section class="screen">
            <h1>"Restore a backup file"</h1>
            <form class="stack" on:submit=submit>
                <label class="field">
                    <span>"Backup file"</span>
                    <input type="file" name="backup-file" accept=".json,application/json" on:change=choose/>
                </label>
                <label class="field">
                    <span>"The backup's passphrase"</span>
                    <input type="password" name="backup-passphrase" autocomplete="current-password" bind:value=passphrase/>
                </label>
                <button class="button" type="submit"
                    disabled=move || file.get().is_none() || passphrase.get().is_empty() || import.pending().get()>
                    "Restore backup"
                </button>
                <button class="link" type="button" on:click=move |_| on_back.run(())>"Back"</button>
                {move || read_error.get().map(|error| view! { <p class="error" role="alert">{error}</p> })}
                <ActionError action=import/>
            </form>
        </section>
    }
}

/// Use a NIP-46 remote signer: the key stays on it.
#[component]
pub fn ConnectRemoteSigner(on_back: Callback<()>) -> impl IntoView {
    let uri = RwSignal::new(String::new());
    let passphrase = RwSignal::new(None::<String>);
    let connect = command_action(move |passphrase: &String| Command::ConnectBunker {
        uri: uri.get_untracked(),
        passphrase: passphrase.clone(),
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if let Some(passphrase) = passphrase.get_untracked() {
            connect.dispatch(passphrase);
        }
    };
    view! {
        <section class="screen">
            <h1>"Connect a remote signer"</h1>
            <p class="muted">"Paste the bunker:// link your signer (nsec.app, Amber, a bunker) shows. Your key stays there; Flash asks it to sign."</p>
            <form class="stack" on:submit=submit>
                <label class="field">
                    <span>"Signer link (bunker://…)"</span>
                    <input type="password" name="bunker-uri" autocomplete="off" spellcheck="false" bind:value=uri/>
                </label>
                <NewPassphrase chosen=passphrase/>
                <button class="button" type="submit"
                    disabled=move || uri.get().trim().is_empty() || passphrase.get().is_none() || connect.pending().get()>
                    {move || if connect.pending().get() { "Waiting for your signer to approve…" } else { "Connect" }}
                </button>
                <button class="link" type="button" on:click=move |_| on_back.run(())>"Back"</button>
                <ActionError action=connect/>
            </form>
        </section>
    }
}
