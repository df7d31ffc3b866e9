//! Several wallets in one browser: list, switch, add, delete.

use flash_protocol::{Command, ProfileSummary, DELETE_CONFIRMATION};
use leptos::prelude::*;

use crate::engine::{call_action, command_action, use_engine, CallAction};
use crate::ui::{short_npub, ActionError};

#[component]
pub fn Profiles() -> impl IntoView {
    let list = call_action(|engine, _: &()| engine.profiles());
    list.dispatch(());
    // Any change to the list answers with the new list.
    let delete = call_action(|engine, (profile, confirmation): &(String, String)| {
        engine.delete_profile(profile.clone(), confirmation.clone())
    });
    let listed = Signal::derive(move || {
        let latest = delete.value().get().or_else(|| list.value().get());
        latest.and_then(Result::ok)
    });
    let add = command_action(|_: &()| Command::NewProfile);
    view! {
        <section class="card stack" aria-labelledby="profiles-title">
            <h2 id="profiles-title">"Profiles"</h2>
            <p class="hint">"Each profile is a separate wallet with its own passphrase."</p>
            <ul class="profiles">
                {move || listed.get().map(|(profiles, current)| {
                    profiles
                        .into_iter()
                        .map(|profile| {
                            let is_current = current.as_deref() == Some(profile.id.as_str());
                            view! { <ProfileRow profile is_current delete/> }
                        })
                        .collect_view()
                })}
            </ul>
            <button class="button secondary" on:click=move |_| { add.dispatch(()); }>"Add a profile"</button>
            <ActionError action=add/>
            <ActionError action=delete/>
        </section>
    }
}

#[component]
fn ProfileRow(
    profile: ProfileSummary,
    is_current: bool,
    delete: CallAction<(String, String), (Vec<ProfileSummary>, Option<String>)>,
) -> impl IntoView {
    let engine = use_engine();
    let confirming = RwSignal::new(false);
    let confirmation = RwSignal::new(String::new());
    let label = profile
        .npub
        .as_deref()
        .map(short_npub)
        .unwrap_or_else(|| "No wallet yet".to_owned());
    let id = profile.id.clone();
    let open = move |_| {
        let profile = Some(id.clone());
        leptos::task::spawn_local(async move {
            // The answer replaces the identity; errors show on the screen it opens.
            let _ = engine
                .request(Command::OpenProfile {
                    profile,
                    take_over: false,
                })
                .await;
        });
    };
    let id = profile.id.clone();
    let confirm = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        delete.dispatch((id.clone(), confirmation.get_untracked()));
    };
    view! {
        <li class="profile" data-testid="profile" data-profile=profile.id.clone()>
            <span class="profile-label">{label}</span>
            {if is_current {
                view! { <span class="muted">"This one"</span> }.into_any()
            } else {
                view! { <button class="button small secondary" on:click=open>"Open"</button> }.into_any()
            }}
            <button class="button small secondary" on:click=move |_| confirming.update(|shown| *shown = !*shown)>
                "Delete…"
            </button>
            <Show when=move || confirming.get()>
                <form class="stack delete-profile" on:submit=confirm.clone()>
                    <p class="hint warning">"Deleting removes this wallet from this browser for good. Without its recovery words, its money is lost."</p>
                    <label class="field">
                        <span>{format!("Type “{DELETE_CONFIRMATION}” to confirm")}</span>
                        <input type="text" name="confirm-delete" autocomplete="off" bind:value=confirmation/>
                    </label>
                    <button class="button danger" type="submit"
                        disabled=move || confirmation.get().trim() != DELETE_CONFIRMATION>
                        "Delete this profile"
                    </button>
                </form>
            </Show>
        </li>
    }
}
