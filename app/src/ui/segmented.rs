//! A row of exclusive choices drawn as segments. Radio buttons underneath,
//! so keyboards and screen readers treat the row as one choice.

use leptos::prelude::*;

/// Choices shown as `(value, label)`; `value` holds the chosen one.
#[component]
pub fn Segmented<T>(
    /// The radio group's name, unique on the screen.
    name: &'static str,
    /// What is being chosen, for screen readers.
    label: &'static str,
    choices: Vec<(T, &'static str)>,
    value: RwSignal<T>,
) -> impl IntoView
where
    T: Copy + PartialEq + Send + Sync + 'static,
{
    view! {
        <div class="segmented" role="radiogroup" aria-label=label>
            {choices.into_iter().map(|(choice, text)| view! {
                <label class="segment">
                    <input type="radio" name=name value=text
                        prop:checked=move || value.get() == choice
                        on:change=move |_| value.set(choice)/>
                    <span>{text}</span>
                </label>
            }).collect_view()}
        </div>
    }
}
