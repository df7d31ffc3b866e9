//! Chat: private conversations (NIP-17), live.

mod conversation;

use flash_worker::protocol::{Command, ConversationSummary, MessagingState, Reply};
use leptos::prelude::*;

use crate::engine::use_engine;
use crate::identity::short_npub;
use conversation::Conversation;

#[component]
pub fn Chat() -> impl IntoView {
    let open = RwSignal::new(None::<String>);
    view! {
        <section class="screen">
            <h1>"Chat"</h1>
            <MessagingStatus/>
            {move || match open.get() {
                Some(peer) => view! {
                    <Conversation peer on_back=Callback::new(move |()| open.set(None))/>
                }.into_any(),
                None => view! { <NewConversation open/> <Conversations open/> }.into_any(),
            }}
        </section>
    }
}

/// Whether the relays are reachable, so a failure is never silent, and
/// how much of what they sent was thrown away.
#[component]
fn MessagingStatus() -> impl IntoView {
    let state = use_engine().messaging();
    let text = move || match state.get() {
        MessagingState::Off => "Messaging is off.".to_owned(),
        MessagingState::Connecting => "Connecting to your relays…".to_owned(),
        MessagingState::Ready {
            relays,
            connected,
            dropped,
        } => {
            let reach = match (connected, relays.len()) {
                (0, _) => "No relay reachable: messages you write wait to be sent.".to_owned(),
                (1, 1) => "Connected to 1 relay.".to_owned(),
                (connected, all) if connected == all => format!("Connected to {all} relays."),
                (connected, all) => format!("Connected to {connected} of {all} relays."),
            };
            match dropped {
                0 => reach,
                1 => format!("{reach} 1 invalid event from relays was dropped."),
                count => format!("{reach} {count} invalid events from relays were dropped."),
            }
        }
        MessagingState::Failed { reason } => format!("Messaging is not working: {reason}"),
    };
    let class = move || match state.get() {
        MessagingState::Failed { .. } => "hint error",
        _ => "hint",
    };
    view! { <p class=class data-testid="messaging-status" role="status">{text}</p> }
}

/// Starts a conversation with an npub.
#[component]
fn NewConversation(open: RwSignal<Option<String>>) -> impl IntoView {
    let npub = RwSignal::new(String::new());
    let start = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let peer = npub.get_untracked().trim().to_owned();
        if !peer.is_empty() {
            open.set(Some(peer));
        }
    };
    view! {
        <form class="card stack" on:submit=start>
            <label class="field">
                <span>"Message someone (npub)"</span>
                <input type="text" name="new-chat-npub" autocomplete="off" spellcheck="false" bind:value=npub/>
            </label>
            <button class="button" type="submit" disabled=move || npub.get().trim().is_empty()>"Open chat"</button>
        </form>
    }
}

/// The conversations, most recent first; refreshed when a message arrives
/// and when the history has loaded.
#[component]
fn Conversations(open: RwSignal<Option<String>>) -> impl IntoView {
    let engine = use_engine();
    let inbox = engine.inbox();
    let messaging = engine.messaging();
    // Not every change of the relays' state: only the one after which the
    // history is loaded.
    let ready = Memo::new(move |_| matches!(messaging.get(), MessagingState::Ready { .. }));
    let conversations = RwSignal::new(Vec::<ConversationSummary>::new());
    Effect::new(move |_| {
        inbox.track();
        // Read, not only tracked: a memo is computed when read.
        if !ready.get() {
            return;
        }
        leptos::task::spawn_local(async move {
            if let Ok(Reply::Conversations {
                conversations: list,
                ..
            }) = engine.request(Command::ListConversations).await
            {
                conversations.set(list);
            }
        });
    });
    view! {
        <ul class="conversations" aria-label="Conversations">
            <For each=move || conversations.get() key=|summary| (summary.peer.clone(), summary.last.id.clone(), summary.unread) let:summary>
                <li>
                    <button class="conversation" data-testid="conversation" on:click={
                        let peer = summary.peer.clone();
                        move |_| open.set(Some(peer.clone()))
                    }>
                        <span class="conversation-top">
                            <span class="peer">{short_npub(&summary.peer)}</span>
                            <time class="muted">{when(summary.last.created_at)}</time>
                            {(summary.unread > 0).then(|| view! {
                                <span class="unread" data-testid="unread" aria-label=format!("{} unread", summary.unread)>
                                    {summary.unread}
                                </span>
                            })}
                        </span>
                        <span class="muted last">{summary.last.text.clone()}</span>
                    </button>
                </li>
            </For>
        </ul>
    }
}

/// When a message was written: hours and minutes if today, else its date,
/// in the user's locale.
pub fn when(created_at: u64) -> String {
    use wasm_bindgen::JsValue;
    let date = js_sys::Date::new(&JsValue::from_f64(created_at as f64 * 1000.0));
    let today = js_sys::Date::new_0().to_date_string();
    let text = if date.to_date_string() == today {
        let options = js_sys::Object::new();
        for field in ["hour", "minute"] {
            // Setting a property on a fresh object cannot fail.
            let _ = js_sys::Reflect::set(&options, &field.into(), &"2-digit".into());
        }
        date.to_locale_time_string_with_options("default", &options)
    } else {
        date.to_locale_date_string("default", &JsValue::UNDEFINED)
    };
    text.into()
}
