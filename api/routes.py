"""The endpoints: each parses its request, calls one Retriever method and shapes the answer.

Endpoints are plain ``def``: FastAPI runs them in its thread pool, where the engine's blocking
work belongs; one Retriever serves all threads.
"""

from __future__ import annotations

import base64
import dataclasses
import time
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import numpy as np
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from api import schemas
from api.errors import ApiError, error_body
from api.jobs import GitStates, IndexJob, Warmup
from api.security import require_admin, require_read
from retriever import DocumentSummary, Retriever, Status

T = TypeVar("T")


def _retriever(request: Request) -> Retriever:
    return request.app.state.retriever


def _job(request: Request) -> IndexJob:
    return request.app.state.index_job


Engine = Annotated[Retriever, Depends(_retriever)]
Job = Annotated[IndexJob, Depends(_job)]

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": schemas.ErrorResponse, "description": description}
    for status, description in [
        (401, "Missing or invalid API key."),
        (413, "Request body too large."),
        (422, "Invalid request: unknown field, bad value or filter, query or k too large."),
    ]
}
_ADMIN_ERRORS = {**_ERRORS, 403: {"model": schemas.ErrorResponse, "description": "Read key."}}

read = APIRouter(prefix="/v1", dependencies=[Depends(require_read)], responses=_ERRORS)
admin = APIRouter(prefix="/v1", dependencies=[Depends(require_admin)], responses=_ADMIN_ERRORS)
health = APIRouter(tags=["health"])


def _timed(call: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = call()
    return result, round((time.perf_counter() - started) * 1000, 2)


def _model_name(retriever: Retriever) -> str:
    return retriever.encoder.fingerprint.model


# -- search -------------------------------------------------------------------------------------
@read.post("/search", tags=["search"], response_model=schemas.SearchResponse)
def search(body: schemas.SearchRequest, retriever: Engine) -> dict[str, Any]:
    """The `k` chunks that best match `query`, best first, among those matching `filters`."""
    filters = body.filters.to_engine() if body.filters else None
    result, took_ms = _timed(
        lambda: retriever.search(
            body.query,
            body.k,
            filters,
            mode=body.mode,
            verify=body.verify,
            rerank=body.rerank,
        )
    )
    return {
        "hits": result.hits,
        "took_ms": took_ms,
        "timings": result.timings,
        "model": _model_name(retriever),
        "index_generation": result.generation,
    }


@read.post("/context", tags=["search"], response_model=schemas.ContextResponse)
def context(body: schemas.ContextRequest, retriever: Engine) -> dict[str, Any]:
    """Passages for a prompt: adjacent chunks merged, duplicates dropped, each cited as
    `path:start-end`, cut to `token_budget`; `context` joins them ready to paste."""
    filters = body.filters.to_engine() if body.filters else None
    result, took_ms = _timed(
        lambda: retriever.context(
            body.query,
            body.token_budget,
            k=body.k,
            filters=filters,
            tokenizer=body.tokenizer,
            mode=body.mode,
            verify=body.verify,
            rerank=body.rerank,
        )
    )
    return {**result.to_dict(), "took_ms": took_ms, "model": _model_name(retriever)}


@read.post("/embeddings", tags=["embeddings"], response_model=schemas.EmbeddingsResponse)
def embeddings(body: schemas.EmbeddingsRequest, retriever: Engine) -> dict[str, Any]:
    """OpenAI-compatible embeddings with the index's model (whatever `model` says)."""
    dimension = retriever.encoder.fingerprint.dimension
    if body.dimensions is not None and body.dimensions != dimension:
        raise ApiError(
            422, "invalid_request", f"dimensions: this model gives {dimension}-d vectors only"
        )
    vectors, tokens = retriever.embed(body.texts(), body.input_type)
    return {
        "object": "list",
        "data": [
            {"object": "embedding", "index": i, "embedding": _encode(v, body.encoding_format)}
            for i, v in enumerate(vectors)
        ],
        "model": _model_name(retriever),
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def _encode(vector: np.ndarray, encoding_format: str) -> list[float] | str:
    if encoding_format == "base64":  # what OpenAI's clients ask for: little-endian float32
        return base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")
    return vector.tolist()


@read.post("/similarity", tags=["embeddings"], response_model=schemas.SimilarityResponse)
def similarity(body: schemas.SimilarityRequest, retriever: Engine) -> dict[str, Any]:
    """Cosine similarities with the index's encoder: a matrix over `texts`, or one value per
    pair of `pairs`."""
    scores, took_ms = _timed(lambda: retriever.similarity(body.texts, pairs=body.pairs))
    return {
        "similarities": scores.round(6).tolist(),
        "took_ms": took_ms,
        "model": _model_name(retriever),
    }


# -- masked-LM tools ----------------------------------------------------------------------------
@read.post("/fill-mask", tags=["masked-lm"], response_model=schemas.FillMaskResponse)
def fill_mask(body: schemas.FillMaskRequest, retriever: Engine) -> dict[str, Any]:
    """The `k` likeliest tokens for each `[MASK]` of `text`, with probabilities."""
    result, took_ms = _timed(lambda: retriever.fill_mask(body.text, body.k))
    return {**result.to_dict(), "model": retriever.masked_lm.model.name, "took_ms": took_ms}


@read.post("/classify", tags=["masked-lm"], response_model=schemas.ClassifyResponse)
def classify(body: schemas.ClassifyRequest, retriever: Engine) -> dict[str, Any]:
    """For each text, the label word that best fills the `{mask}` of `template`, and every
    label's probability."""
    results, took_ms = _timed(lambda: retriever.classify(body.texts, body.labels, body.template))
    return {"results": results, "model": retriever.masked_lm.model.name, "took_ms": took_ms}


@read.post("/cloze", tags=["masked-lm"], response_model=schemas.ClozeResponse)
def cloze(body: schemas.ClozeRequest, retriever: Engine) -> dict[str, Any]:
    """The `k` likeliest one-word answers to `question`, optionally read after `context`."""
    result, took_ms = _timed(lambda: retriever.cloze(body.question, body.context, body.k))
    return {**result.to_dict(), "model": retriever.masked_lm.model.name, "took_ms": took_ms}


# -- documents ----------------------------------------------------------------------------------
@read.get("/documents", tags=["documents"], response_model=schemas.DocumentListResponse)
def list_documents(
    retriever: Engine,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=schemas.MAX_OFFSET)] = 0,
    path_glob: Annotated[str | None, Query(max_length=schemas.MAX_GLOB_CHARS)] = None,
) -> dict[str, Any]:
    """One page of indexed documents in path order, with the total count."""
    page = retriever.documents(limit, offset, path_glob)
    return {"total": page.total, "limit": limit, "offset": offset, "documents": page.documents}


@read.get(
    "/documents/{doc_id}",
    tags=["documents"],
    response_model=schemas.DocumentDetail,
    responses={404: {"model": schemas.ErrorResponse, "description": "Unknown document."}},
)
def get_document(doc_id: str, retriever: Engine) -> dict[str, Any]:
    """A document's fields and its chunks in order."""
    document = retriever.document(doc_id)
    if document is None:
        raise _unknown_document(doc_id)
    return document


@admin.put("/documents", tags=["documents"], response_model=DocumentSummary)
def put_document(body: schemas.DocumentUpsert, retriever: Engine) -> Any:
    """Index `text` as the document at virtual `path`, replacing an earlier version."""
    return retriever.upsert_text(body.path, body.text, body.language)


@admin.delete(
    "/documents/{doc_id}",
    tags=["documents"],
    response_model=schemas.Deleted,
    responses={404: {"model": schemas.ErrorResponse, "description": "Unknown document."}},
)
def delete_document(doc_id: str, retriever: Engine) -> dict[str, Any]:
    """Remove one document and its chunks from the index."""
    if not retriever.delete_document(doc_id):
        raise _unknown_document(doc_id)
    return {"doc_id": doc_id, "deleted": True}


def _unknown_document(doc_id: str) -> ApiError:
    return ApiError(404, "document_not_found", f"no document with id {doc_id!r}")


# -- indexing and status ------------------------------------------------------------------------
@admin.post(
    "/index",
    tags=["index"],
    status_code=202,
    response_model=schemas.IndexJobState,
    responses={409: {"model": schemas.ErrorResponse, "description": "A job is running."}},
)
def start_index(job: Job) -> dict[str, Any]:
    """Re-index the configured roots (else the indexed directories) in the background."""
    return job.start()


@read.get("/index/status", tags=["index"], response_model=schemas.IndexJobState)
def index_status(job: Job) -> dict[str, Any]:
    """The re-index job: state, progress, times, and the report or error of the last run."""
    return job.state()


@read.get("/status", tags=["index"], response_model=Status)
def status(retriever: Engine, request: Request) -> Any:
    """The index: model fingerprint, counts, languages, skipped files by reason, size, and
    where each indexed git work tree stands (found at most every few seconds)."""
    git_states: GitStates = request.app.state.git_states
    return dataclasses.replace(retriever.status(git=False), git=git_states.get())


@health.get("/livez", response_model=schemas.Alive)
def livez() -> dict[str, str]:
    """The process is up."""
    return {"status": "alive"}


@health.get(
    "/readyz",
    response_model=schemas.Ready,
    responses={503: {"model": schemas.ErrorResponse, "description": "Not ready (yet)."}},
)
def readyz(request: Request) -> Any:
    """200 once the model is loaded and the index verified; 503 before, or if that failed."""
    warmup: Warmup = request.app.state.warmup
    if not warmup.ready:
        return JSONResponse(error_body("not_ready", warmup.reason), status_code=503)
    return {"status": "ready", "generation": request.app.state.retriever.generation}
