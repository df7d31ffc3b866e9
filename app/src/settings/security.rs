//! Security settings: lock now, auto-lock, change passphrase, export secrets.

use flash_protocol::{Command, ExportKind, Identity, Reply, SignerKind};
use leptos::prelude::*;

use crate::engine::{command_action, use_engine, ActionError};
use crate::shell::Segmented;

const AUTO_LOCK_CHOICES: [u32; 5] = [1, 5, 15, 60, 0];

#[component]
pub fn Security() -> impl IntoView {
    let identity = use_engine().identity();
    let unlocked = move || match identity.get() {
        Some(Identity::Unlocked {
            signer,
            has_seed,
            auto_lock_minutes,
            ..
        }) => Some((signer, has_seed, auto_lock_minutes)),
        _ => None,
    };
    view! {
        {move || unlocked().map(|(signer, has_seed, minutes)| {
            // A vault exists once there is a seed or a secret of our own.
            let has_vault = match signer {
                SignerKind::Local | SignerKind::RemoteSigner => true,
                SignerKind::Extension => has_seed,
                SignerKind::ReadOnly => false,
            };
            has_vault.then(|| view! {
                <section class="card stack">
                    <h2>"Security"</h2>
                    <LockNow/>
                    <AutoLock minutes/>
                </section>
                <ChangePassphrase/>
                <Export has_seed local_key=signer == SignerKind::Local/>
                <BackupFile/>
            })
        })}
    }
}

#[component]
fn LockNow() -> impl IntoView {
    let lock = command_action(|_: &()| Command::Lock);
    view! {
        <button class="button secondary" on:click=move |_| { lock.dispatch(()); }>"Lock now"</button>
    }
}

#[component]
fn AutoLock(minutes: u32) -> impl IntoView {
    let set = command_action(|minutes: &u32| Command::SetAutoLock { minutes: *minutes });
    let change = move |event: leptos::ev::Event| {
        if let Ok(minutes) = event_target_value(&event).parse::<u32>() {
            set.dispatch(minutes);
        }
    };
    view! {
        <label class="field">
            <span>"Lock automatically after"</span>
            <select name="auto-lock" on:change=change>
                {AUTO_LOCK_CHOICES.into_iter().map(|choice| view! {
                    <option value=choice.to_string() selected=choice == minutes>
                        {match choice { 0 => "Never".to_owned(), 1 => "1 minute".to_owned(), n => format!("{n} minutes") }}
                    </option>
                }).collect_view()}
            </select>
        </label>
        <ActionError action=set/>
    }
}

#[component]
fn ChangePassphrase() -> impl IntoView {
    let old = RwSignal::new(String::new());
    let new = RwSignal::new(None::<String>);
    let change = command_action(move |new: &String| Command::ChangePassphrase {
        old: old.get_untracked().into(),
        new: new.clone().into(),
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if let Some(new) = new.get_untracked() {
            change.dispatch(new);
        }
    };
    let done = move || matches!(change.value().get(), Some(Ok(Reply::Done)));
    view! {
        <form class="card stack" on:submit=submit>
            <h2>"Change passphrase"</h2>
            <label class="field">
                <span>"Current passphrase"</span>
                <input type="password" name="current-passphrase" autocomplete="current-password" bind:value=old/>
            </label>
            <crate::welcome::NewPassphrase chosen=new/>
            <button class="button" type="submit" disabled=move || new.get().is_none() || change.pending().get()>
                "Change passphrase"
            </button>
            {move || done().then(|| view! { <p class="ok" role="status">"Passphrase changed."</p> })}
            <ActionError action=change/>
        </form>
    }
}

/// Reveals a secret after the passphrase is typed again.
#[component]
fn Export(has_seed: bool, local_key: bool) -> impl IntoView {
    let kind = RwSignal::new(ExportKind::Mnemonic);
    let passphrase = RwSignal::new(String::new());
    let export = command_action(move |passphrase: &String| Command::Export {
        secret: kind.get_untracked(),
        passphrase: passphrase.clone().into(),
    });
    // A revealed secret stays on screen only until the user asks for
    // something else.
    let revealed = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(Ok(Reply::Exported { text })) = export.value().get() {
            revealed.set(Some(text.expose().to_owned()));
        }
    });
    Effect::new(move |_| {
        kind.track();
        revealed.set(None);
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        revealed.set(None);
        export.dispatch(passphrase.get_untracked());
        passphrase.set(String::new());
    };
    let choices: Vec<(ExportKind, &str)> = [
        (has_seed, ExportKind::Mnemonic, "Recovery words"),
        (local_key, ExportKind::Nsec, "NOSTR key (nsec)"),
        (
            local_key,
            ExportKind::Ncryptsec,
            "Encrypted NOSTR key (ncryptsec)",
        ),
    ]
    .into_iter()
    .filter_map(|(offered, kind, label)| offered.then_some((kind, label)))
    .collect();
    if let Some((first, _)) = choices.first() {
        kind.set(*first);
    }
    view! {
        <form class="card stack" on:submit=submit>
            <h2>"Back up"</h2>
            <Segmented name="export" label="What to export" value=kind choices/>
            <label class="field">
                <span>"Passphrase, to confirm it is you"</span>
                <input type="password" name="export-passphrase" autocomplete="current-password" bind:value=passphrase/>
            </label>
            <button class="button" type="submit" disabled=move || passphrase.get().is_empty() || export.pending().get()>"Show"</button>
            {move || revealed.get().map(|text| view! { <code class="secret" data-testid="exported-secret">{text}</code> })}
            <ActionError action=export/>
        </form>
    }
}

/// The whole profile as an encrypted file: opens on another browser with
/// the same passphrase.
#[component]
fn BackupFile() -> impl IntoView {
    let passphrase = RwSignal::new(String::new());
    let export = command_action(|passphrase: &String| Command::ExportBackup {
        passphrase: passphrase.clone().into(),
    });
    Effect::new(move |_| {
        if let Some(Ok(Reply::Backup { file })) = export.value().get() {
            download("flash-backup.json", &file);
        }
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        export.dispatch(passphrase.get_untracked());
        passphrase.set(String::new());
    };
    view! {
        <form class="card stack" on:submit=submit>
            <h2>"Backup file"</h2>
            <p class="hint">"An encrypted copy of this profile. It opens only with your passphrase; keep your recovery words too."</p>
            <label class="field">
                <span>"Passphrase, to confirm it is you"</span>
                <input type="password" name="backup-passphrase" autocomplete="current-password" bind:value=passphrase/>
            </label>
            <button class="button" type="submit" disabled=move || passphrase.get().is_empty() || export.pending().get()>
                "Download backup file"
            </button>
            <ActionError action=export/>
        </form>
    }
}

/// Saves `text` as a file through the browser's download.
fn download(name: &str, text: &str) {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Ok(link) = document().create_element("a") {
        let _ = link.set_attribute("href", &url);
        let _ = link.set_attribute("download", name);
        if let Some(link) = wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlElement>(&link) {
            link.click();
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}
