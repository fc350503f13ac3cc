"""An index built by an older chunker is re-chunked by the next `index` run (vectors of
unchanged chunk texts come from the cache), resumably; searches work meanwhile."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexers.chunking import CHUNKER_VERSION
from retriever import IndexReport, Retriever


def _corpus(root: Path) -> Path:
    root.mkdir()
    for number in range(4):
        (root / f"mod{number}.py").write_text(
            f'def handler_{number}(event):\n    """Handle event {number}."""\n    return event\n'
        )
    (root / "guide.md").write_text("# Guide\n\nHow the handlers fit together.\n")
    return root


def _built_then_aged(tmp_path: Path) -> tuple[Path, Path, IndexReport]:
    """A corpus and its index, made to look built by the previous chunker; the first run's
    report."""
    corpus = _corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    with Retriever.open(index, model="minilm") as retriever:
        first = retriever.index([corpus])
        retriever.store.set_manifest({"chunker_version": CHUNKER_VERSION - 1})
    return corpus, index, first


def test_an_older_chunkers_index_is_rechunked_by_the_next_run(tmp_path: Path) -> None:
    corpus, index, first = _built_then_aged(tmp_path)

    with Retriever.open(index, create=False) as retriever:
        assert retriever.search("handler_2", k=1)[0].path == "mod2.py"  # searches still work
        report = retriever.index([corpus])
        manifest = retriever.store.manifest()
        assert retriever.status().chunks == first.chunks_added
    assert report.files_indexed == first.files_indexed and report.files_unchanged == 0
    assert report.chunks_encoded == 0  # same texts: every vector from the cache
    assert manifest["chunker_version"] == CHUNKER_VERSION and not manifest.get("reembed")

    with Retriever.open(index, create=False) as retriever:  # done: the next run is a no-op
        again = retriever.index([corpus])
    assert again.files_unchanged == first.files_indexed and again.files_indexed == 0


def test_an_interrupted_rechunking_resumes(tmp_path: Path) -> None:
    corpus, index, first = _built_then_aged(tmp_path)

    def interrupt(done: int, total: int, path: str) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with Retriever.open(index, create=False) as retriever, pytest.raises(KeyboardInterrupt):
        retriever.index([corpus], progress=interrupt)
    with Retriever.open(index, create=False) as retriever:
        assert retriever.store.manifest()["reembed"] == [str(corpus.resolve())]
        assert retriever.search("handler_2", k=1)[0].path == "mod2.py"
        report = retriever.index([corpus])
        assert not retriever.store.manifest().get("reembed")
    assert report.files_indexed == first.files_indexed


def test_an_index_of_a_newer_chunker_is_refused(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    with Retriever.open(index, model="minilm") as retriever:
        retriever.index([corpus])
        retriever.store.set_manifest({"chunker_version": CHUNKER_VERSION + 1})
    with Retriever.open(index, create=False) as retriever, pytest.raises(Exception, match="newer"):
        retriever.index([corpus])
