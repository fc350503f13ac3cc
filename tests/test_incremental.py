"""Re-indexing does only the work a change needs, and never loses what is indexed (on both
backends; the single-writer lock and the vector files are the embedded backend's own)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from retriever import IndexLockedError, ModelMismatchError, Retriever, RetrieverError

MODULE = '''"""Uploads."""

import time


def upload(path):
    """Send one file."""
    return send(path)


def retry(path, attempts=3):
    """Try again after a pause."""
    for attempt in range(attempts):
        time.sleep(2 ** attempt)
        if upload(path):
            return True
    return False


def checksum(data):
    """Add up the bytes."""
    return sum(data) % 65536
'''


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "docs").mkdir(parents=True)
    (root / "uploads.py").write_text(MODULE)
    (root / "docs" / "guide.md").write_text("# Guide\n\nInstall it.\n\n## Usage\n\nRun it.\n")
    (root / "notes.txt").write_text("Plain notes.\n\nSecond paragraph.\n")
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    return root


@pytest.fixture
def index_dir(index_location: str) -> str:
    return index_location


def index(index_dir: str | Path, model: Path, *paths: Path, **settings):
    with Retriever.open(index_dir, model=str(model), **settings) as retriever:
        return retriever.index(list(paths))


def test_first_run_indexes_everything_and_records_skips(corpus, index_dir, tiny_modernbert):
    report = index(index_dir, tiny_modernbert, corpus)
    assert (report.files_indexed, report.files_unchanged, report.files_removed) == (3, 0, 0)
    assert report.files_skipped == {"binary": 1}
    assert report.chunks_encoded == report.chunks_added > 0
    with Retriever.open(index_dir, create=False) as retriever:
        status = retriever.status()
    assert status.documents == 3
    assert status.skipped == {"binary": 1}
    assert status.skipped_files[0]["path"] == "logo.png"


def test_rerun_without_changes_encodes_nothing(corpus, index_dir, tiny_modernbert):
    index(index_dir, tiny_modernbert, corpus)
    (corpus / "notes.txt").touch()  # a new mtime alone is not a change
    report = index(index_dir, tiny_modernbert, corpus)
    assert report.files_unchanged == 3
    assert report.files_indexed == report.chunks_encoded == report.chunks_added == 0


def test_rerun_without_changes_does_not_load_the_model(corpus, index_dir, tiny_modernbert):
    index(index_dir, tiny_modernbert, corpus)
    code = (
        "import sys; from retriever import Retriever\n"
        f"report = Retriever.open({str(index_dir)!r}).index([{str(corpus)!r}])\n"
        "assert report.files_unchanged == 3, report\n"
        "assert 'torch' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_editing_one_function_encodes_only_that_chunk(corpus, index_dir, tiny_modernbert):
    index(index_dir, tiny_modernbert, corpus)
    before = search_ids(index_dir, "checksum")
    edited = MODULE.replace("return sum(data) % 65536", "return sum(data) % 255")
    (corpus / "uploads.py").write_text(edited)
    report = index(index_dir, tiny_modernbert, corpus)
    assert report.files_indexed == 1 and report.files_unchanged == 2
    assert report.chunks_encoded == 1
    assert report.chunks_added == report.chunks_removed == 1
    with Retriever.open(index_dir, create=False) as retriever:
        texts = [h.text for h in retriever.search("sum of bytes", k=50)]
    assert any("% 255" in text for text in texts)
    assert not any("% 65536" in text for text in texts)
    assert len(search_ids(index_dir, "checksum")) == len(before)


def test_removed_file_leaves_the_index(corpus, index_dir, tiny_modernbert):
    index(index_dir, tiny_modernbert, corpus)
    (corpus / "notes.txt").unlink()
    report = index(index_dir, tiny_modernbert, corpus)
    assert report.files_removed == 1
    with Retriever.open(index_dir, create=False) as retriever:
        assert retriever.status().documents == 2
        hits = retriever.search("plain notes", k=50)
    assert all(hit.path != "notes.txt" for hit in hits)


def test_renamed_file_reuses_its_vectors(corpus, index_dir, tiny_modernbert):
    """Without context headers (a header names the path, so a rename re-encodes)."""
    index(index_dir, tiny_modernbert, corpus, context_header=False)
    shutil.move(corpus / "uploads.py", corpus / "transfer.py")
    report = index(index_dir, tiny_modernbert, corpus)
    assert (report.files_indexed, report.files_removed, report.chunks_encoded) == (1, 1, 0)
    with Retriever.open(index_dir, create=False) as retriever:
        paths = {hit.path for hit in retriever.search("retry", k=50)}
    assert "transfer.py" in paths and "uploads.py" not in paths


def test_indexing_a_single_file_keeps_the_rest(corpus, index_dir, tiny_modernbert):
    index(index_dir, tiny_modernbert, corpus)
    report = index(index_dir, tiny_modernbert, corpus / "notes.txt")
    assert report.files_unchanged == 1 and report.files_removed == 0
    with Retriever.open(index_dir, create=False) as retriever:
        assert retriever.status().documents == 3


def test_missing_path_is_an_error_that_changes_nothing(corpus, index_dir, tiny_modernbert):
    index(index_dir, tiny_modernbert, corpus)
    with pytest.raises(RetrieverError, match="no such file"):
        index(index_dir, tiny_modernbert, corpus, corpus / "missing")
    with Retriever.open(index_dir, create=False) as retriever:
        assert retriever.status().documents == 3


def test_another_model_on_an_existing_index_is_refused(corpus, index_dir, tiny_modernbert):
    index(index_dir, tiny_modernbert, corpus)
    with pytest.raises(ModelMismatchError, match="was built with model"):
        Retriever.open(index_dir, model="minilm")


def test_a_second_writer_fails_at_once(corpus, tmp_path, tiny_modernbert):
    index_dir = tmp_path / "index"
    with (
        Retriever.open(index_dir, model=str(tiny_modernbert)) as first,
        first.lock.hold(),
        pytest.raises(IndexLockedError, match="another process"),
    ):
        index(index_dir, tiny_modernbert, corpus)


@pytest.mark.parametrize("damage", ["truncate", "delete", "garbage"])
def test_damaged_vector_file_is_rebuilt_from_sqlite(corpus, tmp_path, tiny_modernbert, damage):
    index_dir = tmp_path / "index"
    index(index_dir, tiny_modernbert, corpus)
    expected = search_ids(index_dir, "retry after a pause")
    (vector_file,) = index_dir.glob("vectors.*.faiss")
    if damage == "truncate":
        vector_file.write_bytes(vector_file.read_bytes()[:100])
    elif damage == "delete":
        vector_file.unlink()
    else:
        vector_file.write_bytes(b"\0" * 4096)
    assert search_ids(index_dir, "retry after a pause") == expected


def search_ids(index_dir: str | Path, query: str) -> list[str]:
    with Retriever.open(index_dir, create=False) as retriever:
        return [hit.chunk_id for hit in retriever.search(query, k=50)]


def test_delete_removes_documents_under_a_path(corpus, index_dir, tiny_modernbert):
    index(index_dir, tiny_modernbert, corpus)
    with Retriever.open(index_dir, create=False) as retriever:
        assert retriever.delete([corpus / "docs"]) == 1
        assert retriever.delete([corpus / "docs"]) == 0
        assert retriever.status().documents == 2
        assert all(not h.path.startswith("docs/") for h in retriever.search("usage", k=50))
    assert index(index_dir, tiny_modernbert, corpus).files_indexed == 1  # and back it comes


def test_status_lists_the_paths_given_to_index(corpus, index_dir, tiny_modernbert):
    index(index_dir, tiny_modernbert, corpus / "notes.txt")
    index(index_dir, tiny_modernbert, corpus / "docs")
    with Retriever.open(index_dir, create=False) as retriever:
        assert retriever.status().roots == [
            str((corpus / "notes.txt").resolve()),
            str((corpus / "docs").resolve()),
        ]
