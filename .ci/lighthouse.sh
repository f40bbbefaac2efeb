#!/usr/bin/env bash
# Lighthouse scores (performance and accessibility, mobile emulation, the
# default) of the landing page, the dashboard, and an assistant's Chat and
# Documents tabs, on the release build with Debian's Chromium. Prints the
# scores; it is a measurement, not a test.
#
#   bash .ci/lighthouse.sh              # builds the release site first
#   NO_BUILD=1 bash .ci/lighthouse.sh   # uses target/release and target/site as they are
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/setup.sh

LIGHTHOUSE_VERSION=13.5.0
TOOLS=$PWD/target/lighthouse
if [ -z "${NO_BUILD:-}" ]; then
    setup_build_tools
    setup_browser_tests
    log "building the site (release)"
    cargo leptos build --release >/dev/null
fi
if [ ! -x "$TOOLS/node_modules/.bin/lighthouse" ] ||
    ! grep -q "\"version\": \"$LIGHTHOUSE_VERSION\"" "$TOOLS/node_modules/lighthouse/package.json"; then
    log "installing lighthouse $LIGHTHOUSE_VERSION from npm into $TOOLS"
    mkdir -p "$TOOLS"
    npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error "lighthouse@$LIGHTHOUSE_VERSION" >/dev/null
fi

work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
LEPTOS_SITE_ROOT=target/site AICONVOKIT_EMBEDDING_MODEL=none RUST_LOG=warn \
    target/release/aiconvokit serve --addr "127.0.0.1:$port" --data-dir "$work/data" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf -o /dev/null "$base/healthz" && break; sleep 0.2; done

password="lighthouse-$RANDOM-$RANDOM"
curl -sf -o /dev/null -X POST "$base/api/v1/users/" -H 'Content-Type: application/json' \
    -d "{\"username\": \"owner\", \"email\": \"owner@example.com\", \"password\": \"$password\"}"
key=$(curl -sf -X POST "$base/api/v1/tokens/" -H 'Content-Type: application/json' \
    -d "{\"username\": \"owner\", \"password\": \"$password\"}" | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
printf '# Annual report 2018\n\nPurchases of property, plant and equipment were $1,577 million in 2018.\n' >"$work/report.md"
assistant=$(curl -sf -X POST "$base/api/v1/assistants/" -H "Authorization: Token $key" \
    -F name="Annual report helper" -F company_name="Acme" -F instructions="Cite pages." -F "files=@$work/report.md" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
# The session cookie of a log-in, as a browser would keep it.
cookie=$(curl -s -o /dev/null -D - -X POST "$base/fn/log_in" -H "Origin: $base" \
    --data-urlencode "username=owner" --data-urlencode "password=$password" |
    awk 'tolower($1) == "set-cookie:" { split($2, part, ";"); print part[1]; exit }')
[ -n "$cookie" ] || { echo "lighthouse: the log-in gave no session cookie" >&2; exit 1; }

printf '%-34s %12s %14s\n' "page" "performance" "accessibility"
for path in / /dashboard "/assistants/$assistant" "/assistants/$assistant/documents"; do
    out="$work/report.json"
    headers=$([ "$path" = / ] && echo '{}' || printf '{"Cookie": "%s"}' "$cookie")
    CHROME_PATH=${CHROMIUM_PATH:-/usr/bin/chromium} "$TOOLS/node_modules/.bin/lighthouse" "$base$path" \
        --only-categories=performance,accessibility --output=json --output-path="$out" --quiet \
        --extra-headers="$headers" \
        --chrome-flags="--headless=new --no-sandbox --disable-gpu" >/dev/null 2>"$work/lighthouse.log" || {
        echo "lighthouse failed on $path:" >&2
        tail -5 "$work/lighthouse.log" >&2
        exit 1
    }
    python3 - "$out" "$path" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
scores = {name: round(category["score"] * 100) for name, category in report["categories"].items()}
print(f"{sys.argv[2]:<34} {scores['performance']:>12} {scores['accessibility']:>14}")
PY
done
