"""The official `openai` Python package against `/v1`: every assistant is
a model; answers come whole or streamed with their sources; errors are the
package's own exceptions."""

import openai
import pytest
from openai import OpenAI

from conftest import call

CAPEX = "What were purchases of property, plant and equipment in 2018?"


def client(base, token):
    return OpenAI(base_url=base + "/v1", api_key=token, max_retries=0)


def test_the_assistants_are_the_models(base, account):
    models = client(base, account["full"]).models.list()
    ids = sorted(model.id for model in models.data)
    assert ids == sorted([account["model"], account["other_model"]])
    assert all(model.owned_by == "ada" for model in models.data)
    one = client(base, account["full"]).models.retrieve(account["model"])
    assert one.id == account["model"]
    limited = client(base, account["limited"]).models.list()
    assert [model.id for model in limited.data] == [account["model"]]


def test_a_completion_answers_from_the_documents_with_its_sources(base, account):
    _, before = call(base, "GET", f"/api/v1/assistants/{account['assistant_id']}/", token=account["full"])
    completion = client(base, account["chat"]).chat.completions.create(
        model=account["model"],
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": CAPEX},
        ],
        temperature=0.2,
        max_tokens=200,
        user="customer-42",
    )
    answer = completion.choices[0].message.content
    assert "$1,577 million" in answer
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens
    sources = completion.model_extra["sources"]
    assert sources[0]["document"] == "acme_2018.md"
    assert "$1,577 million" in sources[0]["passage"]
    assert isinstance(sources[0]["score"], float)
    _, after = call(base, "GET", f"/api/v1/assistants/{account['assistant_id']}/", token=account["full"])
    assert after["query_count"] == before["query_count"] + 1
    _, chats = call(base, "GET", "/api/v1/chat/", token=account["full"])
    assert chats[0]["origin"] == "openai"


def test_nothing_is_kept_with_store_false(base, account):
    _, before = call(base, "GET", "/api/v1/chat/", token=account["full"])
    client(base, account["full"]).chat.completions.create(
        model=account["model"], messages=[{"role": "user", "content": CAPEX}], store=False
    )
    _, after = call(base, "GET", "/api/v1/chat/", token=account["full"])
    assert len(after) == len(before)


def test_a_streamed_completion_ends_with_sources_and_usage(base, account):
    stream = client(base, account["full"]).chat.completions.create(
        model=account["model"],
        messages=[{"role": "user", "content": [{"type": "text", "text": CAPEX}]}],
        stream=True,
        stream_options={"include_usage": True},
    )
    text, finish, sources, usage = "", None, None, None
    for chunk in stream:
        assert chunk.object == "chat.completion.chunk"
        for choice in chunk.choices:
            text += choice.delta.content or ""
            finish = choice.finish_reason or finish
        sources = (chunk.model_extra or {}).get("sources") or sources
        usage = chunk.usage or usage
    assert "$1,577 million" in text
    assert finish == "stop"
    assert sources[0]["document"] == "acme_2018.md"
    assert usage.completion_tokens > 0


def test_errors_are_the_packages_exceptions(base, account):
    with pytest.raises(openai.AuthenticationError) as refused:
        client(base, "ack_not_a_key").models.list()
    assert refused.value.code == "invalid_api_key"
    with pytest.raises(openai.NotFoundError) as missing:
        client(base, account["full"]).chat.completions.create(
            model="asst_nobody", messages=[{"role": "user", "content": CAPEX}]
        )
    assert missing.value.code == "model_not_found"
    with pytest.raises(openai.BadRequestError) as empty:
        client(base, account["full"]).chat.completions.create(model=account["model"], messages=[])
    assert empty.value.param == "messages"
    with pytest.raises(openai.BadRequestError) as role:
        client(base, account["full"]).chat.completions.create(
            model=account["model"], messages=[{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]
        )
    assert "last message" in role.value.message
    with pytest.raises(openai.PermissionDeniedError):
        client(base, account["read"]).chat.completions.create(
            model=account["model"], messages=[{"role": "user", "content": CAPEX}]
        )
    with pytest.raises(openai.PermissionDeniedError):
        client(base, account["limited"]).chat.completions.create(
            model=account["other_model"], messages=[{"role": "user", "content": CAPEX}]
        )
    with pytest.raises(openai.PermissionDeniedError):
        client(base, account["read"]).chat.completions.create(
            model=account["model"], messages=[{"role": "user", "content": CAPEX}], stream=True
        )
