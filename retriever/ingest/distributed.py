"""Distributed ingest on a Ray cluster: ``retriever index --ray ADDRESS``.

The driver (the process running ``retriever index``) keeps all that touches the index:
discovery, the unchanged-file check, the vector cache, the write lock and the writes. The
cluster does the work in between, through Ray Data:

1. the driver reads every file (it hashes each one for the unchanged check anyway) and sends the
   text of the new and changed ones: unchanged files never reach the cluster, and the nodes need
   not see the files (no shared file system), nor read them a second time;
2. chunking runs as CPU tasks (``map_batches`` over files) with the encoder's tokenizer, not its
   weights;
3. the driver looks the chunks' vector keys up in the index's cache: only new ones go on;
4. encoding runs in a pool of actors, each holding the model the index's manifest records (one
   GPU each where the cluster has GPUs); the vectors stream back, and the driver writes each
   document through the local write path (:meth:`Indexer.write`) once all its vectors are in.

So the index comes out as a local run makes it: same documents, chunks, ids and report, vectors
within the float noise of batching. Files go out in windows of ``WINDOW_CHARS`` characters,
which bounds the driver's memory; each window starts its own actor pool.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from indexers.chunk import Chunk, TokenCounter, content_hash
from indexers.chunking import chunk_file, chunk_text
from indexers.discovery import LoadedFile
from retriever.encoding.encoder import Encoder, ModelFingerprint, SentenceTransformerEncoder
from retriever.encoding.models import resolve_model
from retriever.encoding.precision import Precision
from retriever.errors import RetrieverError
from retriever.ingest.indexing import Indexer, Root, pending_document
from retriever.manifest import check_fingerprint
from retriever.settings import Settings
from retriever.store import PendingDocument
from retriever.store.protocols import MetadataStore, VectorWriter
from retriever.types import IndexReport

INSTALL_HINT = "pip install 'retriever[ray]'"
#: Text sent to the cluster per window: bounds the chunks and vectors the driver holds at once.
WINDOW_CHARS = 64 << 20
#: Files per chunking task, and chunks per encoding call of an actor.
CHUNK_BATCH_FILES = 16
ENCODE_BATCH_CHUNKS = 256
#: CPU threads per encoder actor on a cluster without GPUs: a model copy per core wastes memory.
CPUS_PER_ENCODER = 4


def import_ray() -> Any:
    """The ``ray`` module, or one clear error saying how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401  (the extra installs both; a bare ray lacks Ray Data)
    except ImportError:
        raise RetrieverError(f"--ray needs Ray Data, not installed: {INSTALL_HINT}") from None
    return ray


def check_address(address: str) -> None:
    """Refuse a Ray Client address: Ray Data's executor needs a driver on the cluster (with
    Ray 2.60 it fails over Ray Client in its own code)."""
    if address.startswith("ray://"):
        raise RetrieverError(
            "Ray Data does not run over Ray Client (ray://): run `retriever index --ray auto` "
            "on a node of the cluster, e.g. through `ray job submit`"
        )


@contextmanager
def ray_session(address: str) -> Iterator[Any]:
    """Ray, connected to ``address`` (as ``ray.init`` takes it: ``auto``, ``HOST:PORT``,
    ``local``) until the block ends. A session the caller opened already is used as it is."""
    ray = import_ray()
    if ray.is_initialized():
        yield ray
        return
    options = {"include_dashboard": False} if address == "local" else {}
    try:
        ray.init(address=address, logging_level=logging.WARNING, **options)
    except Exception as error:  # no cluster there, bad address, version mismatch, ...
        reason = _first_line(error)
        raise RetrieverError(f"cannot connect to Ray at {address!r}: {reason}") from None
    try:
        yield ray
    finally:
        ray.shutdown()


class RayIndexer(Indexer):
    """An :class:`Indexer` that chunks and encodes new and changed files on a Ray cluster."""

    def __init__(
        self,
        store: MetadataStore,
        vectors: VectorWriter,
        encoder: Callable[[], Encoder],
        *,
        address: str,
        settings: Settings,
        **options: Any,
    ) -> None:
        if options.get("late_chunking"):
            raise RetrieverError(
                "--ray does not support late chunking yet: index without --ray, "
                "or with --no-late-chunking"
            )
        check_address(address)
        import_ray()  # fail before any work when Ray is missing
        self._computed = ClusterVectors(encoder)
        super().__init__(store, vectors, lambda: self._computed, **options)
        self._driver_encoder = encoder
        self.address = address
        self.settings = settings
        self._session = ExitStack()
        self._ray: Any = None  # the ray module, once connected

    def run(
        self, roots: Sequence[Root], changed: Mapping[Root, Collection[str]] | None = None
    ) -> IndexReport:
        # Connected at the first window of new or changed files (a run without any needs no
        # cluster), disconnected at the end.
        with ExitStack() as self._session:
            try:
                return super().run(roots, changed)
            finally:
                self._ray = None

    def documents(self, files: Iterable[LoadedFile]) -> Iterator[PendingDocument]:
        for window in text_windows(files, WINDOW_CHARS):
            if self._ray is None:
                self._ray = self._session.enter_context(ray_session(self.address))
            yield from self._window(window)

    def _window(self, files: Sequence[LoadedFile]) -> Iterator[PendingDocument]:
        """``files`` chunked on the cluster, then yielded in order as their vectors arrive."""
        chunked = self._chunk(files)
        documents = [pending_document(f, c) for f, c in zip(files, chunked, strict=True)]
        keys = [[content_hash(chunk.embedded) for chunk in doc.chunks] for doc in documents]
        cached = self.store.vectors_for(key for doc_keys in keys for key in doc_keys).keys()
        todo: dict[str, Chunk] = {}  # new vector keys, each once, in order of first use
        for doc, doc_keys in zip(documents, keys, strict=True):
            for key, chunk in zip(doc_keys, doc.chunks, strict=True):
                if key not in cached:
                    todo.setdefault(key, chunk)
        outstanding = set(todo)
        ready = 0
        for batch_keys, vectors in self._encode(todo):
            self._computed.add(batch_keys, vectors)
            outstanding.difference_update(batch_keys)
            while ready < len(documents) and outstanding.isdisjoint(keys[ready]):
                yield documents[ready]
                ready += 1
        yield from documents[ready:]

    def _chunk(self, files: Sequence[LoadedFile]) -> list[list[Chunk]]:
        """Each file's chunks, as :meth:`Indexer.chunk` makes them, chunked by Ray tasks; a
        document's (pages, slides, cells) here, as its parts do not travel to the tasks."""
        count = self._driver_encoder().document_token_counter()
        chunked: list[list[Chunk]] = [
            chunk_file(f, self.chunk_tokens, count, self.context_header) if f.document else []
            for f in files
        ]
        items = [
            {"order": order, "path": f.source.path, "language": f.language, "text": f.text}
            for order, f in enumerate(files)
            if f.document is None
        ]
        if not items:
            return chunked
        dataset = self._ray.data.from_items(items).map_batches(
            chunk_files,
            batch_size=CHUNK_BATCH_FILES,
            fn_kwargs={
                "count_tokens": count,
                "chunk_tokens": self.chunk_tokens,
                "context_header": self.context_header,
            },
        )
        with cluster_errors():
            for row in _quiet(dataset).iter_rows():
                chunked[row["order"]] = [Chunk(**fields) for fields in json.loads(row["chunks"])]
        return chunked

    def _encode(self, todo: Mapping[str, Chunk]) -> Iterator[tuple[list[str], np.ndarray]]:
        """(keys, vectors) batches for the chunks of ``todo``, from the encoder actors."""
        if not todo:
            return
        pool = EncoderPool.for_cluster(self._ray.cluster_resources(), self.settings.device)
        rows = [{"key": k, "text": c.embedded, "tokens": c.token_count} for k, c in todo.items()]
        dataset = self._ray.data.from_items(rows).map_batches(
            EncodeChunks,
            batch_size=ENCODE_BATCH_CHUNKS,
            compute=self._ray.data.ActorPoolStrategy(size=pool.size),
            num_cpus=pool.cpus,
            num_gpus=pool.gpus,
            fn_constructor_kwargs={
                # The model the manifest records, with this run's settings: a local run's encoder.
                "fingerprint": self.store.manifest()["model"],
                "device": self.settings.device,
                "batch_tokens": self.settings.batch_tokens,
                "precision": self.settings.precision,
                "threads": pool.cpus,
            },
        )
        with cluster_errors():
            for batch in _quiet(dataset).iter_batches(batch_format="numpy", batch_size=None):
                yield [str(key) for key in batch["key"]], batch["vector"]


@dataclass(frozen=True, slots=True)
class EncoderPool:
    """How many encoder actors to start, and what each one holds."""

    size: int
    cpus: int
    gpus: int

    @classmethod
    def for_cluster(cls, resources: Mapping[str, float], device: str) -> EncoderPool:
        """One actor per GPU where the cluster has GPUs (and the device setting allows them);
        otherwise actors of up to ``CPUS_PER_ENCODER`` threads over all the cluster's CPUs."""
        gpus = int(resources.get("GPU", 0))
        if gpus and device in ("auto", "cuda"):
            return cls(size=gpus, cpus=1, gpus=1)
        cpus = max(1, int(resources.get("CPU", 1)))
        threads = min(CPUS_PER_ENCODER, cpus)
        return cls(size=cpus // threads, cpus=threads, gpus=0)


def chunk_files(
    batch: dict[str, np.ndarray],
    *,
    count_tokens: TokenCounter,
    chunk_tokens: int,
    context_header: bool,
) -> dict[str, np.ndarray]:
    """Ray task: chunk a batch of files; each file's chunks travel back as JSON."""
    files = zip(batch["path"], batch["language"], batch["text"], strict=True)
    chunks = [
        json.dumps(
            [
                asdict(chunk)
                for chunk in chunk_text(
                    str(text), str(path), str(language), chunk_tokens, count_tokens, context_header
                )
            ]
        )
        for path, language, text in files
    ]
    return {"order": batch["order"], "chunks": np.array(chunks, dtype=object)}


class EncodeChunks:
    """Ray actor: holds the index's encoder and encodes batches of chunks."""

    def __init__(
        self,
        fingerprint: dict[str, Any],
        device: str,
        batch_tokens: int,
        precision: Precision,
        threads: int,
    ) -> None:
        import torch

        torch.set_num_threads(threads)
        recorded = ModelFingerprint.from_dict(fingerprint)
        self.encoder = SentenceTransformerEncoder(
            resolve_model(recorded.model),
            device=device,
            batch_tokens=batch_tokens,
            query_prefix=recorded.query_prefix,
            document_prefix=recorded.document_prefix,
            precision=precision,
        )
        # A node with other weights under the same name must not mix its vectors in.
        check_fingerprint(recorded, self.encoder.fingerprint)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        texts = [str(text) for text in batch["text"]]
        vectors = self.encoder.encode_documents(texts, [int(n) for n in batch["tokens"]])
        return {"key": batch["key"], "vector": vectors}


class ClusterVectors:
    """The vectors the cluster computed, served to :meth:`Indexer.write` as its encoder would
    serve them. A chunk the cluster was not asked for is encoded here, as a local run would: its
    vector was in the cache when its window was sent, and left it since (the old chunk of a
    file this run changed)."""

    def __init__(self, local: Callable[[], Encoder]) -> None:
        self._local = local
        self._vectors: dict[str, np.ndarray] = {}

    def add(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        self._vectors.update(zip(keys, vectors, strict=True))

    def encode_documents(self, texts: Sequence[str], token_counts: Sequence[int]) -> np.ndarray:
        keys = [content_hash(text) for text in texts]
        absent = [i for i, key in enumerate(keys) if key not in self._vectors]
        if absent:
            encoded = self._local().encode_documents(
                [texts[i] for i in absent], [token_counts[i] for i in absent]
            )
            self.add([keys[i] for i in absent], encoded)
        return np.stack([self._vectors.pop(key) for key in keys])


def text_windows(files: Iterable[LoadedFile], chars: int) -> Iterator[list[LoadedFile]]:
    """``files`` in order, in groups of about ``chars`` characters of text."""
    window: list[LoadedFile] = []
    size = 0
    for loaded in files:
        window.append(loaded)
        size += len(loaded.text)
        if size >= chars:
            yield window
            window, size = [], 0
    if window:
        yield window


def _quiet(dataset: Any) -> Any:
    """``dataset`` without Ray Data's progress output: the CLI reports progress itself."""
    dataset.context.enable_progress_bars = False
    dataset.context.print_on_execution_start = False
    return dataset


@contextmanager
def cluster_errors() -> Iterator[None]:
    """A task or actor that failed on the cluster, as one clear line: the worker's own error
    (what went wrong), not Ray's wrapping of it."""
    try:
        yield
    except Exception as error:
        raise RetrieverError(f"distributed indexing failed: {_worker_error(error)}") from error


#: A traceback's last line, ``module.SomeError: message``: how Ray passes a worker's error on
#: (as text; the exception object itself often stays on the worker).
_ERROR_LINE = re.compile(
    r"^(?P<module>(?:\w+\.)*)(?P<name>\w*(?:Error|Exception)): (?P<text>.+)$", re.M
)


def _worker_error(error: BaseException) -> str:
    """The first error Ray's text names that is not Ray's own (retriever's errors by their
    message alone), else the first line of the innermost error with a message."""
    chain = [error]
    while chain[-1].__cause__ is not None:
        chain.append(chain[-1].__cause__)
    for found in _ERROR_LINE.finditer("\n".join(str(link) for link in chain)):
        if found["module"] == "retriever.errors.":
            return found["text"]
        if not found["module"].startswith("ray."):
            return f"{found['name']}: {found['text']}"
    innermost = next((e for e in reversed(chain) if str(e).strip()), error)
    return f"{type(innermost).__name__}: {_first_line(innermost)}"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
