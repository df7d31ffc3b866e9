#!/usr/bin/env bash
# Measures the Lightning accounts on loopback, in one process, on SQLite and
# on a throwaway PostgreSQL: create-invoice p50/p99, and internal payments
# per second with p50/p99 at 1, 10 and 100 concurrent payers (release build).
# Prints figures.
#
#   scripts/bench-accounts.sh
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$FLASH_ROOT"

phase "Debian packages" install_debian_packages
phase "accounts benchmark (release; SQLite, then PostgreSQL)" \
  pg_virtualenv cargo run --release -p flash-server --example bench_accounts
