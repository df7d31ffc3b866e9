//! One conversation: its latest messages, earlier ones on request, new ones
//! live, each sent message's delivery, and a box to write the next.

use flash_protocol::{ChatMessage, Command, Delivery, MessageCursor, Reply};
use leptos::prelude::*;

use super::{when, Names, Room, RoomTitle};
use crate::contacts::Name;
use crate::engine::{command_action, use_engine, ActionError, Engine};
use crate::receive::TokenOffer;

/// How many messages a page brings.
const PAGE: usize = 50;

#[component]
pub fn Conversation(room: Room, on_back: Callback<()>) -> impl IntoView {
    let engine = use_engine();
    let inbox = engine.inbox();
    // A new group is named by the engine when its first message is sent.
    let conversation = RwSignal::new(room.conversation.clone());
    let subject = RwSignal::new(room.subject.clone());
    let messages = RwSignal::new(Vec::<ChatMessage>::new());
    // Where the page before the earliest shown starts, if there is one.
    let earlier = RwSignal::new(None::<MessageCursor>);
    let loaded = RwSignal::new(false);

    // The latest page, merged into what is shown: new messages and new
    // delivery states come in, pages already loaded stay.
    Effect::new(move |_| {
        inbox.track();
        let Some(id) = conversation.get() else {
            return;
        };
        leptos::task::spawn_local(async move {
            if let Some(page) = fetch_page(engine, id, None).await {
                if !loaded.get_untracked() {
                    earlier.set(page.earlier);
                    loaded.set(true);
                }
                if page.subject.is_some() {
                    subject.set(page.subject);
                }
                merge(messages, page.messages);
            }
        });
    });
    let show_earlier = move |_| {
        let (Some(id), before) = (conversation.get_untracked(), earlier.get_untracked()) else {
            return;
        };
        leptos::task::spawn_local(async move {
            if let Some(page) = fetch_page(engine, id, before).await {
                earlier.set(page.earlier);
                merge(messages, page.messages);
            }
        });
    };

    let text = RwSignal::new(String::new());
    // A name typed for the group goes out with the next message.
    let rename = RwSignal::new(None::<String>);
    let members = room.members.clone();
    let send =
        command_action(
            move |(text, subject): &(String, Option<String>)| Command::SendMessage {
                to: members.clone(),
                text: text.clone().into(),
                subject: subject.clone(),
            },
        );
    // The engine has kept the message: it may leave the box.
    Effect::new(move |_| {
        if let Some(Ok(Reply::MessageSent { message })) = send.value().get() {
            text.set(String::new());
            rename.set(None);
            if message.subject.is_some() {
                subject.set(message.subject.clone());
            }
            conversation.set(Some(message.conversation.clone()));
            merge(messages, vec![message]);
        }
    });
    let first_subject = room.subject.clone();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let typed = text.get_untracked();
        if typed.trim().is_empty() {
            return;
        }
        // A new group's name goes with its first message.
        let new_group = conversation.get_untracked().is_none();
        let subject = rename
            .get_untracked()
            .or_else(|| new_group.then(|| first_subject.clone()).flatten());
        send.dispatch((typed, subject));
    };
    let group = room.is_group();
    view! {
        <div class="conversation-view">
            <div class="conversation-head">
                <button class="link" on:click=move |_| on_back.run(())>"← All chats"</button>
                {match room.members.as_slice() {
                    [peer] => view! {
                        <a class="link" href=format!("/contacts/{peer}") data-testid="conversation-peer"><Name npub=peer.clone()/></a>
                    }.into_any(),
                    _ => view! {
                        <strong class="room-title" data-testid="room-title" title=room.members.join(", ")>
                            <RoomTitle members=room.members.clone() subject/>
                        </strong>
                    }.into_any(),
                }}
            </div>
            {group.then(|| view! {
                <p class="hint" data-testid="room-members">"With "<Names npubs=room.members.clone()/></p>
                {move || match rename.get() {
                    None => view! {
                        <button class="link" on:click=move |_| rename.set(Some(String::new()))>"Rename group"</button>
                    }.into_any(),
                    Some(_) => view! {
                        <label class="field">
                            <span>"New group name (sent with your next message)"</span>
                            <input type="text" name="room-subject" autocomplete="off"
                                prop:value=move || rename.get().unwrap_or_default()
                                on:input=move |event| rename.set(Some(event_target_value(&event)))/>
                        </label>
                    }.into_any(),
                }}
            })}
            {move || earlier.get().is_some().then(|| view! {
                <button class="link" on:click=show_earlier>"Show earlier messages"</button>
            })}
            <ol class="messages" aria-label="Messages" data-testid="messages">
                <For each=move || with_days(messages.get()) key=|(day, message)| (day.clone(), message.id.clone(), message.delivery.clone()) let:item>
                    {item.0.map(|day| view! { <li class="day" role="separator" data-testid="day">{day}</li> })}
                    <Message message=item.1 group/>
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

/// What a page of a conversation brings.
struct Page {
    messages: Vec<ChatMessage>,
    earlier: Option<MessageCursor>,
    subject: Option<String>,
}

/// A page of `conversation`: the latest, or the one before `before`.
async fn fetch_page(
    engine: Engine,
    conversation: String,
    before: Option<MessageCursor>,
) -> Option<Page> {
    let open = Command::OpenConversation {
        conversation,
        before,
        limit: PAGE,
    };
    match engine.request(open).await {
        Ok(Reply::Conversation {
            messages,
            earlier,
            subject,
            ..
        }) => Some(Page {
            messages,
            earlier,
            subject,
        }),
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

/// One message; in a group, with who wrote it.
#[component]
fn Message(message: ChatMessage, group: bool) -> impl IntoView {
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
            {(group && !message.from_me).then(|| view! {
                <span class="author" data-testid="author"><Name npub=message.author.clone()/></span>
            })}
            {message.subject.clone().map(|subject| view! {
                <span class="renamed muted">"named the group “"{subject}"”"</span>
            })}
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
        token: token.clone().into(),
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
