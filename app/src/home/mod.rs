//! Home: balances at a glance and the ways in and out.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::shell::Screen;

#[component]
pub fn Home() -> impl IntoView {
    view! {
        <Screen title="Home">
            <section class="card balance" aria-label="Balance">
                <p class="muted">"Total balance"</p>
                <p class="amount">"0 " <span class="unit">"sats"</span></p>
            </section>
            <div class="actions">
                <A href="/send" attr:class="button">"Send"</A>
                <A href="/receive" attr:class="button">"Receive"</A>
            </div>
        </Screen>
    }
}
