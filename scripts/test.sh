#!/usr/bin/env bash
# Runs every test: native Rust tests, the engine's browser glue in headless
# Chromium (wasm-bindgen-test), and end-to-end tests with Playwright against
# `server --dev` serving a release build.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$FLASH_ROOT"
total_start=$SECONDS

setup_all

phase "format check" cargo fmt --all --check

# Guard rails: the workspace lints (Cargo.toml) and every clippy warning, for
# the native build and for the engine and app as they ship (wasm32).
phase "clippy (native)" cargo clippy --workspace --all-targets -- -D warnings
phase "clippy (wasm32)" cargo clippy -p flash-worker -p flash-app --target wasm32-unknown-unknown --all-targets -- -D warnings

# Under a throwaway PostgreSQL cluster (pg_virtualenv sets PG*), so the
# server's ledger tests run on PostgreSQL as well as SQLite; `required` makes
# a missing cluster a failure rather than a skip.
phase "native tests (cargo test, with a throwaway PostgreSQL)" \
    env FLASH_TEST_POSTGRES=required pg_virtualenv cargo test --workspace --exclude flash-app

# The library's own tests and the one browser test binary (tests/browser/);
# the benchmarks are run by their scripts.
phase "engine browser tests (wasm-bindgen-test, headless Chromium)" cargo_browser_test --lib --test browser

phase "build the app (trunk, release)" build_app
phase "build the server" build_server

run_e2e() {
  (cd tests && FLASH_SERVER_BIN="$CARGO_TARGET_DIR/debug/server" FLASH_DIST="$FLASH_ROOT/dist" \
    npx playwright test)
}
phase "end-to-end tests (Playwright, Chromium)" run_e2e

printf '==> all tests passed in %ss\n' "$((SECONDS - total_start))"
