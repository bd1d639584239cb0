"""GET /health (no key needed); GET /metrics (Prometheus text), for any valid key."""

from __future__ import annotations

from fastapi import APIRouter, Response

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
