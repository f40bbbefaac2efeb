"""The official `mcp` Python package against `/mcp`: an MCP client (as
Claude Desktop, Cursor or an agent runs it) lists the assistants, searches
their documents and asks them, with an API key as its bearer token."""

import asyncio

import httpx2
import pytest
from mcp import ClientSession
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client

from conftest import call

CAPEX = "What were purchases of property, plant and equipment in 2018?"


async def session_run(base, token, work):
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=120)) as http:
        async with streamable_http_client(base + "/mcp", http_client=http) as (read, write):
            async with ClientSession(read, write) as session:
                init = await session.initialize()
                return await work(session, init)


def run(base, token, work):
    return asyncio.run(session_run(base, token, work))


def test_tools_list_search_and_ask(base, account):
    async def work(session, init):
        assert init.server_info.name == "aiconvokit"
        tools = sorted(tool.name for tool in (await session.list_tools()).tools)
        assert tools == ["ask_assistant", "list_assistants", "search_documents"]
        listed = await session.call_tool("list_assistants", {})
        ids = [a["id"] for a in listed.structured_content["assistants"]]
        assert account["model"] in ids
        found = await session.call_tool(
            "search_documents", {"assistant": account["model"], "query": "property plant equipment", "k": 2}
        )
        assert not found.is_error
        passages = found.structured_content["passages"]
        assert 1 <= len(passages) <= 2
        assert passages[0]["document"] == "acme_2018.md"
        assert "$1,577 million" in passages[0]["passage"]
        asked = await session.call_tool("ask_assistant", {"assistant": account["model"], "question": CAPEX})
        assert not asked.is_error
        assert "$1,577 million" in asked.structured_content["answer"]
        assert asked.structured_content["sources"][0]["document"] == "acme_2018.md"
        followed = await session.call_tool(
            "ask_assistant",
            {
                "assistant": account["model"],
                "question": "What were dividends paid in 2018?",
                "chat_id": asked.structured_content["chat_id"],
            },
        )
        assert followed.structured_content["chat_id"] == asked.structured_content["chat_id"]
        resources = (await session.list_resources()).resources
        assert [r.name for r in resources] == ["acme_2018.md"]
        content = await session.read_resource(resources[0].uri)
        assert "$1,577 million" in content.contents[0].text
        return asked.structured_content["chat_id"]

    chat_id = run(base, account["full"], work)
    status, chat = call(base, "GET", f"/api/v1/chat/{chat_id}/", token=account["full"])
    assert status == 200 and chat["origin"] == "mcp" and len(chat["messages"]) == 2


def test_the_high_level_client_negotiates_the_newest_protocol(base, account):
    async def work():
        headers = {"Authorization": f"Bearer {account['chat']}"}
        async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=120)) as http:
            async with Client(streamable_http_client(base + "/mcp", http_client=http)) as client:
                listed = await client.call_tool("list_assistants", {})
                return client.protocol_version, listed.structured_content

    version, listed = asyncio.run(work())
    assert version >= "2025-06-18"
    assert len(listed["assistants"]) == 2


def test_scopes_and_reach_are_tool_errors_with_403(base, account):
    async def read_only(session, init):
        refused = await session.call_tool("ask_assistant", {"assistant": account["model"], "question": CAPEX})
        assert refused.is_error
        assert refused.structured_content["status"] == 403
        found = await session.call_tool("search_documents", {"assistant": account["model"], "query": "dividends"})
        assert not found.is_error

    async def limited(session, init):
        listed = await session.call_tool("list_assistants", {})
        assert [a["id"] for a in listed.structured_content["assistants"]] == [account["model"]]
        refused = await session.call_tool("search_documents", {"assistant": account["other_model"], "query": "cash"})
        assert refused.is_error and refused.structured_content["status"] == 403

    run(base, account["read"], read_only)
    run(base, account["limited"], limited)


def test_a_bad_key_is_refused(base, account):
    async def work(session, init):
        return "connected"

    # The client cannot even initialise: the server answers 401 with our message.
    with pytest.raises(Exception) as refused:
        run(base, "ack_not_a_key", work)
    assert "Invalid token" in repr(refused.value), repr(refused.value)
