#!/usr/bin/env bash
# Trunk post_build hook (see Trunk.toml); runs inside the staging directory's
# parent with TRUNK_STAGING_DIR set.
#  1. Fills sw.js with the app shell to precache and a build version that
#     changes whenever any shipped file does.
#  2. In release builds, writes .br and .gz siblings of the large text and
#     wasm files, which the server sends to browsers that accept them.
set -euo pipefail
cd "${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}"

shell_files=$(find . -type f ! -name sw.js ! -name '*.br' ! -name '*.gz' | sed 's|^\./|/|' | LC_ALL=C sort)
version=$(printf '%s\n' $shell_files | while read -r f; do sha256sum ".$f"; done | sha256sum | cut -c1-16)
precache=$(printf '%s\n' $shell_files | sed 's/.*/"&"/' | paste -sd, -)
sed -i -e "s|__FLASH_BUILD_VERSION__|$version|" -e "s|\"__FLASH_PRECACHE__\"|$precache|" sw.js

# Compressed copies are cached by content ($FLASH_CACHE/compressed): brotli
# --best takes seconds on each wasm file, and an unchanged build gives the
# same bytes.
compress() {
  local file=$1 cache=${FLASH_CACHE:-$HOME/.cache/flash-web}/compressed key
  key=$(sha256sum "$file" | cut -d' ' -f1)
  mkdir -p "$cache"
  if [ ! -f "$cache/$key.br" ]; then
    brotli --force --best --stdout "$file" > "$cache/$key.br.tmp.$$" && mv "$cache/$key.br.tmp.$$" "$cache/$key.br"
  fi
  if [ ! -f "$cache/$key.gz" ]; then
    gzip --force --best --stdout "$file" > "$cache/$key.gz.tmp.$$" && mv "$cache/$key.gz.tmp.$$" "$cache/$key.gz"
  fi
  cp "$cache/$key.br" "$file.br"
  cp "$cache/$key.gz" "$file.gz"
}

if [ "${TRUNK_PROFILE:-debug}" = release ]; then
  find . -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.webmanifest' \) -size +1k -print0 |
    while IFS= read -r -d '' file; do compress "$file"; done
  # Keep the cache small: what the last few builds produced.
  find "${FLASH_CACHE:-$HOME/.cache/flash-web}/compressed" -type f -mtime +7 -delete 2>/dev/null || true
fi
