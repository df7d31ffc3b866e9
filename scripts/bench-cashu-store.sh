#!/usr/bin/env bash
# Measures the eCash store on IndexedDB, in a dedicated worker in headless
# Chromium: 1,000 proofs added in one write and in 1,000 writes, the store
# reopened over them, and proofs selected as before a send. Prints figures.
#
#   scripts/bench-cashu-store.sh            # test profile (what CI runs)
#   scripts/bench-cashu-store.sh --release  # shipped profile (-Oz, LTO; long first build)
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$FLASH_ROOT"

phase "Debian packages" install_debian_packages
phase "Rust tools (wasm32 target, trunk, wasm-bindgen)" install_rust_tools

profile=()
case ${1:-} in
  --release) profile=(--release) ;;
  "") ;;
  *) echo "usage: $0 [--release]" >&2; exit 2 ;;
esac
# --nocapture: the runner shows the test's console output, the figures.
phase "eCash store benchmark (headless Chromium)" \
  cargo_browser_test "${profile[@]}" --test bench_cashu_store -- --nocapture
