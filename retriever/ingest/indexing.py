"""Incremental indexing: discover -> load -> chunk -> encode what is new -> store.

Unchanged files (same content hash) cost a read; changed files are re-chunked and only chunks
whose embedded input is new to the index are encoded. Vectors are cached by a key: the hash of
what the encoder read for the chunk (its header and text), or with late chunking the hash of the
chunk's window and its place in it. A file's new rows and the removal of its old rows commit in
one transaction, so a failure part-way leaves every file either as before or as after.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from indexers.chunk import Chunk, bytes_hash, content_hash
from indexers.chunking import chunk_file, chunk_text
from indexers.discovery import (
    LoadedFile,
    Skipped,
    SourceFile,
    covered_by,
    discover,
    discover_paths,
    load,
)
from indexers.documents import document_format
from indexers.skip_rules import CONTENT_REASONS, IGNORE_FILES
from retriever.encoding import late_chunking
from retriever.encoding.encoder import Encoder
from retriever.errors import RetrieverError
from retriever.store import DocumentUpdate, PendingDocument, StoredDocument
from retriever.store.protocols import MetadataStore, VectorWriter
from retriever.types import MAX_REPORTED_SKIPS, IndexReport, Progress

#: Pending new-chunk tokens that trigger an encode-and-commit, bounding memory per flush.
FLUSH_TOKENS = 64 * 1024


@dataclass(frozen=True, slots=True)
class Root:
    """A directory to index; ``only`` limits it to one file when the user named a file."""

    directory: Path
    only: str | None = None

    @classmethod
    def from_argument(cls, argument: str | Path) -> Root:
        path = Path(argument).expanduser()
        if not path.exists():
            raise RetrieverError(f"no such file or directory: {argument}")
        path = path.resolve()
        if path.is_dir():
            return cls(path)
        return cls(path.parent, path.name)

    @property
    def path(self) -> Path:
        """The path as the user gave it (resolved): the directory, or the one file."""
        return self.directory / self.only if self.only else self.directory

    def covers(self, relative: str) -> bool:
        return self.only is None or relative == self.only


@dataclass
class _Batch:
    documents: list[PendingDocument] = field(default_factory=list)
    tokens: int = 0


class Indexer:
    def __init__(
        self,
        store: MetadataStore,
        vectors: VectorWriter,
        encoder: Callable[[], Encoder],
        *,
        chunk_tokens: int,
        max_file_bytes: int,
        exclude: Sequence[Path] = (),
        include_secret_files: bool = False,
        progress: Progress | None = None,
        context_header: bool = False,
        late_chunking: bool = False,
        refresh: bool = False,
    ) -> None:
        self.store = store
        self.vectors = vectors
        # Loaded only when a file has changed: a re-run with no change never loads the model.
        self._encoder = encoder
        self.chunk_tokens = chunk_tokens
        self.max_file_bytes = max_file_bytes
        self.exclude = list(exclude)
        self.discovery = {"max_file_bytes": max_file_bytes, "exclude": self.exclude}
        self.discovery["include_secret_files"] = include_secret_files
        self._progress = progress
        self._where = (0, 0, "")
        # A late-chunked window carries its file's context already: no header on top.
        self.context_header = context_header and not late_chunking
        self.late_chunking = late_chunking
        # Re-embed unchanged files too (the embedding settings changed).
        self.refresh = refresh
        self.report = IndexReport()

    def progress(self, done: int, total: int, path: str) -> None:
        """Tell the caller's callback (a callback of four arguments gets the report so far)."""
        self._where = (done, total, path)
        if self._progress is None:
            return
        if self._progress_takes_report:
            self._progress(done, total, path, self.report)  # type: ignore[call-arg]
        else:
            self._progress(done, total, path)

    @cached_property
    def _progress_takes_report(self) -> bool:
        try:
            parameters = inspect.signature(self._progress).parameters.values()  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False
        if any(p.kind is p.VAR_POSITIONAL for p in parameters):
            return True
        positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        return sum(1 for p in parameters if p.kind in positional) >= 4

    def run(
        self, roots: Sequence[Root], changed: Mapping[Root, Collection[str]] | None = None
    ) -> IndexReport:
        """Index ``roots``; with ``changed``, look only at the paths it gives for each root
        (relative; created, edited, deleted or moved) and at what lies under them."""
        started = time.perf_counter()
        for root in roots:
            scope = None if changed is None else _scope(root, changed.get(root, ()))
            if scope is None or scope:
                self._index_root(root, scope)
        self.report.seconds = round(time.perf_counter() - started, 3)
        return self.report

    def _index_root(self, root: Root, scope: frozenset[str] | None) -> None:
        root_key = str(root.directory)
        stored = self.store.documents_under(root_key)
        if scope is None:
            target = root.path
            # A root deleted since it was given (while watching) leaves the index with its files.
            found = list(discover(target, **self.discovery)) if target.exists() else []
        else:
            found = list(discover_paths(root.directory, scope, **self.discovery))

        def covered(path: str) -> bool:
            return root.covers(path) and (scope is None or covered_by(path, scope))

        sources = [item for item in found if isinstance(item, SourceFile)]
        skipped = [item for item in found if isinstance(item, Skipped)]
        kept: set[str] = set()  # paths that stay indexed: unchanged or re-indexed
        batch = _Batch()
        for document in self.documents(self._changed(sources, stored, skipped, kept)):
            batch.documents.append(document)
            batch.tokens += sum(chunk.token_count for chunk in document.chunks)
            if batch.tokens >= FLUSH_TOKENS:
                self.write(batch.documents)
                batch = _Batch()
        # A file no longer found (deleted, now ignored or skipped) leaves the index, in the
        # same transaction as the last changes: a run that fits one flush is all or nothing.
        gone = [doc.id for path, doc in stored.items() if covered(path) and path not in kept]
        self.write(batch.documents, removals=gone)
        self.report.files_removed += len(gone)
        self.progress(len(sources), len(sources), "")
        if root.only is None:
            self.store.replace_skipped(
                root_key,
                [(s.path, s.reason, s.detail) for s in skipped],
                within=None if scope is None else covered,
            )
        for s in skipped:
            self.report.files_skipped[s.reason] = self.report.files_skipped.get(s.reason, 0) + 1

    def _note_content_skip(self, skip: Skipped) -> None:
        named = self.report.skipped_for_content
        if skip.reason in CONTENT_REASONS and len(named) < MAX_REPORTED_SKIPS:
            named.append({"path": skip.path, "reason": skip.reason, "detail": skip.detail})

    def _changed(
        self,
        sources: Sequence[SourceFile],
        stored: Mapping[str, StoredDocument],
        skipped: list[Skipped],
        kept: set[str],
    ) -> Iterator[LoadedFile]:
        """Read ``sources``, yielding the files that are new or changed since ``stored``;
        adds the files read to ``kept`` and those that turn out unreadable to ``skipped``."""
        for done, source in enumerate(sources, start=1):
            self.progress(done - 1, len(sources), source.path)
            self.report.files_seen += 1
            previous = stored.get(source.path)
            refresh = self.refresh or previous is None
            if not refresh and _same_document(source, previous):  # not extracted again
                kept.add(source.path)
                self._unchanged(source, previous)
                continue
            loaded = load(source, max_file_bytes=self.max_file_bytes)
            if isinstance(loaded, Skipped):
                skipped.append(loaded)
                self._note_content_skip(loaded)
                continue
            kept.add(source.path)
            if not refresh and previous.content_hash == loaded.content_hash:
                self._unchanged(source, previous)
                continue
            yield loaded

    def _unchanged(self, source: SourceFile, previous: StoredDocument) -> None:
        self.report.files_unchanged += 1
        if previous.mtime_ns != source.mtime_ns:
            self.store.touch(previous.id, source.mtime_ns)

    def documents(self, files: Iterable[LoadedFile]) -> Iterator[PendingDocument]:
        """The new or changed ``files``, chunked, in order (what a flush writes)."""
        for loaded in files:
            count = self._encoder().count_tokens
            chunks = chunk_file(loaded, self.chunk_tokens, count, self.context_header)
            yield pending_document(loaded, chunks)

    def chunk(self, text: str, path: str, language: str) -> list[Chunk]:
        count = self._encoder().count_tokens
        return chunk_text(text, path, language, self.chunk_tokens, count, self.context_header)

    def write_text(self, root: str, path: str, text: str, language: str) -> None:
        """Chunk, encode and commit ``text`` as the document at ``path`` of ``root``: text
        with no file behind it."""
        document = PendingDocument(
            root=root,
            path=path,
            language=language,
            encoding="utf-8",
            size=len(text.encode("utf-8")),
            mtime_ns=0,
            content_hash=content_hash(text),
            chunks=self.chunk(text, path, language),
        )
        self.write([document])

    def write(self, documents: Sequence[PendingDocument], removals: Sequence[int] = ()) -> None:
        """Encode what is new in ``documents`` and commit them, and the removal of the
        documents with row ids ``removals``, in one transaction."""
        if not documents and not removals:
            return
        if self.late_chunking:
            keys, vectors = self._late_vectors(documents)
        else:
            keys, vectors = self._chunk_vectors(documents)
        empty = np.empty((0, self.vectors.dimension), dtype=np.float32)
        updates = [
            DocumentUpdate(doc, np.stack([vectors[k] for k in ks]) if ks else empty, ks)
            for doc, ks in zip(documents, keys, strict=True)
        ]
        self._apply(*self.store.write(updates, removals))
        self.report.files_indexed += len(updates)

    def _cached(self, keys: list[list[str]]) -> dict[str, np.ndarray]:
        found = self.store.vectors_for(key for document in keys for key in document)
        return {key: np.frombuffer(blob, dtype=np.float32) for key, blob in found.items()}

    def _chunk_vectors(
        self, documents: Sequence[PendingDocument]
    ) -> tuple[list[list[str]], dict[str, np.ndarray]]:
        """Each chunk embedded on its own: keys, and vectors from the cache or encoded once
        per distinct input."""
        keys = [[content_hash(chunk.embedded) for chunk in doc.chunks] for doc in documents]
        vectors = self._cached(keys)
        missing = {
            key: chunk
            for doc, doc_keys in zip(documents, keys, strict=True)
            for key, chunk in zip(doc_keys, doc.chunks, strict=True)
            if key not in vectors
        }
        if missing:
            todo = list(missing.values())
            encoded = self._encoder().encode_documents(
                [c.embedded for c in todo], [c.token_count for c in todo]
            )
            vectors.update(zip(missing, encoded, strict=True))
            self._count_encoded(todo)
        return keys, vectors

    def _late_vectors(
        self, documents: Sequence[PendingDocument]
    ) -> tuple[list[list[str]], dict[str, np.ndarray]]:
        """Late chunking: keys by window, and the vectors of windows not in the cache."""
        encoder = self._encoder()
        plans = [
            late_chunking.windows(doc.chunks, encoder.window_tokens, encoder.count_tokens)
            for doc in documents
        ]
        keys = [[key for window in plan for key in window.keys] for plan in plans]
        vectors = self._cached(keys)
        for window in (window for plan in plans for window in plan):
            window_keys = window.keys
            if not all(key in vectors for key in window_keys):
                encoded = late_chunking.encode(encoder, window)
                vectors.update(zip(window_keys, encoded, strict=True))
                self._count_encoded(window.chunks)
        return keys, vectors

    def _count_encoded(self, chunks: Sequence[Chunk]) -> None:
        self.report.chunks_encoded += len(chunks)
        self.report.tokens_encoded += sum(c.token_count for c in chunks)
        self.progress(*self._where)

    def _apply(self, added: dict[int, np.ndarray], removed: list[int]) -> None:
        self.vectors.remove(np.array(removed, dtype=np.int64))
        if added:
            self.vectors.add(np.fromiter(added, dtype=np.int64), np.stack(list(added.values())))
        self.report.chunks_added += len(added)
        self.report.chunks_removed += len(removed)


def _scope(root: Root, changed: Collection[str]) -> frozenset[str] | None:
    """The relative paths an update of ``root`` must look at (None: all of it). A changed
    ignore file stands for its whole directory, whose contents its rules decide."""
    paths = {
        path.rpartition("/")[0] if path.rpartition("/")[2] in IGNORE_FILES else path
        for path in changed
    }
    if root.only is not None:  # one file: it is in the change set or not
        return None if any(covered_by(root.only, {path}) for path in paths) else frozenset()
    return frozenset(paths)


def _same_document(source: SourceFile, previous: StoredDocument) -> bool:
    """Whether ``source`` is a document (PDF, DOCX, PPTX, notebook) whose bytes are those
    indexed: then it is not extracted again (extraction, not reading, is what costs)."""
    if document_format(source.path) is None or source.size != previous.size:
        return False
    try:
        return bytes_hash(source.abs_path.read_bytes()) == previous.content_hash
    except OSError:
        return False  # let load() say why


def pending_document(loaded: LoadedFile, chunks: list[Chunk]) -> PendingDocument:
    source = loaded.source
    return PendingDocument(
        root=str(source.root),
        path=source.path,
        language=loaded.language,
        encoding=loaded.encoding,
        size=source.size,
        mtime_ns=source.mtime_ns,
        content_hash=loaded.content_hash,
        chunks=chunks,
    )
