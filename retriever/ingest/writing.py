"""Every write to an index, under its write lock: index runs, uploaded text, removals, and what
they record in the manifest (roots, commits, re-embedding) and the labels they give."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import numpy as np

from indexers.languages import detect_language
from retriever import manifest as upkeep
from retriever.errors import InvalidQueryError, RetrieverError
from retriever.ingest import commits
from retriever.ingest.indexing import Indexer, Root
from retriever.masked_lm.labelling import Labelling, label_chunks
from retriever.masked_lm.tasks import MaskedLM
from retriever.settings import Settings
from retriever.store.protocols import Backend
from retriever.types import VIRTUAL_ROOT, IndexReport, Progress, check_languages

if TYPE_CHECKING:
    from retriever.encoding.encoder import Encoder


class IndexWriter:
    """Writes to ``backend``; the encoder, the chunk budget and the vector dimension are asked
    for when a write needs them, and ``masked_lm`` gives the settings' masked LM (labelling
    with it reuses its loaded weights)."""

    def __init__(
        self,
        settings: Settings,
        backend: Backend,
        encoder: Callable[[], Encoder],
        chunk_tokens: Callable[[], int],
        dimension: Callable[[], int],
        masked_lm: Callable[[], MaskedLM],
    ) -> None:
        self.settings = settings
        self.directory = backend.directory
        self.store = backend.store
        self.lock = backend.lock
        self.vectors = backend.vectors
        self.encoder = encoder
        self.chunk_tokens = chunk_tokens
        self.dimension = dimension
        self.masked_lm = masked_lm

    def index(
        self,
        paths: Sequence[str | Path],
        *,
        progress: Progress | None = None,
        changed: Iterable[str | Path] | None = None,
        since: str | None = None,
        classify_labels: Sequence[str] | None = None,
        classify_template: str | None = None,
        ray: str | None = None,
    ) -> IndexReport:
        """See :meth:`retriever.Retriever.index`."""
        if not paths:
            raise RetrieverError("nothing to index: give at least one path")
        if changed is not None and since is not None:
            raise RetrieverError("give either changed paths or a revision to index since")
        roots = [Root.from_argument(path) for path in paths]
        scopes = commits.scopes(roots, changed, since)
        labelling = None
        if classify_labels:
            labelling = Labelling.of(classify_labels, classify_template, self.settings.mlm_model)
        with self.lock.hold():
            indexer = self._indexer(progress, ray)
            given = [str(root.path) for root in roots]
            upkeep.remember_roots(self.store, given)
            try:
                report = indexer.run(roots, scopes)
            finally:
                # Whatever committed to the rows is published, even after an error part-way.
                self.vectors.publish(indexer.vectors)
            if indexer.refresh and scopes is None:
                upkeep.forget_reembed(self.store, given)
            upkeep.remember_commits(self.store, commits.head_commits(roots))
            started = time.perf_counter()
            report.chunks_labelled = self._label_chunks(labelling)
            report.seconds = round(report.seconds + time.perf_counter() - started, 3)
            return report

    def upsert_text(self, path: str, text: str, language: str | None = None) -> str:
        """Index ``text`` as the document at virtual ``path``; returns the path, cleaned."""
        path = virtual_path(path)
        if language:
            check_languages((language,))  # a language no filter could name is refused
        language = language or detect_language(path, text.partition("\n")[0])
        with self.lock.hold():
            indexer = self._indexer(None)
            indexer.write_text(VIRTUAL_ROOT, path, text, language)
            self.vectors.publish(indexer.vectors)
            self._label_chunks(None)
        return path

    def delete(self, paths: Sequence[str | Path]) -> int:
        """See :meth:`retriever.Retriever.delete`."""
        targets = [Path(path).expanduser().resolve() for path in paths]
        doomed = [
            row_id
            for row_id, root, path in self.store.document_paths()
            if root != VIRTUAL_ROOT
            and any((Path(root) / path).is_relative_to(target) for target in targets)
        ]
        return self.remove(doomed)

    def remove(self, row_ids: list[int]) -> int:
        """Remove the documents with these row ids; returns how many."""
        if not row_ids:
            return 0
        with self.lock.hold():
            vectors = self.vectors.for_writing(self.dimension())
            _, removed = self.store.write([], removals=row_ids)
            vectors.remove(np.array(removed, dtype=np.int64))
            self.vectors.publish(vectors)
        return len(row_ids)

    def _indexer(self, progress: Progress | None, ray: str | None = None) -> Indexer:
        """An indexer over a private copy of the vectors (the caller holds the write lock);
        with ``ray``, one that chunks and encodes on the Ray cluster at that address."""
        embedding = upkeep.prepare_for_indexing(self.store, self.settings, self.encoder)
        make: Callable[..., Indexer] = Indexer
        if ray is not None:
            from retriever.ingest.distributed import RayIndexer

            make = partial(RayIndexer, address=ray, settings=self.settings)
        return make(
            self.store,
            self.vectors.for_writing(self.dimension()),
            self.encoder,
            chunk_tokens=self.chunk_tokens(),
            max_file_bytes=self.settings.max_file_bytes,
            include_secret_files=self.settings.include_secret_files,
            exclude=[self.directory] if self.directory else [],
            progress=progress,
            refresh=bool(self.store.manifest().get("reembed")),
            **embedding,
        )

    def _label_chunks(self, requested: Labelling | None) -> int:
        """Label the chunks without a label (the caller holds the write lock)."""

        def masked_lm(name: str) -> MaskedLM:
            settings_lm = self.masked_lm()
            if name == settings_lm.model_name:
                return settings_lm
            return MaskedLM(
                name, device=self.settings.device, batch_tokens=self.settings.batch_tokens
            )

        return label_chunks(self.store, requested, masked_lm)


def virtual_path(path: str) -> str:
    """A clean relative POSIX path, or a clear error."""
    if not isinstance(path, str) or not path.strip() or "\0" in path or len(path) > 1024:
        raise InvalidQueryError("path must be a non-empty relative path of at most 1024 characters")
    pure = PurePosixPath(path.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or str(pure) in {"", "."}:
        raise InvalidQueryError(f"path {path!r} must be relative and stay inside the index")
    return str(pure)
