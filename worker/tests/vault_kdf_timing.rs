//! Measures Argon2id with the default parameters (median of 5), to check
//! the reasoning on `KdfParams::DEFAULT_M_COST_KIB`. Prints, asserts nothing
//! about time.
//!
//! - headless Chromium: runs with the browser tests;
//! - native: `cargo test --release -p flash-worker --test vault_kdf_timing
//!   -- --ignored --nocapture`.
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flash_worker::vault::seal::derive_key;
use flash_worker::vault::KdfParams;

const RUNS: usize = 5;

/// Median time of [`RUNS`] derivations, in milliseconds, with `now_ms` as
/// the clock.
fn median_ms(params: &KdfParams, now_ms: impl Fn() -> f64) -> f64 {
    let mut times: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = now_ms();
            derive_key("correct horse battery staple", params).unwrap();
            now_ms() - start
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[RUNS / 2]
}

fn describe(params: &KdfParams, ms: f64) -> String {
    format!(
        "Argon2id m = {} MiB, t = {}, p = {}: median {ms:.0} ms of {RUNS}",
        params.m_cost_kib / 1024,
        params.t_cost,
        params.p_cost
    )
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
#[ignore = "a measurement: run with --release -- --ignored --nocapture"]
fn argon2id_default_parameters_native() {
    let start = std::time::Instant::now();
    let params = KdfParams::recommended().unwrap();
    let ms = median_ms(&params, || start.elapsed().as_secs_f64() * 1e3);
    println!("native: {}", describe(&params, ms));
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use super::*;
    use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

    wasm_bindgen_test_configure!(run_in_dedicated_worker);

    #[wasm_bindgen_test]
    fn argon2id_default_parameters_in_a_worker() {
        let params = KdfParams::recommended().unwrap();
        let ms = median_ms(&params, js_sys::Date::now);
        console_log!("wasm32 worker: {}", describe(&params, ms));
    }
}
