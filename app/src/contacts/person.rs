//! One person's page: their profile, NIP-05 badge, Lightning address, the
//! nprofile to share, follow or unfollow, and buttons to message them and,
//! when they have a Lightning address, to zap them.

use flash_protocol::Person;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::{stored_then_relays, Nip05Line};
use crate::engine::{call_action, use_engine};
use crate::ui::{short_npub, shown_name, ActionError, Avatar, CopyButton};

#[component]
pub fn ContactPage() -> impl IntoView {
    let engine = use_engine();
    let params = use_params_map();
    let who = Memo::new(move |_| params.with(|params| params.get("who").unwrap_or_default()));
    // As stored at once, then as the relays say (NIP-05 checked), for the
    // person in the address only.
    let (person, error, answered) = stored_then_relays(
        move || who.get(),
        move |who, refresh| engine.person(who, refresh),
    );
    view! {
        <section class="screen">
            <A href="/contacts" attr:class="link">"← Contacts"</A>
            {move || error().map(|error| view! { <p class="error" role="alert">{error}</p> })}
            {move || match person() {
                Some(found) => view! { <Profile person=found on_change=answered/> }.into_any(),
                None => view! { <p class="muted" role="status">"Looking them up…"</p> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Profile(person: Person, on_change: Callback<Person>) -> impl IntoView {
    let navigate = use_navigate();
    let npub = person.npub.clone();
    let follow = call_action({
        let npub = npub.clone();
        move |engine, follow: &bool| engine.set_followed(npub.clone(), *follow)
    });
    Effect::new(move |_| {
        if let Some(Ok(person)) = follow.value().get() {
            on_change.run(person);
        }
    });
    let followed = person.followed;
    let message = {
        let npub = npub.clone();
        let navigate = navigate.clone();
        move |_| navigate(&format!("/chat?with={npub}"), Default::default())
    };
    // The pay form, their address filled in, paying as a zap to them.
    let zap = person.lud16.clone().filter(|_| !person.me).map(|lud16| {
        let npub = npub.clone();
        move |_| {
            let pay = js_sys::encode_uri_component(&lud16);
            navigate(&format!("/send?pay={pay}&zap={npub}"), Default::default())
        }
    });
    view! {
        <div class="stack" data-testid="contact">
            <div class="npub card">
                <Avatar npub=npub.clone()/>
                <div class="npub-text">
                    <h1 data-testid="contact-name">{shown_name(&person)}</h1>
                    {person.display_name.is_some().then(|| person.name.clone()).flatten().map(|name| view! { <p class="muted">{format!("@{name}")}</p> })}
                    {person.nip05.clone().map(|nip05| view! { <Nip05Line nip05/> })}
                </div>
            </div>
            {person.updated_at.is_none().then(|| view! {
                <p class="hint">"No profile found for this key on your relays yet. You can still follow and message them."</p>
            })}
            {person.about.clone().map(|about| view! { <p class="about" data-testid="contact-about">{about}</p> })}
            <dl class="facts">
                {person.lud16.clone().map(|lud16| view! { <dt>"Lightning address"</dt><dd data-testid="contact-lud16">{lud16}</dd> })}
                {person.picture.clone().map(|picture| view! {
                    // Not loaded: a picture from anywhere would tell its host who looks at it.
                    <dt>"Picture"</dt><dd><code class="wrap">{picture}</code></dd>
                })}
                <dt>"Public key"</dt>
                <dd><code data-testid="contact-npub" title=npub.clone() data-npub=npub.clone()>{short_npub(&npub)}</code></dd>
            </dl>
            <div class="row">
                {(!person.me).then(|| view! {
                    <button class="button" on:click=message>"Message"</button>
                    <button class="button secondary" disabled=move || follow.pending().get()
                        on:click=move |_| { follow.dispatch(!followed); }>
                        {if followed { "Unfollow" } else { "Follow" }}
                    </button>
                })}
                {zap.map(|zap| view! { <button class="button secondary" data-testid="zap" on:click=zap>"Zap"</button> })}
                <CopyButton text=npub.clone() label="Copy npub"/>
                <CopyButton text=person.nprofile.clone() label="Share (nprofile)"/>
            </div>
            <ActionError action=follow/>
        </div>
    }
}
