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

if [ "${TRUNK_PROFILE:-debug}" = release ]; then
  find . -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.webmanifest' \) -size +1k \
    -exec brotli --force --best --keep {} \; -exec gzip --force --best --keep {} \;
fi
