#!/usr/bin/env bash
# Measures NOSTR event verification and NIP-17 unwrapping in headless
# Chromium: the engine (its wasm, release, in a dedicated worker:
# worker/tests/bench_nostr.rs) against nostr-tools and nostr-wasm in a page
# (tests/bench/nostr-verify.mjs), on the same events, signed by
# tests/bench/nostr-events.mjs. Prints figures and their ratios; asserts only
# that every event verifies and every message opens.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$FLASH_ROOT"

phase "Debian packages" install_debian_packages
phase "Rust tools (wasm32 target, wasm-bindgen)" install_rust_tools
phase "npm packages" install_npm_packages

out="$CARGO_TARGET_DIR/bench-nostr"
mkdir -p "$out"
# The worker's benchmark includes this file when it is compiled.
export FLASH_BENCH_NOSTR_EVENTS="$out/events.json"
phase "sign the events (nostr-tools)" node tests/bench/nostr-events.mjs "$FLASH_BENCH_NOSTR_EVENTS"

# --nocapture shows the figures the test logs; --include-ignored runs it
# (it is a measurement). Each test takes longer than the runner's default
# 20 s limit.
run_worker() {
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    WASM_BINDGEN_TEST_TIMEOUT=600 \
    CHROMEDRIVER=/usr/bin/chromedriver \
    WASM_BINDGEN_TEST_WEBDRIVER_JSON="$FLASH_ROOT/tests/webdriver.json" \
    cargo test --release -p flash-worker --target wasm32-unknown-unknown --features bench-nostr \
    --test bench_nostr -- --include-ignored --nocapture | tee "$out/worker.txt"
}
phase "the worker (release, headless Chromium)" run_worker
phase "nostr-tools and nostr-wasm (headless Chromium)" \
  node tests/bench/nostr-verify.mjs "$FLASH_BENCH_NOSTR_EVENTS" "$out/worker.txt"
