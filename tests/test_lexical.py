"""Lexical search: identifier-aware terms, kept in step with every change to the chunks (FTS5
on SQLite, full-text search on PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from retriever import InvalidQueryError, Retriever
from retriever.store.lexical import expand, identifier_parts, query_terms


@pytest.mark.parametrize(
    "identifier, parts",
    [
        ("retry_upload_request", ["retry", "upload", "request"]),
        ("parseHttpResponse", ["parse", "http", "response"]),
        ("HTTPServer", ["http", "server"]),
        ("storage.backend.Disk", ["storage", "backend", "disk"]),
        ("ns::Cache::get", ["ns", "cache", "get"]),
        ("plain", []),
    ],
)
def test_identifiers_split_into_parts(identifier: str, parts: list[str]) -> None:
    assert identifier_parts(identifier) == parts


def test_expanded_text_keeps_the_whole_identifier_and_adds_parts() -> None:
    assert expand("call retryUpload()") == "call retryUpload()\nretry upload"
    assert query_terms("Where is RetryPolicy?") == ["retrypolicy", "retry", "policy"]
    assert query_terms('" OR x') == ["x"]  # FTS syntax never reaches MATCH unquoted


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "upload.py").write_text(
        "def retry_upload_request(send):\n    return send()\n\n\n"
        "class UploadSession:\n    def close(self):\n        pass\n"
    )
    (root / "guide.md").write_text("# Guide\n\nThumbnails are resized in the background.\n")
    return root


def test_lexical_mode_finds_identifiers_and_their_parts(index_location, corpus, tiny_modernbert):
    with Retriever.open(index_location, model=str(tiny_modernbert)) as retriever:
        retriever.index([corpus])
        exact = retriever.search("retry_upload_request", k=3, mode="lexical")
        assert exact[0].symbol == "retry_upload_request"
        words = retriever.search("upload request retry", k=3, mode="lexical")
        assert words[0].symbol == "retry_upload_request"
        camel = retriever.search("upload session", k=3, mode="lexical")
        assert camel[0].symbol in {"UploadSession", "UploadSession.close"}
        stemmed = retriever.search("thumbnail resizing", k=3, mode="lexical")
        assert stemmed[0].path == "guide.md"
        filtered = retriever.search("upload", k=10, mode="lexical", filters={"path_glob": "*.md"})
        assert filtered == []
        hybrid = retriever.search("retry_upload_request", k=3)
        assert hybrid[0].symbol == "retry_upload_request"
        with pytest.raises(InvalidQueryError, match="unknown mode"):
            retriever.search("x", mode="fuzzy")


def test_lexical_index_follows_edits_and_deletions(index_location, corpus, tiny_modernbert):
    with Retriever.open(index_location, model=str(tiny_modernbert)) as retriever:
        retriever.index([corpus])
        (corpus / "guide.md").write_text("# Guide\n\nWatermarks are stamped on previews.\n")
        retriever.index([corpus])
        assert retriever.search("thumbnails", k=5, mode="lexical") == []
        assert retriever.search("watermarks", k=5, mode="lexical")[0].path == "guide.md"
        (corpus / "upload.py").rename(corpus / "transfer.py")
        retriever.index([corpus])
        paths = {h.path for h in retriever.search("retry_upload_request", k=5, mode="lexical")}
        assert paths == {"transfer.py"}
        retriever.delete([corpus / "transfer.py"])
        assert retriever.search("retry_upload_request", k=5, mode="lexical") == []
