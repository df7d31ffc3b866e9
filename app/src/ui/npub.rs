//! Showing who the user is: the npub with copy and QR, and an avatar.

use leptos::prelude::*;

use crate::ui::{qr_svg, CopyButton};

/// The user's npub, shortened, with a copy button and a QR code on demand.
#[component]
pub fn Npub(npub: String) -> impl IntoView {
    let show_qr = RwSignal::new(false);
    let short = short_npub(&npub);
    let qr = qr_svg(&npub);
    view! {
        <div class="npub card">
            <Avatar npub=npub.clone()/>
            <div class="npub-text">
                <p class="muted">"Your NOSTR public key"</p>
                <code data-testid="npub" title=npub.clone() data-npub=npub.clone()>{short}</code>
            </div>
            <div class="npub-actions">
                <CopyButton text=npub.clone() label="Copy" class="button small"/>
                <button class="button small secondary" on:click=move |_| show_qr.update(|shown| *shown = !*shown)>"QR"</button>
            </div>
            <Show when=move || show_qr.get()>
                <div class="qr" data-testid="npub-qr" inner_html=qr.clone()></div>
            </Show>
        </div>
    }
}

/// An avatar: a colour from the key. Profile pictures are not loaded: a
/// picture from anywhere would tell its host who looks at it.
#[component]
pub fn Avatar(npub: String) -> impl IntoView {
    // The bech32 data part is uniformly spread, so a few characters make a
    // stable, distinct hue per key.
    let hue = npub
        .bytes()
        .skip(5)
        .take(6)
        .fold(0u32, |hue, byte| (hue * 31 + u32::from(byte)) % 360);
    let class = format!("avatar hue-{}", hue / 30);
    view! { <span class=class aria-hidden="true"></span> }
}

/// An npub shortened for lists and cards: its start and end, which is what
/// people compare; the whole key stays in the element's title.
pub fn short_npub(npub: &str) -> String {
    match (npub.get(..12), npub.get(npub.len().saturating_sub(8)..)) {
        (Some(head), Some(tail)) if npub.len() > 24 => format!("{head}…{tail}"),
        _ => npub.to_owned(),
    }
}
