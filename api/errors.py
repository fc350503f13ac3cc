"""Every error response has one shape: ``{"error": {"code": "...", "message": "..."}}``.

Engine errors map to status codes here; anything unexpected is a 500 that says nothing about
the server's internals (the traceback goes to the log).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from retriever import (
    CorruptIndexError,
    IndexLockedError,
    IndexNotFoundError,
    InvalidQueryError,
    ModelError,
    ModelMismatchError,
    RetrieverError,
    StorageError,
)

log = logging.getLogger("retriever.api")

#: Engine error -> (status, code). The first class an error is an instance of wins.
ENGINE_ERRORS: list[tuple[type[RetrieverError], int, str]] = [
    (IndexLockedError, 409, "index_locked"),
    (InvalidQueryError, 422, "invalid_query"),
    (ModelMismatchError, 409, "model_mismatch"),
    (IndexNotFoundError, 503, "index_not_found"),
    (CorruptIndexError, 503, "index_corrupt"),
    (ModelError, 503, "model_unavailable"),
    (StorageError, 503, "storage_error"),
    (RetrieverError, 400, "bad_request"),
]

#: Codes of plain HTTP errors (unknown route, wrong method, ...).
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "request_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    503: "unavailable",
}


class ApiError(HTTPException):
    """An error with its own code, raised by routes and middleware."""

    def __init__(
        self, status_code: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status_code, message, headers)
        self.code = code


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def error_response(
    status_code: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(RetrieverError, _engine_error)
    app.add_exception_handler(Exception, _unexpected_error)


async def _http_error(request: Request, error: HTTPException) -> JSONResponse:
    code = getattr(error, "code", None) or HTTP_CODES.get(error.status_code, "error")
    message = error.detail if isinstance(error.detail, str) else None
    if not message:
        message = HTTPStatus(error.status_code).phrase
    return error_response(error.status_code, code, message, getattr(error, "headers", None))


async def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    problems = error.errors()
    if any(problem.get("type") == "json_invalid" for problem in problems):
        detail = problems[0].get("ctx", {}).get("error", "")
        return error_response(400, "malformed_json", f"the body is not valid JSON: {detail}")
    message = "; ".join(_describe(problem) for problem in problems[:3])
    if "json" not in request.headers.get("content-type", "") and any(
        tuple(problem.get("loc", ())) == ("body",) for problem in problems
    ):
        message += " (send JSON with 'Content-Type: application/json')"
    return error_response(422, "invalid_request", message)


async def _engine_error(request: Request, error: RetrieverError) -> JSONResponse:
    status_code, code = next((s, c) for kind, s, c in ENGINE_ERRORS if isinstance(error, kind))
    return error_response(status_code, code, str(error))


async def _unexpected_error(request: Request, error: Exception) -> JSONResponse:
    log.error("%s %s failed", request.method, request.url.path, exc_info=error)
    return error_response(500, "internal_error", "internal server error; see the server log")


def _describe(problem: dict[str, Any]) -> str:
    """``body.k: Input should be less than or equal to 100``: where, then what."""
    location = ".".join(str(part) for part in problem.get("loc", ()))
    message = problem.get("msg", "invalid value")
    if problem.get("type") == "extra_forbidden":
        message = "unknown field"
    return f"{location}: {message}" if location else message
