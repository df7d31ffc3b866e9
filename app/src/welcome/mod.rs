//! Onboarding, shown while this browser has no wallet: create one, restore
//! one from its words, or sign in with a NOSTR extension.

mod extension;
mod import;
mod restore;

use leptos::prelude::*;

use crate::ui::CreateWallet;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Path {
    Choose,
    Create,
    Restore,
    ImportKey,
    ImportBackup,
    RemoteSigner,
    Watch,
}

#[component]
pub fn Welcome() -> impl IntoView {
    let path = RwSignal::new(Path::Choose);
    let back = Callback::new(move |()| path.set(Path::Choose));
    view! {
        {move || match path.get() {
            Path::Choose => view! { <Choose path/> }.into_any(),
            Path::Create => view! { <CreateWallet on_back=back/> }.into_any(),
            Path::Restore => view! { <restore::RestoreWallet on_back=back/> }.into_any(),
            Path::ImportKey => view! { <import::ImportKey on_back=back/> }.into_any(),
            Path::ImportBackup => view! { <import::ImportBackup on_back=back/> }.into_any(),
            Path::RemoteSigner => view! { <import::ConnectRemoteSigner on_back=back/> }.into_any(),
            Path::Watch => view! { <import::WatchNpub on_back=back/> }.into_any(),
        }}
    }
}

#[component]
fn Choose(path: RwSignal<Path>) -> impl IntoView {
    view! {
        <section class="screen welcome">
            <h1>"Welcome to Flash"</h1>
            <p class="muted">
                "Bitcoin, Lightning, eCash and private messages, in your browser. "
                "Your keys stay on this device, encrypted with your passphrase."
            </p>
            <button class="button" on:click=move |_| path.set(Path::Create)>
                "Create a new wallet"
            </button>
            <button class="button secondary" on:click=move |_| path.set(Path::Restore)>
                "Restore from recovery words"
            </button>
            <extension::SignInWithExtension/>
            <details class="more-ways">
                <summary>"Other ways in"</summary>
                <div class="stack">
                    <button class="button secondary" on:click=move |_| path.set(Path::ImportBackup)>
                        "Restore a backup file"
                    </button>
                    <button class="button secondary" on:click=move |_| path.set(Path::RemoteSigner)>
                        "Connect a remote signer (NIP-46)"
                    </button>
                    <button class="button secondary" on:click=move |_| path.set(Path::ImportKey)>
                        "Import a NOSTR key (nsec)"
                    </button>
                    <button class="button secondary" on:click=move |_| path.set(Path::Watch)>
                        "Watch an npub (read-only)"
                    </button>
                </div>
            </details>
        </section>
    }
}
