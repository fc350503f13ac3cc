"""What only the PostgreSQL backend has: the URL that selects it, its versioned schema, filtered
HNSW search that still returns k hits, and several writers at once. (The storage tests it
shares with the embedded backend run on both through the ``index_location`` fixture.)"""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import create_engine
from sqlalchemy import text as sql
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from indexers.chunk import Chunk, content_hash
from kill_loop import child_environment, write_corpus
from retriever import InvalidQueryError, Retriever
from retriever.cli import app
from retriever.store import DocumentUpdate, PendingDocument
from retriever.store.postgres import open_postgres, schema, search
from retriever.types import Filters

runner = CliRunner()


def query(url: str, statement: str) -> list[tuple]:
    """Rows of one statement, run in its own committed transaction."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        result = connection.execute(sql(statement))
        rows = [tuple(row) for row in result] if result.returns_rows else []
    engine.dispose()
    return rows


VECTOR_TYPE = (
    "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
    "WHERE attrelid = 'chunks'::regclass AND attname = 'vector'"
)


def test_the_cli_indexes_searches_and_reports_on_a_url(
    postgres_url: str, tmp_path: Path, tiny_modernbert: Path, monkeypatch
) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, "A", files=8)
    indexed = runner.invoke(
        app, ["index", str(corpus), "--index", postgres_url, "--model", str(tiny_modernbert)]
    )
    assert indexed.exit_code == 0, indexed.output
    searched = runner.invoke(app, ["search", "retry the upload", "--index", postgres_url, "--json"])
    assert searched.exit_code == 0, searched.output
    assert len(json.loads(searched.stdout)["hits"]) == 8
    monkeypatch.setenv("RETRIEVER_INDEX", postgres_url)
    status = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    assert status["documents"] == 8 and status["chunks"] == status["vectors"] > 0
    assert status["index_dir"].startswith("postgresql://postgres:***@/test_")
    assert runner.invoke(app, ["doctor"]).exit_code == 0


@pytest.mark.parametrize(
    "url, message",
    [
        ("postgresql://nobody@/nowhere?host=/nonexistent", "PostgreSQL at postgresql://"),
        ("postgresql://nobody@host:port/db", "not a database URL"),
    ],
)
def test_a_bad_url_or_an_unreachable_server_is_one_line(url: str, message: str) -> None:
    for command in (["status"], ["index", "."], ["doctor"]):
        result = runner.invoke(app, [*command, "--index", url])
        assert result.exit_code == 1, result.output
        assert message in result.stderr and "Traceback" not in result.output
        assert len(result.stderr.strip().splitlines()) == 1


def test_an_empty_database_is_no_index(postgres_url: str) -> None:
    for command in (["status"], ["search", "retry"]):
        result = runner.invoke(app, [*command, "--index", postgres_url])
        assert result.exit_code == 1 and "no index at" in result.stderr
    assert query(postgres_url, "SELECT to_regclass('chunks')") == [(None,)]  # nothing created


def test_the_schema_is_versioned_and_vectors_typed_on_first_write(
    postgres_url: str, tmp_path: Path, tiny_modernbert: Path
) -> None:
    with Retriever.open(postgres_url, model=str(tiny_modernbert)) as retriever:
        assert query(postgres_url, "SELECT version_num FROM alembic_version") == [
            (schema.head_revision(),)
        ]
        assert query(postgres_url, VECTOR_TYPE) == [("vector",)]  # no dimension before a model
        (tmp_path / "a.md").write_text("# A\n\nSome text.\n")
        retriever.index([tmp_path / "a.md"])
        with pytest.raises(InvalidQueryError, match="NUL"):  # text PostgreSQL cannot hold
            retriever.upsert_text("b.md", "# B\n\nnot\0text\n")
    assert query(postgres_url, VECTOR_TYPE) == [("vector(32)",)]
    indexes = query(postgres_url, "SELECT indexdef FROM pg_indexes WHERE tablename = 'chunks'")
    assert any("hnsw (vector vector_ip_ops)" in definition for (definition,) in indexes)
    with Retriever.open(postgres_url, create=False) as reopened:  # no second migration
        assert reopened.status().documents == 1


def synthetic_updates(count: int, rare: int, dimension: int) -> tuple[list, np.ndarray]:
    """``count`` one-chunk documents with random unit vectors; the first ``rare`` under
    ``rare/``, the rest under ``common/``."""
    vectors = np.random.default_rng(3).standard_normal((count, dimension)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    updates = []
    for number, vector in enumerate(vectors):
        path = f"{'rare' if number < rare else 'common'}/doc_{number:05d}.txt"
        text = f"document {number}\n"
        chunk = Chunk(path, "text", "paragraph", None, None, text, 1, 1, 0, len(text), 4)
        pending = PendingDocument(
            "/corpus", path, "text", "utf-8", len(text), 0, content_hash(text), [chunk]
        )
        updates.append(DocumentUpdate(pending, vector[None, :], [content_hash(text)]))
    return updates, vectors


@pytest.mark.parametrize("scan_limit", [None, 50])
def test_a_selective_filter_still_returns_k_hits(
    postgres_url: str, scan_limit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store and the planner are made to walk the HNSW graph for a filtered query (as they
    do when they take a filter for a broad one), where the nearest neighbours are all filtered
    out: the iterative scan keeps going until it has k matches; where it stops early
    (``hnsw.max_scan_tuples``), the exact fallback answers. Either way: the exact best k."""
    monkeypatch.setattr(search, "EXACT_SCAN_MAX_CHUNKS", 0)
    count, rare, k, dimension = 3000, 15, 10, 16
    updates, vectors = synthetic_updates(count, rare, dimension)
    database = make_url(postgres_url).database
    settings = {"enable_sort": "off", "hnsw.max_scan_tuples": scan_limit}
    for name, value in settings.items():
        if value is not None:
            query(postgres_url, f"ALTER DATABASE {database} SET {name} = {value}")
    backend = open_postgres(postgres_url, create=True)
    try:
        backend.store.write(updates)
        probe = vectors[rare + 1]  # a common document's vector: the rare ones are far from it
        with backend.vectors.snapshot(dimension) as view:
            found = view.dense(probe, k, Filters(path_glob="rare/*"))
            everything = view.dense(probe, k, None)
            ids = [i for i, _ in found + everything]
            paths = {i: row["path"] for i, row in view.hits(ids).items()}
        exact = np.argsort(-(vectors[:rare] @ probe))[:k]
        assert [paths[i] for i, _ in found] == [f"rare/doc_{n:05d}.txt" for n in exact]
        assert len(everything) == k
        assert paths[everything[0][0]] == f"common/doc_{rare + 1:05d}.txt"
    finally:
        backend.store.close()


def test_a_filter_of_one_chunk_in_five_ranks_exactly(postgres_url: str) -> None:
    """Random 384-d vectors are the HNSW graph's hardest case: walked with ef_search 100 for
    a filter that keeps a fifth of them, it misses true neighbours. The store asks the planner
    how many chunks the filter selects and, few enough, scans them exactly."""
    count, rare, k, dimension = 2000, 400, 10, 384
    updates, vectors = synthetic_updates(count, rare, dimension)
    database = make_url(postgres_url).database
    # As the planner does for a large table: walk the graph rather than sort the matches.
    query(postgres_url, f"ALTER DATABASE {database} SET enable_sort = off")
    probes = np.random.default_rng(4).standard_normal((20, dimension)).astype(np.float32)
    backend = open_postgres(postgres_url, create=True)
    try:
        backend.store.write(updates)
        with backend.vectors.snapshot(dimension) as view:
            rankings = [view.dense(probe, k, Filters(path_glob="rare/*")) for probe in probes]
            ids = [i for found in rankings for i, _ in found]
            paths = {i: row["path"] for i, row in view.hits(ids).items()}
    finally:
        backend.store.close()
    for probe, found in zip(probes, rankings, strict=True):
        exact = np.argsort(-(vectors[:rare] @ probe))[:k]
        assert [paths[i] for i, _ in found] == [f"rare/doc_{n:05d}.txt" for n in exact]


def test_filtered_searches_over_many_chunks_widen_the_graph_walk(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above the exact-scan limit, a filter that selects few of the chunks walks the graph with
    more candidates; one that selects most of them, like an unfiltered search, with
    max(100, k)."""
    monkeypatch.setattr(search, "EXACT_SCAN_MAX_CHUNKS", 0)
    updates, _ = synthetic_updates(500, 50, 8)
    backend = open_postgres(postgres_url, create=True)
    try:
        backend.store.write(updates)
        query(postgres_url, "ANALYZE")
        with backend.vectors.snapshot(8) as view:
            unfiltered = view.ef_search(10, None), view.ef_search(300, None)
            rare = view.ef_search(10, Filters(path_glob="rare/*"))
            common = view.ef_search(10, Filters(path_glob="common/*"))
    finally:
        backend.store.close()
    assert unfiltered == (100, 300)
    assert common == 100 < rare <= 1000


@pytest.mark.slow  # concurrent writer processes
def test_two_writers_on_overlapping_roots_write_each_file_once(
    postgres_url: str, tmp_path: Path, tiny_modernbert: Path
) -> None:
    """Two `retriever index` processes at once, sharing a root: the advisory lock per document
    makes the second wait for the first's write of a shared file instead of colliding."""
    roots = {name: tmp_path / name for name in ("a", "shared", "c")}
    for name, root in roots.items():
        write_corpus(root, "A", files=40 if name == "shared" else 10)
    with Retriever.open(postgres_url, model=str(tiny_modernbert)):
        pass  # the schema exists before the race (its creation is locked too)
    writers = [
        subprocess.Popen(
            [
                "retriever",
                "index",
                str(roots[first]),
                str(roots["shared"]),
                str(roots[last]),
                "--index",
                postgres_url,
                "--model",
                str(tiny_modernbert),
            ],
            env=child_environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for first, last in (("a", "c"), ("c", "a"))
    ]
    for writer in writers:
        _, errors = writer.communicate(timeout=600)
        assert writer.returncode == 0, errors
    files = sum(len([p for p in root.rglob("*") if p.is_file()]) for root in roots.values())
    with Retriever.open(postgres_url, create=False) as retriever:
        status = retriever.status()
        assert status.documents == files
        assert sorted(status.roots) == sorted(str(root.resolve()) for root in roots.values())
        chunks = [
            chunk["chunk_id"]
            for document in retriever.documents(limit=1000).documents
            for chunk in retriever.document(document.doc_id)["chunks"]
        ]
        assert len(chunks) == len(set(chunks)) == status.chunks
    assert runner.invoke(app, ["doctor", "--index", postgres_url]).exit_code == 0


@pytest.mark.slow  # concurrent writer processes
def test_writers_of_the_same_documents_at_the_same_moment_wait_for_each_other(
    postgres_url: str,
) -> None:
    """Two writes of the same new documents start together: without the per-document lock the
    second would collide with the first's uncommitted rows (a unique violation); with it, it
    waits, then finds them and keeps them."""
    updates, _ = synthetic_updates(200, 0, 8)
    backend = open_postgres(postgres_url, create=True)
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def write() -> None:
        start.wait()
        try:
            backend.store.write(updates)
        except BaseException as error:  # noqa: BLE001  (reported by the assertion below)
            failures.append(error)

    try:
        writers = [threading.Thread(target=write) for _ in range(2)]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join(120)
        assert failures == []
        counts = backend.store.counts()
        assert counts["documents"] == counts["chunks"] == 200
    finally:
        backend.store.close()
