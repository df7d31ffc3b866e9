//! The last error of an action, shown where the action is, or beside the
//! input it names.

use flash_protocol::{EngineError, Field};
use leptos::prelude::*;

use crate::engine::RequestError;

/// The last error of `action`, as a sentence for the user; one naming the
/// input `beside` is left to that input's [`FieldError`].
#[component]
pub fn ActionError<I, T>(
    action: Action<I, Result<T, RequestError>>,
    #[prop(optional)] beside: Option<Field>,
) -> impl IntoView
where
    I: Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
{
    move || match action.value().get() {
        Some(Err(error)) if beside.is_none() || refused_field(&error) != beside => {
            Some(view! { <p class="error" role="alert">{error.to_string()}</p> })
        }
        _ => None,
    }
}

/// The last error of `action` when it names the input `field`, shown
/// beside that input: `id` is what the input's `aria-describedby` names.
#[component]
pub fn FieldError<I, T>(
    action: Action<I, Result<T, RequestError>>,
    field: Field,
    id: &'static str,
) -> impl IntoView
where
    I: Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
{
    move || match action.value().get() {
        Some(Err(error)) if refused_field(&error) == Some(field) => {
            Some(view! { <p class="error" role="alert" id=id>{error.to_string()}</p> })
        }
        _ => None,
    }
}

/// Whether the last error of `action` names the input `field`.
pub fn refuses<I, T>(action: Action<I, Result<T, RequestError>>, field: Field) -> bool
where
    I: Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
{
    matches!(action.value().get(), Some(Err(error)) if refused_field(&error) == Some(field))
}

/// The input the engine said is wrong, when it said.
fn refused_field(error: &RequestError) -> Option<Field> {
    match error {
        RequestError::Engine(EngineError::Invalid { field, .. }) => *field,
        _ => None,
    }
}
