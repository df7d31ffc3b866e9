//! Light, dark, or whatever the system prefers. The choice is a display
//! preference, not a secret, so it lives in `localStorage`.

use leptos::prelude::*;

const STORAGE_KEY: &str = "flash.theme";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    System,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    pub fn label(self) -> &'static str {
        match self {
            Theme::System => "System",
            Theme::Light => "Light",
            Theme::Dark => "Dark",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    fn from_key(key: &str) -> Self {
        Theme::ALL
            .into_iter()
            .find(|theme| theme.key() == key)
            .unwrap_or(Theme::System)
    }
}

/// The saved theme, applied to the page now and whenever it changes.
pub fn provide_theme() -> RwSignal<Theme> {
    let saved = storage()
        .and_then(|storage| storage.get_item(STORAGE_KEY).ok().flatten())
        .map_or(Theme::System, |key| Theme::from_key(&key));
    let theme = RwSignal::new(saved);
    Effect::new(move |_| apply(theme.get()));
    provide_context(theme);
    theme
}

pub fn use_theme() -> RwSignal<Theme> {
    expect_context::<RwSignal<Theme>>()
}

/// `style/main.css` reads `data-theme` on `<html>`; without it the system wins.
fn apply(theme: Theme) {
    let Some(root) = document().document_element() else {
        return;
    };
    let _ = match theme {
        Theme::System => root.remove_attribute("data-theme"),
        chosen => root.set_attribute("data-theme", chosen.key()),
    };
    if let Some(storage) = storage() {
        // Storage can be full or disabled; the theme still applies this session.
        let _ = storage.set_item(STORAGE_KEY, theme.key());
    }
}

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}
