"""Request and response bodies of the HTTP API. Requests refuse unknown fields (422).

Responses reuse the engine's own dataclasses (``Hit``, ``Context``, ``Status``, ...), so the
HTTP shape is the Python shape and cannot drift from it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from retriever.context import Passage
from retriever.engine import MAX_QUERY_CHARS, SearchMode
from retriever.types import DocumentSummary, Hit, IndexReport

#: The most hits one search or context request may ask for.
MAX_K = 100
#: The most texts one embeddings request may carry (OpenAI's own limit).
MAX_INPUTS = 2048
#: The longest glob a filter accepts.
MAX_GLOB_CHARS = 1024

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
    k: int = Field(10, ge=1, le=MAX_K, description="How many hits.")
    filters: Filters | None = None
    mode: Mode = "hybrid"
    rerank: Rerank = False


class SearchResponse(BaseModel):
    hits: list[Hit]
    took_ms: float
    timings: dict[str, float] = Field(
        description="Milliseconds spent encoding the query (`encode_ms`), on the rest of the "
        "search (`search_ms`) and reranking (`rerank_ms`, with `rerank`)."
    )
    model: str = Field(description="The index's encoder.")
    index_generation: int | None = Field(description="The vector generation searched.")


class ContextRequest(Strict):
    query: Query
    token_budget: int = Field(
        ge=1, le=1_000_000, description="The most tokens the passages may take together."
    )
    k: int = Field(20, ge=1, le=MAX_K, description="How many chunks to draw passages from.")
    filters: Filters | None = None
    mode: Mode = "hybrid"
    rerank: Rerank = False
    tokenizer: str | None = Field(
        None,
        max_length=1024,
        description="Count tokens with this tokenizer (a local directory or a hub id in the "
        "server's cache) instead of the index's encoder.",
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
