//! One conversation: its latest messages, earlier ones on request, new ones
//! live, each sent message's delivery, and a box to write the next.

use flash_worker::protocol::{ChatMessage, Command, Delivery, MessageCursor, Reply};
use leptos::prelude::*;

use super::when;
use crate::contacts::Name;
use crate::engine::{command_action, use_engine, ActionError, Engine};
use crate::receive::TokenOffer;

/// How many messages a page brings.
const PAGE: usize = 50;

#[component]
pub fn Conversation(peer: String, on_back: Callback<()>) -> impl IntoView {
    let engine = use_engine();
    let inbox = engine.inbox();
    let messages = RwSignal::new(Vec::<ChatMessage>::new());
    // Where the page before the earliest shown starts, if there is one.
    let earlier = RwSignal::new(None::<MessageCursor>);
    let loaded = RwSignal::new(false);

    // The latest page, merged into what is shown: new messages and new
    // delivery states come in, pages already loaded stay.
    Effect::new({
        let peer = peer.clone();
        move |_| {
            inbox.track();
            let peer = peer.clone();
            leptos::task::spawn_local(async move {
                if let Some((page, before)) = fetch_page(engine, peer, None).await {
                    if !loaded.get_untracked() {
                        earlier.set(before);
                        loaded.set(true);
                    }
                    merge(messages, page);
                }
            });
        }
    });
    let show_earlier = {
        let peer = peer.clone();
        move |_| {
            let (peer, before) = (peer.clone(), earlier.get_untracked());
            leptos::task::spawn_local(async move {
                if let Some((page, before)) = fetch_page(engine, peer, before).await {
                    earlier.set(before);
                    merge(messages, page);
                }
            });
        }
    };

    let text = RwSignal::new(String::new());
    let to = peer.clone();
    let send = command_action(move |text: &String| Command::SendMessage {
        to: to.clone(),
        text: text.clone(),
    });
    // The engine has kept the message: it may leave the box.
    Effect::new(move |_| {
        if let Some(Ok(Reply::MessageSent { message })) = send.value().get() {
            text.set(String::new());
            merge(messages, vec![message]);
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
                <a class="link" href=format!("/contacts/{peer}") data-testid="conversation-peer"><Name npub=peer.clone()/></a>
            </div>
            {move || earlier.get().is_some().then(|| view! {
                <button class="link" on:click=show_earlier.clone()>"Show earlier messages"</button>
            })}
            <ol class="messages" aria-label="Messages" data-testid="messages">
                <For each=move || with_days(messages.get()) key=|(day, message)| (day.clone(), message.id.clone(), message.delivery.clone()) let:item>
                    {item.0.map(|day| view! { <li class="day" role="separator" data-testid="day">{day}</li> })}
                    <Message message=item.1/>
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

/// A page of the conversation with `peer`: the latest, or the one before
/// `before`.
async fn fetch_page(
    engine: Engine,
    peer: String,
    before: Option<MessageCursor>,
) -> Option<(Vec<ChatMessage>, Option<MessageCursor>)> {
    let open = Command::OpenConversation {
        peer,
        before,
        limit: PAGE,
    };
    match engine.request(open).await {
        Ok(Reply::Conversation {
            messages, earlier, ..
        }) => Some((messages, earlier)),
        _ => None,
    }
}

/// Adds `page` to what is shown, a message seen again replacing its older
/// version, in the engine's order (time, then id).
fn merge(messages: RwSignal<Vec<ChatMessage>>, page: Vec<ChatMessage>) {
    messages.update(|shown| {
        for message in page {
            match shown.iter_mut().find(|known| known.id == message.id) {
                Some(known) => *known = message,
                None => shown.push(message),
            }
        }
        shown.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    });
}

/// Each message, with the day's name before the first message of each day.
fn with_days(messages: Vec<ChatMessage>) -> Vec<(Option<String>, ChatMessage)> {
    let mut previous = None;
    messages
        .into_iter()
        .map(|message| {
            let day = day_of(message.created_at);
            let label = (previous.as_ref() != Some(&day)).then(|| day_name(message.created_at));
            previous = Some(day);
            (label, message)
        })
        .collect()
}

/// The local calendar day of a time (seconds since the epoch).
fn day_of(created_at: u64) -> String {
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(created_at as f64 * 1000.0))
        .to_date_string()
        .into()
}

/// "Today", "Yesterday", or the date as the user's locale writes it.
fn day_name(created_at: u64) -> String {
    const DAY_SECONDS: u64 = 24 * 60 * 60;
    let now = (js_sys::Date::now() / 1000.0) as u64;
    let day = day_of(created_at);
    if day == day_of(now) {
        "Today".to_owned()
    } else if day == day_of(now.saturating_sub(DAY_SECONDS)) {
        "Yesterday".to_owned()
    } else {
        js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(created_at as f64 * 1000.0))
            .to_locale_date_string("default", &wasm_bindgen::JsValue::UNDEFINED)
            .into()
    }
}

#[component]
fn Message(message: ChatMessage) -> impl IntoView {
    let class = if message.from_me {
        "message mine"
    } else {
        "message theirs"
    };
    let token = (!message.from_me)
        .then(|| token_in(&message.text))
        .flatten();
    view! {
        <li class=class data-testid="message">
            <span class="text">{message.text.clone()}</span>
            {token.map(|token| view! { <ChatToken token/> })}
            <small class="meta">
                <time>{when(message.created_at)}</time>
                {message.legacy.then(|| view! {
                    <span class="legacy" data-testid="legacy"
                        title="Sent with NIP-04: relays can see who wrote to whom, and when">
                        " · legacy, less private"
                    </span>
                })}
                {message.delivery.clone().map(|delivery| view! { <DeliveryState id=message.id.clone() delivery/> })}
            </small>
        </li>
    }
}

/// How far a message the user sent got, with a retry when it failed.
#[component]
fn DeliveryState(id: String, delivery: Delivery) -> impl IntoView {
    let retry = command_action(|id: &String| Command::RetryMessage { id: id.clone() });
    let text = match &delivery {
        Delivery::Sending => "sending…".to_owned(),
        Delivery::Waiting => "waiting to send: no relay reachable".to_owned(),
        Delivery::Sent { accepted, tried: 1 } => format!("sent to {accepted} of 1 relay"),
        Delivery::Sent { accepted, tried } => format!("sent to {accepted} of {tried} relays"),
        Delivery::Failed { reason } => format!("not sent: {reason}"),
    };
    let state = match &delivery {
        Delivery::Sending => "sending",
        Delivery::Waiting => "waiting",
        Delivery::Sent { .. } => "sent",
        Delivery::Failed { .. } => "failed",
    };
    let can_retry = matches!(delivery, Delivery::Waiting | Delivery::Failed { .. });
    view! {
        <span class="delivery" data-testid="delivery" data-state=state>{" · "}{text}</span>
        {can_retry.then(|| view! {
            <button class="link" on:click=move |_| { retry.dispatch(id.clone()); }>"Retry"</button>
        })}
        <ActionError action=retry/>
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
