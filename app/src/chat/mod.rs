//! Chat.

use leptos::prelude::*;

use crate::shell::Screen;

#[component]
pub fn Chat() -> impl IntoView {
    view! {
        <Screen title="Chat">
            <p class="muted">"Private messages and group chats over NOSTR, end-to-end encrypted."</p>
        </Screen>
    }
}
