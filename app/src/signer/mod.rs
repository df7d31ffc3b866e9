//! The page's side of NIP-07: `window.nostr` exists only in the page, so the
//! engine asks the app to sign and the app asks the extension.

use js_sys::{Function, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::engine::describe;

/// Whether a NIP-07 extension has put `window.nostr` on the page.
pub fn extension_available() -> bool {
    extension().is_ok()
}

/// The extension's public key (hex), after the user allows it.
pub async fn extension_pubkey() -> Result<String, String> {
    let answer = call(&extension()?, "getPublicKey", &[]).await?;
    answer
        .as_string()
        .ok_or_else(|| "the extension returned no public key".to_owned())
}

/// Has the extension sign `event` (JSON of an unsigned event); returns the
/// signed event's JSON or why it was not signed.
pub async fn sign_with_extension(event: &str) -> Result<String, String> {
    let unsigned = JSON::parse(event).map_err(|error| describe(&error))?;
    let signed = call(&extension()?, "signEvent", &[unsigned]).await?;
    JSON::stringify(&signed)
        .map(String::from)
        .map_err(|error| describe(&error))
}

fn extension() -> Result<JsValue, String> {
    let nostr =
        Reflect::get(&window(), &JsValue::from_str("nostr")).map_err(|error| describe(&error))?;
    if nostr.is_object() {
        Ok(nostr)
    } else {
        Err("no NOSTR extension (NIP-07) found in this browser".to_owned())
    }
}

/// Calls `target[method](...args)` and awaits the promise it returns.
async fn call(target: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, String> {
    let function: Function = Reflect::get(target, &JsValue::from_str(method))
        .ok()
        .and_then(|value| value.dyn_into().ok())
        .ok_or_else(|| format!("the extension has no {method}()"))?;
    let arguments: js_sys::Array = args.iter().collect();
    let returned = function
        .apply(target, &arguments)
        .map_err(|error| describe(&error))?;
    JsFuture::from(Promise::resolve(&returned))
        .await
        .map_err(|error| describe(&error))
}

fn window() -> web_sys::Window {
    leptos::prelude::window()
}
