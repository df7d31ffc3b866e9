//! Cards.

use leptos::prelude::*;

use crate::ui::Screen;

#[component]
pub fn Cards() -> impl IntoView {
    view! {
        <Screen title="Cards">
            <p class="muted">"Flash Cards: link a card, top it up and see its payments."</p>
        </Screen>
    }
}
