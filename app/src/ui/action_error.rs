//! The last error of an action, shown where the action is.

use std::fmt::Display;

use leptos::prelude::*;

/// The last error of `action`, as a sentence for the user.
#[component]
pub fn ActionError<I, T, E>(action: Action<I, Result<T, E>>) -> impl IntoView
where
    I: Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
    E: Display + Clone + Send + Sync + 'static,
{
    move || match action.value().get() {
        Some(Err(error)) => Some(view! { <p class="error" role="alert">{error.to_string()}</p> }),
        _ => None,
    }
}
