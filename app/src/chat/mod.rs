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

/// Whether the relays are reachable, so a failure is never silent.
#[component]
fn MessagingStatus() -> impl IntoView {
    let state = use_engine().messaging();
    let text = move || match state.get() {
        MessagingState::Off => "Messaging is off.".to_owned(),
        MessagingState::Connecting => "Connecting to your relays…".to_owned(),
        MessagingState::Ready { relays, .. } => match relays.len() {
            1 => "Connected to 1 relay.".to_owned(),
            count => format!("Connected to {count} relays."),
        },
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

/// The conversations, newest first; refreshed when a message arrives.
#[component]
fn Conversations(open: RwSignal<Option<String>>) -> impl IntoView {
    let engine = use_engine();
    let inbox = engine.inbox();
    let conversations = RwSignal::new(Vec::<ConversationSummary>::new());
    Effect::new(move |_| {
        inbox.track();
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
                    <button class="conversation" on:click={
                        let peer = summary.peer.clone();
                        move |_| open.set(Some(peer.clone()))
                    }>
                        <span class="peer">{short_npub(&summary.peer)}</span>
                        <span class="muted last">{summary.last.text.clone()}</span>
                    </button>
                </li>
            </For>
        </ul>
    }
}
