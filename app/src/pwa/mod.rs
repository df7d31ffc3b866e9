//! Installability and offline start: registers the service worker and tells
//! the user when a new version is waiting.
//!
//! The service worker (`public/sw.js`) never takes over on its own: a page
//! keeps running the version it loaded until the user chooses to reload, so
//! an update cannot swap the app out from under a half-typed payment.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{ServiceWorker, ServiceWorkerRegistration, ServiceWorkerState};

const SERVICE_WORKER: &str = "/sw.js";

/// Whether a new version is installed and waiting for the user.
#[derive(Clone, Copy)]
pub struct Updates {
    waiting: RwSignal<Option<ServiceWorker>, LocalStorage>,
}

/// Registers the service worker and provides [`Updates`] to the tree.
pub fn provide_updates() {
    let updates = Updates {
        waiting: RwSignal::new_local(None),
    };
    provide_context(updates);
    let Some(container) = window().navigator().service_worker_if_supported() else {
        return;
    };
    leptos::task::spawn_local(async move {
        let registered = wasm_bindgen_futures::JsFuture::from(container.register(SERVICE_WORKER));
        match registered.await {
            Ok(registration) => watch(updates, registration.unchecked_into()),
            // The app works without it, only not offline: say so, don't stop.
            Err(error) => leptos::logging::warn!(
                "offline start unavailable: {}",
                crate::engine::describe(&error)
            ),
        }
    });
}

/// Notices a new version: one already waiting, or one that finishes installing.
fn watch(updates: Updates, registration: ServiceWorkerRegistration) {
    if let Some(waiting) = registration.waiting() {
        offer(updates, waiting);
    }
    let on_update_found = {
        let registration = registration.clone();
        Closure::<dyn Fn()>::new(move || {
            let Some(installing) = registration.installing() else {
                return;
            };
            let candidate = installing.clone();
            let on_state_change = Closure::<dyn Fn()>::new(move || {
                if candidate.state() == ServiceWorkerState::Installed {
                    offer(updates, candidate.clone());
                }
            });
            installing.set_onstatechange(Some(on_state_change.as_ref().unchecked_ref()));
            on_state_change.forget();
        })
    };
    registration.set_onupdatefound(Some(on_update_found.as_ref().unchecked_ref()));
    on_update_found.forget();
}

/// A first install is not an update: only offer when a version is running.
fn offer(updates: Updates, waiting: ServiceWorker) {
    let controlled = window()
        .navigator()
        .service_worker_if_supported()
        .and_then(|container| container.controller())
        .is_some();
    if controlled {
        updates.waiting.set(Some(waiting));
    }
}

trait ServiceWorkerSupport {
    fn service_worker_if_supported(&self) -> Option<web_sys::ServiceWorkerContainer>;
}

impl ServiceWorkerSupport for web_sys::Navigator {
    /// `navigator.serviceWorker` is missing on insecure origins and in some
    /// private modes; web-sys would hand back `undefined` as a container.
    fn service_worker_if_supported(&self) -> Option<web_sys::ServiceWorkerContainer> {
        js_sys::Reflect::get(self, &JsValue::from_str("serviceWorker"))
            .ok()
            .filter(|value| !value.is_undefined())
            .map(JsCast::unchecked_into)
    }
}

/// A banner offering the waiting version; reloading switches to it.
#[component]
pub fn UpdateBanner() -> impl IntoView {
    let updates = expect_context::<Updates>();
    let apply = move |_| {
        let Some(waiting) = updates.waiting.get_untracked() else {
            return;
        };
        if let Some(container) = window().navigator().service_worker_if_supported() {
            let reload = Closure::<dyn FnMut()>::once(|| {
                let _ = window().location().reload();
            });
            container.set_oncontrollerchange(Some(reload.as_ref().unchecked_ref()));
            reload.forget();
        }
        let _ = waiting.post_message(&JsValue::from_str("skip-waiting"));
    };
    view! {
        <Show when=move || updates.waiting.with(Option::is_some)>
            <div class="update-banner" role="status">
                <span>"A new version of Flash is ready."</span>
                <button class="button" on:click=apply>"Reload"</button>
            </div>
        </Show>
    }
}
