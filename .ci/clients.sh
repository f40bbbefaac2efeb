#!/usr/bin/env bash
# Runs the client tests: the official `openai` and `mcp` Python packages
# (from PyPI) against the debug binary's `/v1` and `/mcp`
# (end2end/clients/, pytest; the server is started by its conftest.py).
#
# Needs the debug binary (cargo build --features ssr --bin aiconvokit) and
# python3.11; the packages are installed into target/clients-venv the first
# time. Extra arguments go to pytest.
set -euo pipefail

cd "$(dirname "$0")/.."
VENV=$PWD/target/clients-venv
PYTHON=${PYTHON:-python3.11}
PACKAGES=(openai==3.60.0 mcp==2.3.0 pytest==9.2.0)
export AICONVOKIT_BIN=$PWD/target/debug/aiconvokit

if [ ! -x "$AICONVOKIT_BIN" ]; then
    echo "clients: $AICONVOKIT_BIN is missing: cargo build --features ssr --bin aiconvokit" >&2
    exit 2
fi
if ! "$VENV/bin/python" -m pip freeze 2>/dev/null | grep -qx "${PACKAGES[0]}" ||
    ! "$VENV/bin/python" -m pip freeze 2>/dev/null | grep -qx "${PACKAGES[1]}"; then
    echo "clients: installing ${PACKAGES[*]} into $VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PACKAGES[@]}"
fi
cd end2end/clients
exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$@"
