//! The frame of a screen: its title above what it holds.

use leptos::prelude::*;

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
