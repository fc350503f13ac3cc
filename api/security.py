"""Who may call what (API keys), how large a request may be, and where the server may bind."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ApiError, error_body, error_response
from retriever import RetrieverError

Role = Literal["read", "admin"]

bearer = HTTPBearer(
    auto_error=False,
    description="An API key from `api_read_keys` or `api_admin_keys`; not needed when no keys "
    "are configured.",
)


@dataclass(frozen=True)
class Keys:
    """The configured API keys. With none at all the API is open (and binds to loopback only)."""

    read: tuple[bytes, ...] = ()  # SHA-256 digests: equal lengths, so timing leaks no length
    admin: tuple[bytes, ...] = ()

    @classmethod
    def of(cls, read: Sequence[str], admin: Sequence[str]) -> Keys:
        """The keys given; a blank one is refused, never dropped (dropping it could leave the
        API open where the caller meant to close it)."""
        if any(not key.strip() for key in (*read, *admin)):
            raise RetrieverError("an API key is empty or only whitespace; remove it or set a key")
        return cls(tuple(map(_digest, read)), tuple(map(_digest, admin)))

    @property
    def open(self) -> bool:
        return not (self.read or self.admin)

    def role(self, given: str) -> Role | None:
        """The role ``given`` grants. Every configured key is compared, in constant time each,
        so the time taken says nothing about which key (if any) nearly matched."""
        candidate = _digest(given)
        is_read = is_admin = False
        for key in self.read:
            is_read |= hmac.compare_digest(candidate, key)
        for key in self.admin:
            is_admin |= hmac.compare_digest(candidate, key)
        return "admin" if is_admin else "read" if is_read else None


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def _role(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Role:
    keys: Keys = request.app.state.keys
    if keys.open:
        return "admin"
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise ApiError(
            401, "unauthorized", "missing API key: send 'Authorization: Bearer <key>'", challenge
        )
    role = keys.role(credentials.credentials)
    if role is None:
        raise ApiError(401, "unauthorized", "invalid API key", challenge)
    return role


def require_read(role: Annotated[Role, Depends(_role)]) -> Role:
    return role


def require_admin(role: Annotated[Role, Depends(_role)]) -> Role:
    if role != "admin":
        raise ApiError(403, "forbidden", "this endpoint needs an admin API key")
    return role


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


#: Names that reach this machine only; a keyless server answers requests sent to them alone.
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})
#: Methods that change the index.
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class LoopbackOnly:
    """Protects a keyless server (open, so bound to loopback) from web pages. A page on another
    site can reach it through the browser in two ways: by a name that rebinds to 127.0.0.1
    (then the Host header carries that name: answered 421), or by a cross-origin request that
    needs no preflight (then the Origin header names the other site: answered 403, unless it is
    one of the CORS origins configured)."""

    def __init__(self, app: ASGIApp, host: str, cors_origins: Sequence[str] = ()) -> None:
        self.app = app
        self.hosts = LOOPBACK_NAMES | {_bracketed(host.lower())}
        self.cors_origins = frozenset(cors_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = _headers(scope)
            host = headers.get("host", "")
            if _hostname(host) not in self.hosts:
                refusal = (421, "misdirected_request", f"this server does not answer for {host!r}")
                await error_response(*refusal)(scope, receive, send)
                return
            origin = headers.get("origin")
            if origin is not None and origin not in self.cors_origins:
                scheme = scope.get("scheme", "http")
                if origin != f"{scheme}://{host}":
                    message = f"cross-origin requests from {origin!r} are not allowed"
                    await error_response(403, "forbidden_origin", message)(scope, receive, send)
                    return
        await self.app(scope, receive, send)


class JsonWrites:
    """A write that carries a body must say it is JSON. A browser sends form and ``text/plain``
    bodies across origins without asking first; it never sends JSON that way."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in WRITES:
            headers = _headers(scope)
            media_type = headers.get("content-type", "").split(";")[0].strip().lower()
            has_body = "content-type" in headers or headers.get("content-length", "0") != "0"
            has_body = has_body or "transfer-encoding" in headers
            if has_body and not (media_type == "application/json" or media_type.endswith("+json")):
                message = (
                    f"send the request body as application/json, not {media_type or 'untyped'}"
                )
                await error_response(415, "unsupported_media_type", message)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _headers(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}


def _hostname(host: str) -> str:
    """The name in a Host header, without its port."""
    host = host.lower()
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def _bracketed(host: str) -> str:
    """An IPv6 address as a Host header writes it."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


class _TooLarge(ApiError):
    def __init__(self, limit: int) -> None:
        super().__init__(413, "request_too_large", f"the request body exceeds {limit} bytes")


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413. Pure ASGI: it counts the bytes as
    they arrive, so a chunked body without Content-Length is stopped as soon as it passes the
    limit, before anything reads it whole."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await self._refuse(send)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _TooLarge(self.limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except _TooLarge:
            # Raised where the app does not turn it into a response itself.
            if started:
                raise
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(error_body("request_too_large", _TooLarge(self.limit).detail)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class ReadKeyGate:
    """Guards a mounted ASGI app (the MCP endpoint) with the same read keys as the routes."""

    def __init__(self, app: ASGIApp, keys: Keys) -> None:
        self.app = app
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.keys.open:
            header = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
            scheme, _, given = header.partition(" ")
            if scheme.lower() != "bearer" or self.keys.role(given.strip()) is None:
                response = error_response(
                    401,
                    "unauthorized",
                    "missing or invalid API key: send 'Authorization: Bearer <key>'",
                    {"WWW-Authenticate": "Bearer"},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
