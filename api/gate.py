"""What a request must pass before its body is read: room in the process for a note to
be coded (for the routes that code one), a valid API key (from its headers) and a body
within its route's size. (A method or path no route answers goes on to the router's own
404 or 405.)

FastAPI reads and parses a body before it runs a route's dependencies, so a key checked
by a dependency is checked only after the whole body has arrived, been parsed and been
held in memory. This ASGI middleware runs first: a request without a valid key is a
401, and one that declares a body over its limit a 413, before a byte of the body is
read; a body sent without a declared length is counted as it is read and refused (413)
at the first byte over. The key it found is left in the request's state for the
routes' dependencies (``api.deps.current_key``).

Capacity is checked first, before the key: a request to a route that codes a note, sent
while the process already holds as many as it may (``api.service``), is a 503 with
Retry-After without a database call, a thread or a byte of its body read. Under overload
the refusals are most of the traffic, and each one made in the event loop alone is
answered in the time the loop takes to get the GIL from the note being coded.
"""

from __future__ import annotations

from collections.abc import Sequence

import anyio.to_thread
from fastapi import HTTPException, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import Headers
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.cds_auth import CLIENT_STATE, CdsAuthError, authenticate
from api.errors import database_unavailable, overloaded
from api.service import OverloadedError
from api.settings import service_url
from api.storage.keys import KeyRecord, verify_key

# keys are "csk_" and 43 characters; anything much longer is not worth hashing
MAX_KEY_CHARS = 256
STATE_KEY = "api_key"
# paths answered without a key: the health check, the review page with its files, the
# API's description and docs, our FHIR definitions and CDS Hooks discovery
PUBLIC_PATHS = frozenset({"/health", "/", "/openapi.json", "/docs", "/redoc", "/cds-services"})
PUBLIC_PREFIXES = ("/static/", "/docs-assets/", "/fhir/")
# CDS Hooks calls present the EHR's signed JWT instead of a key (api.cds_auth)
CDS_PREFIX = "/cds-services/"
KEY_MISSING = "an API key is required: send Authorization: Bearer KEY or X-API-Key"
KEY_INVALID = "the API key is not valid or has been revoked"


class BodyTooLargeError(HTTPException):
    """A body over its route's limit; raised while reading, answered as JSON by FastAPI."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            status_code=status.HTTP_413_CONTENT_TOO_LARGE,
            detail=f"the request body is over {limit:,} bytes, the most this route takes",
            headers={"Connection": "close"},
        )


class GateMiddleware:
    """Authenticates from headers and enforces body limits before the app reads a body.

    ``body_limits`` maps a path to its limit in bytes; other paths get ``default_limit``.
    ``coding_routes``: the routes that code a note, refused at once when the process is
    at capacity.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        default_limit: int,
        body_limits: dict[str, int] | None = None,
        coding_routes: Sequence[BaseRoute] = (),
    ) -> None:
        self.app = app
        self.default_limit = default_limit
        self.body_limits = body_limits or {}
        self.coding_routes = coding_routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _public(scope["path"]):
            await self.app(scope, receive, send)
            return
        app = scope["app"]
        if all(route.matches(scope)[0] is not Match.FULL for route in app.router.routes):
            await self.app(scope, receive, send)  # the router's own 404 or 405
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        # an unread body must not be taken for the next request: close after refusing
        close = (
            {"Connection": "close"}
            if declared not in ("", "0") or ("transfer-encoding" in headers)
            else {}
        )
        if any(route.matches(scope)[0] is Match.FULL for route in self.coding_routes):
            try:
                app.state.service.check_capacity()
            except OverloadedError as exc:
                await overloaded(exc, close)(scope, receive, send)
                return
        if scope["path"].startswith(CDS_PREFIX):
            refusal = await _cds_refusal(scope, headers, close)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
            await self._limited(scope, receive, send, declared)
            return
        presented = _presented_key(headers)
        key = None
        if presented and len(presented) <= MAX_KEY_CHARS:
            sessions = app.state.sessions
            try:
                key = await anyio.to_thread.run_sync(_verify, sessions, presented)
            except OperationalError as exc:
                response = database_unavailable(scope["method"], scope["path"], exc)
                await response(scope, receive, send)
                return
        if key is None:
            response = JSONResponse(
                {"detail": KEY_INVALID if presented else KEY_MISSING},
                status_code=status.HTTP_401_UNAUTHORIZED,
                headers={"WWW-Authenticate": "Bearer", **close},
            )
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})[STATE_KEY] = key
        await self._limited(scope, receive, send, declared)

    async def _limited(self, scope: Scope, receive: Receive, send: Send, declared: str) -> None:
        """On to the app with the body limit of the path enforced."""
        limit = self.body_limits.get(scope["path"], self.default_limit)
        if declared.isdigit() and int(declared) > limit:
            error = BodyTooLargeError(limit)
            response = JSONResponse(
                {"detail": error.detail}, status_code=error.status_code, headers=error.headers
            )
            await response(scope, receive, send)
            return
        await self.app(scope, _counted(receive, limit), send)


async def _cds_refusal(
    scope: Scope, headers: Headers, close: dict[str, str]
) -> JSONResponse | None:
    """None when the call's JWT is accepted (the client is left in the request's state),
    else the response refusing it."""
    app = scope["app"]
    audience = service_url(app.state.settings, scope) + scope["path"]
    try:
        client = await anyio.to_thread.run_sync(
            authenticate,
            app.state.cds_verifier,
            app.state.sessions,
            headers.get("authorization", ""),
            audience,
        )
    except CdsAuthError as exc:
        return JSONResponse(
            {"detail": str(exc)},
            status_code=status.HTTP_401_UNAUTHORIZED,
            headers={"WWW-Authenticate": "Bearer", **close},
        )
    except OperationalError as exc:
        return database_unavailable(scope["method"], scope["path"], exc)
    scope.setdefault("state", {})[CLIENT_STATE] = client
    return None


def _public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def _presented_key(headers: Headers) -> str:
    """The key in ``Authorization: Bearer KEY`` or ``X-API-Key: KEY``, or ''."""
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return headers.get("x-api-key", "").strip()


def _verify(sessions: sessionmaker[Session], presented: str) -> KeyRecord | None:
    with sessions() as session:
        return verify_key(session, presented)


def _counted(receive: Receive, limit: int) -> Receive:
    """``receive`` that raises ``BodyTooLargeError`` at the first byte over ``limit``."""
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLargeError(limit)
        return message

    return counted
