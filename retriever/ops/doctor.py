"""`retriever doctor`: check an index end to end; with ``repair``, rebuild what is derived.

The rows are the source of truth, so a damaged database is reported, never "repaired" by
guessing; everything derived from them (the vector file or index, the full-text rows) is rebuilt
from them, and rows that point at nothing are deleted. Repairs take the write lock like any
writer. On PostgreSQL the server checks its own pages, and there are no vector files: those
checks say what they looked at instead.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

import numpy as np

from indexers.chunking import CHUNKER_VERSION
from retriever.errors import CorruptIndexError, IndexNotFoundError
from retriever.manifest import recorded_embedding
from retriever.store import SCHEMA_VERSION, SQLiteStore, SQLStore, checks
from retriever.store.backend import DATABASE_FILE, LOCK_FILE, is_database_url
from retriever.store.diagnosis import Check, Diagnosis
from retriever.store.generations import FaissVectors
from retriever.store.locking import FileLock
from retriever.store.vectors import VectorIndex, stale_files

#: Example findings quoted in a check at most.
EXAMPLES = 3


def examine(location: Path | str, *, repair: bool = False) -> Diagnosis:
    """Every check of the index at ``location`` (a directory or a database URL); with
    ``repair``, fix what can be fixed and check again (what was wrong and is now fine reads
    ``repaired``)."""
    if is_database_url(location):
        from retriever.store.postgres import PostgresChecks

        target = PostgresChecks.open(str(location))
        return _examine(target.store.location, target, repair)
    directory = Path(location)
    database = directory / DATABASE_FILE
    if not database.exists():
        raise IndexNotFoundError(f"no index at {directory}: run `retriever index PATH` first")
    try:
        store = SQLiteStore(database)
    except CorruptIndexError as error:
        return Diagnosis(str(directory), [Check("database", "problem", str(error))])
    return _examine(str(directory), EmbeddedChecks(directory, store), repair)


def _examine(where: str, target: CheckedIndex, repair: bool) -> Diagnosis:
    store = target.store
    try:
        found = _diagnose(target)
        if repair and any(c.repairable and c.outcome != "ok" for c in found):
            _repair(target, {c.name for c in found if c.repairable and c.outcome != "ok"})
            after = _diagnose(target)
            for before, now in zip(found, after, strict=True):
                if before.outcome != "ok" and now.outcome == "ok":
                    now.outcome, now.detail = "repaired", f"{before.detail} -> repaired"
            found = after
    finally:
        store.close()
    return Diagnosis(where, found)


class CheckedIndex(Protocol):
    """What differs between backends: the database's own check, the vectors, the files, and
    repairing them under the write lock."""

    store: SQLStore

    def database(self) -> Check: ...

    def vectors(self, dimension: int | None) -> Check: ...

    def files(self) -> Check: ...

    def hold(self) -> AbstractContextManager[None]: ...

    def repair_vectors(self, wrong: set[str], dimension: int | None) -> None:
        """Rebuild the vectors (and remove stray files) where ``wrong`` says they need it."""
        ...


def _diagnose(target: CheckedIndex) -> list[Check]:
    store = target.store
    manifest_check, dimension = _manifest(store)
    found = [_guarded("database", target.database), manifest_check]
    found.append(_guarded("identities", lambda: _identities(store, dimension)))
    found.append(_guarded("orphans", lambda: _orphans(store)))
    found.append(_guarded("full-text", lambda: _fulltext(store)))
    found.append(_guarded("vectors", lambda: target.vectors(dimension)))
    found.append(_guarded("files", target.files))
    return found


def _guarded(name: str, check: Callable[[], Check]) -> Check:
    """A check that meets damage SQLite itself notices reports it instead of failing."""
    try:
        return check()
    except CorruptIndexError as error:
        return Check(name, "problem", str(error))


def _manifest(store: SQLStore) -> tuple[Check, int | None]:
    """The manifest's check, and the vector dimension it records (None: nothing indexed)."""
    try:
        manifest = store.manifest()
    except CorruptIndexError as error:
        return Check("manifest", "problem", str(error)), None
    model = manifest.get("model")
    if not model:
        return Check("manifest", "ok", "empty index: no model recorded yet"), None
    chunker = manifest.get("chunker_version")
    wrong = [
        f"{key} is {manifest.get(key)!r}, this version needs {wanted!r}"
        for key, wanted in (
            ("schema_version", SCHEMA_VERSION),
            ("chunker_version", CHUNKER_VERSION),
        )
        if manifest.get(key) != wanted
        # An older chunker's index is re-chunked by the next index run: not a problem.
        and not (key == "chunker_version" and isinstance(chunker, int) and chunker < wanted)
    ]
    dimension = model.get("dimension") if isinstance(model, dict) else None
    if not isinstance(dimension, int) or dimension < 1:
        wrong.append(f"model dimension is {dimension!r}")
        dimension = None
    if not isinstance(manifest.get("data_version", 0), int):
        wrong.append(f"data_version is {manifest['data_version']!r}")
    if wrong:
        return Check("manifest", "problem", "; ".join(wrong) + " (re-create the index)"), dimension
    if chunker != CHUNKER_VERSION or manifest.get("reembed"):
        detail = "chunked by an older chunker" if chunker != CHUNKER_VERSION else "re-embedding"
        return Check(
            "manifest",
            "warning",
            f"{detail}: the next `retriever index` run re-chunks "
            "its roots (unchanged texts keep their vectors)",
        ), dimension
    return Check("manifest", "ok", f"model {model.get('model')}, {dimension}-d"), dimension


def _identities(store: SQLStore, dimension: int | None) -> Check:
    if dimension is None:
        return Check("identities", "ok", "nothing to check")
    # With a header or late chunking the stored hash is the vector key, which also covers what
    # is not in the row (the header's path, the window): the text alone cannot be re-checked.
    embedding = recorded_embedding(store.manifest()) or {}
    problems = checks.identities(store, dimension, text_keys=not any(embedding.values()))
    if problems:
        detail = "; ".join(problems) + " (damaged rows: move the index aside and index again)"
        return Check("identities", "problem", detail)
    return Check("identities", "ok", "every id and hash matches what it identifies")


def _orphans(store: SQLStore) -> Check:
    problems = checks.orphans(store)
    if problems:
        return Check("orphans", "problem", "; ".join(problems), repairable=True)
    return Check("orphans", "ok", "every chunk has its document and its full-text row")


def _fulltext(store: SQLStore) -> Check:
    problems = checks.fulltext_problems(store)
    if problems:
        return Check("full-text", "problem", "; ".join(problems), repairable=True)
    return Check("full-text", "ok", "the full-text rows match the chunks")


class EmbeddedChecks:
    """An index directory: SQLite's integrity check, the FAISS generation file against the
    rows, and files left by interrupted writes."""

    def __init__(self, directory: Path, store: SQLiteStore) -> None:
        self.directory = directory
        self.store = store
        self.lock = FileLock(directory / LOCK_FILE)

    def database(self) -> Check:
        problems = self.store.integrity()[:EXAMPLES]
        if problems:
            detail = "SQLite integrity check failed: " + "; ".join(problems)
            return Check("database", "problem", detail + " (move the index aside and index again)")
        return Check("database", "ok", "SQLite integrity check passed")

    def vectors(self, dimension: int | None) -> Check:
        store, directory = self.store, self.directory
        newest = store.current_generation()
        stored = {
            int(i): blob
            for ids, blobs in store.iter_vectors()
            for i, blob in zip(ids, blobs, strict=True)
        }
        if newest is None:
            if not stored:
                return Check("vectors", "ok", "no chunks, no vectors")
            return Check("vectors", "problem", "no vector generation recorded", repairable=True)
        name = newest.file
        if dimension is None or not (directory / name).exists():
            return Check("vectors", "problem", f"{name} is missing", repairable=True)
        loaded = VectorIndex.load(
            directory / name, newest.checksum, dimension, newest.vector_count, newest.generation
        )
        if loaded is None:
            detail = f"{name} does not match its recorded checksum, dimension or count"
            return Check("vectors", "problem", detail, repairable=True)
        if newest.data_version != store.data_version():
            if self.lock.held_elsewhere():
                detail = f"generation {newest.generation} serves while a writer is at work"
                return Check("vectors", "warning", detail)
            detail = (
                f"generation {newest.generation} is behind the database (data version "
                f"{newest.data_version}, now {store.data_version()}): a writer stopped before it "
                "published"
            )
            return Check("vectors", "problem", detail, repairable=True)
        held = loaded.vectors()
        if held.keys() != stored.keys():
            extra, missing = len(held.keys() - stored.keys()), len(stored.keys() - held.keys())
            detail = f"{name}: {extra} vectors without a chunk, {missing} chunks without a vector"
            return Check("vectors", "problem", detail, repairable=True)
        # A compressed index holds codes: compared within a quantisation step, or by sign.
        differ = sum(
            not loaded.agrees(vector, np.frombuffer(stored[i], dtype=np.float32))
            for i, vector in held.items()
        )
        if differ:
            detail = f"{name}: {differ} vectors differ from the database"
            return Check("vectors", "problem", detail, repairable=True)
        verified = f"generation {newest.generation}: {len(held)} vectors verified"
        return Check("vectors", "ok", verified)

    def files(self) -> Check:
        newest = self.store.current_generation()
        stale = stale_files(self.directory, newest.file if newest else None)
        if stale:
            names = ", ".join(path.name for path in stale[:3]) + (", ..." if len(stale) > 3 else "")
            detail = f"{len(stale)} files left by interrupted or older writes: {names}"
            return Check("files", "warning", detail, repairable=True)
        return Check("files", "ok", "no stray files")

    def hold(self) -> AbstractContextManager[None]:
        return self.lock.hold()

    def repair_vectors(self, wrong: set[str], dimension: int | None) -> None:
        if wrong & {"orphans", "vectors"} and dimension:
            FaissVectors(self.directory, self.store, self.lock).republish(dimension)
        newest = self.store.current_generation()
        for path in stale_files(self.directory, newest.file if newest else None):
            path.unlink(missing_ok=True)


def _repair(target: CheckedIndex, wrong: set[str]) -> None:
    """Fix the ``wrong`` checks under the write lock: orphans and full-text rows first, then
    the vectors (whose ids must match the chunks that remain) and stray files."""
    store = target.store
    with target.hold():
        if "orphans" in wrong:
            checks.delete_orphans(store)
        if wrong & {"orphans", "full-text"}:
            checks.rebuild_fulltext(store)
        dimension = store.manifest().get("model", {}).get("dimension")
        target.repair_vectors(wrong, dimension)
