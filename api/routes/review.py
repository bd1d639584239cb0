"""The coder's review page: GET / (no key needed: the page asks for one and keeps it in
the browser tab) and its scripts and styles under /static.

The page is plain HTML, CSS and JavaScript modules checked in under ``api/static``; it
loads nothing from anywhere else, so it works where the server has no internet, and its
Content-Security-Policy says so to the browser.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
# everything from this server only; no inline scripts, no framing by other sites
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)

router = APIRouter(tags=["review"], include_in_schema=False)


@router.get("/", response_class=FileResponse)
def review_page() -> FileResponse:
    """The review page (its scripts then call the API with the coder's key)."""
    return FileResponse(
        STATIC_DIR / "index.html",
        headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-cache",
        },
    )


class _RevalidatedFiles(StaticFiles):
    """Static files the browser checks (by ETag) before each use, so after an upgrade
    the page never runs with scripts cached from the version before."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = "no-cache"
        return response


def static_files() -> StaticFiles:
    """The page's scripts and styles, to mount at /static."""
    return _RevalidatedFiles(directory=STATIC_DIR)
