"""The app factory: one FastAPI app over one Retriever. No globals, no environment reading."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.routing import BaseRoute, Match
from starlette.types import Receive, Scope, Send

from api import routes
from api.errors import ApiError, install_error_handlers
from api.jobs import GitStates, IndexJob, Warmup, watcher_for
from api.mcp import streamable_http_app
from api.security import BodyLimit, JsonWrites, Keys, LoopbackOnly, ReadKeyGate
from retriever import Retriever, Settings
from retriever import watch_in_thread as run_in_thread

#: The web search page and its assets, served at ``/``.
STATIC = Path(__file__).parent / "static"

#: Where Swagger UI's and ReDoc's scripts and styles are served.
DOCS_ASSETS = "/docs-assets"

DESCRIPTION = """\
Search an index of documents and source code: ranked, cited passages for LLM applications.

Send `Authorization: Bearer <key>` when the server has API keys configured: a read key for
search, context, embeddings, status and listing documents; an admin key for writes and
re-indexing. Errors are `{"error": {"code": ..., "message": ...}}`.
"""


def create_app(
    retriever: Retriever,
    settings: Settings | None = None,
    *,
    host: str = "127.0.0.1",
    watch: bool = False,
) -> FastAPI:
    """The HTTP API over ``retriever``; ``settings`` (default: the retriever's own) give the API
    keys, CORS origins and the request size limit. ``host`` is the address served on: without
    API keys, every request's Host header must name it or another loopback name, and its
    Origin (if any) this server or a CORS origin (DNS rebinding and cross-site protection).
    ``watch`` keeps the index current while serving: the roots are watched and changes applied."""
    settings = settings or retriever.settings
    warmup = Warmup()
    mcp = streamable_http_app(retriever, host=host)
    watcher = watcher_for(retriever) if watch else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        warmup.start(retriever)  # /readyz turns 200 when it is done
        thread = run_in_thread(watcher) if watcher else None
        # A mounted app's lifespan does not run by itself; the MCP session manager needs it.
        async with mcp.router.lifespan_context(mcp):
            yield
        if watcher and thread:
            watcher.stop.set()  # it stops at the next file; committed work stays
            thread.join(timeout=30)

    # /docs (Swagger UI) and /redoc with their assets served from the fastapi-offline package,
    # not a CDN: the documentation works on a machine without a network.
    app = FastAPIOffline(
        title="retriever",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        static_url=DOCS_ASSETS,
    )
    app.state.retriever = retriever
    app.state.keys = Keys.of(settings.api_read_keys, settings.api_admin_keys)
    app.state.warmup = warmup
    app.state.index_job = IndexJob(retriever)
    app.state.git_states = GitStates(retriever)
    install_error_handlers(app)
    for router in (routes.health, routes.read, routes.admin):
        app.include_router(router)
    # The endpoint's canonical URL ends with a slash; the page mounted at / would answer /mcp.
    app.add_api_route(
        "/mcp",
        lambda: RedirectResponse("/mcp/", status_code=307),
        methods=["GET", "POST", "DELETE"],
        include_in_schema=False,
    )
    app.mount("/mcp", ReadKeyGate(mcp, app.state.keys), name="mcp")
    app.add_middleware(BodyLimit, limit=settings.max_request_bytes)
    app.add_middleware(JsonWrites)
    if app.state.keys.open:  # with keys, a page cannot send one without CORS allowing it
        app.add_middleware(LoopbackOnly, host=host, cors_origins=settings.cors_origins)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    if STATIC.is_dir():  # after every API route: it matches every path
        app.mount("/", PageFiles(list(app.routes), directory=STATIC, html=True), name="page")
    return app


class PageFiles(StaticFiles):
    """The page's files. A path under ``/v1`` that reaches it is no page: it gets the API's
    404, or 405 where an endpoint exists for another method."""

    def __init__(self, api_routes: list[BaseRoute], **options: Any) -> None:
        super().__init__(**options)
        self.api_routes = api_routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        if scope["type"] == "http" and (path == "/v1" or path.startswith("/v1/")):
            allowed = [
                method
                for method in ("GET", "POST", "PUT", "DELETE")
                if any(
                    route.matches({**scope, "method": method})[0] is Match.FULL
                    for route in self.api_routes
                )
            ]
            if allowed:
                raise ApiError(
                    405,
                    "method_not_allowed",
                    f"{scope['method']} is not allowed here; use {', '.join(allowed)}",
                    {"Allow": ", ".join(allowed)},
                )
            raise ApiError(404, "not_found", f"no endpoint at {path}")
        await super().__call__(scope, receive, send)
