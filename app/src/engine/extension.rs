//! The page's side of NIP-07: `window.nostr` exists only in the page, so the
//! engine asks the app to sign, encrypt or decrypt, and the app asks the
//! extension.

use js_sys::{Function, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use flash_protocol::ExtensionCall;

use super::describe;

/// Whether a NIP-07 extension has put `window.nostr` on the page.
pub fn extension_available() -> bool {
    extension().is_ok()
}

/// The extension's public key (hex), after the user allows it.
pub async fn extension_pubkey() -> Result<String, String> {
    let answer = call_method(&extension()?, "getPublicKey", &[]).await?;
    answer
        .as_string()
        .ok_or_else(|| "the extension returned no public key".to_owned())
}

/// Does what the engine asks of the extension; returns its answer or why
/// there is none.
pub async fn ask_extension(call: ExtensionCall) -> Result<String, String> {
    let nostr = extension()?;
    match call {
        ExtensionCall::SignEvent { event } => {
            let unsigned = JSON::parse(&event).map_err(|error| describe(&error))?;
            let signed = call_method(&nostr, "signEvent", &[unsigned]).await?;
            JSON::stringify(&signed)
                .map(String::from)
                .map_err(|error| describe(&error))
        }
        ExtensionCall::Nip44Encrypt { pubkey, plaintext } => {
            encryption(&nostr, "nip44", "encrypt", &pubkey, plaintext.expose()).await
        }
        ExtensionCall::Nip44Decrypt { pubkey, ciphertext } => {
            encryption(&nostr, "nip44", "decrypt", &pubkey, &ciphertext).await
        }
        ExtensionCall::Nip04Encrypt { pubkey, plaintext } => {
            encryption(&nostr, "nip04", "encrypt", &pubkey, plaintext.expose()).await
        }
        ExtensionCall::Nip04Decrypt { pubkey, ciphertext } => {
            encryption(&nostr, "nip04", "decrypt", &pubkey, &ciphertext).await
        }
    }
}

/// `window.nostr[nip][method](pubkey, text)`, which answers a string.
async fn encryption(
    nostr: &JsValue,
    nip: &str,
    method: &str,
    pubkey: &str,
    text: &str,
) -> Result<String, String> {
    let module = Reflect::get(nostr, &JsValue::from_str(nip))
        .ok()
        .filter(JsValue::is_object)
        .ok_or_else(|| format!("the extension does not support {}", nip.to_uppercase()))?;
    let answer = call_method(&module, method, &[pubkey.into(), text.into()]).await?;
    answer
        .as_string()
        .ok_or_else(|| format!("the extension's {nip}.{method} returned no text"))
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
async fn call_method(target: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, String> {
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
