//! Contacts: who the user follows (NIP-02), a search box that takes an
//! npub, nprofile, NIP-05 address, name, nevent or naddr, each person's
//! page, the user's own profile, and the names other screens show.

mod person;
mod profile;

pub use person::ContactPage;
pub use profile::MyProfile;

use std::future::Future;

use flash_protocol::{MessagingState, Nip05, Nip05Status, NotePreview, Person};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::engine::{call_action, use_engine, RequestError};
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

/// What `call` answers for what `asked` reads, once messaging runs: as
/// stored at once, then, with a relay ready, as the relays say. Each is a
/// resource keyed on what is asked, so an answer for what is no longer
/// asked (a slower one for the previous person) is never shown. Gives the
/// latest data, the latest answer's error, and a callback putting in place
/// what a change made here answered.
fn stored_then_relays<Asked, T, Fut>(
    asked: impl Fn() -> Asked + Copy + Send + Sync + 'static,
    call: impl Fn(Asked, bool) -> Fut + Copy + 'static,
) -> (
    impl Fn() -> Option<T> + Copy,
    impl Fn() -> Option<String> + Copy,
    Callback<T>,
)
where
    Asked: Clone + PartialEq + Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<T, RequestError>> + 'static,
{
    let running = use_engine().messaging_running();
    let ready = relays_ready();
    let answer = move |go: Signal<bool>, refresh: bool| {
        LocalResource::new(move || {
            let (asked, go) = (asked(), go.get());
            async move { go.then_some((asked.clone(), call(asked, refresh).await)) }
        })
    };
    let current = move |resource: LocalResource<Answer<Asked, T>>| {
        let asked = asked();
        resource
            .get()
            .flatten()
            .filter(|(answered, _)| *answered == asked)
            .map(|(_, outcome)| outcome)
    };
    let stored = answer(running.into(), false);
    // The relays are asked once the stored answer is in, not beside it:
    // the two questions about the same person raced each other.
    let fresh = answer(
        Signal::derive(move || ready.get() && current(stored).is_some()),
        true,
    );
    let data = move || match current(fresh) {
        Some(Ok(data)) => Some(data),
        _ => current(stored).and_then(Result::ok),
    };
    let error = move || {
        current(fresh)
            .or_else(|| current(stored))
            .and_then(Result::err)
            .map(|error| error.to_string())
    };
    let changed = Callback::new(move |data: T| fresh.set(Some(Some((asked(), Ok(data))))));
    (data, error, changed)
}

/// What was asked, and the engine's answer.
type Answer<Asked, T> = Option<(Asked, Result<T, RequestError>)>;

#[component]
fn Search() -> impl IntoView {
    let query = RwSignal::new(String::new());
    let find = call_action(|engine, query: &String| engine.find_people(query.clone()));
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
                Some(Ok((people, note))) => Some(view! {
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
    let engine = use_engine();
    let (contacts, error, _) =
        stored_then_relays(|| (), move |(), refresh| engine.contacts(refresh));
    view! {
        <h2>"Following"</h2>
        {move || error().map(|error| view! { <p class="hint error" role="alert">{error}</p> })}
        {move || match contacts() {
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
