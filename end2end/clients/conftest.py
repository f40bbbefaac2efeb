"""The server the client tests talk to: the debug binary on a free port
with a fresh SQLite database, no language model (answers quote the
passages) and no embedding model; one account with an assistant whose
report is processed, and keys of each scope."""

import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid

import pytest

BIN = os.environ.get("AICONVOKIT_BIN", "target/debug/aiconvokit")
PASSWORD = "client-tests-password"
REPORT = (
    "# Annual report 2018\n\nAcme Corporation makes rockets and anvils.\n\n"
    "## Cash flows\n\nPurchases of property, plant and equipment were $1,577 million in 2018, "
    "up from $1,373 million in 2017. Operating activities provided $6,439 million of cash.\n\n"
    "## Dividends\n\nDividends paid to shareholders were $3,193 million in 2018.\n"
)


def call(base, method, path, body=None, token=None, raw=None, content_type="application/json"):
    """One API call: (status, JSON or None)."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", content_type)
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        text = error.read()
        return error.code, json.loads(text) if text else None


def upload(base, token, assistant_id, name, content):
    boundary = uuid.uuid4().hex
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
        f"Content-Type: text/markdown\r\n\r\n{content}\r\n--{boundary}--\r\n"
    ).encode()
    return call(
        base,
        "POST",
        f"/api/v1/assistants/{assistant_id}/documents/",
        token=token,
        raw=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def base():
    work = tempfile.mkdtemp(prefix="aiconvokit-clients-")
    os.makedirs(f"{work}/site/pkg")
    port = free_port()
    env = dict(
        os.environ,
        LEPTOS_SITE_ROOT=f"{work}/site",
        AICONVOKIT_EMBEDDING_MODEL="none",
        RUST_LOG=os.environ.get("RUST_LOG", "warn"),
    )
    log = open(f"{work}/server.log", "wb")
    server = subprocess.Popen(
        [BIN, "serve", "--addr", f"127.0.0.1:{port}", "--data-dir", f"{work}/data"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2)
            break
        except OSError:
            if server.poll() is not None:
                raise RuntimeError(open(f"{work}/server.log").read())
            time.sleep(0.1)
    yield url
    server.terminate()
    server.wait(timeout=30)


def key(base, **fields):
    status, body = call(base, "POST", "/api/v1/tokens/", {"username": "ada", "password": PASSWORD, **fields})
    assert status == 200, body
    return body["token"]


@pytest.fixture(scope="session")
def account(base):
    """Ada, her assistants (one with a processed report) and her keys."""
    status, _ = call(base, "POST", "/api/v1/users/", {"username": "ada", "email": "ada@example.com", "password": PASSWORD})
    assert status == 201
    full = key(base)
    assistants = []
    for name in ("Report helper", "Other helper"):
        status, assistant = call(
            base,
            "POST",
            "/api/v1/assistants/",
            {"name": name, "company_name": "Acme", "instructions": "Answer for investors, citing pages."},
            token=full,
        )
        assert status == 201, assistant
        assistants.append(assistant)
    status, body = upload(base, full, assistants[0]["id"], "acme_2018.md", REPORT)
    assert status == 201, body
    for _ in range(300):
        _, documents = call(base, "GET", f"/api/v1/assistants/{assistants[0]['id']}/documents/", token=full)
        if documents and all(d["status"] == "ready" for d in documents):
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"the report was not processed: {documents}")
    return {
        "full": full,
        "chat": key(base, scope="chat"),
        "read": key(base, scope="read"),
        "limited": key(base, assistants=[assistants[0]["id"]]),
        "model": assistants[0]["openai_id"],
        "assistant_id": assistants[0]["id"],
        "other_model": assistants[1]["openai_id"],
    }
