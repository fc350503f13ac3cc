"""Search over the sample corpus with the bundled MiniLM: real semantics, real files; on both
backends."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from indexers.documents import document_format
from paths import SAMPLE, SAMPLE_QUERIES
from retriever import Hit, InvalidQueryError, Retriever
from retriever.cli import app

QUERIES = [json.loads(line) for line in SAMPLE_QUERIES.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def retriever(sample_location: str):
    with Retriever.open(sample_location, create=False) as opened:
        yield opened


@pytest.mark.parametrize("case", QUERIES, ids=[q["id"] for q in QUERIES])
def test_semantic_query_finds_the_expected_file_in_top_3(sample_location: str, case: dict) -> None:
    """Through the CLI, as a user would ask."""
    arguments = ["search", case["query"], "-k", "3", "--index", sample_location, "--json"]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    found = [hit["path"] for hit in json.loads(result.stdout)["hits"]]
    assert {item["path"] for item in case["relevant"]} & set(found), found


def test_hits_cite_exact_lines_of_the_file(retriever: Retriever) -> None:
    hits = retriever.search("where do we retry failed uploads?", k=10)
    timings = hits.timings
    assert len(hits) == 10
    assert set(timings) == {"encode_ms", "search_ms"}
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    for hit in hits:
        assert isinstance(hit, Hit)
        if document_format(hit.path):  # lines of its extracted text, as get_document gives it
            chunks = retriever.document(hit.doc_id)["chunks"]
            full = "".join(chunk["text"] for chunk in chunks)
        else:
            full = (SAMPLE / hit.path).read_text(encoding="utf-8")
        lines = full.splitlines(keepends=True)
        assert 1 <= hit.start_line <= hit.end_line <= len(lines)
        cited = "".join(lines[hit.start_line - 1 : hit.end_line])
        assert cited.startswith(hit.text) or hit.text.startswith(cited.rstrip("\n"))
        assert hit.chunk_id and hit.doc_id and hit.language and hit.kind


def test_the_quickstart_query_finds_the_sample_documents(retriever: Retriever) -> None:
    """The sample corpus has a PDF, a Word file, a deck and a notebook about retries."""
    hits = retriever.search("where do we retry failed uploads?", k=10)
    documents = {hit.path: hit for hit in hits if document_format(hit.path)}
    assert documents, [hit.path for hit in hits]
    for hit in documents.values():
        if not hit.path.endswith(".docx"):
            assert hit.unit in {"page", "slide", "cell"} and hit.start_unit >= 1


@pytest.mark.parametrize(
    "filters, check",
    [
        ({"language": "go"}, lambda h: h.language == "go"),
        ({"language": ["rust", "c"]}, lambda h: h.language in {"rust", "c"}),
        ({"path_glob": "*.md"}, lambda h: h.path.endswith(".md")),
        ({"kind": "section"}, lambda h: h.kind == "section"),
    ],
)
def test_filters_restrict_hits(retriever: Retriever, filters: dict, check) -> None:
    hits = retriever.search("how does it work", k=5, filters=filters)
    assert hits and all(check(hit) for hit in hits)


def test_selective_filter_still_returns_every_match(retriever: Retriever) -> None:
    """A filter matching few chunks returns all of them, not a post-filtered top-k remnant."""
    everything = retriever.search("cyclic redundancy check", k=1000, filters={"language": "c"})
    assert everything
    fewer = retriever.search(
        "unrelated words entirely", k=len(everything), filters={"language": "c"}
    )
    assert {h.chunk_id for h in fewer} == {h.chunk_id for h in everything}


@pytest.mark.parametrize(
    "query, k, filters, message",
    [
        ("   ", 10, None, "empty"),
        ("retry", 0, None, "k must be"),
        ("retry", 10, {"colour": "red"}, "unknown filter"),
        ("retry", 10, {"language": 3}, "string"),
    ],
)
def test_bad_queries_are_clear_errors(retriever: Retriever, query, k, filters, message) -> None:
    with pytest.raises(InvalidQueryError, match=message):
        retriever.search(query, k=k, filters=filters)


def test_status_reports_the_model_and_counts(retriever: Retriever) -> None:
    status = retriever.status()
    assert status.model["model"] == "bundled:all-MiniLM-L6-v2"
    assert status.model["dimension"] == 384
    assert status.documents >= 30
    assert status.chunks == status.vectors >= status.documents
    assert {"python", "markdown", "go", "rust"} <= set(status.languages)
