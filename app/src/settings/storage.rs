//! Persistent storage: without it a browser under disk pressure may clear
//! IndexedDB, and with it the wallet.

use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Whether the browser promised to keep this site's data.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Persistence {
    Unknown,
    Persistent,
    BestEffort,
    Unsupported,
}

/// Asks for persistent storage; the browser decides without a prompt in
/// most cases (installed apps and frequently used sites get it).
async fn request_persistence() -> Persistence {
    let storage = window().navigator().storage();
    let Ok(promise) = storage.persist() else {
        return Persistence::Unsupported;
    };
    match JsFuture::from(promise)
        .await
        .map(|granted| granted.as_bool())
    {
        Ok(Some(true)) => Persistence::Persistent,
        Ok(_) => Persistence::BestEffort,
        Err(_) => Persistence::Unsupported,
    }
}

#[component]
pub fn StoragePersistence() -> impl IntoView {
    let state = RwSignal::new(Persistence::Unknown);
    let ask =
        move || leptos::task::spawn_local(async move { state.set(request_persistence().await) });
    ask();
    let text = move || {
        match state.get() {
        Persistence::Unknown => "Checking…",
        Persistence::Persistent => "Persistent: the browser will not clear your wallet to free space.",
        Persistence::BestEffort => {
            "Best effort: the browser may clear site data when the disk is full. Install Flash or keep your recovery words safe."
        }
        Persistence::Unsupported => "This browser cannot promise to keep site data: keep your recovery words safe.",
    }
    };
    view! {
        <section class="card stack">
            <h2>"Storage"</h2>
            <p data-testid="storage-persistence">{text}</p>
            <Show when=move || state.get() == Persistence::BestEffort>
                <button class="button small secondary" on:click=move |_| ask()>"Ask again"</button>
            </Show>
        </section>
    }
}
