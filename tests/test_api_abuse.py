"""The HTTP API under abuse: hostile bodies and values never reach the engine unchecked, filter
values are always bound (results equal an in-Python reference, whatever the value), and no
request the OpenAPI spec allows makes a server error (schemathesis).

Plain limits (413, 401/403, malformed JSON, k = 0, unknown filters) are in test_api.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from api.app import create_app
from indexers.languages import KNOWN_LANGUAGES
from kill_loop import write_corpus
from retriever import Retriever

#: Values that break naive string-built SQL, globs or FTS5 queries.
INJECTIONS = [
    "' OR 1=1 --",
    '" OR ""="',
    "'; DROP TABLE chunks; --",
    "*') OR ('1'='1",
    "%",
    "_",
    "\\",
    "*",
    "?",
    "**/*",
    "../../etc/passwd",
    "NEAR(a b)",
    '"unbalanced',
    "a AND NOT b",
    "col:term",
    "^start",
    "{a,b}",
    "python",
    "markdown",
    "function",
    "section",
    "src/*.py",
    "docs/*",
    "*module_01*",
]
#: Characters for generated globs: everything but the bracket classes, which the reference
#: below does not model.
GLOB_ALPHABET = st.characters(blacklist_characters="[]\x00", blacklist_categories=("Cs",))
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def retriever(tmp_path_factory, tiny_modernbert: Path) -> Iterator[Retriever]:
    """A 40-file index (80 chunks at most, so a k=100 dense search returns every match)."""
    corpus = tmp_path_factory.mktemp("abuse-corpus")
    write_corpus(corpus, "A", files=40)
    with Retriever.open(
        tmp_path_factory.mktemp("abuse") / "index", model=str(tiny_modernbert)
    ) as r:
        r.index([corpus])
        yield r


@pytest.fixture(scope="module")
def client(retriever: Retriever) -> Iterator[TestClient]:
    with TestClient(create_app(retriever), base_url="http://127.0.0.1") as started:
        yield started


@pytest.fixture(scope="module")
def chunks(retriever: Retriever) -> list[dict[str, Any]]:
    """Every chunk with the fields filters look at: the reference filter's input."""
    found = []
    for document in retriever.documents(limit=1000).documents:
        detail = retriever.document(document.doc_id)
        for chunk in detail["chunks"]:
            found.append({**chunk, "path": detail["path"], "language": detail["language"]})
    assert len(found) < 100
    return found


def glob_matches(pattern: str, value: str | None) -> bool:
    """SQLite's GLOB without bracket classes: ``*`` any run, ``?`` one character, rest as is
    (case-sensitive; NULL never matches)."""
    if value is None:
        return False
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.DOTALL) is not None


def reference(chunks: list[dict[str, Any]], filters: dict[str, Any]) -> set[str]:
    """The engine's filter semantics in Python: an empty glob is no filter; ``language`` and
    ``kind`` take one value or several (an empty list is no filter)."""

    def among(value: str | list[str] | None, field: str | None) -> bool:
        wanted = [value] if isinstance(value, str) else value or []
        return not wanted or field in wanted

    def keep(chunk: dict[str, Any]) -> bool:
        return (
            (not filters.get("path_glob") or glob_matches(filters["path_glob"], chunk["path"]))
            and (not filters.get("symbol") or glob_matches(filters["symbol"], chunk["symbol"]))
            and among(filters.get("language"), chunk["language"])
            and among(filters.get("kind"), chunk["kind"])
        )

    return {chunk["chunk_id"] for chunk in chunks if keep(chunk)}


values = st.one_of(st.sampled_from(INJECTIONS), st.text(GLOB_ALPHABET, max_size=12))
names = st.lists(
    st.one_of(st.sampled_from(INJECTIONS), st.text(max_size=8).filter(lambda s: "\x00" not in s)),
    min_size=1,
    max_size=3,
)
known = st.sampled_from(sorted(KNOWN_LANGUAGES))
filters = st.fixed_dictionaries(
    {},
    optional={
        "path_glob": values,
        "symbol": values,
        "language": st.one_of(values, names, known, st.lists(known, max_size=3)),
        "kind": st.one_of(values, names),
    },
)


@SETTINGS
@given(chosen=filters)
def test_fuzzed_filters_are_bound_and_match_a_python_reference(client, chunks, chosen) -> None:
    response = client.post(
        "/v1/search", json={"query": "retry upload", "k": 100, "mode": "dense", "filters": chosen}
    )
    language = chosen.get("language")
    wanted = [language] if isinstance(language, str) else language or []
    if any(name not in KNOWN_LANGUAGES for name in wanted):  # a filter that names no language
        assert response.status_code == 422, response.text
        assert "unknown language" in response.json()["error"]["message"]
        return
    assert response.status_code == 200, response.text
    assert {hit["chunk_id"] for hit in response.json()["hits"]} == reference(chunks, chosen)


@SETTINGS
@given(query=st.one_of(st.sampled_from(INJECTIONS), st.text(min_size=1, max_size=64)))
def test_fuzzed_queries_never_break_the_lexical_search(client, query: str) -> None:
    for mode in ("lexical", "hybrid"):
        response = client.post("/v1/search", json={"query": query, "k": 5, "mode": mode})
        assert response.status_code in {200, 422}, response.text


@pytest.mark.parametrize(
    "body",
    [
        {"query": "retry", "k": 10**12},
        {"query": "retry", "k": -1},
        {"query": "retry", "k": 1.5},
        {"query": "retry", "filters": {"path_glob": {"nested": {"deeper": ["*"]}}}},
        {"query": "retry", "filters": {"language": [["python"]]}},
        {"query": "retry", "filters": {"kind": {"$ne": "x"}}},
        {"query": "retry", "filters": {"path_glob": "a\x00b"}},
        {"query": "retry", "filters": {"symbol": "x" * 5000}},
        {"query": "retry", "filters": ["path_glob", "*"]},
        {"query": "retry", "mode": "sql"},
        {"query": ["retry"]},
        {"query": "\ud800 lone surrogate"},
        {"query": "retry", "filters": {"language": "\udfff"}},
    ],
)
def test_hostile_search_bodies_are_422(client, body: dict) -> None:
    # Serialised by hand: lone surrogates must reach the server as JSON escapes.
    response = client.post(
        "/v1/search", content=json.dumps(body), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"]


@pytest.mark.parametrize(
    "content",
    [
        b"[" * 100_000,  # deeper than any parser's recursion
        b'{"query": ' * 50_000 + b'"x"' + b"}" * 50_000,
        b'{"query": "caf\xe9"}',  # not UTF-8
        b'{"query": "retry", "k": NaN}',
        b"",
        b"null",
    ],
)
def test_malformed_bodies_are_client_errors(client, content: bytes) -> None:
    response = client.post(
        "/v1/search", content=content, headers={"Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500, response.text


@pytest.mark.parametrize("offset", [2**63, 10**30])
def test_an_offset_past_what_the_database_binds_is_422(client, offset: int) -> None:
    # schemathesis found it: OFFSET 2**63 overflowed SQLite's integer binding (a 500).
    response = client.get("/v1/documents", params={"offset": offset})
    assert response.status_code == 422, response.text


def test_the_largest_offset_is_an_empty_page(client) -> None:
    response = client.get("/v1/documents", params={"offset": 2**63 - 1})
    assert response.status_code == 200, response.text
    assert response.json()["documents"] == []


# -- schemathesis: every operation of the OpenAPI spec, generated requests, no 5xx ----------
@pytest.fixture(scope="module")
def api_schema(tmp_path_factory, tiny_modernbert: Path, masked_lm_dir: Path, tiny_reranker: Path):
    """A separate index: generated requests upload, delete and re-index; the masked-LM
    endpoints and `rerank` get a model, so generated requests reach their code."""
    corpus = tmp_path_factory.mktemp("schema-corpus")
    write_corpus(corpus, "A", files=10)
    index_dir = tmp_path_factory.mktemp("schema") / "index"
    models = {
        "model": str(tiny_modernbert),
        "mlm_model": str(masked_lm_dir),
        "rerank_model": str(tiny_reranker),
    }
    with Retriever.open(index_dir, **models) as retriever:
        retriever.index([corpus])
        # schemathesis' ASGI client sends `Host: testserver`: serve that name as if bound to it.
        app = create_app(retriever, host="testserver")
        yield schemathesis.openapi.from_asgi("/openapi.json", app)
        app.state.index_job.wait(60)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_generated_request_makes_a_server_error(case) -> None:
    case.call_and_validate(checks=[not_a_server_error])
