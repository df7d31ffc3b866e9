//! One conversation: its messages, live, and a box to write the next.

use flash_worker::protocol::{ChatMessage, Command, Reply, MAX_MESSAGES_PAGE};
use leptos::prelude::*;

use crate::engine::{command_action, use_engine, ActionError};
use crate::identity::short_npub;
use crate::receive::TokenOffer;

#[component]
pub fn Conversation(peer: String, on_back: Callback<()>) -> impl IntoView {
    let engine = use_engine();
    let inbox = engine.inbox();
    let messages = RwSignal::new(Vec::<ChatMessage>::new());
    let load = {
        let peer = peer.clone();
        move || {
            let peer = peer.clone();
            leptos::task::spawn_local(async move {
                if let Ok(Reply::Conversation { messages: list, .. }) = engine
                    .request(Command::OpenConversation {
                        peer,
                        before: None,
                        limit: MAX_MESSAGES_PAGE,
                    })
                    .await
                {
                    messages.set(list);
                }
            });
        }
    };
    Effect::new({
        let load = load.clone();
        move |_| {
            inbox.track();
            load();
        }
    });
    let text = RwSignal::new(String::new());
    let to = peer.clone();
    let send = command_action(move |text: &String| Command::SendMessage {
        to: to.clone(),
        text: text.clone(),
    });
    Effect::new(move |_| {
        if let Some(Ok(Reply::MessageSent { .. })) = send.value().get() {
            text.set(String::new());
            load();
        }
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let typed = text.get_untracked();
        if !typed.trim().is_empty() {
            send.dispatch(typed);
        }
    };
    view! {
        <div class="conversation-view">
            <div class="conversation-head">
                <button class="link" on:click=move |_| on_back.run(())>"← All chats"</button>
                <code title=peer.clone()>{short_npub(&peer)}</code>
            </div>
            <ol class="messages" aria-label="Messages" data-testid="messages">
                <For each=move || messages.get() key=|message| message.id.clone() let:message>
                    <li class=if message.from_me { "message mine" } else { "message theirs" }>
                        {message.text.clone()}
                        {(!message.from_me).then(|| token_in(&message.text)).flatten().map(|token| view! { <ChatToken token/> })}
                    </li>
                </For>
            </ol>
            <form class="composer" on:submit=submit>
                <label class="field">
                    <span class="visually-hidden">"Message"</span>
                    <textarea name="message" rows="2" placeholder="Write a message" bind:value=text></textarea>
                </label>
                <button class="button" type="submit" disabled=move || text.get().trim().is_empty() || send.pending().get()>
                    "Send"
                </button>
            </form>
            <ActionError action=send/>
        </div>
    }
}

/// The first eCash token in a message's text, if any.
fn token_in(text: &str) -> Option<String> {
    text.split_whitespace()
        .map(|word| word.strip_prefix("cashu:").unwrap_or(word))
        .find(|word| word.starts_with("cashuA") || word.starts_with("cashuB"))
        .map(str::to_owned)
}

/// A token someone sent in a chat, offered for one-tap receive.
#[component]
fn ChatToken(token: String) -> impl IntoView {
    let inspect = command_action(|token: &String| Command::InspectToken {
        token: token.clone(),
    });
    inspect.dispatch(token.clone());
    move || match inspect.value().get() {
        Some(Ok(Reply::TokenPreview { preview })) => {
            Some(view! { <TokenOffer token=token.clone() preview/> }.into_any())
        }
        Some(Err(_)) => Some(view! { <ActionError action=inspect/> }.into_any()),
        _ => None,
    }
}
