//! The frame around every screen: top bar with the engine's status, the
//! navigation bar, the update banner, and the screen shown when the engine
//! cannot run.

mod icons;

use flash_worker::protocol::EngineStatus;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::engine::use_engine;
use crate::pwa::UpdateBanner;
use icons::Icon;

/// One destination in the navigation bar.
struct Destination {
    href: &'static str,
    label: &'static str,
    icon: Icon,
}

const DESTINATIONS: [Destination; 6] = [
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

/// Wraps the routed screen; replaces it with [`EngineFailed`] when the
/// engine cannot run, so the user sees why instead of a dead page.
#[component]
pub fn Shell(children: ChildrenFn) -> impl IntoView {
    let status = use_engine().status();
    let failure = move || match status.get() {
        EngineStatus::Failed { message } => Some(message),
        _ => None,
    };
    view! {
        <div class="shell">
            <header class="topbar">
                <A href="/" attr:class="brand">"Flash"</A>
                <EngineBadge/>
            </header>
            <UpdateBanner/>
            <main class="content">
                {move || match failure() {
                    Some(message) => view! { <EngineFailed message/> }.into_any(),
                    None => children().into_any(),
                }}
            </main>
            <TabBar/>
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

/// The engine's live status, from its last answer or event.
#[component]
fn EngineBadge() -> impl IntoView {
    let status = use_engine().status();
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
        <span class="badge" data-testid="engine-status" data-state=state role="status">
            <span class="dot" aria-hidden="true"></span>
            {label}
        </span>
    }
}

#[component]
fn EngineFailed(message: String) -> impl IntoView {
    let reload = |_| {
        let _ = window().location().reload();
    };
    view! {
        <section class="screen failure" role="alert" data-testid="engine-failed">
            <h1>"Flash could not start"</h1>
            <p class="failure-message">{message}</p>
            <p>"Your wallet data is untouched. Reloading often helps; if it keeps happening, the message above tells what the browser refused."</p>
            <button class="button" on:click=reload>"Reload"</button>
        </section>
    }
}

/// A screen's title and a line saying what it will hold.
#[component]
pub fn Screen(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <section class="screen">
            <h1>{title}</h1>
            {children()}
        </section>
    }
}
