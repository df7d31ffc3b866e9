//! Send.

use leptos::prelude::*;

use crate::shell::Screen;

#[component]
pub fn Send() -> impl IntoView {
    view! {
        <Screen title="Send">
            <p class="muted">"Pay a Lightning invoice, a Lightning address, a Bitcoin address or send eCash."</p>
        </Screen>
    }
}
