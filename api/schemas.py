"""Request and response bodies of the HTTP API. Requests refuse unknown fields (422).

Responses reuse the engine's own dataclasses (``Hit``, ``Context``, ``Status``, ...), so the
HTTP shape is the Python shape and cannot drift from it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from retriever import (
    MAX_HITS,
    MAX_LABELS,
    MAX_PREDICTIONS,
    MAX_QUERY_CHARS,
    Classification,
    ClozeAnswer,
    DocumentSummary,
    Hit,
    IndexReport,
    Passage,
    Prediction,
    SearchMode,
)

#: The most texts one embeddings request may carry (OpenAI's own limit).
MAX_INPUTS = 2048
#: The longest glob a filter accepts.
MAX_GLOB_CHARS = 1024
#: The most texts one classify or similarity request may carry.
MAX_BATCH = 256
#: The most pairs one similarity request may carry.
MAX_PAIRS = 1024
#: The largest page offset: the largest integer SQLite and PostgreSQL (BIGINT) bind.
MAX_OFFSET = 2**63 - 1

Query = Annotated[
    str,
    Field(
        min_length=1, max_length=MAX_QUERY_CHARS, description="What to look for, in words or code."
    ),
]
Text = Annotated[str, Field(min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Filters(Strict):
    """Restrict results; every field is optional."""

    path_glob: str | None = Field(
        None,
        max_length=MAX_GLOB_CHARS,
        description="Glob over the whole relative path; `*` spans `/` (e.g. `src/*.py`).",
    )
    language: str | list[str] | None = Field(None, description="One language or several.")
    kind: str | list[str] | None = Field(
        None, description="Chunk kinds: function, method, class, module, section, text, ..."
    )
    symbol: str | None = Field(
        None, max_length=MAX_GLOB_CHARS, description="Glob over qualified names (`Uploader.*`)."
    )
    label: str | list[str] | None = Field(
        None, description="Labels given at ingest (`retriever index --classify-labels`)."
    )

    def to_engine(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


Mode = Annotated[
    SearchMode,
    Field(
        description="`hybrid` (dense and lexical fused by rank), `dense` (cosine similarity) "
        "or `lexical` (BM25 over identifier-aware terms)."
    ),
]


Rerank = Annotated[
    bool,
    Field(
        description="Re-score the best candidates with the server's cross-encoder "
        "(`rerank_model`); hit scores are then its relevance scores."
    ),
]


class SearchRequest(Strict):
    query: Query
    k: int = Field(10, ge=1, le=MAX_HITS, description="How many hits.")
    filters: Filters | None = None
    mode: Mode = "hybrid"
    verify: bool | Literal["drop", "flag"] = Field(
        False,
        description="Re-hash the cited files: `true` or `drop` leaves out hits whose file "
        "changed since it was indexed; `flag` keeps them with `stale: true`.",
    )
    rerank: Rerank = False


class SearchResponse(BaseModel):
    hits: list[Hit]
    took_ms: float
    timings: dict[str, float] = Field(
        description="Milliseconds spent encoding the query (`encode_ms`), on the rest "
        "(`search_ms`), on reranking (`rerank_ms`, with `rerank`) and on re-hashing cited files "
        "(`verify_ms`, when verifying)."
    )
    model: str = Field(description="The index's encoder.")
    index_generation: int | None = Field(
        description="The state searched: the vector generation (on PostgreSQL, the data version)."
    )


class ContextRequest(Strict):
    query: Query
    token_budget: int = Field(
        ge=1, le=1_000_000, description="The most tokens the passages may take together."
    )
    k: int = Field(20, ge=1, le=MAX_HITS, description="How many chunks to draw passages from.")
    filters: Filters | None = None
    mode: Mode = "hybrid"
    rerank: Rerank = False
    tokenizer: str | None = Field(
        None,
        max_length=1024,
        description="Count tokens with this tokenizer (the hub id of a tokenizer in the "
        "server's Hugging Face cache; never a path) instead of the index's encoder.",
    )
    verify: bool = Field(
        False, description="Leave out chunks whose file changed since it was indexed."
    )


class ContextResponse(BaseModel):
    passages: list[Passage] = Field(description="Best first, each citing `path:start-end`.")
    context: str = Field(description="The passages as one ready-to-paste block.")
    tokens: int = Field(description="Tokens the context takes.")
    token_budget: int
    took_ms: float
    model: str


class DocumentUpsert(Strict):
    path: str = Field(min_length=1, max_length=1024, description="Virtual relative path.")
    text: str = Field(description="The document's full text.")
    language: str | None = Field(
        None, max_length=64, description="Default: the language the path suggests."
    )


class DocumentListResponse(BaseModel):
    total: int
    limit: int
    offset: int
    documents: list[DocumentSummary]


class ChunkDetail(BaseModel):
    chunk_id: str
    ordinal: int
    kind: str
    symbol: str | None
    heading: str | None
    start_line: int
    end_line: int
    start_byte: int
    end_byte: int
    token_count: int
    text: str
    #: For a PDF, deck or notebook: ``page``, ``slide`` or ``cell`` and the range covered.
    unit: str | None = None
    start_unit: int | None = None
    end_unit: int | None = None


class DocumentDetail(BaseModel):
    doc_id: str
    root: str
    path: str
    language: str
    encoding: str
    size: int
    content_hash: str
    indexed_at: float
    chunks: list[ChunkDetail]


class Deleted(BaseModel):
    doc_id: str
    deleted: bool


class JobProgress(BaseModel):
    done: int
    total: int | None
    current: str | None = Field(description="The file being indexed now.")


class IndexJobState(BaseModel):
    state: Literal["idle", "running", "succeeded", "failed"]
    roots: list[str]
    progress: JobProgress
    started_at: float | None = Field(description="Unix time.")
    finished_at: float | None = Field(description="Unix time.")
    report: IndexReport | None = Field(description="The last finished run's report.")
    error: str | None = Field(description="Why the last run failed.")


class EmbeddingsRequest(Strict):
    """OpenAI's embeddings request; ``input_type`` is an extension."""

    input: Text | Annotated[list[Text], Field(min_length=1, max_length=MAX_INPUTS)] = Field(
        description="One text or a list of texts."
    )
    model: str = Field(description="Any name: an index serves the one model it was built with.")
    encoding_format: Literal["float", "base64"] = "float"
    input_type: Literal["document", "query"] = Field(
        "document", description="Encode as documents or as queries (with the query prefix)."
    )
    dimensions: int | None = Field(None, description="Must equal the model's dimension.")
    user: str | None = Field(None, description="Accepted and ignored.")

    def texts(self) -> list[str]:
        return [self.input] if isinstance(self.input, str) else self.input


class Embedding(BaseModel):
    object: Literal["embedding"] = "embedding"
    index: int
    embedding: list[float] | str = Field(description="Floats, or base64 little-endian float32.")


class Usage(BaseModel):
    prompt_tokens: int
    total_tokens: int


class EmbeddingsResponse(BaseModel):
    object: Literal["list"] = "list"
    data: list[Embedding]
    model: str
    usage: Usage


class FillMaskRequest(Strict):
    text: Text = Field(description="Text with `[MASK]` (or the model's own mask token).")
    k: int = Field(5, ge=1, le=MAX_PREDICTIONS, description="Predictions per mask.")


class FillMaskResponse(BaseModel):
    text: str
    filled: str = Field(description="The text with every mask replaced by its best token.")
    masks: list[list[Prediction]] = Field(
        description="Per mask, in text order: tokens best first; a leading space is kept."
    )
    model: str
    took_ms: float


Label = Annotated[str, Field(min_length=1, max_length=100)]


class ClassifyRequest(Strict):
    texts: list[Text] = Field(min_length=1, max_length=MAX_BATCH)
    labels: list[Label] = Field(
        min_length=2, max_length=MAX_LABELS, description="Label words or short phrases."
    )
    template: str | None = Field(
        None,
        max_length=1024,
        description="Prompt with one `{text}` and one `{mask}`; default "
        "`{text}\\nIn one word: {mask}.`",
    )


class ClassifyResponse(BaseModel):
    results: list[Classification] = Field(description="One per text, in order.")
    model: str
    took_ms: float


class ClozeRequest(Strict):
    question: Query = Field(description="A sentence with one `[MASK]`, or a plain question.")
    context: str | None = Field(None, description="Text to answer from, put before it.")
    k: int = Field(5, ge=1, le=MAX_PREDICTIONS, description="How many answers.")


class ClozeResponse(BaseModel):
    prompt: str = Field(description="What the model read.")
    answers: list[ClozeAnswer] = Field(description="One-word answers, likeliest first.")
    model: str
    took_ms: float


class SimilarityRequest(Strict):
    """Either `texts` (a similarity matrix) or `pairs` (one similarity per pair)."""

    texts: list[Text] | None = Field(None, min_length=2, max_length=MAX_BATCH)
    pairs: list[tuple[Text, Text]] | None = Field(None, min_length=1, max_length=MAX_PAIRS)

    @model_validator(mode="after")
    def _one_of(self) -> SimilarityRequest:
        if (self.texts is None) == (self.pairs is None):
            raise ValueError("give either texts or pairs")
        return self


class SimilarityResponse(BaseModel):
    similarities: list[list[float]] | list[float] = Field(
        description="Cosine similarities: a matrix for `texts`, a list for `pairs`."
    )
    model: str
    took_ms: float


class Ready(BaseModel):
    status: Literal["ready"]
    generation: int | None


class Alive(BaseModel):
    status: Literal["alive"]


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. `invalid_request`.")
    message: str = Field(description="One line for a human.")


class ErrorResponse(BaseModel):
    error: ErrorDetail
