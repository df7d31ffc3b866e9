//! Times as people read them.

/// When a message was written: hours and minutes if today, else its date,
/// in the user's locale.
pub fn when(created_at: u64) -> String {
    use wasm_bindgen::JsValue;
    let date = js_sys::Date::new(&JsValue::from_f64(created_at as f64 * 1000.0));
    let today = js_sys::Date::new_0().to_date_string();
    let text = if date.to_date_string() == today {
        let options = js_sys::Object::new();
        for field in ["hour", "minute"] {
            // Setting a property on a fresh object cannot fail.
            let _ = js_sys::Reflect::set(&options, &field.into(), &"2-digit".into());
        }
        date.to_locale_time_string_with_options("default", &options)
    } else {
        date.to_locale_date_string("default", &JsValue::UNDEFINED)
    };
    text.into()
}
