"""The disk fails during a commit: the k-th open, write, fsync, rename or unlink of the vector
file's commit raises EIO, or SQLite refuses to record the generation, for every k. Each time:
a clean error, the previous generation keeps serving, no temp file stays, and a retry succeeds
with results equal to a from-scratch index."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from retriever import Retriever, StorageError
from retriever.ops.doctor import examine
from retriever.store import SQLiteStore
from retriever.store import vectors as vectors_module

#: The calls of one commit that can fail, in the order they happen.
FAULTY = ("open", "write", "fsync", "replace", "unlink")
QUERIES = ("retry the upload", "install guide")


class FailingOs(SimpleNamespace):
    """``os`` for the vectors module, with the ``fail_at``-th faulty call raising EIO."""

    def __init__(self, fail_at: int | None) -> None:
        super().__init__()
        self.fail_at, self.calls = fail_at, []

    def __getattr__(self, name: str):
        real = getattr(os, name)
        if name not in FAULTY:
            return real

        def call(*args, **kwargs):
            self.calls.append(name)
            if len(self.calls) == self.fail_at:
                raise OSError(errno.EIO, f"injected {name} failure")
            return real(*args, **kwargs)

        return call


def write_version(corpus: Path, version: int) -> None:
    shutil.rmtree(corpus, ignore_errors=True)
    (corpus / "docs").mkdir(parents=True)
    (corpus / "upload.py").write_text(
        f"def upload(path):\n    return send(path, {version})\n\n\ndef retry(path):\n"
        "    for attempt in range(3):\n        if upload(path):\n            return True\n"
    )
    (corpus / "docs" / "guide.md").write_text(f"# Install guide {version}\n\nRun pip install.\n")
    if version == 2:
        (corpus / "docs" / "cache.md").write_text("# Cache\n\nInvalidate the cache on upload.\n")


def results(retriever: Retriever) -> list[list[str]]:
    """The chunks each search returns. The corpus has fewer than 10 chunks, so a search returns
    all of them; the tiny random model scores them almost alike, so their order is float noise
    (bf16 included) and only which chunks come back is compared."""
    return [
        sorted(hit.chunk_id for hit in retriever.search(query, 10, mode=mode))
        for query in QUERIES
        for mode in ("dense", "hybrid")
    ]


def chunk_ids(retriever: Retriever) -> set[str]:
    documents = retriever.documents(limit=1000).documents
    return {c["chunk_id"] for d in documents for c in retriever.document(d.doc_id)["chunks"]}


@pytest.fixture(scope="module")
def references(tmp_path_factory, tiny_modernbert: Path) -> dict:
    """The corpus path, and per version the results and chunk ids of a from-scratch index."""
    corpus = tmp_path_factory.mktemp("io-corpus") / "corpus"
    found: dict = {"corpus": corpus}
    for version in (1, 2):
        write_version(corpus, version)
        index_dir = tmp_path_factory.mktemp(f"io-reference-{version}")
        with Retriever.open(index_dir, model=str(tiny_modernbert)) as retriever:
            retriever.index([corpus])
            found[version] = (results(retriever), chunk_ids(retriever))
    return found


def commit_calls(index_dir: Path, tiny_modernbert: Path, corpus: Path, monkeypatch) -> int:
    """How many faulty calls the commit of one re-index makes (a dry run)."""
    counting = FailingOs(None)
    write_version(corpus, 1)
    with Retriever.open(index_dir, model=str(tiny_modernbert)) as retriever:
        retriever.index([corpus])
        write_version(corpus, 2)
        with monkeypatch.context() as patch:
            patch.setattr(vectors_module, "os", counting)
            retriever.index([corpus])
    return len(counting.calls)


def refuse_record(self, row) -> None:
    raise StorageError("index database: disk I/O error")


def test_every_failing_call_of_a_commit_is_survived(
    tmp_path: Path, tiny_modernbert: Path, references, monkeypatch
) -> None:
    corpus = references["corpus"]
    calls = commit_calls(tmp_path / "dry-run", tiny_modernbert, corpus, monkeypatch)
    assert calls >= 6  # open, write, fsync, replace, fsync of the directory, unlink
    # Each call in turn; then (k = calls + 1) SQLite refusing to record the generation.
    for fail_at in range(1, calls + 2):
        index_dir = tmp_path / f"index-{fail_at}"
        write_version(corpus, 1)
        with Retriever.open(index_dir, model=str(tiny_modernbert)) as retriever:
            retriever.index([corpus])
            before = retriever.generation
            write_version(corpus, 2)
            failing = FailingOs(fail_at)
            with monkeypatch.context() as patch:
                patch.setattr(vectors_module, "os", failing)
                if fail_at > calls:
                    patch.setattr(SQLiteStore, "record_generation", refuse_record)
                try:
                    retriever.index([corpus])
                except StorageError as error:
                    assert f"keeps serving generation {before}" in str(error)
                    failed = True
                else:
                    failed = False
            # Only a failed delete of the old file is no error: the next write retries it.
            assert failed == (failing.calls[fail_at - 1 : fail_at] != ["unlink"]), failing.calls
            assert not list(index_dir.glob(vectors_module.TEMP_GLOB))
            if failed:
                # This process keeps serving its generation: hits are chunks of version 1.
                assert retriever.generation == before
                assert {i for r in results(retriever) for i in r} <= references[1][1]
                # Another reader finds the vectors behind SQLite and rebuilds them.
                with Retriever.open(index_dir, create=False) as reader:
                    assert results(reader) == references[2][0]
            retriever.index([corpus])  # the retry
            assert results(retriever) == references[2][0]
        assert examine(index_dir).healthy
