#!/usr/bin/env bash
# Fuzzes the running API against its own description with schemathesis:
# every operation of /api/v1/openapi.json (the OpenAI-compatible /v1
# included), with valid and invalid data, all
# checks, and the stateful phase following the description's links
# (create an assistant -> get, change, search, delete it; start a chat ->
# ask in it, delete it).
#
# Needs the debug binary (cargo build --features ssr --bin aiconvokit) and
# python3.11 (schemathesis is installed into target/schemathesis-venv, from
# PyPI, the first time). Prints how many operations and cases ran; exits
# non-zero when any check failed. Extra arguments go to `schemathesis run`.
#
#   bash .ci/schemathesis.sh                 # 30 cases per operation
#   MAX_EXAMPLES=100 bash .ci/schemathesis.sh
set -euo pipefail

cd "$(dirname "$0")/.."
SCHEMATHESIS_VERSION=4.32.5
VENV=$PWD/target/schemathesis-venv
BIN=$PWD/target/debug/aiconvokit
MAX_EXAMPLES=${MAX_EXAMPLES:-30}
PYTHON=${PYTHON:-python3.11}

if [ ! -x "$BIN" ]; then
    echo "schemathesis: $BIN is missing: cargo build --features ssr --bin aiconvokit" >&2
    exit 2
fi
if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
    echo "schemathesis: installing schemathesis==$SCHEMATHESIS_VERSION into $VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

WORK=$(mktemp -d)
PORT=$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
SERVER=""
cleanup() {
    if [ -n "$SERVER" ]; then
        kill "$SERVER" 2>/dev/null || true
        wait "$SERVER" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
# The API needs no built site: an empty one lets this run before
# `cargo leptos build`.
mkdir -p "$WORK/site/pkg"

# Rate limits high enough not to turn the run into a test of 429s.
LEPTOS_SITE_ROOT="$WORK/site" AICONVOKIT_EMBEDDING_MODEL=none RUST_LOG=${RUST_LOG:-warn} \
    AICONVOKIT_API_RATE_PER_KEY=1000000 AICONVOKIT_API_RATE_PER_ADDRESS=1000000 \
    AICONVOKIT_LOGIN_ATTEMPTS_PER_HOUR=1000000 AICONVOKIT_LOGIN_ATTEMPTS_PER_ADDRESS_PER_HOUR=1000000 \
    "$BIN" serve --addr "127.0.0.1:$PORT" --data-dir "$WORK/data" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do
    curl -sf -o /dev/null "$BASE/api/v1/openapi.json" && break
    if ! kill -0 "$SERVER" 2>/dev/null; then
        echo "schemathesis: the server did not start:" >&2
        cat "$WORK/server.log" >&2
        exit 1
    fi
    sleep 0.2
done

PASSWORD="schemathesis-$RANDOM-$RANDOM"
curl -sf -o /dev/null -X POST "$BASE/api/v1/users/" -H 'Content-Type: application/json' \
    -d "{\"username\": \"fuzzer\", \"email\": \"fuzzer@example.com\", \"password\": \"$PASSWORD\"}"
KEY=$(curl -sf -X POST "$BASE/api/v1/tokens/" -H 'Content-Type: application/json' \
    -d "{\"username\": \"fuzzer\", \"password\": \"$PASSWORD\"}" |
    "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["token"])')

# `DELETE /api/v1/tokens/` would revoke the key the rest of the run uses: it
# runs with a key of its own, made for each case by the hook below.
export SCHEMATHESIS_HOOKS=schemathesis_hooks
export PYTHONPATH="$WORK"
export FUZZ_BASE="$BASE" FUZZ_PASSWORD="$PASSWORD" FUZZ_KEY="$KEY" FUZZ_AUTHORIZATION="Token $KEY"
# The key goes through the description's `token` scheme rather than a fixed
# header, so the auth checks can take it away.
cat >"$WORK/schemathesis.toml" <<'EOF'
[auth.openapi.token]
api_key = "${FUZZ_AUTHORIZATION}"

# The OpenAI-compatible `/v1` takes the same key as a bearer token.
[auth.openapi.bearer]
bearer = "${FUZZ_KEY}"

# Multipart bodies with extra fields of arbitrary names are malformed as
# the fuzzer writes them (names with quotes and line breaks).
[generation]
allow-extra-parameters = false
database = "none"

# Schema-valid requests that these operations refuse for reasons no schema
# can say: a username or email already taken, a wrong password, an
# assistant id that is not the caller's, a file whose content is not a
# supported document (formats are recognised from the bytes) or is empty.
[[operations]]
include-operation-id = "create_user"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "429"]

[[operations]]
include-operation-id = "create_token"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "429"]

[[operations]]
include-operation-id = "create_chat"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "429"]

[[operations]]
include-operation-id = "ask"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "404"]

[[operations]]
include-operation-id-regex = "^(create_assistant|replace_assistant|patch_assistant|upload_documents)$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "404", "415"]

# A model is one of the caller's assistants, by an id no schema can know;
# a conversation must end with the question (a user message).
[[operations]]
include-operation-id = "get_model"
checks.positive_data_acceptance.expected-statuses = ["2xx", "404"]

[[operations]]
include-operation-id = "create_chat_completion"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "404"]

# Only an answer can be rated (a failed question is a 400); a range's
# dates can be reversed or too far apart; a period is 7, 30 or 90 days.
[[operations]]
include-operation-id-regex = "^(rate_message|withdraw_feedback|export_conversations|get_analytics)$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "404"]

# A web source's address must resolve, and to a public address (which
# hosts exist no schema can say); an assistant has at most 20 sources.
[[operations]]
include-operation-id = "add_source"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "404"]

# A test question names one of the assistant's documents (by a name no
# schema can know) and is not already in the set; an import's CSV is
# checked row by row; a run needs questions.
[[operations]]
include-operation-id-regex = "^(add_eval_question|replace_eval_question|import_eval_questions|start_eval_run)$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "404"]
EOF
cat >"$WORK/schemathesis_hooks.py" <<'EOF'
import ast
import json
import os
import threading
import urllib.request

import schemathesis

# CPython 3.11's ast.parse can fail with "SystemError: AST constructor
# recursion depth mismatch" when parses overlap on several threads, as
# hypothesis's (describing lambdas) do while schemathesis runs its phases:
# one parse at a time.
_parse = ast.parse
_parse_lock = threading.Lock()


def _parse_alone(*args, **kwargs):
    with _parse_lock:
        return _parse(*args, **kwargs)


ast.parse = _parse_alone


def fresh_key():
    request = urllib.request.Request(
        os.environ["FUZZ_BASE"] + "/api/v1/tokens/",
        data=json.dumps({"username": "fuzzer", "password": os.environ["FUZZ_PASSWORD"]}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)["token"]


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    if case.operation.method.upper() != "DELETE" or case.operation.path != "/api/v1/tokens/":
        return
    headers = case.headers or {}
    if headers.get("Authorization") != "Token " + os.environ["FUZZ_KEY"]:
        return
    # A negative case on this header sends it garbled or not at all: leave it.
    meta = case.meta
    if meta is not None and meta.generation.mode.is_negative:
        parameter = getattr(meta.phase.data, "parameter", None)
        if parameter is not None and parameter.lower() == "authorization":
            return
    headers["Authorization"] = "Token " + fresh_key()
    case.headers = headers
EOF

set +e
set -o pipefail
# From the scratch dir: schemathesis keeps a cache in `.schemathesis/` there.
cd "$WORK"
"$VENV/bin/schemathesis" --config-file "$WORK/schemathesis.toml" run "$BASE/api/v1/openapi.json" \
    --checks all \
    --mode all \
    --phases examples,coverage,fuzzing,stateful \
    --max-examples "$MAX_EXAMPLES" \
    --seed "${SEED:-1}" \
    --workers 2 \
    --max-response-time 60 \
    --request-timeout 30 \
    --suppress-health-check too_slow,filter_too_much \
    --report junit --report-junit-path "$WORK/junit.xml" \
    "$@" 2>&1 | tee "$WORK/output.txt"
STATUS=$?
set -e
cd - >/dev/null

# A run whose key was revoked midway tested little but 401s.
if ! curl -sf -o /dev/null "$BASE/api/v1/me/" -H "Authorization: Token $KEY"; then
    echo "schemathesis: the run's key was revoked during the run: its results are not trustworthy" >&2
    STATUS=1
fi

"$VENV/bin/python" - "$WORK/junit.xml" "$WORK/output.txt" "$STATUS" <<'EOF'
import re
import sys
import xml.etree.ElementTree as ET

report, output, status = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    suites = [case for case in ET.parse(report).getroot().iter("testcase") if case.get("name") != "Stateful tests"]
except (OSError, ET.ParseError):
    suites = []
failed = sum(1 for case in suites if case.find("failure") is not None or case.find("error") is not None)
with open(output, encoding="utf-8", errors="replace") as f:
    text = f.read()
cases = re.search(r"(\d+) generated", text)
scenarios = re.search(r"Scenarios:\s+(\d+)", text)
tested = (
    f"{scenarios.group(1)} stateful scenarios"
    if scenarios and not suites
    else f"{len(suites)} operations ({len(suites) - failed} passed, {failed} failed)"
)
print(f"schemathesis: {tested}, {cases.group(1) if cases else '?'} cases; exit {status}")
EOF
if [ "$STATUS" -ne 0 ]; then
    echo "schemathesis: the server's log:" >&2
    tail -n 50 "$WORK/server.log" >&2
fi
exit "$STATUS"
