//! One conversation: its messages, live, and a box to write the next.

use flash_worker::protocol::{ChatMessage, Command, Reply};
use leptos::prelude::*;

use crate::engine::{command_action, use_engine, ActionError};
use crate::identity::short_npub;

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
                if let Ok(Reply::Conversation { messages: list, .. }) =
                    engine.request(Command::OpenConversation { peer }).await
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
