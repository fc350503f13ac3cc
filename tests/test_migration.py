"""`retriever migrate --to postgresql://...`: an embedded index moves into PostgreSQL whole
(documents, chunks with their vectors, skipped files, labels, manifest), searches the same
afterwards, and stays a working index; the source is never changed; a run is all or nothing;
a target holding another index is refused with one line."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kill_loop import QUERIES, write_corpus
from retriever import CorruptIndexError, Retriever
from retriever.cli import app
from retriever.ops.migration import migrate
from retriever.store.postgres import open_store
from vector_noise import same_ranking


@pytest.fixture
def source(tmp_path: Path, minilm_dir: Path, rigged_masked_lm: Path) -> tuple[Path, Path]:
    """(corpus, index directory): 30 files of code and text, one binary file (skipped), every
    chunk labelled."""
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    write_corpus(corpus, "A", files=30)
    (corpus / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    settings = {"model": str(minilm_dir), "mlm_model": str(rigged_masked_lm)}
    with Retriever.open(index_dir, **settings) as retriever:
        retriever.index([corpus], classify_labels=["bad", "great"])
    return corpus, index_dir


def fingerprint(directory: Path) -> dict[str, str]:
    """The index's files by content; not SQLite's WAL and shared-memory files, which any
    reader of a WAL database may create (empty of changes)."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.iterdir())
        if path.is_file() and not path.name.endswith(("-wal", "-shm"))
    }


def migrate_command(index_dir: Path, url: str) -> list[str]:
    return ["migrate", "--index", str(index_dir), "--to", url]


def test_a_migrated_index_searches_like_its_source(source, postgres_url: str) -> None:
    corpus, index_dir = source
    before = fingerprint(index_dir)

    report = migrate(index_dir, postgres_url, batch=16)  # several batches of every table

    assert fingerprint(index_dir) == before, "the source changed"
    with (
        Retriever.open(index_dir, create=False) as old,
        Retriever.open(postgres_url, create=False) as new,
    ):
        was, now = old.status(), new.status()
        assert (report.documents, report.chunks) == (was.documents, was.chunks) > (0, 0)
        assert (now.documents, now.chunks, now.skipped) == (was.documents, was.chunks, was.skipped)
        assert report.skipped_files == 1 and report.labels == was.chunks
        assert now.model == was.model and now.generation == was.generation
        assert new.store.documents(1000, 0) == old.store.documents(1000, 0)
        for query in QUERIES:
            # The same vectors, searched exactly by FAISS and through HNSW on a corpus this
            # small: the same chunks with the same scores, up to float noise (and near-ties).
            for filters in (None, {"label": "great"}, {"language": "python"}):
                expected = old.search(query, k=10, mode="dense", filters=filters)
                found = new.search(query, k=10, mode="dense", filters=filters)
                assert len(expected) == 10
                assert same_ranking(
                    [(h.chunk_id, h.score) for h in found],
                    [(h.chunk_id, h.score) for h in expected],
                )
            assert new.search(query, k=5, mode="lexical"), "the lexical rows were not made"

    # A working index: a refresh re-encodes only what changed, and new rows get new ids.
    (corpus / "added.md").write_text("# Added\n\nA new page about upload retries.\n")
    with Retriever.open(postgres_url, create=False) as new:
        refreshed = new.index([corpus])
        assert refreshed.files_indexed == 1 and refreshed.chunks_encoded == 1
        assert new.search("upload retries", k=1, filters={"path_glob": "added.md"})


def test_a_migration_is_all_or_nothing(source, postgres_url: str, tmp_path: Path) -> None:
    _, index_dir = source
    damaged = tmp_path / "damaged"
    shutil.copytree(index_dir, damaged)
    with sqlite3.connect(damaged / "index.sqlite3") as database:
        database.execute(
            "UPDATE chunks SET vector = x'00000000' WHERE id = (SELECT max(id) FROM chunks)"
        )
    with pytest.raises(CorruptIndexError, match="a stored vector has 1 components"):
        migrate(damaged, postgres_url, batch=8)
    assert_empty(postgres_url)

    copied: list[int] = []

    def interrupt(done: int, total: int) -> None:
        copied.append(done)
        if len(copied) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        migrate(index_dir, postgres_url, batch=8, progress=interrupt)

    assert copied == [8, 16]  # two batches were written before the interruption
    assert_empty(postgres_url)
    assert migrate(index_dir, postgres_url).chunks > 16  # run again: it all arrives


def assert_empty(url: str) -> None:
    store = open_store(url, create=False)
    try:
        assert store.counts()["documents"] == store.counts()["chunks"] == 0
        assert store.manifest() == {}
    finally:
        store.close()


def test_a_target_holding_an_index_is_refused(
    source, postgres_url: str, tiny_modernbert: Path, tmp_path: Path
) -> None:
    _, index_dir = source
    runner = CliRunner()
    result = runner.invoke(app, [*migrate_command(index_dir, postgres_url), "--json"])
    assert result.exit_code == 0, result.output

    # Again into the same database: it holds this index now.
    again = runner.invoke(app, migrate_command(index_dir, postgres_url))
    assert again.exit_code == 1
    assert "already holds an index" in again.output
    assert len(again.output.strip().splitlines()) == 1

    # An index of another model: refused by name, and left as it was.
    other, other_index = tmp_path / "other", tmp_path / "other-index"
    write_corpus(other, "A", files=2)
    with Retriever.open(other_index, model=str(tiny_modernbert)) as retriever:
        retriever.index([other])
    refused = runner.invoke(app, migrate_command(other_index, postgres_url))
    assert refused.exit_code == 1
    assert "holds an index built with model" in refused.output
    assert "migrate into an empty database" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
    with (
        Retriever.open(index_dir, create=False) as old,
        Retriever.open(postgres_url, create=False) as new,
    ):
        assert new.status().documents == old.status().documents


def test_only_an_index_directory_migrates(tmp_path: Path, postgres_url: str) -> None:
    runner = CliRunner()
    missing = runner.invoke(app, migrate_command(tmp_path / "nowhere", postgres_url))
    assert missing.exit_code == 1 and "no index at" in missing.output
    from_database = runner.invoke(app, ["migrate", "--index", postgres_url, "--to", postgres_url])
    assert from_database.exit_code == 1 and "pg_dump" in from_database.output
