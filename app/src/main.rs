//! Flash Web's user interface. It holds no secret and does no crypto: it
//! sends commands to the engine (a Web Worker) and renders what comes back.

mod cards;
mod chat;
mod contacts;
mod engine;
mod home;
mod lock;
mod mints;
mod pwa;
mod receive;
mod relays;
mod send;
mod settings;
mod shell;
mod ui;
mod welcome;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

fn main() {
    console_error_panic_hook::set_once();
    // `compat.js` ran first and already told the user what is missing.
    let unsupported = document()
        .document_element()
        .is_some_and(|root| root.has_attribute("data-unsupported"));
    if !unsupported {
        mount_to_body(App);
    }
}

#[component]
fn App() -> impl IntoView {
    settings::provide_theme();
    engine::provide_engine();
    pwa::provide_updates();
    ui::provide_names();
    view! {
        <Router>
            <shell::Shell>
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view=home::Home/>
                    <Route path=path!("/send") view=send::Send/>
                    <Route path=path!("/receive") view=receive::Receive/>
                    <Route path=path!("/chat") view=chat::Chat/>
                    <Route path=path!("/contacts") view=contacts::Contacts/>
                    <Route path=path!("/contacts/:who") view=contacts::ContactPage/>
                    <Route path=path!("/profile") view=contacts::MyProfile/>
                    <Route path=path!("/cards") view=cards::Cards/>
                    <Route path=path!("/mints") view=mints::Mints/>
                    <Route path=path!("/relays") view=relays::Relays/>
                    <Route path=path!("/settings") view=settings::Settings/>
                </Routes>
            </shell::Shell>
        </Router>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <ui::Screen title="Not found">
            <p class="muted">"There is nothing at this address."</p>
        </ui::Screen>
    }
}
