#!/usr/bin/env bash
# What a browser downloads on the first load of any page: the release
# build's WebAssembly (the pages' islands), JavaScript and CSS, raw and
# gzip-compressed (as the server sends them), against the budget of 350 KB
# gzipped in all. Every page loads the same three files.
#
#   bash .ci/sizes.sh              # builds the release site first
#   NO_BUILD=1 bash .ci/sizes.sh   # measures target/site as it is
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/setup.sh

BUDGET_KB=${BUDGET_KB:-350}
if [ -z "${NO_BUILD:-}" ]; then
    setup_build_tools
    log "building the site (release)"
    cargo leptos build --release >/dev/null
fi
pkg=target/site/pkg
[ -d "$pkg" ] || { echo "sizes: $pkg is missing: cargo leptos build --release" >&2; exit 2; }

total_raw=0
total_gz=0
printf '%-28s %12s %12s\n' "file" "bytes" "gzip bytes"
for file in "$pkg"/*.wasm "$pkg"/*.js "$pkg"/*.css; do
    [ -f "$file" ] || continue
    raw=$(stat -c %s "$file")
    gz=$(gzip -9 -c "$file" | wc -c)
    total_raw=$((total_raw + raw))
    total_gz=$((total_gz + gz))
    printf '%-28s %12d %12d\n' "$(basename "$file")" "$raw" "$gz"
done
printf '%-28s %12d %12d\n' "total" "$total_raw" "$total_gz"
verdict="within the budget"
[ $((total_gz / 1024)) -le "$BUDGET_KB" ] || verdict="OVER the budget"
printf 'first load of any page: %d KB gzipped, %s of %d KB\n' $((total_gz / 1024)) "$verdict" "$BUDGET_KB"
