"""Indexing a folder of PDF, Word, PowerPoint and notebook files finds a phrase from each, cited
by page, slide or cell, through Python, the CLI, HTTP and MCP, on both backends; hostile files
are skipped with their reason in ``status`` and nothing already indexed is lost."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest
from document_files import docx, notebook, pdf, pptx, zip_bomb
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api import create_app
from api.mcp import create_mcp_server
from retriever import Retriever
from retriever.cli import app as cli

#: Phrase -> (path, unit, first, last, citation) of the passage that holds it.
EXPECTED = {
    "gearbox lubrication": ("manual.pdf", "page", 2, 2, "manual.pdf p.2"),
    "ledger reconciliation": ("spec.docx", None, None, None, "spec.docx:1-4"),  # no pages
    "otter migration": ("deck.pptx", "slide", 2, 2, "deck.pptx slide 2"),
    "def churn_quotient": ("analysis.ipynb", "cell", 3, 3, "analysis.ipynb cell 3"),
}


def build(corpus: Path) -> Path:
    corpus.mkdir()
    (corpus / "manual.pdf").write_bytes(
        pdf(
            [["Widget manual", "Read this first."], ["Maintenance", "Gearbox lubrication weekly."]],
            [("Widget manual", 0, 0), ("Maintenance", 1, 1)],
        )
    )
    (corpus / "spec.docx").write_bytes(
        docx([("heading1", "Ledger"), ("paragraph", "Ledger reconciliation runs nightly.")])
    )
    (corpus / "deck.pptx").write_bytes(
        pptx([{"title": "Intro", "body": ["Welcome"]}, {"title": "Field notes",
              "body": ["Otter migration peaks in May"], "notes": "Show the map"}])
    )  # fmt: skip
    (corpus / "analysis.ipynb").write_bytes(
        notebook(
            [
                ("markdown", "# Churn"),
                ("code", "import math"),
                ("code", "def churn_quotient(rows):\n    return len(rows)\n"),
            ]
        )
    )
    (corpus / "notes.md").write_text("# Notes\n\nPlain prose stays as it was.\n")
    return corpus


def check(hit: dict, phrase: str) -> None:
    path, unit, first, last, _ = EXPECTED[phrase]
    assert phrase.lower() in hit["text"].lower()
    assert (hit["path"], hit["unit"], hit["start_unit"], hit["end_unit"]) == (
        path,
        unit,
        first,
        last,
    )


@pytest.fixture
def indexed(tmp_path: Path, index_location: str, tiny_modernbert: Path):
    corpus = build(tmp_path / "corpus")
    with Retriever.open(index_location, model=str(tiny_modernbert)) as retriever:
        report = retriever.index([corpus])
        assert report.files_indexed == 5 and not report.files_skipped
        yield retriever, corpus


def test_python_finds_a_phrase_from_each_format_cited_by_its_place(indexed) -> None:
    retriever, _ = indexed
    for phrase in EXPECTED:
        hits = retriever.search(phrase, k=3, mode="lexical")
        check(hits[0].to_dict(), phrase)
    context = retriever.context("otter migration", 500, 5, mode="lexical")
    assert context.passages[0].citation == "deck.pptx slide 2"
    assert "[1] deck.pptx slide 2" in context.context
    plain = retriever.search("plain prose", k=1, mode="lexical")[0]
    assert (plain.unit, plain.start_unit, plain.end_unit) == (None, None, None)


def test_http_and_mcp_carry_the_places(indexed) -> None:
    retriever, _ = indexed
    with TestClient(create_app(retriever), base_url="http://127.0.0.1") as client:
        for phrase in EXPECTED:
            body = {"query": phrase, "k": 3, "mode": "lexical"}
            response = client.post("/v1/search", json=body)
            assert response.status_code == 200, response.text
            check(response.json()["hits"][0], phrase)
    server = create_mcp_server(retriever)

    async def mcp_search(phrase: str) -> dict:
        result = await server.call_tool("search", {"query": phrase, "k": 3, "mode": "lexical"})
        assert not result.is_error, result.content
        return result.structured_content["result"][0]

    for phrase, (*_, citation) in EXPECTED.items():
        hit = anyio.run(mcp_search, phrase)
        check(hit, phrase)
        assert hit["citation"] == citation


def test_cli_json_and_text_show_the_places(tmp_path: Path, tiny_modernbert: Path) -> None:
    corpus = build(tmp_path / "corpus")
    index = str(tmp_path / "index")
    runner = CliRunner()
    result = runner.invoke(
        cli, ["index", str(corpus), "--index", index, "--model", str(tiny_modernbert)]
    )
    assert result.exit_code == 0, result.output
    for phrase, (*_, citation) in EXPECTED.items():
        found = runner.invoke(
            cli, ["search", phrase, "--index", index, "--mode", "lexical", "--json"]
        )
        assert found.exit_code == 0, found.output
        check(json.loads(found.stdout)["hits"][0], phrase)
        text = runner.invoke(
            cli, ["search", phrase, "--index", index, "--mode", "lexical", "-k", "1"]
        )
        assert citation in text.stdout


def test_a_hostile_document_is_skipped_and_nothing_indexed_is_lost(
    tmp_path: Path, tiny_modernbert: Path
) -> None:
    corpus = build(tmp_path / "corpus")
    with Retriever.open(tmp_path / "index", model=str(tiny_modernbert)) as retriever:
        retriever.index([corpus])
        (corpus / "spec.docx").write_bytes(zip_bomb(1))  # a good file turned hostile
        report = retriever.index([corpus])
        assert report.files_skipped == {"too-large": 1}
        status = retriever.status()
        assert status.skipped == {"too-large": 1}
        (skipped,) = status.skipped_files
        assert skipped["path"] == "spec.docx" and "expands to 1,024 MiB" in skipped["detail"]
        for phrase in ("gearbox lubrication", "otter migration", "def churn_quotient"):
            check(retriever.search(phrase, k=3, mode="lexical")[0].to_dict(), phrase)


def test_an_index_made_before_documents_gains_the_columns_and_then_the_documents(
    tmp_path: Path, tiny_modernbert: Path
) -> None:
    import sqlite3

    old = tmp_path / "old"
    old.mkdir()
    (old / "notes.md").write_text("# Notes\n\nPlain prose stays as it was.\n")
    index = tmp_path / "index"
    with Retriever.open(index, model=str(tiny_modernbert)) as retriever:
        retriever.index([old])
    with sqlite3.connect(index / "index.sqlite3") as database:  # as the first schema made it
        for column in ("unit", "start_unit", "end_unit"):
            database.execute(f"ALTER TABLE chunks DROP COLUMN {column}")
    corpus = build(tmp_path / "corpus")
    with Retriever.open(index, model=str(tiny_modernbert)) as retriever:
        plain = retriever.search("plain prose", k=1, mode="lexical")[0]
        assert plain.path == "notes.md" and plain.unit is None
        assert retriever.index([corpus]).files_indexed == 5
        for phrase in EXPECTED:
            check(retriever.search(phrase, k=1, mode="lexical")[0].to_dict(), phrase)


def test_an_unchanged_document_is_not_extracted_again(
    tmp_path: Path, tiny_modernbert: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import retriever.ingest.indexing as indexing

    corpus = build(tmp_path / "corpus")
    loaded: list[str] = []
    real_load = indexing.load

    def load(source, **options):  # noqa: ANN001, ANN202 - records what was read and extracted
        loaded.append(source.path)
        return real_load(source, **options)

    monkeypatch.setattr(indexing, "load", load)
    with Retriever.open(tmp_path / "index", model=str(tiny_modernbert)) as retriever:
        retriever.index([corpus])
        loaded.clear()
        assert retriever.index([corpus]).files_unchanged == 5
        assert loaded == ["notes.md"]  # text files are read; documents only hashed
        (corpus / "deck.pptx").write_bytes(pptx([{"title": "Field notes", "body": ["Beavers"]}]))
        assert retriever.index([corpus]).files_indexed == 1
        assert "deck.pptx" in loaded
        assert retriever.search("beavers", k=1, mode="lexical")[0].path == "deck.pptx"
