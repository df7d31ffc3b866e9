//! Chat: private conversations and groups (NIP-17), live.

mod conversation;

use flash_protocol::{ConversationSummary, MessagingState, Person};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::engine::use_engine;
use crate::ui::{shown_name, when, Name};
use conversation::Conversation;

/// The conversation on screen: its id (unknown for a group until its first
/// message), the people in it but the user, and its subject.
#[derive(Debug, Clone, PartialEq)]
pub struct Room {
    pub conversation: Option<String>,
    pub members: Vec<String>,
    pub subject: Option<String>,
}

impl Room {
    pub fn is_group(&self) -> bool {
        self.members.len() > 1
    }
}

/// What a conversation is called: its subject, or who is in it, by name.
#[component]
pub fn RoomTitle(
    members: Vec<String>,
    #[prop(into)] subject: Signal<Option<String>>,
) -> impl IntoView {
    move || match subject.get() {
        Some(subject) => subject.into_any(),
        None => view! { <Names npubs=members.clone()/> }.into_any(),
    }
}

/// People by name, separated by commas.
#[component]
pub fn Names(npubs: Vec<String>) -> impl IntoView {
    npubs
        .into_iter()
        .enumerate()
        .map(|(at, npub)| view! { {(at > 0).then_some(", ")}<Name npub/> })
        .collect_view()
}

#[component]
pub fn Chat() -> impl IntoView {
    // `/chat?with=npub1…` opens the conversation with them (a contact's
    // "Message" button).
    let with = leptos_router::hooks::use_query_map().with_untracked(|query| query.get("with"));
    let open = RwSignal::new(
        with.filter(|peer| !peer.trim().is_empty())
            .map(|peer| Room {
                conversation: Some(peer.clone()),
                members: vec![peer],
                subject: None,
            }),
    );
    view! {
        <section class="screen">
            <h1>"Chat"</h1>
            <MessagingStatus/>
            {move || match open.get() {
                Some(room) => view! {
                    <Conversation room on_back=Callback::new(move |()| open.set(None))/>
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
    view! {
        <div class="row">
            <p class=class data-testid="messaging-status" role="status">{text}</p>
            <A href="/relays" attr:class="hint">"Relays"</A>
        </div>
    }
}

/// Starts a conversation with one npub, or a group with several.
#[component]
fn NewConversation(open: RwSignal<Option<Room>>) -> impl IntoView {
    let npubs = RwSignal::new(String::new());
    let subject = RwSignal::new(String::new());
    let members = move || typed_members(&npubs.get());
    let start = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let members = members();
        let conversation = match members.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        };
        let subject = Some(subject.get_untracked().trim().to_owned()).filter(|s| !s.is_empty());
        if !members.is_empty() {
            open.set(Some(Room {
                conversation,
                members,
                subject,
            }));
        }
    };
    view! {
        <form class="card stack" on:submit=start>
            <label class="field">
                <span>"Message someone (npub), or several people for a group"</span>
                <textarea name="new-chat-npub" rows="1" autocomplete="off" spellcheck="false"
                    placeholder="npub1… npub1…" bind:value=npubs></textarea>
            </label>
            <ContactPicker npubs/>
            {move || (members().len() > 1).then(|| view! {
                <label class="field">
                    <span>"Group name (optional)"</span>
                    <input type="text" name="new-chat-subject" autocomplete="off" bind:value=subject/>
                </label>
            })}
            <button class="button" type="submit" disabled=move || members().is_empty()>
                {move || if members().len() > 1 { "Start group" } else { "Open chat" }}
            </button>
        </form>
    }
}

/// The npubs typed, in order, each once.
fn typed_members(typed: &str) -> Vec<String> {
    let mut members: Vec<String> = Vec::new();
    for word in typed.split(|c: char| c == ',' || c.is_whitespace()) {
        if !word.is_empty() && !members.iter().any(|known| known == word) {
            members.push(word.to_owned());
        }
    }
    members
}

/// The user's contacts, each a box that adds them to (or takes them out
/// of) the people typed: a group is made from contacts this way.
#[component]
fn ContactPicker(npubs: RwSignal<String>) -> impl IntoView {
    let engine = use_engine();
    let contacts = RwSignal::new(Vec::<Person>::new());
    let opened = RwSignal::new(false);
    Effect::new(move |_| {
        if !opened.get() {
            return;
        }
        leptos::task::spawn_local(async move {
            // Without the list, members are typed in by npub.
            if let Ok((list, _)) = engine.contacts(false).await {
                contacts.set(list);
            }
        });
    });
    let toggle = move |npub: String| {
        npubs.update(|typed| {
            let mut members = typed_members(typed);
            match members.iter().position(|known| *known == npub) {
                Some(at) => {
                    members.remove(at);
                }
                None => members.push(npub),
            }
            *typed = members.join(" ");
        })
    };
    view! {
        <details class="contact-picker" on:toggle=move |_| opened.set(true)>
            <summary>"Choose from your contacts"</summary>
            {move || contacts.with(Vec::is_empty).then(|| view! {
                <p class="hint">"No contacts yet: follow people from Contacts."</p>
            })}
            <ul class="picker">
                <For each=move || contacts.get() key=|person| person.npub.clone() let:person>
                    {
                        let npub = person.npub.clone();
                        let chosen = {
                            let npub = npub.clone();
                            move || typed_members(&npubs.get()).contains(&npub)
                        };
                        view! {
                            <li>
                                <label class="check">
                                    <input type="checkbox" prop:checked=chosen on:change=move |_| toggle(npub.clone())/>
                                    <span>{shown_name(&person)}</span>
                                </label>
                            </li>
                        }
                    }
                </For>
            </ul>
        </details>
    }
}

/// The conversations, most recent first; refreshed when a message arrives
/// and when the history has loaded.
#[component]
fn Conversations(open: RwSignal<Option<Room>>) -> impl IntoView {
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
            // A refusal leaves the list as it was; the next message asks again.
            if let Ok(list) = engine.conversations().await {
                conversations.set(list);
            }
        });
    });
    view! {
        <ul class="conversations" aria-label="Conversations">
            <For each=move || conversations.get() key=|summary| (summary.conversation.clone(), summary.last.id.clone(), summary.unread, summary.subject.clone()) let:summary>
                <li>
                    {
                        let room = Room {
                            conversation: Some(summary.conversation.clone()),
                            members: summary.members.clone(),
                            subject: summary.subject.clone(),
                        };
                        let group = room.is_group();
                        view! {
                    <button class="conversation" data-testid="conversation" on:click=move |_| open.set(Some(room.clone()))>
                        <span class="conversation-top">
                            {group.then(|| view! { <span class="group-badge" title="Group">"Group"</span> })}
                            <span class="peer"><RoomTitle members=room.members.clone() subject=room.subject.clone()/></span>
                            <time class="muted">{when(summary.last.created_at)}</time>
                            {(summary.unread > 0).then(|| view! {
                                <span class="unread" data-testid="unread" aria-label=format!("{} unread", summary.unread)>
                                    {summary.unread}
                                </span>
                            })}
                        </span>
                        <span class="muted last">{summary.last.text.clone()}</span>
                    </button>
                        }
                    }
                </li>
            </For>
        </ul>
    }
}
