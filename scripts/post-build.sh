#!/usr/bin/env bash
# Trunk post_build hook (see Trunk.toml); runs inside the staging directory's
# parent with TRUNK_STAGING_DIR set.
#  1. Gives the engine's files (which Trunk leaves under fixed names) names
#     that carry their content's hash, and writes those names into the files
#     that load them, so a cache can never pair one build's app with
#     another's engine.
#  2. Fills sw.js with the app shell to precache and a build version that
#     changes whenever any shipped file does.
#  3. In release builds, writes .br and .gz siblings of the large text and
#     wasm files, which the server sends to browsers that accept them.
set -euo pipefail
cd "${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}"

# Replaces the placeholder $2 in file $1 with $3; a missing placeholder is an
# error, not a build that silently ships it.
fill() {
  grep -qF -- "$2" "$1" || { echo "post-build: $2 not found in $1" >&2; return 1; }
  sed -i "s|$2|$3|g" "$1"
}

# Renames file $1, whose name ends in $2, to stem-HASH$2 (the first 16 hex
# digits of its SHA-256, which the server caches as immutable) and prints the
# new name.
hash_name() {
  local name
  name="${1%"$2"}-$(sha256sum "$1" | cut -c1-16)$2"
  mv "$1" "$name"
  echo "$name"
}

# The wasm and its glue first, then the loader that names them, then the
# page that names the loader: each name covers everything below it.
engine_wasm=$(hash_name flash-worker_bg.wasm _bg.wasm)
engine_glue=$(hash_name flash-worker.js .js)
fill engine.js __FLASH_ENGINE_GLUE__ "./$engine_glue"
fill engine.js __FLASH_ENGINE_WASM__ "./$engine_wasm"
fill index.html __FLASH_ENGINE__ "/$(hash_name engine.js .js)"

shell_files=$(find . -type f ! -name sw.js ! -name '*.br' ! -name '*.gz' | sed 's|^\./|/|' | LC_ALL=C sort)
version=$(printf '%s\n' $shell_files | while read -r f; do sha256sum ".$f"; done | sha256sum | cut -c1-16)
precache=$(printf '%s\n' $shell_files | sed 's/.*/"&"/' | paste -sd, -)
fill sw.js __FLASH_BUILD_VERSION__ "$version"
fill sw.js '"__FLASH_PRECACHE__"' "$precache"

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
