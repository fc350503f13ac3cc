"""The MCP server through the SDK's own client: over stdio as a desktop client spawns it, and
over streamable HTTP mounted in a FastAPI app the way ``retriever serve`` mounts it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
import uvicorn
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult

from api import create_app
from paths import REPO
from retriever import Retriever
from shop import CART

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@asynccontextmanager
async def stdio_session(
    index: Path, errlog: Path, **environment: str
) -> AsyncIterator[ClientSession]:
    """``retriever mcp --index INDEX`` spawned as a desktop client would, initialized;
    ``environment`` adds variables (settings) to the server's environment."""
    pythonpath = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    parameters = StdioServerParameters(
        command=sys.executable,
        args=["-m", "retriever", "mcp", "--index", str(index)],
        env={
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": pythonpath,
            **environment,
        },
        cwd=errlog.parent,
    )
    with errlog.open("w") as log:
        async with (
            stdio_client(parameters, errlog=log) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            yield session


def structured(result: CallToolResult) -> Any:
    assert not result.is_error, result.content
    content = result.structured_content
    assert content is not None
    # A list result travels wrapped as {"result": [...]}.
    return content["result"] if list(content) == ["result"] else content


def error_text(result: CallToolResult) -> str:
    assert result.is_error
    (block,) = result.content
    assert "\n" not in block.text and "Traceback" not in block.text
    return block.text


def cited_lines(shop_corpus: Path, citation: str) -> str:
    path, _, lines = citation.rpartition(":")
    start, end = (int(n) for n in lines.split("-"))
    return "".join((shop_corpus / path).read_text().splitlines(keepends=True)[start - 1 : end])


TOOLS = {"search", "get_context", "get_document", "fill_mask", "classify", "cloze", "similarity"}


async def test_stdio_lists_the_tools_with_schemas(shop_index: Path, tmp_path: Path) -> None:
    async with stdio_session(shop_index, tmp_path / "stderr.log") as session:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}

    assert set(tools) == TOOLS
    for tool in tools.values():
        assert tool.description and len(tool.description) > 60
        assert tool.output_schema is not None
        assert tool.annotations is not None and tool.annotations.read_only_hint
    search = tools["search"].input_schema
    assert search["required"] == ["query"]
    assert {"query", "k", "path_glob", "language", "kind", "label"} <= set(search["properties"])
    assert set(tools["get_context"].input_schema["properties"]) == {
        "query",
        "token_budget",
        "k",
        "rerank",
    }
    assert tools["get_document"].input_schema["required"] == ["doc_id"]


async def test_stdio_tools_answer_with_cited_passages(
    shop_index: Path, shop_corpus: Path, tmp_path: Path
) -> None:
    async with stdio_session(shop_index, tmp_path / "stderr.log") as session:
        hits = structured(await session.call_tool("search", {"query": "cart total", "k": 3}))
        prose = structured(
            await session.call_tool("search", {"query": "install", "path_glob": "*.md"})
        )
        python = structured(
            await session.call_tool("search", {"query": "install", "language": "python"})
        )
        context = structured(
            await session.call_tool("get_context", {"query": "cart total", "token_budget": 200})
        )
        cart_hit = next(hit for hit in python if hit["citation"].startswith("shop/cart.py"))
        document = structured(
            await session.call_tool("get_document", {"doc_id": cart_hit["doc_id"]})
        )

    assert 1 <= len(hits) <= 3
    assert [hit["score"] for hit in hits] == sorted((h["score"] for h in hits), reverse=True)
    for hit in hits + prose + python:
        assert set(hit) == {
            "citation",
            "path",
            "start_line",
            "end_line",
            "symbol",
            "heading",
            "score",
            "doc_id",
            "text",
            "label",
            "unit",
            "start_unit",
            "end_unit",
        }
        assert hit["unit"] is None  # text files: cited by lines
        assert hit["citation"] == f"{hit['path']}:{hit['start_line']}-{hit['end_line']}"
        assert cited_lines(shop_corpus, hit["citation"]).startswith(hit["text"].rstrip("\n"))
    assert prose and all(hit["citation"].startswith("guide.md:") for hit in prose)
    assert any(hit["heading"] for hit in prose)
    assert python and all(hit["citation"].startswith("shop/cart.py:") for hit in python)
    assert any(hit["symbol"] and hit["symbol"].startswith("Cart") for hit in python)

    assert context["citations"] and 0 < context["tokens"] <= 200
    for number, cited in enumerate(context["citations"], start=1):
        assert f"[{number}] {cited}" in context["context"]

    assert (document["path"], document["language"]) == ("shop/cart.py", "python")
    assert "".join(chunk["text"] for chunk in document["chunks"]) == CART
    assert document["chunks"][0]["start_line"] == 1


async def test_stdio_search_and_context_rerank_with_the_servers_cross_encoder(
    shop_index: Path, tiny_reranker: Path, tmp_path: Path
) -> None:
    query = "add an item to the cart"
    async with stdio_session(
        shop_index, tmp_path / "stderr.log", RETRIEVER_RERANK_MODEL=str(tiny_reranker)
    ) as session:
        hits = structured(
            await session.call_tool("search", {"query": query, "k": 3, "rerank": True})
        )
        context = structured(
            await session.call_tool("get_context", {"query": query, "k": 3, "rerank": True})
        )
    with Retriever.open(shop_index, create=False, rerank_model=str(tiny_reranker)) as retriever:
        expected = retriever.search(query, k=3, verify=True, rerank=True)
        plain = retriever.search(query, k=3, verify=True)

    assert [hit["citation"] for hit in hits] == [
        f"{hit.path}:{hit.start_line}-{hit.end_line}" for hit in expected
    ]
    assert [hit["score"] for hit in hits] == pytest.approx([h.score for h in expected], abs=1e-3)
    # The cross-encoder's scores, not the fused ranking's.
    assert [hit["score"] for hit in hits] != pytest.approx([h.score for h in plain], abs=1e-3)
    assert context["citations"]


async def test_stdio_rerank_without_a_reranker_is_a_tool_error(
    shop_index: Path, tmp_path: Path
) -> None:
    async with stdio_session(
        shop_index, tmp_path / "stderr.log", RETRIEVER_RERANK_MODEL=str(tmp_path / "none")
    ) as session:
        failed = await session.call_tool("search", {"query": "cart", "rerank": True})
    assert "reranker" in error_text(failed)


USER_ERRORS = [
    ("search", {"query": "  "}, "the query is empty"),
    ("search", {"query": "cart", "k": 0}, "k must be between 1 and 1000"),
    ("get_context", {"query": "cart", "token_budget": 0}, "token_budget must be positive"),
    ("get_document", {"doc_id": "no-such-id"}, "no document with id 'no-such-id'"),
    ("search", {"query": "cart", "language": "klingon"}, "unknown language 'klingon'"),
    ("search", {"query": "cart", "path_glob": "["}, "invalid glob"),
]


async def test_user_errors_are_one_line_tool_errors(shop_index: Path, tmp_path: Path) -> None:
    async with stdio_session(shop_index, tmp_path / "stderr.log") as session:
        for tool, arguments, message in USER_ERRORS:
            assert message in error_text(await session.call_tool(tool, arguments))
        # The session outlives its errors.
        assert structured(await session.call_tool("search", {"query": "cart", "k": 1}))

    assert "Traceback" not in (tmp_path / "stderr.log").read_text()


def test_missing_index_is_one_clear_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "retriever", "mcp", "--index", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: no index at {tmp_path / 'nowhere'}: run `retriever index PATH` first"
    ]
    assert result.stdout == ""


READ_KEY = "mcp-read-key"


@pytest.fixture
def http_server(sample_index: Path) -> Iterator[str]:
    """The real app (``retriever serve``'s) with a read key, served by uvicorn on a free port."""
    with Retriever.open(sample_index, create=False, api_read_keys=[READ_KEY]) as retriever:
        app = create_app(retriever)
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started
        try:
            yield f"http://127.0.0.1:{listener.getsockname()[1]}/mcp"
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            listener.close()


async def test_streamable_http_needs_a_read_key(http_server: str) -> None:
    request = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    async with httpx2.AsyncClient() as client:
        response = await client.post(f"{http_server}/", json=request)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


async def test_streamable_http_finds_the_uploader_retry(http_server: str) -> None:
    """Real semantics (bundled MiniLM over the sample corpus) through the served app."""
    authorized = httpx2.AsyncClient(headers={"Authorization": f"Bearer {READ_KEY}"})
    async with (
        authorized,
        streamable_http_client(http_server, http_client=authorized) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        tools = {tool.name for tool in (await session.list_tools()).tools}
        query = "where do we retry failed uploads?"
        hits = structured(await session.call_tool("search", {"query": query, "k": 3}))
        context = structured(await session.call_tool("get_context", {"query": query}))
        failed = await session.call_tool("search", {"query": ""})

    assert tools == TOOLS
    paths = [hit["citation"].rpartition(":")[0] for hit in hits]
    assert "client/python/parcel_client/uploader.py" in paths, json.dumps(hits)[:500]
    assert any(
        c.startswith("client/python/parcel_client/uploader.py:") for c in context["citations"]
    )
    assert "the query is empty" in error_text(failed)
