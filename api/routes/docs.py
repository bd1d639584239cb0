"""The API's description, readable by anyone (it holds no data): GET /openapi.json is
FastAPI's own; GET /docs (Swagger UI) and GET /redoc (ReDoc) are served with the
scripts and styles that the ``fastapi-offline`` package bundles, under /docs-assets, so
they render where the server has no internet. Links are relative, so the pages also work
behind a proxy that serves the API under a path prefix."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_PATH = "/docs-assets"
# Swagger UI 5 (which reads OpenAPI 3.1, what FastAPI writes) and ReDoc 2, as shipped
ASSETS_DIR = Path(str(resources.files("fastapi_offline") / "static"))
_TITLE = "codesuggest API"
# this server only (the pages' own start-up scripts are inline; ReDoc styles inline and
# runs a worker from a blob); it also stops ReDoc's "by Redocly" logo, which its
# bundle always fetches from redocly's CDN, from leaving the browser
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
_ASSETS = ASSETS_PATH.lstrip("/")

router = APIRouter(tags=["docs"], include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui() -> HTMLResponse:
    """Swagger UI: every operation with its schemas and examples, callable with a key."""
    return _offline(
        get_swagger_ui_html(
            openapi_url="openapi.json",
            title=_TITLE,
            swagger_js_url=f"{_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{_ASSETS}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None},  # the online validator is elsewhere
        )
    )


@router.get("/redoc", response_class=HTMLResponse)
def redoc() -> HTMLResponse:
    """ReDoc: the same description as one readable page."""
    return _offline(
        get_redoc_html(
            openapi_url="openapi.json",
            title=_TITLE,
            redoc_js_url=f"{_ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{_ASSETS}/favicon.png",
            with_google_fonts=False,
        )
    )


def _offline(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    page.headers["X-Content-Type-Options"] = "nosniff"
    return page


def assets() -> StaticFiles:
    """The bundled Swagger UI and ReDoc files, to mount at ``ASSETS_PATH``."""
    return StaticFiles(directory=ASSETS_DIR)
