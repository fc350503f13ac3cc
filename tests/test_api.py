"""The HTTP API, as a client sees it: shapes, auth, limits, errors, background jobs."""

from __future__ import annotations

import base64
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.security import is_loopback
from retriever import ModelError, Retriever
from retriever.cli import app as cli
from retriever.search.context import citation

HIT_FIELDS = {
    "path",
    "start_line",
    "end_line",
    "text",
    "score",
    "language",
    "kind",
    "symbol",
    "heading",
    "chunk_id",
    "doc_id",
    "label",
    "file_hash",
    "stale",
    "unit",
    "start_unit",
    "end_unit",
}
READ_KEY, ADMIN_KEY = "read-key-1", "admin-key-1"

UPLOADS = '''"""Uploads."""


def upload(path):
    """Send one file."""
    return send(path)


def retry(path, attempts=3):
    """Try again after a pause."""
    for attempt in range(attempts):
        if upload(path):
            return True
    return False
'''


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("api-corpus")
    (root / "docs").mkdir()
    (root / "uploads.py").write_text(UPLOADS)
    (root / "docs" / "guide.md").write_text("# Guide\n\nInstall it.\n\n## Usage\n\nRun it.\n")
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    return root


@pytest.fixture(scope="module")
def retriever(
    tmp_path_factory: pytest.TempPathFactory, corpus: Path, tiny_modernbert: Path
) -> Iterator[Retriever]:
    """A small index over ``corpus`` with the tiny ModernBERT (random weights)."""
    directory = tmp_path_factory.mktemp("api-index") / "index"
    with Retriever.open(directory, model=str(tiny_modernbert)) as opened:
        opened.index([corpus])
        yield opened


@pytest.fixture
def client(retriever: Retriever) -> Callable[..., TestClient]:
    """A started client over ``retriever``, with settings overridden as given."""
    clients: list[TestClient] = []

    def make(raise_server_exceptions: bool = True, **settings: Any) -> TestClient:
        app = create_app(retriever, retriever.settings.model_copy(update=settings))
        started = TestClient(
            app, base_url="http://127.0.0.1", raise_server_exceptions=raise_server_exceptions
        )
        started.__enter__()
        clients.append(started)
        return started

    yield make
    for started in clients:
        started.app.state.index_job.wait(30)
        started.__exit__(None, None, None)


def error_of(response: httpx.Response) -> dict[str, str]:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert body["error"]["message"]
    return body["error"]


def wait_for_job(client: TestClient) -> dict[str, Any]:
    client.app.state.index_job.wait(30)
    return client.get("/v1/index/status").json()


# -- search and context -----------------------------------------------------------------------
def test_search_returns_hits_in_the_design_shape(client, retriever: Retriever) -> None:
    response = client().post("/v1/search", json={"query": "retry the upload", "k": 3})
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"hits", "took_ms", "model", "index_generation"}
    assert 1 <= len(body["hits"]) <= 3
    assert all(set(hit) == HIT_FIELDS for hit in body["hits"])
    assert body["model"] == retriever.encoder.fingerprint.model
    assert body["index_generation"] == retriever.generation
    assert body["took_ms"] >= 0


def test_search_filters_restrict_hits(client) -> None:
    body = {"query": "install", "k": 10, "filters": {"language": ["markdown"], "path_glob": "*"}}
    hits = client().post("/v1/search", json=body).json()["hits"]
    assert hits and {hit["path"] for hit in hits} == {"docs/guide.md"}


def test_semantic_search_over_the_sample_corpus(sample_index: Path) -> None:
    with (
        Retriever.open(sample_index, create=False) as retriever,
        TestClient(create_app(retriever), base_url="http://127.0.0.1") as client,
    ):
        body = {"query": "where do we retry failed uploads?", "k": 3}
        hits = client.post("/v1/search", json=body).json()["hits"]
        assert "client/python/parcel_client/uploader.py" in [hit["path"] for hit in hits]

        body = {"query": "where do we retry failed uploads?", "token_budget": 400, "k": 5}
        context = client.post("/v1/context", json=body).json()
    assert context["passages"] and context["tokens"] <= 400
    first = context["passages"][0]
    where = [first[name] for name in ("path", "start_line", "end_line", "unit", "start_unit")]
    assert first["citation"] == citation(*where, first["end_unit"])  # lines, or page/slide/cell
    assert context["context"].startswith(f"[1] {first['citation']}")


def test_context_returns_cited_passages_within_budget(client, retriever: Retriever) -> None:
    body = {"query": "upload", "token_budget": 60, "k": 5, "filters": {"language": "python"}}
    response = client().post("/v1/context", json=body)
    assert response.status_code == 200
    result = response.json()
    assert set(result) == {"passages", "context", "tokens", "token_budget", "took_ms", "model"}
    assert result["passages"] and 0 < result["tokens"] <= 60 == result["token_budget"]
    for passage in result["passages"]:
        assert passage["citation"] == f"uploads.py:{passage['start_line']}-{passage['end_line']}"
        assert passage["citation"] in result["context"]


@pytest.mark.parametrize(
    "body, where",
    [
        ({"query": "retry", "k": 1001}, "k"),
        ({"query": "retry", "k": 0}, "k"),
        ({"query": "retry", "filters": {"colour": "red"}}, "colour"),
        ({"query": "retry", "filters": {"language": 3}}, "language"),
        ({"query": "retry", "limit": 3}, "limit"),
        ({"query": "x" * 9000}, "query"),
        ({"k": 3}, "query"),
        ({"query": "   "}, "empty"),
        ({"query": "retry", "filters": {"language": "klingon"}}, "languages: ada, arduino, bash,"),
        ({"query": "retry", "filters": {"path_glob": "["}}, "unclosed '['"),
        ({"query": "retry", "filters": {"symbol": "Up[loader"}}, "unclosed '['"),
    ],
)
def test_bad_search_requests_are_422(client, body: dict, where: str) -> None:
    response = client().post("/v1/search", json=body)
    assert response.status_code == 422
    assert where in error_of(response)["message"]


def test_malformed_json_is_a_400_with_the_error_shape(client) -> None:
    response = client().post(
        "/v1/search", content=b'{"query": "retry",', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_json"
    response = client().post("/v1/search", content=b'{"query": "retry"}')  # no Content-Type
    assert response.status_code == 415
    assert "application/json" in error_of(response)["message"]


# -- documents --------------------------------------------------------------------------------
def test_documents_list_and_detail(client) -> None:
    api = client()
    page = api.get("/v1/documents", params={"limit": 1}).json()
    assert page["total"] >= 2 and len(page["documents"]) == 1 and page["limit"] == 1
    page = api.get("/v1/documents", params={"path_glob": "docs/*"}).json()
    assert [doc["path"] for doc in page["documents"]] == ["docs/guide.md"]
    document = api.get(f"/v1/documents/{page['documents'][0]['doc_id']}").json()
    assert document["path"] == "docs/guide.md"
    assert [chunk["heading"] for chunk in document["chunks"]] == ["Guide", "Guide > Usage"]
    assert api.get("/v1/documents", params={"limit": 0}).status_code == 422


def test_unknown_document_is_404(client) -> None:
    api = client()
    for response in (api.get("/v1/documents/nope"), api.delete("/v1/documents/nope")):
        assert response.status_code == 404
        assert error_of(response)["code"] == "document_not_found"


def test_upsert_is_searchable_then_delete_removes_it(client) -> None:
    api = client()
    text = "# Runbook\n\nRestart the parcel daemon when uploads stall.\n"
    response = api.put("/v1/documents", json={"path": "notes/runbook.md", "text": text})
    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["root"] == "virtual:" and summary["path"] == "notes/runbook.md"
    assert summary["language"] == "markdown" and summary["chunks"] == 1

    query = {"query": "parcel daemon stalls", "filters": {"path_glob": "notes/*"}}
    hits = api.post("/v1/search", json=query).json()["hits"]
    assert [hit["doc_id"] for hit in hits] == [summary["doc_id"]]

    deleted = api.delete(f"/v1/documents/{summary['doc_id']}")
    assert deleted.json() == {"doc_id": summary["doc_id"], "deleted": True}
    assert api.post("/v1/search", json=query).json()["hits"] == []
    assert api.get(f"/v1/documents/{summary['doc_id']}").status_code == 404


def test_bad_upserts_are_rejected_and_lose_nothing(client) -> None:
    api = client()
    before = api.get("/v1/status").json()["chunks"]
    for body in (
        {"path": "../escape.md", "text": "x"},
        {"path": "a.md", "text": "x", "owner": "me"},
        {"path": "a.md"},
    ):
        assert api.put("/v1/documents", json=body).status_code == 422
    assert api.get("/v1/status").json()["chunks"] == before


# -- re-index job -----------------------------------------------------------------------------
def test_reindex_runs_in_the_background_and_reports(client, corpus: Path) -> None:
    api = client()
    assert api.get("/v1/index/status").json()["state"] == "idle"
    response = api.post("/v1/index")
    assert response.status_code == 202
    assert response.json()["state"] in {"running", "succeeded"}
    assert response.json()["roots"] == [str(corpus)]
    state = wait_for_job(api)
    assert state["state"] == "succeeded", state
    assert state["report"]["files_unchanged"] == 2 and state["report"]["chunks_encoded"] == 0
    assert state["progress"]["done"] == state["progress"]["total"] == 2
    assert state["started_at"] <= state["finished_at"] and state["error"] is None


def test_reindex_while_a_job_runs_is_409(client, retriever: Retriever, monkeypatch) -> None:
    started, release = threading.Event(), threading.Event()
    real_index = retriever.index

    def slow_index(paths, progress=None):
        started.set()
        assert release.wait(30)
        return real_index(paths, progress=progress)

    monkeypatch.setattr(retriever, "index", slow_index)
    api = client()
    assert api.post("/v1/index").status_code == 202
    assert started.wait(10)
    assert api.get("/v1/index/status").json()["state"] == "running"
    second = api.post("/v1/index")
    assert second.status_code == 409 and error_of(second)["code"] == "job_running"
    release.set()
    assert wait_for_job(api)["state"] == "succeeded"


def test_reindex_fails_cleanly_while_another_writer_holds_the_index(client, retriever) -> None:
    api = client()
    with retriever.lock.hold():
        assert api.post("/v1/index").status_code == 202
        state = wait_for_job(api)
    assert state["state"] == "failed" and state["report"] is None
    assert "being written by another process" in state["error"]


def test_a_locked_index_makes_writes_409(client, retriever: Retriever) -> None:
    api = client()
    with retriever.lock.hold():
        response = api.put("/v1/documents", json={"path": "a.md", "text": "# A\n"})
    assert response.status_code == 409 and error_of(response)["code"] == "index_locked"


# -- embeddings -------------------------------------------------------------------------------
def test_embeddings_are_openai_compatible(client, retriever: Retriever) -> None:
    api = client()
    dimension = retriever.encoder.fingerprint.dimension
    one = api.post("/v1/embeddings", json={"input": "retry uploads", "model": "anything"})
    assert one.status_code == 200
    body = one.json()
    assert body["object"] == "list" and body["model"] == retriever.encoder.fingerprint.model
    assert [item["object"] for item in body["data"]] == ["embedding"]
    assert len(body["data"][0]["embedding"]) == dimension
    tokens = retriever.encoder.count_tokens("retry uploads")
    assert body["usage"] == {"prompt_tokens": tokens, "total_tokens": tokens}

    texts = ["retry uploads", "install the guide", "checksum"]
    many = api.post("/v1/embeddings", json={"input": texts, "model": "x"}).json()
    assert [item["index"] for item in many["data"]] == [0, 1, 2]
    assert many["usage"]["prompt_tokens"] == sum(retriever.encoder.count_tokens(t) for t in texts)
    floats = np.array([item["embedding"] for item in many["data"]], dtype=np.float32)
    assert np.allclose(np.linalg.norm(floats, axis=1), 1.0, atol=1e-4)
    assert np.allclose(floats[0], body["data"][0]["embedding"], atol=1e-5)

    request = {"input": texts, "model": "x", "encoding_format": "base64"}
    encoded = api.post("/v1/embeddings", json=request).json()["data"]
    decoded = np.array(
        [np.frombuffer(base64.b64decode(item["embedding"]), dtype="<f4") for item in encoded]
    )
    assert decoded.shape == (3, dimension) and np.allclose(decoded, floats, atol=1e-5)


def test_query_embeddings_match_search_encoding(client, retriever: Retriever) -> None:
    body = {"input": "retry", "model": "x", "input_type": "query"}
    vector = client().post("/v1/embeddings", json=body).json()["data"][0]["embedding"]
    assert np.allclose(vector, retriever.encoder.encode_query("retry"), atol=1e-5)


@pytest.mark.parametrize(
    "body",
    [
        {"input": [], "model": "x"},
        {"input": [""], "model": "x"},
        {"input": "a"},
        {"input": "a", "model": "x", "encoding_format": "int8"},
        {"input": "a", "model": "x", "input_type": "passage"},
        {"input": "a", "model": "x", "dimensions": 7},
        {"input": [1, 2, 3], "model": "x"},
    ],
)
def test_bad_embedding_requests_are_422(client, body: dict) -> None:
    response = client().post("/v1/embeddings", json=body)
    assert response.status_code == 422
    error_of(response)


# -- status and health ------------------------------------------------------------------------
def test_status_shows_model_counts_and_skips(client, retriever: Retriever) -> None:
    status = client().get("/v1/status").json()
    assert status["model"]["dimension"] == retriever.encoder.fingerprint.dimension
    assert status["documents"] >= 2 and status["chunks"] >= 4
    assert status["skipped"] == {"binary": 1}


def test_readyz_turns_ready_after_warm_up(client, retriever: Retriever, monkeypatch) -> None:
    release = threading.Event()
    real_warm = retriever.warm
    monkeypatch.setattr(retriever, "warm", lambda: (release.wait(30), real_warm()))
    api = client()
    assert api.get("/livez").json() == {"status": "alive"}
    waiting = api.get("/readyz")
    assert waiting.status_code == 503 and error_of(waiting)["code"] == "not_ready"
    release.set()
    deadline = time.monotonic() + 30
    while api.get("/readyz").status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert api.get("/readyz").json() == {"status": "ready", "generation": retriever.generation}


def test_readyz_reports_a_failed_warm_up(client, retriever: Retriever, monkeypatch) -> None:
    def broken() -> None:
        raise ModelError("cannot load model 'gone'")

    monkeypatch.setattr(retriever, "warm", broken)
    api = client()
    deadline = time.monotonic() + 10
    while "failed" not in api.get("/readyz").text and time.monotonic() < deadline:
        time.sleep(0.05)
    response = api.get("/readyz")
    assert response.status_code == 503
    assert error_of(response)["message"] == "warm-up failed: cannot load model 'gone'"


# -- security and limits ----------------------------------------------------------------------
def test_with_no_keys_everything_is_open(client) -> None:
    api = client()
    assert api.get("/v1/status").status_code == 200
    assert api.post("/v1/index").status_code == 202


def test_api_keys(client) -> None:
    api = client(api_read_keys=[READ_KEY, "read-key-2"], api_admin_keys=[ADMIN_KEY])
    read = {"Authorization": f"Bearer {READ_KEY}"}
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    query = {"query": "retry"}

    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {READ_KEY}"}):
        response = api.post("/v1/search", json=query, headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert error_of(response)["code"] == "unauthorized"

    assert api.post("/v1/search", json=query, headers=read).status_code == 200
    assert api.get("/v1/status", headers={"Authorization": "Bearer read-key-2"}).status_code == 200
    for method, path in [("PUT", "/v1/documents"), ("DELETE", "/v1/documents/x")]:
        response = api.request(method, path, headers=read, json={"path": "a.md", "text": "a"})
        assert response.status_code == 403 and error_of(response)["code"] == "forbidden"
    assert api.post("/v1/index", headers=read).status_code == 403

    assert api.post("/v1/search", json=query, headers=admin).status_code == 200
    assert api.delete("/v1/documents/x", headers=admin).status_code == 404
    assert api.post("/v1/index", headers=admin).status_code == 202

    assert api.get("/livez").status_code == 200
    assert api.get("/readyz").status_code in {200, 503}
    assert api.get("/").status_code == 200
    assert api.get("/openapi.json").status_code == 200


def test_oversized_bodies_are_413(client) -> None:
    api = client(max_request_bytes=1024)
    big = {"path": "big.md", "text": "x" * 4096}
    response = api.put("/v1/documents", json=big)
    assert response.status_code == 413 and error_of(response)["code"] == "request_too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer
        yield b'{"path": "big.md", "text": "'
        for _ in range(8):
            yield b"x" * 512
        yield b'"}'

    response = api.put(
        "/v1/documents", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413 and error_of(response)["code"] == "request_too_large"
    assert api.get("/v1/documents", params={"path_glob": "big.md"}).json()["total"] == 0
    assert api.post("/v1/search", json={"query": "small enough"}).status_code == 200


def test_cors_headers_only_when_configured(client) -> None:
    origin = {"Origin": "https://app.example"}
    assert "access-control-allow-origin" not in client().get("/v1/status", headers=origin).headers
    api = client(cors_origins=["https://app.example"])
    response = api.get("/v1/status", headers=origin)
    assert response.headers["access-control-allow-origin"] == "https://app.example"
    preflight = api.options(
        "/v1/search",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert preflight.status_code == 200
    other = api.get("/v1/status", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


# -- errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "method, path, status, code",
    [
        ("GET", "/v1/nope", 404, "not_found"),
        ("GET", "/nope.html", 404, "not_found"),
        ("GET", "/v1/search", 405, "method_not_allowed"),
        ("PATCH", "/v1/documents", 405, "method_not_allowed"),
    ],
)
def test_unknown_routes_and_methods(client, method: str, path: str, status: int, code: str):
    response = client().request(method, path)
    assert response.status_code == status and error_of(response)["code"] == code


def test_unexpected_errors_are_500_without_internals(client, retriever, monkeypatch) -> None:
    def broken():
        raise RuntimeError("secret internals at /srv/index")

    monkeypatch.setattr(retriever, "status", broken)
    response = client(raise_server_exceptions=False).get("/v1/status")
    assert response.status_code == 500
    assert error_of(response)["code"] == "internal_error"
    assert "secret" not in response.text and "Traceback" not in response.text


def test_openapi_documents_every_endpoint(client) -> None:
    paths = client().get("/openapi.json").json()["paths"]
    assert set(paths) >= {
        "/v1/search",
        "/v1/context",
        "/v1/documents",
        "/v1/documents/{doc_id}",
        "/v1/index",
        "/v1/index/status",
        "/v1/embeddings",
        "/v1/status",
        "/livez",
        "/readyz",
    }


# -- serving ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "host, loopback",
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("example.com", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_serve_refuses_a_public_host_without_keys(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("RETRIEVER_API_READ_KEYS", "RETRIEVER_API_ADMIN_KEYS"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--index", str(tmp_path)])
    assert result.exit_code == 2
    assert "refusing to serve on 0.0.0.0 without API keys" in result.output


def test_a_real_server_answers_over_http(retriever: Retriever) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(retriever, retriever.settings.model_copy(update={"max_request_bytes": 1024}))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=20) as http:
            response = http.post("/v1/search", json={"query": "retry the upload", "k": 2})
            assert response.status_code == 200
            assert all(set(hit) == HIT_FIELDS for hit in response.json()["hits"])

            chunked = http.post(
                "/v1/search",
                content=iter([b'{"query": "', b"x" * 2048, b'"}']),
                headers={"Content-Type": "application/json"},
            )
            assert chunked.status_code == 413
            assert chunked.json()["error"]["code"] == "request_too_large"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def test_rerank_without_a_reranker_is_503(client) -> None:
    api = client()
    for route, body in [
        ("/v1/search", {"query": "retry the upload", "rerank": True}),
        ("/v1/context", {"query": "retry the upload", "token_budget": 200, "rerank": True}),
    ]:
        response = api.post(route, json=body)
        assert response.status_code == 503
        error = error_of(response)
        assert error["code"] == "model_unavailable" and "reranker" in error["message"]
