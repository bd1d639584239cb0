"""GET /health (no key needed); GET /metrics (Prometheus text) and GET /openapi.json
(the API's description), each for any valid key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from api.deps import AnyKey, MetricsDep, ServiceDep
from api.metrics import CONTENT_TYPE
from api.schemas import Health

router = APIRouter(tags=["monitoring"])


@router.get("/health", response_model=Health)
def health(service: ServiceDep) -> Health:
    """The process is up and has loaded its model and index (it answers only after
    startup has finished)."""
    return Health(
        status="ok",
        model_version=service.suggester.model.version,
        index_version=service.index.version,
    )


@router.get("/metrics", response_class=Response)
def prometheus_metrics(metrics: MetricsDep, _key: AnyKey) -> Response:
    """Request counts and latencies per route, suggestions served, feedback received."""
    return Response(metrics.render(), media_type=CONTENT_TYPE)


@router.get("/openapi.json", include_in_schema=False)
def openapi(request: Request, _key: AnyKey) -> dict[str, Any]:
    """The OpenAPI description, behind a key like everything but /health (the app
    serves no /docs page: it would load its scripts from a CDN)."""
    schema: dict[str, Any] = request.app.openapi()
    return schema
