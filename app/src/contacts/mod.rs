//! Contacts: who the user follows (NIP-02), a search box that takes an
//! npub, nprofile, NIP-05 address, name, nevent or naddr, each person's
//! page, the user's own profile, and the names other screens show.

mod person;
mod profile;

pub use person::ContactPage;
pub use profile::MyProfile;

use flash_protocol::{Command, MessagingState, Nip05, Nip05Status, NotePreview, Person, Reply};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::engine::{command_action, use_engine};
use crate::ui::{short_npub, shown_name, when, ActionError, Avatar, Name};

#[component]
pub fn Contacts() -> impl IntoView {
    view! {
        <section class="screen">
            <div class="conversation-head">
                <h1>"Contacts"</h1>
                <A href="/profile" attr:class="button small secondary">"Your profile"</A>
            </div>
            <Search/>
            <Following/>
        </section>
    }
}

/// Whether messaging runs with a relay connected: what the lists need.
fn relays_ready() -> Memo<bool> {
    let messaging = use_engine().messaging();
    Memo::new(
        move |_| matches!(messaging.get(), MessagingState::Ready { connected, .. } if connected > 0),
    )
}

/// Asks the engine `command` for what `asked` reads, whenever messaging
/// runs or that changes: as stored at once, then, with a relay ready, as
/// the relays say. Each answer goes to `answered`; a refusal shows in
/// `error`, until the next answer.
fn ask_stored_then_relays<Asked: Clone + 'static>(
    asked: impl Fn() -> Asked + 'static,
    command: impl Fn(Asked, bool) -> Command + Copy + 'static,
    answered: impl Fn(Reply) + Copy + 'static,
    error: RwSignal<Option<String>>,
) {
    let engine = use_engine();
    let running = use_engine().messaging_running();
    let ready = relays_ready();
    Effect::new(move |_| {
        let (asked, running, ready) = (asked(), running.get(), ready.get());
        if !running {
            return;
        }
        leptos::task::spawn_local(async move {
            for refresh in [false, true] {
                if refresh && !ready {
                    break;
                }
                match engine.request(command(asked.clone(), refresh)).await {
                    Ok(reply) => {
                        error.set(None);
                        answered(reply);
                    }
                    Err(problem) => error.set(Some(problem.to_string())),
                }
            }
        });
    });
}

#[component]
fn Search() -> impl IntoView {
    let query = RwSignal::new(String::new());
    let find = command_action(|query: &String| Command::FindPeople {
        query: query.clone(),
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let typed = query.get_untracked();
        if !typed.trim().is_empty() {
            find.dispatch(typed);
        }
    };
    view! {
        <form class="card stack" on:submit=submit role="search">
            <label class="field">
                <span>"Find someone: name, npub, nprofile or name@domain"</span>
                <input type="search" name="people-search" autocomplete="off" spellcheck="false" bind:value=query/>
            </label>
            <button class="button" type="submit" disabled=move || query.get().trim().is_empty() || find.pending().get()>
                {move || if find.pending().get() { "Searching…" } else { "Search" }}
            </button>
            <ActionError action=find/>
            {move || match find.value().get() {
                Some(Ok(Reply::Found { people, note })) => Some(view! {
                    <div class="stack" data-testid="search-results">
                        {note.map(|note| view! { <NoteCard note/> })}
                        {people.is_empty().then(|| view! {
                            <p class="hint">"Nobody you know goes by that name. Paste their npub or NOSTR address (name@domain) instead."</p>
                        })}
                        <PeopleList people/>
                    </div>
                }),
                _ => None,
            }}
        </form>
    }
}

/// What a pasted nevent, note or naddr points to.
#[component]
fn NoteCard(note: NotePreview) -> impl IntoView {
    view! {
        <article class="card stack" data-testid="note-preview">
            <p class="muted">{format!("Event of kind {} by ", note.kind)}<Name npub=note.author.clone()/></p>
            <p class="note-text">{note.preview.clone()}</p>
            <small class="muted">{when(note.created_at)}</small>
        </article>
    }
}

/// Who the user follows: as stored first, then as the relays say.
#[component]
fn Following() -> impl IntoView {
    let contacts = RwSignal::new(None::<(Vec<Person>, bool)>);
    let error = RwSignal::new(None::<String>);
    ask_stored_then_relays(
        || (),
        |(), refresh| Command::ListContacts { refresh },
        move |reply| {
            if let Reply::Contacts {
                contacts: list,
                known,
            } = reply
            {
                contacts.set(Some((list, known)));
            }
        },
        error,
    );
    view! {
        <h2>"Following"</h2>
        {move || error.get().map(|error| view! { <p class="hint error" role="alert">{error}</p> })}
        {move || match contacts.get() {
            None => view! { <p class="muted" role="status">"Loading your follow list…"</p> }.into_any(),
            Some((list, false)) if list.is_empty() => view! {
                <p class="muted" role="status">"Looking for your follow list on your relays…"</p>
            }.into_any(),
            Some((list, _)) if list.is_empty() => view! {
                <p class="muted" data-testid="no-contacts">"You follow nobody yet. Search for someone above."</p>
            }.into_any(),
            Some((list, _)) => view! { <PeopleList people=list/> }.into_any(),
        }}
    }
}

#[component]
pub fn PeopleList(people: Vec<Person>) -> impl IntoView {
    view! {
        <ul class="people" aria-label="People">
            {people.into_iter().map(|person| view! { <li><PersonRow person/></li> }).collect_view()}
        </ul>
    }
}

/// One person in a list, linking to their page.
#[component]
fn PersonRow(person: Person) -> impl IntoView {
    let href = format!("/contacts/{}", person.npub);
    let shown = shown_name(&person);
    view! {
        <A href=href attr:class="person-row">
            <Avatar npub=person.npub.clone()/>
            <span class="person-text">
                <span class="person-name">{shown}</span>
                {person.nip05.clone().map(|nip05| view! { <Nip05Line nip05/> })}
                <small class="muted" title=person.npub.clone()>{short_npub(&person.npub)}</small>
            </span>
            {person.followed.then(|| view! { <span class="muted">"following"</span> })}
        </A>
    }
}

/// A NIP-05 address, with a badge only when its domain confirms it.
#[component]
pub fn Nip05Line(nip05: Nip05) -> impl IntoView {
    let (badge, note, why) = match &nip05.status {
        Nip05Status::Verified => (true, None, None),
        Nip05Status::Unchecked => (false, None, None),
        Nip05Status::Mismatch => (false, Some("not confirmed by its domain"), None),
        Nip05Status::Failed { reason } => {
            (false, Some("could not be checked"), Some(reason.clone()))
        }
    };
    view! {
        <small class="nip05" data-testid="nip05">
            {nip05.address.clone()}
            {badge.then(|| view! {
                <span class="verified" data-testid="nip05-badge" title="Confirmed by its domain (NIP-05)" aria-label="verified">" ✓"</span>
            })}
            {note.map(|note| view! { <span class="muted" title=why>{format!(" ({note})")}</span> })}
        </small>
    }
}
