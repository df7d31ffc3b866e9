//! The user's own profile (kind 0): shown, edited, and published to their
//! relays. Fields other apps set are kept by the engine.

use flash_protocol::{Person, ProfileFields};
use leptos::prelude::*;
use leptos_router::components::A;

use super::{stored_then_relays, Nip05Line};
use crate::engine::{call_action, use_engine};
use crate::ui::{ActionError, CopyButton};

#[component]
pub fn MyProfile() -> impl IntoView {
    let engine = use_engine();
    let running = engine.messaging_running();
    let fields = RwSignal::new(ProfileFields::default());
    let edited = RwSignal::new(false);
    let fill = move |found: &Person| {
        fields.set(ProfileFields {
            name: found.name.clone().unwrap_or_default(),
            display_name: found.display_name.clone().unwrap_or_default(),
            about: found.about.clone().unwrap_or_default(),
            picture: found.picture.clone().unwrap_or_default(),
            nip05: found
                .nip05
                .as_ref()
                .map(|nip05| nip05.address.clone())
                .unwrap_or_default(),
            lud16: found.lud16.clone().unwrap_or_default(),
        });
    };
    let (person, error, published) =
        stored_then_relays(|| (), move |(), refresh| engine.my_profile(refresh));
    Effect::new(move |_| {
        // What the user is typing is not overwritten.
        if let Some(found) = person().filter(|_| !edited.get_untracked()) {
            fill(&found);
        }
    });
    let save = call_action(|engine, fields: &ProfileFields| engine.set_my_profile(fields.clone()));
    let saved = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(found)) = save.value().get() {
            saved.set(true);
            published.run(found);
        }
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        saved.set(false);
        save.dispatch(fields.get_untracked());
    };
    let field = move |label: &'static str,
                      name: &'static str,
                      get: fn(&ProfileFields) -> String,
                      set: fn(&mut ProfileFields, String)| {
        view! {
            <label class="field">
                <span>{label}</span>
                <input type="text" name=name autocomplete="off"
                    prop:value=move || fields.with(get)
                    on:input=move |event| {
                        edited.set(true);
                        fields.update(|fields| set(fields, event_target_value(&event)));
                    }/>
            </label>
        }
    };
    view! {
        <section class="screen">
            <A href="/contacts" attr:class="link">"← Contacts"</A>
            <h1>"Your profile"</h1>
            <p class="hint">"What everyone on NOSTR sees about you. Saving publishes it to your relays; what other apps added to it is kept."</p>
            {move || error().map(|error| view! { <p class="hint error" role="alert">{error}</p> })}
            {move || person().map(|me| view! {
                <div class="row">
                    {me.nip05.clone().map(|nip05| view! { <Nip05Line nip05/> })}
                    <CopyButton text=me.npub.clone() label="Copy npub"/>
                    <CopyButton text=me.nprofile.clone() label="Share (nprofile)"/>
                </div>
            })}
            <form class="card stack" on:submit=submit>
                {field("Name", "profile-name", |f| f.name.clone(), |f, v| f.name = v)}
                {field("Display name", "profile-display-name", |f| f.display_name.clone(), |f, v| f.display_name = v)}
                <label class="field">
                    <span>"About"</span>
                    <textarea name="profile-about" rows="3"
                        prop:value=move || fields.with(|f| f.about.clone())
                        on:input=move |event| {
                            edited.set(true);
                            fields.update(|f| f.about = event_target_value(&event));
                        }></textarea>
                </label>
                {field("Picture (web address)", "profile-picture", |f| f.picture.clone(), |f, v| f.picture = v)}
                {field("NOSTR address (NIP-05, name@domain)", "profile-nip05", |f| f.nip05.clone(), |f, v| f.nip05 = v)}
                {field("Lightning address", "profile-lud16", |f| f.lud16.clone(), |f, v| f.lud16 = v)}
                <button class="button" type="submit" disabled=move || save.pending().get() || !running.get()>
                    {move || if save.pending().get() { "Publishing…" } else { "Save" }}
                </button>
                <ActionError action=save/>
                {move || saved.get().then(|| view! { <p class="hint" role="status">"Saved and published to your relays."</p> })}
            </form>
        </section>
    }
}
