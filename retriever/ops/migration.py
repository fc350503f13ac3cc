"""Moving an embedded index (SQLite + FAISS files) into PostgreSQL: ``retriever migrate --to``.

What moves: documents, chunks with their vectors (as stored: nothing is re-encoded), skipped
files, chunk labels and the manifest. Row ids are kept, so chunk ids, labels and the data
version are the same on both sides. The FAISS files stay behind: on PostgreSQL the vectors are
searched through pgvector's HNSW index, built once after the load (several times faster than
growing it row by row).

A run is all or nothing. The source is read in one SQLite read transaction (one consistent
snapshot, while its writers may go on) through a read-only connection, so it is never changed;
its rows stream in batches into one PostgreSQL transaction (binary ``COPY``), which commits at
the end. An interrupted run leaves the target as it was: run it again.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
from sqlalchemy import Connection, Select, create_engine, delete, func, insert, select
from sqlalchemy import text as sql
from sqlalchemy.exc import DatabaseError, DBAPIError

from retriever.errors import (
    CorruptIndexError,
    IndexNotFoundError,
    ModelMismatchError,
    RetrieverError,
    StorageError,
)
from retriever.store import SCHEMA_VERSION
from retriever.store.backend import DATABASE_FILE, is_database_url
from retriever.store.models import (
    ChunkLabelRow,
    ChunkRow,
    DocumentRow,
    ManifestEntry,
    SkippedRow,
)
from retriever.store.postgres import PostgresStore, open_store, schema
from retriever.store.postgres.locking import AdvisoryLock
from retriever.store.postgres.store import CHUNK_FIELDS, copy_rows

#: Source rows read, and written to the target, at a time.
BATCH = 2048
#: Memory for building the HNSW graph, for the migration's transaction only: a graph that fits
#: builds several times faster than one that spills to disk (the server default is 64 MB;
#: 100k 384-d vectors need about 200 MB, see docs/deployment.md).
BUILD_MEMORY = "1GB"

#: Called with (chunks copied, chunks in all) after each batch.
MigrationProgress = Callable[[int, int], None]

_DOCUMENT_FIELDS = {
    "id": "int8",
    "doc_id": "text",
    "root": "text",
    "path": "text",
    "language": "text",
    "encoding": "text",
    "size": "int8",
    "mtime_ns": "int8",
    "content_hash": "text",
    "indexed_at": "float8",
}
_SKIPPED_FIELDS = {"root": "text", "path": "text", "reason": "text", "detail": "text"}
_LABEL_FIELDS = {"chunk_id": "int8", "label": "text", "probability": "float8"}


@dataclass(frozen=True, slots=True)
class MigrationReport:
    source: str
    target: str
    documents: int
    chunks: int
    skipped_files: int
    labels: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def migrate(
    source: str | Path,
    target: str,
    *,
    batch: int = BATCH,
    progress: MigrationProgress | None = None,
) -> MigrationReport:
    """Copy the embedded index at ``source`` (a directory) into the PostgreSQL database at
    ``target`` (a ``postgresql://`` URL), which must hold no documents; a target that holds an
    index of another model is refused. All or nothing: on any error the target is unchanged."""
    if is_database_url(source):
        raise RetrieverError(
            f"migrate copies an index directory into PostgreSQL; {source} is a database "
            "already (copy it with pg_dump)"
        )
    if not is_database_url(target):
        raise RetrieverError(f"migrate needs a postgresql:// URL to copy into, not {target!r}")
    started = time.perf_counter()
    directory = Path(source).expanduser().resolve()
    with _snapshot(directory) as reading:
        manifest = _source_manifest(reading, directory)
        store = open_store(target, create=True)
        try:
            with AdvisoryLock(store.engine).exclusive():
                _check_target(store, manifest["model"], directory)
                try:
                    with store.engine.begin() as writing:
                        counts = _copy_index(reading, writing, store, manifest, batch, progress)
                        _record_manifest(writing, manifest, directory)
                except DBAPIError as error:
                    if isinstance(error.orig, sqlite3.Error):
                        raise
                    reason = str(error.orig).strip().splitlines()[0]
                    raise StorageError(
                        f"migration into {store.location} failed, nothing was written: {reason}"
                    ) from None
        finally:
            store.close()
    return MigrationReport(
        source=str(directory),
        target=store.location,
        **counts,
        seconds=round(time.perf_counter() - started, 3),
    )


@contextmanager
def _snapshot(directory: Path) -> Iterator[Connection]:
    """A read-only connection to the source database, inside one read transaction."""
    database = directory / DATABASE_FILE
    if not database.is_file():
        raise IndexNotFoundError(f"no index at {directory}: nothing to migrate")
    engine = create_engine(
        f"sqlite:///file:{quote(str(database))}?mode=ro&uri=true",
        # The transaction is begun by hand below: pysqlite would begin none for reads.
        isolation_level="AUTOCOMMIT",
    )
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("BEGIN")
            try:
                yield connection
            finally:
                connection.exec_driver_sql("ROLLBACK")
    except DatabaseError as error:
        if not isinstance(error.orig, sqlite3.Error):
            raise
        reason = str(error.orig).strip().splitlines()[0]
        raise CorruptIndexError(f"cannot read the index at {directory}: {reason}") from None
    finally:
        engine.dispose()


def _source_manifest(reading: Connection, directory: Path) -> dict[str, Any]:
    rows = reading.execute(select(ManifestEntry.key, ManifestEntry.value))
    manifest = {key: json.loads(value) for key, value in rows}
    if not manifest.get("model"):
        raise RetrieverError(f"the index at {directory} holds nothing yet: nothing to migrate")
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise ModelMismatchError(
            f"the index at {directory} has schema {manifest.get('schema_version')}, this "
            f"version reads {SCHEMA_VERSION}: re-create it"
        )
    return manifest


def _check_target(store: PostgresStore, model: dict[str, Any], directory: Path) -> None:
    """The target holds no index of another model, and no documents at all."""
    recorded = store.manifest().get("model")
    if recorded and recorded != model:
        which = (
            f"model {recorded['model']!r}, not {model['model']!r}"
            if recorded["model"] != model["model"]
            else f"other weights of model {model['model']!r}"
        )
        raise ModelMismatchError(
            f"{store.location} holds an index built with {which} (the model of {directory}): "
            "migrate into an empty database"
        )
    documents = store.counts()["documents"]
    if documents:
        raise RetrieverError(
            f"{store.location} already holds an index ({documents} documents): migrate into "
            "an empty database"
        )


def _copy_index(
    reading: Connection,
    writing: Connection,
    store: PostgresStore,
    manifest: dict[str, Any],
    batch: int,
    progress: MigrationProgress | None,
) -> dict[str, int]:
    dimension = int(manifest["model"]["dimension"])
    writing.execute(select(func.set_config("maintenance_work_mem", BUILD_MEMORY, True)))
    schema.type_vectors(writing, dimension)
    # Emptied of documents, the target may still hold rows that refer to none.
    for table in (SkippedRow, ChunkLabelRow):
        writing.execute(delete(table))
    # Built once over all the vectors at the end, not grown row by row.
    writing.execute(sql(f"DROP INDEX IF EXISTS {schema.HNSW_INDEX}"))
    documents = _copy_table(reading, writing, "documents", _DOCUMENT_FIELDS, DocumentRow, batch)
    total = reading.scalar(select(func.count()).select_from(ChunkRow)) or 0
    chunks = 0
    for rows in _batches(reading, _columns(ChunkRow, CHUNK_FIELDS), batch):
        records = [(*row[:-1], _vector(row[-1], dimension)) for row in rows]
        copy_rows(writing, "chunks", list(CHUNK_FIELDS), list(CHUNK_FIELDS.values()), records)
        chunks += len(records)
        if progress:
            progress(chunks, total)
    store.fill_terms(writing)
    skipped = _copy_table(reading, writing, "skipped", _SKIPPED_FIELDS, SkippedRow, batch)
    labels = _copy_table(reading, writing, "chunk_labels", _LABEL_FIELDS, ChunkLabelRow, batch)
    _continue_ids(reading, writing)
    writing.execute(schema.CREATE_HNSW)
    # Planner statistics now, so the first filtered searches choose between the HNSW index
    # and an exact scan on real counts.
    writing.execute(sql("ANALYZE documents, chunks, chunk_terms, chunk_labels"))
    return {"documents": documents, "chunks": chunks, "skipped_files": skipped, "labels": labels}


def _copy_table(
    reading: Connection,
    writing: Connection,
    table: str,
    fields: dict[str, str],
    model: Any,
    batch: int,
) -> int:
    copied = 0
    for rows in _batches(reading, _columns(model, fields), batch):
        copy_rows(writing, table, list(fields), list(fields.values()), rows)
        copied += len(rows)
    return copied


def _columns(model: Any, fields: dict[str, str]) -> Select:
    """The model's ``fields`` in order of its primary key."""
    return select(*(getattr(model, name) for name in fields)).order_by(
        *model.__table__.primary_key.columns
    )


def _batches(reading: Connection, query: Select, size: int) -> Iterator[Sequence[Any]]:
    result = reading.execute(query, execution_options={"yield_per": size})
    yield from result.partitions()


def _vector(stored: bytes, dimension: int) -> np.ndarray:
    vector = np.frombuffer(stored, dtype=np.float32)
    if vector.shape != (dimension,):
        raise CorruptIndexError(
            f"a stored vector has {vector.size} components, the index's model {dimension}: "
            "run `retriever doctor` on the index"
        )
    return vector


def _continue_ids(reading: Connection, writing: Connection) -> None:
    """New rows on the target continue after the source's highest ids ever given (SQLite's
    AUTOINCREMENT counters): a row id is never reused for another chunk."""
    counters = dict(reading.execute(sql("SELECT name, seq FROM sqlite_sequence")).all())
    for table, model in (("documents", DocumentRow), ("chunks", ChunkRow)):
        highest = max(counters.get(table, 0), reading.scalar(select(func.max(model.id))) or 0)
        if highest:
            sequence = func.pg_get_serial_sequence(table, "id")
            writing.execute(select(func.setval(sequence, highest)))


def _record_manifest(writing: Connection, manifest: dict[str, Any], directory: Path) -> None:
    """The source's manifest as is (model, chunking, data version, roots, commits), and where
    the index came from."""
    entries = {**manifest, "migrated_from": {"index": str(directory), "at": time.time()}}
    writing.execute(delete(ManifestEntry))
    rows = [{"key": key, "value": json.dumps(value)} for key, value in entries.items()]
    writing.execute(insert(ManifestEntry), rows)
