//! Settings: appearance and what the app knows about itself.

mod connected_apps;
mod ecash;
mod name;
mod profiles;
mod security;
mod storage;
mod theme;

pub use theme::provide_theme;
use theme::{use_theme, Theme};

use flash_protocol::{EngineStatus, Identity};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::engine::use_engine;
use crate::ui::{Npub, Segmented};

#[component]
pub fn Settings() -> impl IntoView {
    view! {
        <section class="screen">
            <h1>"Settings"</h1>
            <IdentityCard/>
            <name::NameSettings/>
            <connected_apps::ConnectedApps/>
            <security::Security/>
            <ecash::EcashSettings/>
            <RelaysLink/>
            <profiles::Profiles/>
            <storage::StoragePersistence/>
            <ThemeChoice/>
            <About/>
        </section>
    }
}

/// The npub, here too, so it is easy to find when someone asks for it, and
/// the way to the profile others see.
#[component]
fn IdentityCard() -> impl IntoView {
    let identity = use_engine().identity();
    move || match identity.get() {
        Some(Identity::Unlocked { npub, .. }) => Some(view! {
            <Npub npub/>
            <p class="hint"><A href="/profile">"Your profile"</A>": the name, picture and addresses others see."</p>
        }),
        _ => None,
    }
}

/// Where private messages go through.
#[component]
fn RelaysLink() -> impl IntoView {
    view! {
        <section class="card stack">
            <h2>"Relays"</h2>
            <p class="hint"><A href="/relays">"Your relays"</A>" carry your private messages: see how each is doing, add or remove them."</p>
        </section>
    }
}

#[component]
fn ThemeChoice() -> impl IntoView {
    let theme = use_theme();
    view! {
        <fieldset class="card">
            <legend>"Appearance"</legend>
            <Segmented name="theme" label="Theme" value=theme
                choices=Theme::ALL.into_iter().map(|choice| (choice, choice.label())).collect()/>
        </fieldset>
    }
}

#[component]
fn About() -> impl IntoView {
    let status = use_engine().status();
    let engine_version = move || match status.get() {
        EngineStatus::Ready { version } => version,
        EngineStatus::Starting => "starting…".to_owned(),
        EngineStatus::Failed { .. } => "not running".to_owned(),
    };
    view! {
        <section class="card">
            <h2>"About"</h2>
            <dl class="facts">
                <dt>"App version"</dt>
                <dd>{env!("CARGO_PKG_VERSION")}</dd>
                <dt>"Engine version"</dt>
                <dd data-testid="engine-version">{engine_version}</dd>
            </dl>
        </section>
    }
}
