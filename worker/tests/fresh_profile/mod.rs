//! Profile ids for browser tests: IndexedDB outlives a test run, so each
//! test opens databases no other test (or earlier run) used.

/// A profile id never used before, starting with `prefix`.
pub fn profile_id(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * 1e12) as u64
    )
}
