//! Receive.

use leptos::prelude::*;

use crate::shell::Screen;

#[component]
pub fn Receive() -> impl IntoView {
    view! {
        <Screen title="Receive">
            <p class="muted">"Get paid by Lightning, on-chain or eCash: a QR code and a link to share."</p>
        </Screen>
    }
}
