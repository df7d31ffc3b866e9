//! The frame around every screen: top bar with the engine's status, the
//! navigation bar, the update banner, and the screens shown when the engine
//! cannot run or is from another version.

use flash_protocol::{EngineStatus, Identity, PROTOCOL_VERSION};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::engine::{use_engine, Greeting};
use crate::lock::Unlock;
use crate::pwa::UpdateBanner;
use crate::ui::Icon;
use crate::welcome::Welcome;

/// One destination in the navigation bar.
struct Destination {
    href: &'static str,
    label: &'static str,
    icon: Icon,
}

const DESTINATIONS: [Destination; 7] = [
    Destination {
        href: "/",
        label: "Home",
        icon: Icon::Home,
    },
    Destination {
        href: "/send",
        label: "Send",
        icon: Icon::Send,
    },
    Destination {
        href: "/receive",
        label: "Receive",
        icon: Icon::Receive,
    },
    Destination {
        href: "/chat",
        label: "Chat",
        icon: Icon::Chat,
    },
    Destination {
        href: "/contacts",
        label: "Contacts",
        icon: Icon::Contacts,
    },
    Destination {
        href: "/cards",
        label: "Cards",
        icon: Icon::Cards,
    },
    Destination {
        href: "/settings",
        label: "Settings",
        icon: Icon::Settings,
    },
];

/// What the frame shows in place of the routed screens.
#[derive(Clone, PartialEq)]
enum Gate {
    /// The engine is from another build: the page must be reloaded.
    Outdated(Option<String>),
    /// The engine cannot run: say why instead of showing a dead page.
    Failed(String),
    /// The engine has not yet said who the user is.
    Starting,
    /// No wallet in this profile: onboarding.
    Welcome,
    /// Another tab has this profile open.
    Elsewhere,
    Locked(Option<String>),
    Open,
}

/// Wraps the routed screens, which show only once a wallet is open.
#[component]
pub fn Shell(children: ChildrenFn) -> impl IntoView {
    let engine = use_engine();
    let (greeting, status, identity) = (engine.greeting(), engine.status(), engine.identity());
    let gate = Memo::new(
        move |_| match (greeting.get(), status.get(), identity.get()) {
            (Greeting::Other { protocol }, _, _) => Gate::Outdated(protocol),
            (_, EngineStatus::Failed { message }, _) => Gate::Failed(message),
            (_, _, None) => Gate::Starting,
            (_, _, Some(Identity::None)) => Gate::Welcome,
            (_, _, Some(Identity::Elsewhere)) => Gate::Elsewhere,
            (_, _, Some(Identity::Locked { npub })) => Gate::Locked(npub),
            (_, _, Some(Identity::Unlocked { .. })) => Gate::Open,
        },
    );
    view! {
        <div class="shell">
            <header class="topbar">
                <A href="/" attr:class="brand">"Flash"</A>
                <EngineBadge/>
            </header>
            <UpdateBanner/>
            <main class="content">
                {move || match gate.get() {
                    Gate::Outdated(engine) => view! { <EngineOutdated engine/> }.into_any(),
                    Gate::Failed(message) => view! { <EngineFailed message/> }.into_any(),
                    Gate::Starting => view! { <p class="muted" role="status">"Starting…"</p> }.into_any(),
                    Gate::Welcome => view! { <Welcome/> }.into_any(),
                    Gate::Elsewhere => view! { <OpenElsewhere/> }.into_any(),
                    Gate::Locked(npub) => view! { <Unlock npub/> }.into_any(),
                    Gate::Open => children().into_any(),
                }}
            </main>
            <Show when=move || gate.get() == Gate::Open>
                <TabBar/>
            </Show>
        </div>
    }
}

#[component]
fn TabBar() -> impl IntoView {
    view! {
        <nav class="tabbar" aria-label="Main">
            {DESTINATIONS
                .iter()
                .map(|destination| {
                    view! {
                        <A href=destination.href exact=true attr:class="tab">
                            {destination.icon.view()}
                            <span>{destination.label}</span>
                        </A>
                    }
                })
                .collect_view()}
        </nav>
    }
}

/// The engine's live status, from its last answer or event, and the
/// protocol it speaks once it has said it is this build's.
#[component]
fn EngineBadge() -> impl IntoView {
    let engine = use_engine();
    let (greeting, status) = (engine.greeting(), engine.status());
    let protocol = move || (greeting.get() == Greeting::Ours).then_some(PROTOCOL_VERSION);
    let state = move || match status.get() {
        EngineStatus::Starting => "starting",
        EngineStatus::Ready { .. } => "ready",
        EngineStatus::Failed { .. } => "failed",
    };
    let label = move || match status.get() {
        EngineStatus::Starting => "Starting…",
        EngineStatus::Ready { .. } => "Ready",
        EngineStatus::Failed { .. } => "Stopped",
    };
    view! {
        <span class="badge" data-testid="engine-status" data-state=state data-protocol=protocol
            role="status">
            <span class="dot" aria-hidden="true"></span>
            {label}
        </span>
    }
}

/// Only one tab may use a profile, or two could spend the same money.
#[component]
fn OpenElsewhere() -> impl IntoView {
    let engine = use_engine();
    let error = RwSignal::new(None::<String>);
    let take_over = move |_| {
        leptos::task::spawn_local(async move {
            error.set(
                engine
                    .open_last_profile(true)
                    .await
                    .err()
                    .map(|error| error.to_string()),
            );
        });
    };
    view! {
        <section class="screen">
            <h1>"Flash is open in another tab"</h1>
            <p class="muted">"Using one wallet in two tabs at once could spend the same money twice, so only one tab may have it."</p>
            <button class="button" on:click=take_over>"Use Flash in this tab"</button>
            {move || error.get().map(|error| view! { <p class="error" role="alert">{error}</p> })}
        </section>
    }
}

#[component]
fn EngineFailed(message: String) -> impl IntoView {
    view! {
        <section class="screen failure" role="alert" data-testid="engine-failed">
            <h1>"Flash could not start"</h1>
            <p class="failure-message">{message}</p>
            <p>"Your wallet data is untouched. Reloading often helps; if it keeps happening, the message above tells what the browser refused."</p>
            <ReloadButton/>
        </section>
    }
}

/// This page and the engine it started come from different builds; the app
/// stopped the engine before sending it anything.
#[component]
fn EngineOutdated(engine: Option<String>) -> impl IntoView {
    let engine = engine.unwrap_or_else(|| "unknown".to_owned());
    view! {
        <section class="screen failure" role="alert" data-testid="engine-outdated">
            <h1>"Flash was updated"</h1>
            <p>"This page and its engine come from different versions of Flash, so they were kept from talking to each other. Reload to run the new version of both."</p>
            <p class="muted failure-message">
                {format!("App protocol {PROTOCOL_VERSION}, engine protocol {engine}.")}
            </p>
            <p>"Your wallet data is untouched."</p>
            <ReloadButton/>
        </section>
    }
}

#[component]
fn ReloadButton() -> impl IntoView {
    let reload = |_| {
        // Only fails in a detached document, which no one sees.
        let _ = window().location().reload();
    };
    view! { <button class="button" on:click=reload>"Reload"</button> }
}
