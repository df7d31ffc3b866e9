//! Relays: the NOSTR relays private messages go through, each with its live
//! connection (and why it failed), what it says about itself (NIP-11) and
//! what it is used for; add, remove, read/write.

use flash_protocol::{Command, Field, RelayAuth, RelayConnection, RelayInfo, RelayView};
use leptos::prelude::*;

use crate::engine::{command_action, use_engine, CommandAction};
use crate::ui::{refuses, ActionError, FieldError, Screen};

/// A relay and the flags asked for it.
#[derive(Clone)]
struct Flags {
    url: String,
    read: bool,
    write: bool,
}

#[component]
pub fn Relays() -> impl IntoView {
    let engine = use_engine();
    engine.refresh_relays();
    let relays = engine.relays();
    let add = command_action(|flags: &Flags| Command::AddRelay {
        url: flags.url.clone(),
        read: flags.read,
        write: flags.write,
    });
    let remove = command_action(|url: &String| Command::RemoveRelay { url: url.clone() });
    let set_flags = command_action(|flags: &Flags| Command::SetRelayFlags {
        url: flags.url.clone(),
        read: flags.read,
        write: flags.write,
    });
    let url = RwSignal::new(String::new());
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        add.dispatch(Flags {
            url: url.get_untracked(),
            read: true,
            write: true,
        });
    };
    // A relay added is cleared from the field.
    Effect::new(move |_| {
        if let Some(Ok(_)) = add.value().get() {
            url.set(String::new());
        }
    });
    view! {
        <Screen title="Relays">
            <p class="hint">"Relays carry your private messages. The relays you read are your inbox: others send your messages there. The relays you write to are where others look for what you publish. Your list is published (NIP-65, NIP-17) so others know where to reach you."</p>
            <ul class="relays stack" data-testid="relays">
                <For each=move || relays.get().unwrap_or_default() key=|relay| relay.url.clone() let:relay>
                    <RelayCard url=relay.url.clone() relays remove set_flags/>
                </For>
            </ul>
            <ActionError action=remove/>
            <ActionError action=set_flags/>
            <form class="card stack" on:submit=submit>
                <h2>"Add a relay"</h2>
                <label class="field">
                    <span>"Relay address"</span>
                    <input type="text" name="relay-url" placeholder="wss://relay.example.com" autocomplete="off" spellcheck="false" bind:value=url
                        aria-invalid=move || refuses(add, Field::Relay).then_some("true")
                        aria-describedby=move || refuses(add, Field::Relay).then_some("relay-url-error")/>
                </label>
                <FieldError action=add field=Field::Relay id="relay-url-error"/>
                <button class="button" type="submit" disabled=move || url.get().trim().is_empty() || add.pending().get()>
                    "Add relay"
                </button>
                <ActionError action=add beside=Field::Relay/>
            </form>
        </Screen>
    }
}

/// One relay, kept current from the engine's views: its status dot and
/// words, its NIP-11 name and details, and its controls. A relay is used
/// for something: its one flag left cannot be unticked.
#[component]
fn RelayCard(
    url: String,
    relays: ReadSignal<Option<Vec<RelayView>>>,
    remove: CommandAction<String>,
    set_flags: CommandAction<Flags>,
) -> impl IntoView {
    let view_of = {
        let url = url.clone();
        Memo::new(move |_| {
            relays
                .get()
                .and_then(|relays| relays.into_iter().find(|relay| relay.url == url))
        })
    };
    let info = LocalResource::new({
        let url = url.clone();
        move || use_engine().relay_info(url.clone())
    });
    let name = {
        let url = url.clone();
        move || match info.get() {
            Some(Ok(RelayInfo {
                name: Some(name), ..
            })) if !name.trim().is_empty() => name,
            _ => url.clone(),
        }
    };
    let state = move || {
        view_of
            .get()
            .map(|relay| connection_state(&relay.connection))
    };
    let status = move || {
        view_of
            .get()
            .map(|relay| status_text(&relay))
            .unwrap_or_default()
    };
    let toggle = {
        let url = url.clone();
        move |read: bool, write: bool| {
            set_flags.dispatch(Flags {
                url: url.clone(),
                read,
                write,
            });
        }
    };
    let toggle_read = {
        let toggle = toggle.clone();
        move |_| {
            if let Some(relay) = view_of.get_untracked() {
                toggle(!relay.read, relay.write);
            }
        }
    };
    let toggle_write = move |_| {
        if let Some(relay) = view_of.get_untracked() {
            toggle(relay.read, !relay.write);
        }
    };
    let url_remove = url.clone();
    view! {
        <li class="card stack relay" data-testid="relay" data-url=url.clone()>
            <h2 class="relay-name">
                <span class="relay-dot" data-state=state aria-hidden="true"></span>
                <span data-testid="relay-name">{name}</span>
            </h2>
            <p class="muted"><code>{url.clone()}</code></p>
            <p class="hint" data-testid="relay-status" role="status">{status}</p>
            <details class="relay-info">
                <summary>"About this relay"</summary>
                {move || match info.get() {
                    None => view! { <p class="hint">"Asking the relay…"</p> }.into_any(),
                    Some(Err(reason)) => view! { <p class="hint">{reason.to_string()}</p> }.into_any(),
                    Some(Ok(info)) => view! { <RelayFacts info/> }.into_any(),
                }}
            </details>
            <div class="row">
                <label class="check">
                    <input type="checkbox" name="relay-read" on:change=toggle_read
                        prop:checked=move || view_of.get().is_some_and(|relay| relay.read)
                        disabled=move || view_of.get().is_some_and(|relay| relay.read && !relay.write)/>
                    "Read (inbox)"
                </label>
                <label class="check">
                    <input type="checkbox" name="relay-write" on:change=toggle_write
                        prop:checked=move || view_of.get().is_some_and(|relay| relay.write)
                        disabled=move || view_of.get().is_some_and(|relay| relay.write && !relay.read)/>
                    "Write"
                </label>
                <button class="button small secondary" on:click=move |_| { remove.dispatch(url_remove.clone()); }>"Remove"</button>
            </div>
        </li>
    }
}

#[component]
fn RelayFacts(info: RelayInfo) -> impl IntoView {
    let software = match (&info.software, &info.version) {
        (Some(software), Some(version)) => Some(format!("{software} {version}")),
        (Some(software), None) => Some(software.clone()),
        (None, Some(version)) => Some(version.clone()),
        (None, None) => None,
    };
    let nips = info
        .supported_nips
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let mut limits = Vec::new();
    if info.auth_required {
        limits.push("asks who you are (NIP-42)");
    }
    if info.payment_required {
        limits.push("paid");
    }
    view! {
        <dl class="facts" data-testid="relay-info">
            {info.description.map(|description| view! { <dt>"Description"</dt><dd>{description}</dd> })}
            {software.map(|software| view! { <dt>"Software"</dt><dd>{software}</dd> })}
            {(!nips.is_empty()).then(|| view! { <dt>"NIPs"</dt><dd>{nips}</dd> })}
            {(!limits.is_empty()).then(|| view! { <dt>"Limits"</dt><dd>{limits.join(", ")}</dd> })}
            {info.contact.map(|contact| view! { <dt>"Contact"</dt><dd>{contact}</dd> })}
        </dl>
    }
}

fn connection_state(connection: &RelayConnection) -> &'static str {
    match connection {
        RelayConnection::Off => "off",
        RelayConnection::Connecting => "connecting",
        RelayConnection::Connected => "connected",
        RelayConnection::Disconnected => "disconnected",
        RelayConnection::Failed { .. } => "failed",
    }
}

fn status_text(relay: &RelayView) -> String {
    let connection = match &relay.connection {
        RelayConnection::Off => "Not in use while the wallet is locked".to_owned(),
        RelayConnection::Connecting => "Connecting…".to_owned(),
        RelayConnection::Connected => "Connected".to_owned(),
        RelayConnection::Disconnected => "Disconnected".to_owned(),
        RelayConnection::Failed { reason } => format!("Failed: {reason} (trying again)"),
    };
    match relay.auth {
        RelayAuth::NotAsked => connection,
        RelayAuth::Authenticated => format!("{connection} · signed in (NIP-42)"),
        RelayAuth::Failed => format!("{connection} · could not sign in (NIP-42)"),
    }
}
