"""How errors become responses: every error a client can cause is a 4xx with a JSON
``detail``, a database that is busy or down a 503, and anything else a JSON 500 that
never quotes a note.

Validation errors leave out the offending input, which FastAPI would otherwise echo
back (a whole note, for a note that fails a check).
"""

from __future__ import annotations

import logging
import re
import traceback
import uuid

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.service import ClientGoneError, NoteTooLongError, OverloadedError
from api.storage.errors import IdempotencyConflictError, NotFoundError
from suggest.suggester import NoteError

logger = logging.getLogger("codesuggest.api")


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers for errors clients cause (``LastResortMiddleware`` is added
    by ``create_app``, outside the metrics middleware, so 500s are counted too)."""
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(NoteError, _bad_note)
    app.add_exception_handler(NoteTooLongError, _too_long)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(IdempotencyConflictError, _idempotency_conflict)
    app.add_exception_handler(OverloadedError, _overloaded)
    app.add_exception_handler(ClientGoneError, _client_gone)
    app.add_exception_handler(405, _method_not_allowed)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "loc": [printable(part) if isinstance(part, str) else part for part in error["loc"]],
            "msg": printable(error["msg"]),
            "type": error["type"],
        }
        for error in exc.errors()
    ]
    return JSONResponse(status_code=422, content={"detail": errors})


def unprocessable(loc: list[str | int], msg: str, kind: str = "value_error") -> HTTPException:
    """A 422 shaped as FastAPI's own validation errors (the shape the API documents)."""
    return HTTPException(status_code=422, detail=[{"loc": loc, "msg": msg, "type": kind}])


def printable(text: str) -> str:
    """``text`` with control characters and unpaired surrogates written as escapes, so a
    message may name a client's odd key or value and still be encoded as JSON."""
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text
    )


async def _method_not_allowed(request: Request, exc: Exception) -> JSONResponse:
    """405 with ``Allow`` naming every method the path takes. Routing answers with the
    first route whose path matches (``POST /v1/feedback`` for ``DELETE``), though a path
    may have several routes (``GET /v1/feedback`` too); the OpenAPI document lists them all."""
    allowed = allowed_methods(request.app, request.url.path)
    detail = getattr(exc, "detail", "Method Not Allowed")
    headers = {"Allow": ", ".join(allowed)} if allowed else dict(getattr(exc, "headers", {}))
    return JSONResponse({"detail": detail}, status_code=405, headers=headers)


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """The methods the API documents for ``path`` (its OpenAPI path templates matched)."""
    methods: list[str] = []
    for template, operations in app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            methods += [m.upper() for m in operations if m.upper() not in methods]
    return methods


async def _not_found(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(status_code=404, content={"detail": str(exc)})


async def _idempotency_conflict(_request: Request, exc: Exception) -> JSONResponse:
    error = {"loc": ["header", "idempotency-key"], "msg": str(exc), "type": "value_error"}
    return JSONResponse(status_code=422, content={"detail": [error]})


async def _overloaded(_request: Request, exc: Exception) -> JSONResponse:
    return overloaded(exc)


def overloaded(exc: Exception, headers: dict[str, str] | None = None) -> JSONResponse:
    """The 503 for a request beyond the process's capacity: retry after a second."""
    return JSONResponse(
        status_code=503,
        content={"detail": str(exc)},
        headers={"Retry-After": "1", **(headers or {})},
    )


async def _client_gone(_request: Request, _exc: Exception) -> JSONResponse:
    # no one reads this answer; nginx's code for it, so logs and metrics tell it apart
    return JSONResponse(status_code=499, content={"detail": "the client closed the request"})


async def _bad_note(_request: Request, exc: Exception) -> JSONResponse:
    # the suggester's messages say what is wrong with a note without quoting it
    return JSONResponse(status_code=422, content={"detail": str(exc)})


async def _too_long(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(status_code=413, content={"detail": str(exc)})


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    return database_unavailable(request.method, request.url.path, exc)


def database_unavailable(method: str, path: str, exc: Exception) -> JSONResponse:
    """The 503 for a database that did not answer (a lock not granted within the busy
    timeout, a connection lost): the client may retry."""
    logger.error(
        "database unavailable in %s %s: %s",
        method,
        path,
        type(exc.orig if isinstance(exc, OperationalError) else exc).__name__,
    )
    return JSONResponse(
        status_code=503,
        content={"detail": "the database is busy or unavailable; retry shortly"},
        headers={"Retry-After": "1"},
    )


class LastResortMiddleware:
    """Turns an exception no handler took into a JSON 500 carrying an error id.

    Starlette's own 500 handler re-raises so that the server logs the exception with its
    message; a message can quote a note (a parser error, the value of a failed check), so
    this one logs only the exception's type and traceback frames, and does not re-raise.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            error_id = uuid.uuid4().hex[:12]
            logger.error(
                "unhandled %s in %s %s (error %s)\n%s",
                type(exc).__name__,
                scope["method"],
                getattr(scope.get("route"), "path", scope["path"]),
                error_id,
                "".join(traceback.format_tb(exc.__traceback__)),
            )
            if not started:
                response = JSONResponse(
                    status_code=500,
                    content={"detail": "internal server error", "error_id": error_id},
                )
                await response(scope, receive, send)
