//! A button that copies a text to the clipboard and says it did.

use leptos::prelude::*;

#[component]
pub fn CopyButton(
    text: String,
    /// What the button says before copying.
    label: &'static str,
    /// The button's classes.
    #[prop(default = "button secondary")]
    class: &'static str,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy = move |_| {
        // A refused clipboard leaves the text on screen to copy by hand.
        let _ = window().navigator().clipboard().write_text(&text);
        copied.set(true);
    };
    view! {
        <button class=class type="button" on:click=copy>
            {move || if copied.get() { "Copied" } else { label }}
        </button>
    }
}
