#!/usr/bin/env bash
# Builds the app and runs it locally: `server --dev` prints the URL to open.
# Extra arguments go to the server, e.g. `scripts/dev.sh --listen 0.0.0.0:8080 --dev-public` (a public address needs `--dev-public`: the dev mint issues free eCash).
set -euo pipefail
source "$(dirname "$0")/setup.sh"
setup_all
phase "build the app (trunk, release)" build_app
phase "build the server" build_server
exec "$CARGO_TARGET_DIR/debug/server" --dev --dist "$FLASH_ROOT/dist" "$@"
