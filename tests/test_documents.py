"""Documents by id, virtual documents uploaded as text, and embeddings of arbitrary text; on
both backends."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retriever import InvalidQueryError, Retriever


@pytest.fixture
def retriever(tmp_path: Path, index_location: str, tiny_modernbert: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.py").write_text("def upload():\n    return 1\n\n\ndef retry():\n    return 2\n")
    (corpus / "b.md").write_text("# Notes\n\nSome notes.\n")
    with Retriever.open(index_location, model=str(tiny_modernbert)) as opened:
        opened.index([corpus])
        yield opened


def test_documents_are_listed_in_path_order_with_chunk_counts(retriever: Retriever) -> None:
    page = retriever.documents()
    assert page.total == 2
    assert [d.path for d in page.documents] == ["a.py", "b.md"]
    assert page.documents[0].chunks == 2
    assert retriever.documents(limit=1, offset=1).documents[0].path == "b.md"
    assert [d.path for d in retriever.documents(path_glob="*.md").documents] == ["b.md"]


def test_a_document_comes_with_its_chunks_in_order(retriever: Retriever) -> None:
    summary = retriever.documents().documents[0]
    document = retriever.document(summary.doc_id)
    assert document["path"] == "a.py"
    assert [c["symbol"] for c in document["chunks"]] == ["upload", "retry"]
    assert (
        "".join(c["text"] for c in document["chunks"]) == Path(document["root"], "a.py").read_text()
    )
    assert retriever.document("nope") is None


def test_virtual_documents_are_searchable_replaceable_and_deletable(retriever) -> None:
    first = retriever.upsert_text("notes/todo.md", "# Todo\n\nShip the uploader.\n")
    assert (first.root, first.path, first.language) == ("virtual:", "notes/todo.md", "markdown")
    assert any(h.path == "notes/todo.md" for h in retriever.search("todo", k=10))
    second = retriever.upsert_text("notes/todo.md", "# Todo\n\nShip the thumbnailer.\n")
    assert second.doc_id == first.doc_id
    texts = [h.text for h in retriever.search("todo", k=10) if h.path == "notes/todo.md"]
    assert texts and all("uploader" not in text for text in texts)
    assert retriever.delete_document(first.doc_id) is True
    assert retriever.delete_document(first.doc_id) is False
    assert retriever.documents().total == 2


@pytest.mark.parametrize("path", ["", "../escape.md", "/etc/passwd", "a/../../b", "x\0y"])
def test_virtual_paths_must_stay_inside(retriever: Retriever, path: str) -> None:
    with pytest.raises(InvalidQueryError):
        retriever.upsert_text(path, "text")


def test_embeddings_match_the_index_model(retriever: Retriever) -> None:
    vectors, tokens = retriever.embed(["retry failed uploads", "thumbnails"])
    assert vectors.shape == (2, 32) and tokens > 4
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    query_vectors, _ = retriever.embed(["retry failed uploads"], input_type="query")
    assert np.allclose(query_vectors[0], retriever.encoder.encode_query("retry failed uploads"))
    with pytest.raises(InvalidQueryError, match="at most 8192"):
        retriever.embed(["word " * 9000])
