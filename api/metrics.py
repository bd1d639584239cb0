"""Prometheus metrics for GET /metrics: requests and their latency per route, suggestions
served, feedback received and batch items processed.

Each app gets its own registry, so tests (and several apps in one process) never share
counters. With ``serve --workers N`` every worker process counts for itself: a scrape
sees the worker that answered it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_TYPE = CONTENT_TYPE_LATEST
# a suggest call takes tens of milliseconds for a short note and seconds for a long one
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """The service's collectors, registered in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "codesuggest_http_requests",
            "HTTP requests answered, by route template, method and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "codesuggest_http_request_duration_seconds",
            "Time from receiving a request to the end of its response, by route template.",
            ["method", "route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.suggest_latency = Histogram(
            "codesuggest_suggest_duration_seconds",
            "Time the suggester spent on one note (interactive and batch), excluding queueing.",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.suggestions = Counter(
            "codesuggest_suggestions_served",
            "Code suggestions returned, by code system.",
            ["system"],
            registry=self.registry,
        )
        self.feedback = Counter(
            "codesuggest_feedback_decisions",
            "Coder decisions stored, by action.",
            ["action"],
            registry=self.registry,
        )
        self.batch_items = Counter(
            "codesuggest_batch_items",
            "Batch items finished by the worker, by outcome.",
            ["status"],
            registry=self.registry,
        )

    def count_suggestions(self, systems: Iterable[str]) -> None:
        """Count each suggestion served under its code system."""
        for system in systems:
            self.suggestions.labels(system).inc()

    def count_feedback(self, actions: Iterable[str]) -> None:
        """Count each decision stored under its action."""
        for action in actions:
            self.feedback.labels(action).inc()

    def render(self) -> bytes:
        """The Prometheus text exposition of every collector."""
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts and times every HTTP request under its route template (``/v1/jobs/{job_id}``,
    not the concrete path, so ids never become label values)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before responding

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - started)
