//! The other ways in: an existing NOSTR key, a backup file, a remote signer,
//! or an npub to watch without any key.

use flash_protocol::Command;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::engine::{command_action, describe, use_engine, Engine, RequestError};
use crate::ui::{ActionError, CopyButton, NewPassphrase, Qr};

/// Keep an `nsec` or `ncryptsec` as the identity.
#[component]
pub fn ImportKey(on_back: Callback<()>) -> impl IntoView {
    let key = RwSignal::new(String::new());
    let key_password = RwSignal::new(String::new());
    let passphrase = RwSignal::new(None::<String>);
    let import = command_action(move |passphrase: &String| Command::ImportKey {
        key: key.get_untracked().into(),
        key_password: key_password.get_untracked().into(),
        passphrase: passphrase.clone().into(),
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
        passphrase: passphrase.clone().into(),
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

/// Where the `nostrconnect://` code stands.
#[derive(Clone, PartialEq)]
enum Code {
    /// Not asked for, or given up.
    None,
    /// The engine is opening it on the relays.
    Opening,
    /// Shown (the link); the engine waits for the signer app's answer.
    Shown(String),
    /// Why it failed.
    Failed(String),
}

/// Use a NIP-46 remote signer: the key stays on it. The user's signer app
/// scans a `nostrconnect://` code Flash shows, or the user pastes the
/// `bunker://` link their signer shows.
#[component]
pub fn ConnectRemoteSigner(on_back: Callback<()>) -> impl IntoView {
    let engine = use_engine();
    let uri = RwSignal::new(String::new());
    let passphrase = RwSignal::new(None::<String>);
    let connect = command_action(move |passphrase: &String| Command::ConnectBunker {
        uri: uri.get_untracked().into(),
        passphrase: passphrase.clone().into(),
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if let Some(passphrase) = passphrase.get_untracked() {
            connect.dispatch(passphrase);
        }
    };
    let code = RwSignal::new(Code::None);
    // Bumped whenever a code is asked for, so what the engine says about an
    // older one is ignored.
    let attempt = StoredValue::new(0u32);
    let show_code = move || {
        let Some(passphrase) = passphrase.get_untracked() else {
            return;
        };
        let this = attempt.get_value().wrapping_add(1);
        attempt.set_value(this);
        code.set(Code::Opening);
        let current = move || attempt.try_get_value() == Some(this);
        leptos::task::spawn_local(async move {
            if let Err(error) = show_and_wait(engine, code, passphrase, current).await {
                if current() {
                    code.set(Code::Failed(error.to_string()));
                }
            }
        });
    };
    // Going back gives the code up: the engine stops listening for it.
    on_cleanup(move || {
        if matches!(
            code.try_get_untracked(),
            Some(Code::Opening | Code::Shown(_))
        ) {
            leptos::task::spawn_local(async move {
                // Nothing to tell anyone if the engine is gone.
                let _ = engine.request(Command::CancelNostrConnect).await;
            });
        }
    });
    let code_view = move || match code.get() {
        Code::None => view! {
            <p class="muted">"Flash shows a code for your signer app to scan: Amber, nsec.app…"</p>
            <button class="button" type="button" on:click=move |_| show_code()
                disabled=move || passphrase.get().is_none()>
                "Connect with a signer app"
            </button>
        }
        .into_any(),
        Code::Opening => {
            view! { <p class="muted" role="status">"Preparing the code…"</p> }.into_any()
        }
        Code::Shown(link) => view! { <ShownCode link/> }.into_any(),
        Code::Failed(reason) => view! {
            <p class="error" role="alert">{reason}</p>
            <button class="button" type="button" on:click=move |_| show_code()>
                "Show a new code"
            </button>
        }
        .into_any(),
    };
    view! {
        <section class="screen">
            <h1>"Connect a remote signer"</h1>
            <p class="muted">"Your key stays in your signer (Amber, nsec.app, a bunker); Flash asks it to sign. First choose the passphrase that unlocks Flash on this device."</p>
            <form class="stack" on:submit=submit>
                <NewPassphrase chosen=passphrase/>
                <fieldset class="card stack">
                    <legend>"With a signer app"</legend>
                    {code_view}
                </fieldset>
                <fieldset class="card stack">
                    <legend>"With a bunker:// link"</legend>
                    <label class="field">
                        <span>"Signer link (bunker://…)"</span>
                        <input type="password" name="bunker-uri" autocomplete="off" spellcheck="false" bind:value=uri/>
                    </label>
                    <button class="button" type="submit"
                        disabled=move || uri.get().trim().is_empty() || passphrase.get().is_none() || connect.pending().get()>
                        {move || if connect.pending().get() { "Waiting for your signer to approve…" } else { "Connect" }}
                    </button>
                    <ActionError action=connect/>
                </fieldset>
                <button class="link" type="button" on:click=move |_| on_back.run(())>"Back"</button>
            </form>
        </section>
    }
}

/// Asks the engine for a `nostrconnect://` code, shows it, and waits for
/// the signer app's answer; once it comes the identity changes and the app
/// leaves onboarding. `current` says whether the code is still wanted.
async fn show_and_wait(
    engine: Engine,
    code: RwSignal<Code>,
    passphrase: String,
    current: impl Fn() -> bool,
) -> Result<(), RequestError> {
    let link = engine.start_nostr_connect().await?;
    if current() {
        code.set(Code::Shown(link));
        engine
            .request(Command::AwaitNostrConnect {
                passphrase: passphrase.into(),
            })
            .await?;
    }
    Ok(())
}

/// A `nostrconnect://` code to scan, or to open in (or copy to) a signer
/// app on this device.
#[component]
fn ShownCode(link: String) -> impl IntoView {
    view! {
        <p role="status">"Scan this code with your signer app and approve the connection. Waiting for it…"</p>
        <Qr text=link.clone() testid="nostrconnect-qr"/>
        <code class="wrap" data-testid="nostrconnect-uri">{link.clone()}</code>
        <a class="button secondary" href=link.clone()>"Open in a signer app"</a>
        <CopyButton text=link label="Copy link"/>
    }
}
