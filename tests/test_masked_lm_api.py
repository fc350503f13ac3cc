"""The masked-LM and similarity tools over HTTP (keys, limits, errors) and MCP (in process)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from mcp import Client

from api.app import create_app
from api.mcp import create_mcp_server
from retriever import Retriever

READ_KEY, ADMIN_KEY = "mlm-read-key", "mlm-admin-key"
QUESTION = "Where was Albert Einstein born? He was born in [MASK]."


@pytest.fixture(scope="module")
def retriever(shop_index: Path, rigged_masked_lm: Path) -> Iterator[Retriever]:
    with Retriever.open(
        shop_index,
        create=False,
        mlm_model=str(rigged_masked_lm),
        api_read_keys=[READ_KEY],
        api_admin_keys=[ADMIN_KEY],
        max_request_bytes=64 * 1024,
    ) as opened:
        yield opened


@pytest.fixture(scope="module")
def client(retriever: Retriever) -> Iterator[TestClient]:
    with TestClient(create_app(retriever), base_url="http://127.0.0.1") as started:
        started.headers["Authorization"] = f"Bearer {READ_KEY}"
        yield started


def test_fill_mask(client: TestClient, rigged_masked_lm: Path) -> None:
    body = client.post("/v1/fill-mask", json={"text": "The capital is [MASK].", "k": 2}).json()
    assert set(body) == {"text", "filled", "masks", "model", "took_ms"}
    assert [p["token"] for p in body["masks"][0]] == [".", " Paris"]
    assert set(body["masks"][0][0]) == {"token", "token_id", "probability"}
    assert body["model"] == str(rigged_masked_lm.resolve())


def test_classify(client: TestClient) -> None:
    request = {
        "texts": ["Lovely view.", "Cold food."],
        "labels": ["bad", "good", "great"],
        "template": "{text} Overall, it was a {mask} experience.",
    }
    body = client.post("/v1/classify", json=request).json()
    assert [r["label"] for r in body["results"]] == ["great", "great"]
    assert list(body["results"][0]["scores"]) == ["bad", "good", "great"]
    assert sum(body["results"][0]["scores"].values()) == pytest.approx(1.0, abs=1e-5)


def test_cloze(client: TestClient) -> None:
    body = client.post("/v1/cloze", json={"question": QUESTION, "k": 3}).json()
    assert body["prompt"] == QUESTION
    assert [a["answer"] for a in body["answers"]][:2] == ["Paris", "great"]
    plain = {"question": "Where was Albert Einstein born?", "context": "He was born in Ulm."}
    body = client.post("/v1/cloze", json=plain).json()
    assert body["prompt"].startswith("He was born in Ulm.\nQuestion: ")


def test_similarity(client: TestClient) -> None:
    texts = ["cart total", "the total of the cart", "install the shop"]
    matrix = client.post("/v1/similarity", json={"texts": texts}).json()["similarities"]
    assert len(matrix) == 3 and matrix[0][0] == pytest.approx(1.0, abs=1e-5)
    pairs = [[texts[0], texts[1]], [texts[0], texts[2]]]
    body = client.post("/v1/similarity", json={"pairs": pairs}).json()
    assert body["similarities"] == pytest.approx([matrix[0][1], matrix[0][2]], abs=1e-5)


@pytest.mark.parametrize(
    "path, body, where",
    [
        ("/v1/fill-mask", {"text": "no mask"}, "no mask"),
        ("/v1/fill-mask", {"text": "[MASK]", "k": 0}, "k"),
        ("/v1/fill-mask", {"text": "[MASK]", "k": 101}, "k"),
        ("/v1/fill-mask", {"text": "[MASK]", "top": 3}, "unknown field"),
        ("/v1/classify", {"texts": [], "labels": ["a", "b"]}, "texts"),
        ("/v1/classify", {"texts": ["x"], "labels": ["a"]}, "labels"),
        ("/v1/classify", {"texts": ["x"] * 257, "labels": ["a", "b"]}, "texts"),
        ("/v1/classify", {"texts": ["x"], "labels": ["a", "b"], "template": "{mask}"}, "{text}"),
        ("/v1/cloze", {"question": "[MASK] and [MASK]"}, "exactly one"),
        ("/v1/cloze", {"question": ""}, "question"),
        ("/v1/similarity", {"texts": ["a", "b"], "pairs": [["a", "b"]]}, "either texts or pairs"),
        ("/v1/similarity", {}, "either texts or pairs"),
        ("/v1/similarity", {"texts": ["only one"]}, "texts"),
        ("/v1/similarity", {"pairs": [["a", "b", "c"]]}, "pairs"),
    ],
)
def test_bad_requests_are_422(client: TestClient, path: str, body: dict, where: str) -> None:
    response = client.post(path, json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert where in error["message"] and "\n" not in error["message"]


def test_keys_and_body_limit(client: TestClient) -> None:
    request = {"text": "The capital is [MASK]."}
    for path in ("/v1/fill-mask", "/v1/classify", "/v1/cloze", "/v1/similarity"):
        assert client.post(path, json=request, headers={"Authorization": ""}).status_code == 401
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    assert client.post("/v1/fill-mask", json=request, headers=admin).status_code == 200
    long = {"texts": ["word " * 10_000], "labels": ["bad", "good"]}  # 50 kB, 10k tokens
    response = client.post("/v1/classify", json=long)
    assert response.status_code == 422 and "at most 8192" in response.json()["error"]["message"]
    huge = {"texts": ["word " * 20_000], "labels": ["bad", "good"]}  # over 64 KiB
    assert client.post("/v1/classify", json=huge).status_code == 413


def test_search_takes_a_label_filter(client: TestClient) -> None:
    body = {"query": "cart total", "filters": {"label": ["bug", "question"]}}
    response = client.post("/v1/search", json=body)
    assert response.status_code == 200 and response.json()["hits"] == []  # nothing labelled
    response = client.post("/v1/search", json={"query": "cart", "filters": {"label": 3}})
    assert response.status_code == 422


def test_openapi_lists_the_tools(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/fill-mask", "/v1/classify", "/v1/cloze", "/v1/similarity"} <= set(paths)


# -- MCP ----------------------------------------------------------------------------------------


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def structured(result: Any) -> Any:
    assert not result.is_error, result.content
    content = result.structured_content
    return content["result"] if list(content) == ["result"] else content


@pytest.mark.anyio
async def test_mcp_tools(retriever: Retriever) -> None:
    async with Client(create_mcp_server(retriever)) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        filled = structured(await client.call_tool("fill_mask", {"text": "It is [MASK].", "k": 2}))
        labels = structured(
            await client.call_tool(
                "classify", {"texts": ["Lovely view."], "labels": ["bad", "great"]}
            )
        )
        answers = structured(await client.call_tool("cloze", {"question": QUESTION, "k": 2}))
        similar = structured(
            await client.call_tool("similarity", {"texts": ["cart total", "cart sum"]})
        )
        failed = await client.call_tool("fill_mask", {"text": "no mask"})

    assert {"fill_mask", "classify", "cloze", "similarity", "search"} <= tools
    assert [p["token"] for p in filled["masks"][0]] == [".", " Paris"]
    assert labels[0]["label"] == "great"
    assert [a["answer"] for a in answers] == ["Paris", "great"]
    assert len(similar["similarities"]) == 2
    assert failed.is_error and "the text has no mask" in failed.content[0].text
