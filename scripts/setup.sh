#!/usr/bin/env bash
# Sourced by scripts/dev.sh and scripts/test.sh: installs whatever is missing
# on a Debian machine with the Rust toolchain, and keeps every build product
# and tool in a cache outside the clone ($FLASH_CACHE) so later runs are fast.
# Nothing is downloaded outside crates.io, Debian's packages and npm.

FLASH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export FLASH_CACHE=${FLASH_CACHE:-$HOME/.cache/flash-web}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$FLASH_CACHE/target}
# scripts/shims first: its wasm-opt reuses the result for an unchanged input.
export PATH="$FLASH_ROOT/scripts/shims:$FLASH_CACHE/tools/bin:$PATH"
# Every clone builds its own copy of the workspace crates in the shared target
# dir; incremental caches for those would only fill the disk (several GiB a
# clone) without ever being reused.
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}

TRUNK_VERSION=0.21.14   # 0.22 needs a newer rustc than this toolchain.
WASM_OPT_VERSION=0.116.1   # binaryen 116, built from crates.io (see install_rust_tools).
# protobuf-compiler: cdk's mint (the dev mint) compiles its signatory's gRPC protocol.
# postgresql: the accounts ledger's tests run on a throwaway cluster (pg_virtualenv).
DEBIAN_PACKAGES=(clang lld llvm brotli chromium chromium-driver protobuf-compiler postgresql nodejs npm)

# Prints how long each phase took, so slow steps are easy to spot.
phase() {
  local name=$1; shift
  local start=$SECONDS
  echo "==> $name"
  "$@"
  local status=$?
  printf '==> %s: %ss\n' "$name" "$((SECONDS - start))"
  return $status
}

install_debian_packages() {
  local missing=()
  for package in "${DEBIAN_PACKAGES[@]}"; do
    # node and npm may come from elsewhere; only install them when absent.
    case $package in nodejs) command -v node >/dev/null && continue ;; npm) command -v npm >/dev/null && continue ;; esac
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# `cargo install`s one tool into the tool cache, its output in a log (printed
# if it fails), and prints how long it took. The tools are built with cheaper
# release settings than their own (no LTO, 16 codegen units): they only run on
# this machine, and these settings never reach the app's own builds. Each
# install gets a temporary target dir of its own, so they can run at once.
install_tool() {
  local name=$1; shift
  local log="$FLASH_CACHE/tools/logs/$name.log" start=$SECONDS status=0
  mkdir -p "$FLASH_CACHE/tools/logs"
  (
    unset CARGO_TARGET_DIR
    export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
      CARGO_PROFILE_RELEASE_DEBUG=false
    "$@"
  ) >"$log" 2>&1 || status=$?
  if [ $status -ne 0 ]; then
    echo "installing $name failed (log: $log):" >&2
    tail -n 40 "$log" >&2
  fi
  printf '    %s: %ss%s\n' "$name" "$((SECONDS - start))" "$([ $status -eq 0 ] || echo ' (failed)')"
  return $status
}

install_wasm_bindgen() {
  local version=$1
  # Its own lockfile can name a dependency version the registry has since
  # yanked; then let cargo choose compatible versions.
  cargo install wasm-bindgen-cli --version "$version" --locked --root "$FLASH_CACHE/tools" ||
    cargo install wasm-bindgen-cli --version "$version" --root "$FLASH_CACHE/tools"
}

install_rust_tools() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
  # The missing tools are built at the same time (each is mostly one long
  # serial step: a link with LTO, binaryen's C++), then all are waited for.
  local pids=()
  if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
    install_tool trunk cargo install trunk --version "$TRUNK_VERSION" --locked --no-default-features \
      --features rustls --root "$FLASH_CACHE/tools" &
    pids+=($!)
  fi
  # Debian bookworm's binaryen (108) writes wasm-bindgen's externref table as
  # anyref, which browsers reject at start-up; binaryen 116 from crates.io
  # handles it. It builds binaryen's C++ once, into the tool cache.
  # (`wasm-opt` here is scripts/shims/wasm-opt, which runs the cached one.)
  if [ "$(wasm-opt --version 2>/dev/null)" != "wasm-opt version 116 (version_116)" ]; then
    install_tool wasm-opt cargo install wasm-opt --version "$WASM_OPT_VERSION" --locked \
      --root "$FLASH_CACHE/tools" &
    pids+=($!)
  fi
  # wasm-bindgen's CLI must match the library version in Cargo.lock exactly.
  local bindgen
  bindgen=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$FLASH_ROOT/Cargo.lock")
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $bindgen" ]; then
    install_tool wasm-bindgen-cli install_wasm_bindgen "$bindgen" &
    pids+=($!)
  fi
  local failed=0 i
  for i in "${!pids[@]}"; do
    wait "${pids[i]}" || failed=1
  done
  return $failed
}

install_npm_packages() {
  # Playwright drives Debian's /usr/bin/chromium; it never downloads a browser.
  local stamp="$FLASH_ROOT/tests/node_modules/.package-lock.sha256"
  local want; want=$(sha256sum "$FLASH_ROOT/tests/package-lock.json" | cut -d' ' -f1)
  [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && return 0
  (cd "$FLASH_ROOT/tests" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) &&
    echo "$want" > "$stamp"
}

build_app() {
  (cd "$FLASH_ROOT" && trunk build --release --offline)
}

build_server() {
  cargo build --manifest-path "$FLASH_ROOT/Cargo.toml" -p flash-server
}

# Runs the worker's wasm32 tests in headless Chromium (wasm-bindgen-test,
# in a dedicated worker) with Debian's chromium and chromedriver; arguments
# go to `cargo test`.
cargo_browser_test() {
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    CHROMEDRIVER=/usr/bin/chromedriver \
    WASM_BINDGEN_TEST_WEBDRIVER_JSON="$FLASH_ROOT/tests/webdriver.json" \
    cargo test -p flash-worker --target wasm32-unknown-unknown "$@"
}

setup_all() {
  phase "Debian packages" install_debian_packages &&
    phase "Rust tools (wasm32 target, trunk, wasm-bindgen)" install_rust_tools &&
    phase "npm packages" install_npm_packages
}
