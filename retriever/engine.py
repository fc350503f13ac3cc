"""The Retriever: one object that the CLI, the HTTP API and Python users all go through."""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from indexers.chunking import CHUNKER_VERSION
from retriever.encoder import Encoder, ModelFingerprint
from retriever.errors import (
    IndexLockedError,
    IndexNotFoundError,
    InvalidQueryError,
    ModelMismatchError,
    RetrieverError,
)
from retriever.indexing import Indexer, Progress, Root
from retriever.models import resolve_model
from retriever.settings import Settings
from retriever.store import SCHEMA_VERSION, GenerationRow, MetadataStore
from retriever.types import Filters, Hit, IndexReport, Status
from retriever.vectors import VectorIndex, generation_file, remove_stale_generations

log = logging.getLogger("retriever")

DATABASE_FILE = "index.sqlite3"
LOCK_FILE = "write.lock"
MAX_K = 1000
MAX_QUERY_CHARS = 8192


class Retriever:
    """An index directory: open it, index paths into it, search it.

    >>> r = Retriever.open(".retriever")       # doctest: +SKIP
    >>> r.index(["src", "docs"])               # doctest: +SKIP
    >>> r.search("where do we retry failed uploads?", k=5)  # doctest: +SKIP
    """

    def __init__(self, settings: Settings, store: MetadataStore) -> None:
        self.settings = settings
        self.directory = settings.index
        self.store = store
        self._encoder: Encoder | None = None
        self._vectors: VectorIndex | None = None
        self._generation: int | None = None

    @classmethod
    def open(
        cls, index_dir: str | Path | None = None, *, create: bool = True, **settings: Any
    ) -> Retriever:
        """Open (or, with ``create``, start) the index in ``index_dir`` (default: the
        ``RETRIEVER_INDEX`` variable, the config file, else ``.retriever``); ``settings`` are
        :class:`~retriever.Settings` fields such as ``model`` or ``chunk_tokens``."""
        if index_dir is not None:
            settings["index"] = Path(index_dir)
        resolved = Settings(**settings)
        directory = resolved.index
        database = directory / DATABASE_FILE
        if not database.exists():
            if not create:
                raise IndexNotFoundError(
                    f"no index at {directory}: run `retriever index PATH` first"
                )
            if directory.exists() and not directory.is_dir():
                raise RetrieverError(f"index path {directory} exists and is not a directory")
            directory.mkdir(parents=True, exist_ok=True)
        retriever = cls(resolved, MetadataStore(database))
        retriever._check_manifest()
        return retriever

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Retriever:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public API -------------------------------------------------------------------------
    def index(
        self, paths: Sequence[str | Path], *, progress: Progress | None = None
    ) -> IndexReport:
        """Index (or refresh) ``paths``: new and changed files are added, removed files go."""
        if not paths:
            raise RetrieverError("nothing to index: give at least one path")
        roots = [Root.from_argument(path) for path in paths]
        with self._write_lock():
            self._ensure_manifest()
            vectors = self._load_vectors()
            indexer = Indexer(
                self.store,
                vectors,
                lambda: self.encoder,
                chunk_tokens=self.chunk_tokens,
                max_file_bytes=self.settings.max_file_bytes,
                exclude=[self.directory],
                progress=progress,
            )
            try:
                return indexer.run(roots)
            finally:
                # Whatever committed to SQLite is published, even after an error part-way.
                self._save_vectors(vectors)

    def delete(self, paths: Sequence[str | Path]) -> int:
        """Remove the indexed documents at or under ``paths`` (which need not exist any more);
        returns how many documents were removed."""
        targets = [Path(path).expanduser().resolve() for path in paths]
        with self._write_lock():
            doomed = [
                row_id
                for row_id, root, path in self.store.document_paths()
                if any((Path(root) / path).is_relative_to(target) for target in targets)
            ]
            if doomed:
                vectors = self._load_vectors()
                _, removed = self.store.write([], removals=doomed)
                vectors.remove(np.array(removed, dtype=np.int64))
                self._save_vectors(vectors)
        return len(doomed)

    def search(
        self, query: str, k: int = 10, filters: Filters | Mapping[str, Any] | None = None
    ) -> list[Hit]:
        """The ``k`` chunks most similar to ``query``, best first, among those matching
        ``filters``."""
        if not isinstance(query, str) or not query.strip():
            raise InvalidQueryError("the query is empty")
        if len(query) > MAX_QUERY_CHARS:
            raise InvalidQueryError(f"the query is longer than {MAX_QUERY_CHARS} characters")
        if not 1 <= k <= MAX_K:
            raise InvalidQueryError(f"k must be between 1 and {MAX_K}")
        parsed = Filters.parse(filters)
        if not self.store.manifest().get("model"):
            return []
        vectors = self._current_vectors()
        allowed = self.store.chunk_ids_matching(parsed) if parsed else None
        ranked = vectors.search(self.encoder.encode_query(query), k, allowed)
        rows = self.store.hits([chunk_id for chunk_id, _ in ranked])
        return [Hit(score=score, **_without_id(rows[i])) for i, score in ranked if i in rows]

    def status(self) -> Status:
        manifest = self.store.manifest()
        counts = self.store.counts()
        generation = self.store.current_generation()
        return Status(
            index_dir=str(self.directory),
            model=manifest.get("model", {}),
            settings={
                "chunk_tokens": manifest.get("chunk_tokens"),
                "chunker_version": manifest.get("chunker_version"),
            },
            roots=counts["roots"],
            documents=counts["documents"],
            chunks=counts["chunks"],
            languages=counts["languages"],
            skipped=counts["skipped"],
            skipped_files=counts["skipped_files"],
            generation=generation.generation if generation else None,
            vectors=generation.vector_count if generation else 0,
            size_bytes=sum(f.stat().st_size for f in self.directory.iterdir() if f.is_file()),
        )

    # -- model ------------------------------------------------------------------------------
    @property
    def encoder(self) -> Encoder:
        """The encoder, loaded on first use (status and --help never load torch)."""
        if self._encoder is None:
            from retriever.encoder import SentenceTransformerEncoder

            recorded = self.store.manifest().get("model")
            spec = recorded["model"] if recorded else self.settings.model
            # An existing index keeps the prefixes it was built with.
            source = recorded or self.settings.model_dump()
            self._encoder = SentenceTransformerEncoder(
                resolve_model(spec),
                device=self.settings.device,
                batch_tokens=self.settings.batch_tokens,
                query_prefix=source["query_prefix"],
                document_prefix=source["document_prefix"],
            )
            if recorded:
                _check_fingerprint(ModelFingerprint.from_dict(recorded), self._encoder.fingerprint)
        return self._encoder

    @property
    def chunk_tokens(self) -> int:
        recorded = self.store.manifest().get("chunk_tokens")
        if recorded:
            return int(recorded)
        return min(self.settings.chunk_tokens, self.encoder.fingerprint.max_tokens)

    def _check_manifest(self) -> None:
        """Refuse settings that contradict how the index was built, before any work."""
        manifest = self.store.manifest()
        if not manifest.get("model"):
            return
        if manifest.get("schema_version") != SCHEMA_VERSION:
            raise ModelMismatchError(
                f"index {self.directory} has schema {manifest.get('schema_version')}, this "
                f"version reads {SCHEMA_VERSION}: re-create the index"
            )
        recorded = manifest["model"]["model"]
        requested = self.settings.model
        if requested != "auto" and resolve_model(requested).name != recorded:
            raise ModelMismatchError(
                f"index {self.directory} was built with model {recorded!r}, not {requested!r}: "
                "use another --index directory for another model"
            )
        wanted = min(self.settings.chunk_tokens, manifest["model"]["max_tokens"])
        if "chunk_tokens" in self.settings.model_fields_set and wanted != manifest["chunk_tokens"]:
            raise ModelMismatchError(
                f"index {self.directory} was built with chunk_tokens={manifest['chunk_tokens']}"
                ": use another --index directory for another chunk size"
            )

    def _ensure_manifest(self) -> None:
        """Record the model and chunk settings of a new index; refuse an index chunked by
        another chunker version."""
        manifest = self.store.manifest()
        if manifest.get("model"):
            if manifest.get("chunker_version") != CHUNKER_VERSION:
                raise ModelMismatchError(
                    f"index {self.directory} was chunked by chunker version "
                    f"{manifest.get('chunker_version')}; this version chunks differently: "
                    "re-create the index"
                )
            return
        fingerprint = self.encoder.fingerprint
        self.store.set_manifest(
            {
                "schema_version": SCHEMA_VERSION,
                "created_at": time.time(),
                "model": fingerprint.to_dict(),
                "chunk_tokens": min(self.settings.chunk_tokens, fingerprint.max_tokens),
                "chunker_version": CHUNKER_VERSION,
            }
        )

    # -- vector index generations -------------------------------------------------------------
    def _current_vectors(self) -> VectorIndex:
        """The vector index of the newest committed generation, reloaded when a writer has
        published a new one since."""
        generation = self.store.current_generation()
        number = generation.generation if generation else None
        if self._vectors is None or number != self._generation:
            self._vectors = self._load_vectors()
        return self._vectors

    def _load_vectors(self) -> VectorIndex:
        recorded = self.store.manifest().get("model")
        dimension = recorded["dimension"] if recorded else self.encoder.fingerprint.dimension
        generation = self.store.current_generation()
        if generation is not None and generation.data_version == self.store.data_version():
            loaded = VectorIndex.load(
                self.directory / generation.file,
                generation.checksum,
                dimension,
                generation.vector_count,
            )
            if loaded is not None:
                self._generation = generation.generation
                return loaded
            log.warning("vector index %s failed verification: rebuilding it", generation.file)
        vectors = VectorIndex(dimension)
        for ids, blobs in self.store.iter_vectors():
            vectors.add(ids, np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(ids), -1))
        self._generation = generation.generation if generation else None
        return vectors

    def _save_vectors(self, vectors: VectorIndex) -> None:
        previous = self.store.current_generation()
        number = (previous.generation if previous else 0) + 1
        version = self.store.data_version()
        if previous is not None and previous.data_version == version:
            return  # nothing committed since the last generation
        name, checksum = vectors.save(self.directory, number)
        self.store.record_generation(
            GenerationRow(
                generation=number,
                file=name,
                checksum=checksum,
                vector_count=len(vectors),
                dimension=vectors.dimension,
                data_version=version,
                created_at=time.time(),
            )
        )
        remove_stale_generations(self.directory, keep=generation_file(number))
        self._vectors, self._generation = vectors, number

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        """One writer per index: a second one fails at once instead of waiting."""
        with (self.directory / LOCK_FILE).open("a") as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexLockedError(
                    f"index {self.directory} is being written by another process (pid file: "
                    f"{LOCK_FILE}); try again when it finishes"
                ) from None
            handle.truncate(0)
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _check_fingerprint(recorded: ModelFingerprint, loaded: ModelFingerprint) -> None:
    for name in ("dimension", "pooling", "query_prefix", "document_prefix", "revision", "weights"):
        if getattr(recorded, name) != getattr(loaded, name):
            raise ModelMismatchError(
                f"model {loaded.model!r} does not match the index: {name} was "
                f"{getattr(recorded, name)!r}, is now {getattr(loaded, name)!r}"
            )


def _without_id(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key != "id"}
