#!/usr/bin/env bash
# Measures the IndexedDB event store (worker/src/events) in a dedicated
# worker in headless Chromium, built as shipped (release): ingest rate of
# 10,000 signed events, opening the filled database, and the newest 50
# private messages by `#p` among them. Prints figures; asserts only that the
# answers are right (worker/tests/bench_event_store.rs).
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$FLASH_ROOT"

phase "Debian packages" install_debian_packages
phase "Rust tools (wasm32 target, wasm-bindgen)" install_rust_tools

# --nocapture shows the figures the test logs; --include-ignored runs it
# (the ordinary test run skips measurements).
run_bench() {
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    CHROMEDRIVER=/usr/bin/chromedriver \
    WASM_BINDGEN_TEST_WEBDRIVER_JSON="$FLASH_ROOT/tests/webdriver.json" \
    cargo test --release -p flash-worker --target wasm32-unknown-unknown \
    --test bench_event_store -- --include-ignored --nocapture
}
phase "event store benchmark (release, headless Chromium)" run_bench
