"""The Retriever: one object that the CLI, the HTTP API and Python users all go through."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from retriever import manifest as upkeep
from retriever.errors import InvalidQueryError, RetrieverError
from retriever.ingest import commits
from retriever.ingest.writing import IndexWriter
from retriever.manifest import check_settings, recorded_embedding
from retriever.masked_lm.tasks import Classification, ClozeResult, FillMaskResult, MaskedLM
from retriever.search.context import Context, RankedChunk, assemble
from retriever.search.pipeline import SearchPipeline
from retriever.search.similarity import cosine_similarities
from retriever.settings import Settings
from retriever.store import make_doc_id
from retriever.store.backend import open_backend
from retriever.store.protocols import Backend
from retriever.types import (
    VIRTUAL_ROOT,
    DocumentPage,
    DocumentSummary,
    Filters,
    Hit,
    IndexReport,
    Progress,
    SearchMode,
    SearchResult,
    Status,
    Verify,
)

if TYPE_CHECKING:
    from retriever.encoding.encoder import Encoder
    from retriever.encoding.reranking import Reranker


class Retriever:
    """An index (a directory, or a PostgreSQL database): open it, index paths into it,
    search it.

    >>> r = Retriever.open(".retriever")       # doctest: +SKIP
    >>> r = Retriever.open("postgresql://me@db.internal/retriever")  # doctest: +SKIP
    >>> r.index(["src", "docs"])               # doctest: +SKIP
    >>> r.search("where do we retry failed uploads?", k=5)  # doctest: +SKIP
    """

    def __init__(
        self, settings: Settings, backend: Backend, encoder: Encoder | None = None
    ) -> None:
        self.settings = settings
        #: The index directory (None for an index on a database server).
        self.directory = backend.directory
        self.store = backend.store
        self.lock = backend.lock
        self.vectors = backend.vectors
        self._model: dict[str, Any] | None = None
        if encoder is not None:
            upkeep.check_encoder(self._recorded_model(), encoder)
        self._encoder = encoder
        #: The masked LM of the ``mlm_model`` setting; its weights load on first use.
        self.masked_lm = MaskedLM(
            settings.mlm_model, device=settings.device, batch_tokens=settings.batch_tokens
        )
        self._reranker: Reranker | None = None
        self._writer = IndexWriter(
            settings,
            backend,
            lambda: self.encoder,
            lambda: self.chunk_tokens,
            self._dimension,
            lambda: self.masked_lm,
        )
        self._pipeline = SearchPipeline(
            self.vectors,
            lambda: self.encoder,
            lambda: self.reranker,
            self._dimension,
            lambda: not self._recorded_model(),
            settings.rerank_depth,
            settings.ranking,
        )

    @classmethod
    def open(
        cls,
        index_dir: str | Path | None = None,
        *,
        create: bool = True,
        encoder: Encoder | None = None,
        **settings: Any,
    ) -> Retriever:
        """Open (or, with ``create``, start) the index at ``index_dir``: a directory, or a
        ``postgresql://`` URL (default: the ``RETRIEVER_INDEX`` variable, the config file, else
        ``.retriever``); ``settings`` are :class:`~retriever.Settings` fields such as
        ``model`` or ``chunk_tokens``. ``encoder`` replaces the model the settings or the
        index name (it must match what the index records)."""
        if index_dir is not None:
            settings["index"] = index_dir
        resolved = Settings(**settings)
        backend = open_backend(resolved.index, create=create, read_only=resolved.read_only)
        try:
            check_settings(backend.store.manifest(), resolved, backend.store.location)
            return cls(resolved, backend, encoder)
        except RetrieverError:
            backend.store.close()
            raise

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Retriever:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------------
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
        """Index (or refresh) ``paths``: new and changed files are added, removed files go.

        A refresh can be told where to look: ``changed`` names the paths that changed (files
        or directories, created, edited, deleted or moved, as a file watcher reports them);
        ``since`` is a git revision, and the paths that differ from it (``git diff``, plus
        untracked files) are looked at. Either way nothing else is read.

        With ``classify_labels``, every chunk is tagged with the label that fits it best (see
        :meth:`classify`), filterable as ``label``; later runs label new chunks the same way.

        With ``ray``, a Ray address as ``ray.init`` takes it (``auto``, ``host:6379``,
        ``local``; not Ray Client's ``ray://``: this process runs on a node of the cluster), new
        and changed files are chunked and encoded on that cluster (see
        :mod:`retriever.ingest.distributed`); the index comes out the same."""
        return self._writer.index(
            paths,
            progress=progress,
            changed=changed,
            since=since,
            classify_labels=classify_labels,
            classify_template=classify_template,
            ray=ray,
        )

    def upsert_text(self, path: str, text: str, language: str | None = None) -> DocumentSummary:
        """Index ``text`` as the document at virtual ``path`` (replacing an earlier version);
        ``language`` defaults to the one ``path`` suggests."""
        path = self._writer.upsert_text(path, text, language)
        _, rows = self.store.documents(1, 0, doc_id=make_doc_id(VIRTUAL_ROOT, path))
        return DocumentSummary(**rows[0])

    def delete(self, paths: Sequence[str | Path]) -> int:
        """Remove the indexed documents at or under ``paths`` (which need not exist any more);
        returns how many documents were removed."""
        return self._writer.delete(paths)

    def delete_document(self, doc_id: str) -> bool:
        """Remove one document by id; False when there is no such document."""
        document = self.store.document(doc_id)
        return document is not None and self._writer.remove([document["row_id"]]) == 1

    # -- reading ----------------------------------------------------------------------------
    def search(
        self,
        query: str,
        k: int = 10,
        filters: Filters | Mapping[str, Any] | None = None,
        mode: SearchMode = "hybrid",
        verify: Verify = False,
        rerank: bool = False,
    ) -> SearchResult:
        """The ``k`` chunks that best answer ``query``, best first, among those matching
        ``filters``. ``mode``: ``hybrid`` (dense and lexical fused by reciprocal rank; the score
        is the fused one), ``dense`` (cosine similarity) or ``lexical`` (BM25). ``verify``
        re-hashes the cited files: ``True`` or ``"drop"`` leaves out hits whose file changed
        since it was indexed (the next best take their place), ``"flag"`` keeps them with
        ``stale=True``. With ``rerank``, the cross-encoder of the ``rerank_model`` setting
        re-scores the best ``rerank_depth`` candidates (after ``verify``), and the score is its
        relevance score. The result is a sequence of the hits, with the milliseconds each stage
        took (``timings``: ``encode_ms``, ``search_ms``, ``verify_ms``, ``rerank_ms``) and the
        ``generation`` of the index that answered."""
        ranked = self._pipeline.run(query, k, filters, mode, verify, rerank)
        hits = [
            Hit(**{key: value for key, value in row.items() if key not in ("ordinal", "root")})
            for row in ranked.rows
        ]
        return SearchResult(hits, ranked.timings, ranked.generation)

    def context(
        self,
        query: str,
        token_budget: int,
        k: int = 20,
        filters: Filters | Mapping[str, Any] | None = None,
        tokenizer: str | None = None,
        mode: SearchMode = "hybrid",
        verify: bool = False,
        rerank: bool = False,
    ) -> Context:
        """Passages for a prompt: the best ``k`` chunks, adjacent ones of a file merged,
        duplicates dropped, cited, and cut to ``token_budget`` tokens (counted with the
        encoder's tokenizer, or ``tokenizer``: the hub id of a tokenizer in the local Hugging
        Face cache, never a path). ``verify`` leaves out chunks whose file changed since it was
        indexed."""
        if token_budget < 1:
            raise InvalidQueryError("token_budget must be positive")
        from retriever.encoding.encoder import load_text_counter

        count = load_text_counter(tokenizer) if tokenizer else self.encoder.count_text_tokens
        rows = self._pipeline.run(query, k, filters, mode, verify, rerank).rows
        ranked = [RankedChunk(**_ranked_fields(row)) for row in rows]
        return assemble(ranked, token_budget, count)

    def embed(
        self, texts: Sequence[str], input_type: Literal["document", "query"] = "document"
    ) -> tuple[np.ndarray, int]:
        """Vectors for ``texts`` with this index's model (and its prefixes); also the number of
        tokens they took. Texts longer than the model's maximum are an error, not truncated."""
        encoder = self.encoder
        counts = [encoder.count_tokens(text) for text in texts]
        limit = encoder.fingerprint.max_tokens
        for position, tokens in enumerate(counts):
            if tokens > limit:
                raise InvalidQueryError(
                    f"input {position} has {tokens} tokens; the model reads at most {limit}"
                )
        if input_type == "query":
            return np.stack([encoder.encode_query(text) for text in texts]), sum(counts)
        return encoder.encode_documents(list(texts), counts), sum(counts)

    def similarity(
        self,
        texts: Sequence[str] | None = None,
        *,
        pairs: Sequence[tuple[str, str]] | None = None,
    ) -> np.ndarray:
        """Cosine similarities with this index's encoder: for ``texts`` the square matrix, for
        ``pairs`` one value per pair."""
        return cosine_similarities(lambda distinct: self.embed(distinct)[0], texts, pairs)

    # -- masked-LM tools (see retriever.mask_tasks) -------------------------------------------
    def fill_mask(self, text: str, k: int = 5) -> FillMaskResult:
        """The ``k`` likeliest tokens for each ``[MASK]`` in ``text``."""
        return self.masked_lm.fill_mask(text, k)

    def classify(
        self, texts: Sequence[str], labels: Sequence[str], template: str | None = None
    ) -> list[Classification]:
        """For each text, which of ``labels`` fits the ``{mask}`` of ``template`` best."""
        return self.masked_lm.classify(texts, labels, template)

    def cloze(self, question: str, context: str | None = None, k: int = 5) -> ClozeResult:
        """The ``k`` likeliest one-word answers to ``question`` (optionally given ``context``)."""
        return self.masked_lm.cloze(question, context, k)

    def documents(
        self, limit: int = 100, offset: int = 0, path_glob: str | None = None
    ) -> DocumentPage:
        total, rows = self.store.documents(limit, offset, path_glob=path_glob)
        return DocumentPage(total, [DocumentSummary(**row) for row in rows])

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """A document's fields and its chunks (text, lines, symbol, ...), or None."""
        document = self.store.document(doc_id)
        if document is not None:
            document.pop("row_id")
        return document

    def status(self, *, git: bool = True) -> Status:
        """The index's state; with ``git``, where each indexed work tree stands now (this runs
        git: the HTTP API asks for it at most every few seconds, see :meth:`git_states`)."""
        manifest = self.store.manifest()
        counts = self.store.counts()
        vectors = self.vectors.state()
        return Status(
            index_dir=self.store.location,
            model=manifest.get("model", {}),
            settings={
                "chunk_tokens": manifest.get("chunk_tokens"),
                "chunker_version": manifest.get("chunker_version"),
                **(recorded_embedding(manifest) or {}),
            },
            roots=manifest.get("roots") or counts["roots"],
            documents=counts["documents"],
            chunks=counts["chunks"],
            languages=counts["languages"],
            skipped=counts["skipped"],
            skipped_files=counts["skipped_files"],
            generation=vectors.generation,
            vectors=vectors.count,
            size_bytes=self.store.size_bytes(),
            git=self.git_states(manifest) if git else {},
        )

    def git_states(self, manifest: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
        """Per root indexed in a git work tree: the commit indexed, where the tree is now, and
        whether it has moved since (another HEAD, or uncommitted changes). Runs git."""
        commits_indexed = (manifest or self.store.manifest()).get("commits", {})
        exclude = [self.directory] if self.directory else []
        return commits.work_tree_states(commits_indexed, exclude)

    def warm(self) -> None:
        """Load the model and verify the vectors now rather than on the first query."""
        if self._recorded_model():
            _ = self.encoder
            with self.vectors.snapshot(self._dimension()):
                pass

    @property
    def generation(self) -> int | None:
        """The state of the index that searches are served from: the vector generation of an
        embedded index, the data version of one on PostgreSQL."""
        return self.vectors.generation

    # -- model ------------------------------------------------------------------------------
    @property
    def encoder(self) -> Encoder:
        """The encoder, loaded on first use (status and --help never load torch)."""
        if self._encoder is None:
            self._encoder = upkeep.load_encoder(self._recorded_model(), self.settings)
        return self._encoder

    @property
    def reranker(self) -> Reranker:
        """The cross-encoder, loaded on first use."""
        if self._reranker is None:
            from retriever.encoding.reranking import Reranker

            self._reranker = Reranker(self.settings.rerank_model, self.settings.device)
        return self._reranker

    @property
    def chunk_tokens(self) -> int:
        recorded = self.store.manifest().get("chunk_tokens")
        if recorded:
            return int(recorded)
        return min(self.settings.chunk_tokens, self.encoder.fingerprint.max_tokens)

    # -- internals --------------------------------------------------------------------------
    def _recorded_model(self) -> dict[str, Any] | None:
        """The manifest's model fingerprint (None for an index with nothing in it yet). It is
        written once, when the index is created, so it is read once and kept."""
        if self._model is None:
            self._model = self.store.manifest().get("model")
        return self._model

    def _dimension(self) -> int:
        recorded = self._recorded_model()
        return int(recorded["dimension"]) if recorded else self.encoder.fingerprint.dimension


def _ranked_fields(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in RankedChunk.__dataclass_fields__}
