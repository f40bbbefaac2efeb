#!/usr/bin/env bash
# Load benchmark: the release server under wrk (64 connections) on three
# endpoints, one after another, with a fresh SQLite database:
#   bare    GET /healthz                  (does no work: the ceiling)
#   api     GET /api/v1/assistants/       (token auth, rate limiting, a query)
#   chat    PUT /api/v1/chat/{id}/        (retrieval, the model, two writes)
# The model is the mock OpenAI-compatible server of the browser tests
# (end2end/mock-model.mjs) answering at once. For each run it prints req/s,
# p50, p99, errors, and the server's resident memory at the start, middle
# and end of the run and its peak.
#
#   bash .ci/load-bench.sh            # 60 s per endpoint
#   DURATION=20 ENDPOINTS="bare api" bash .ci/load-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/setup.sh

DURATION=${DURATION:-60}
ENDPOINTS=${ENDPOINTS:-bare api chat}
CONNECTIONS=${CONNECTIONS:-64}
PORT=${PORT:-3300}
MODEL_PORT=$((PORT + 1))
BASE="http://127.0.0.1:$PORT"

command -v wrk >/dev/null || apt_install wrk
log "building the release server"
cargo build --release --features ssr --bin aiconvokit

work=$(mktemp -d)
mkdir -p "$work/site/pkg" "$work/data"
cleanup() {
  kill "${server_pid:-}" "${model_pid:-}" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

MOCK_MODEL_PORT=$MODEL_PORT MOCK_MODEL_DELAY_MS=0 node end2end/mock-model.mjs &
model_pid=$!
LEPTOS_SITE_ROOT="$work/site" \
  AICONVOKIT_DATA_DIR="$work/data" \
  AICONVOKIT_EMBEDDING_MODEL=none \
  AICONVOKIT_API_RATE_PER_KEY=1000000000 \
  AICONVOKIT_API_RATE_PER_ADDRESS=1000000000 \
  OPENAI_BASE_URL="http://127.0.0.1:$MODEL_PORT/v1" \
  OPENAI_API_KEY=sk-load-bench \
  RUST_LOG=warn \
  target/release/aiconvokit serve --addr "127.0.0.1:$PORT" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done

log "preparing a user, a key, an assistant with a report, and a chat"
curl -sf -H 'Content-Type: application/json' "$BASE/api/v1/users/" \
  -d '{"username":"load","email":"load@example.com","password":"load-bench-password"}' >/dev/null
token=$(curl -sf -H 'Content-Type: application/json' "$BASE/api/v1/tokens/" \
  -d '{"username":"load","password":"load-bench-password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
auth="Authorization: Token $token"
cat > "$work/report.md" <<'EOF'
# Annual report 2018

## Cash flows

Purchases of property, plant and equipment were $1,577 million in 2018, up
from $1,373 million in 2017. Operating activities provided $6,439 million.

## Dividends

Dividends paid to shareholders were $3,193 million in 2018.
EOF
assistant=$(curl -sf -H "$auth" "$BASE/api/v1/assistants/" \
  -F name=Load -F company_name=Acme -F instructions='Cite pages.' -F "files=@$work/report.md" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
for _ in $(seq 100); do
  curl -sf -H "$auth" "$BASE/api/v1/assistants/$assistant/" | grep -q '"status":"ready"' && break
  sleep 0.1
done
chat=$(curl -sf -H "$auth" -H 'Content-Type: application/json' "$BASE/api/v1/chat/" \
  -d "{\"assistant_id\":$assistant}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
cat > "$work/chat.lua" <<EOF
wrk.method = "PUT"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Token $token"
wrk.body = '{"assistant_id": $assistant, "input": "What were purchases of property, plant and equipment in 2018?"}'
EOF

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status"; }
peak_kb() { awk '/^VmHWM/ {print $2}' "/proc/$server_pid/status"; }

# One wrk run; prints a summary line from wrk's --latency report.
run() {
  local name=$1
  shift
  local start_rss mid_rss
  start_rss=$(rss_kb)
  ( sleep "$((DURATION / 2))"; rss_kb > "$work/mid" ) &
  local sampler=$!
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" > "$work/$name.txt"
  wait "$sampler"
  mid_rss=$(cat "$work/mid")
  python3 - "$work/$name.txt" "$name" "$start_rss" "$mid_rss" "$(rss_kb)" "$(peak_kb)" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
name, start, mid, end, peak = sys.argv[2], *map(int, sys.argv[3:])
def latency(p):
    m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    value, unit = float(m.group(1)), m.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
total = int(re.search(r"(\d+) requests in", text).group(1))
non2xx = int((re.search(r"Non-2xx or 3xx responses: (\d+)", text) or [0, 0])[1])
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
errors = non2xx + (sum(map(int, sock.groups())) if sock else 0)
mb = lambda kb: kb / 1024
print(f"{name:<5} {rps:>9.0f} req/s  p50 {latency(50):6.2f} ms  p99 {latency(99):6.2f} ms  "
      f"errors {errors}/{total}  RSS MB start {mb(start):.0f} mid {mb(mid):.0f} end {mb(end):.0f} peak {mb(peak):.0f}")
PY
}

log "wrk: $CONNECTIONS connections, ${DURATION}s per endpoint"
for endpoint in $ENDPOINTS; do
  case $endpoint in
    bare) run bare "$BASE/healthz" ;;
    api) run api -H "$auth" "$BASE/api/v1/assistants/" ;;
    chat) run chat -s "$work/chat.lua" "$BASE/api/v1/chat/$chat/" ;;
  esac
done
if grep -q ' ERROR ' "$work/server.log"; then
  log "the server logged errors:"
  grep ' ERROR ' "$work/server.log" | head -20
fi
