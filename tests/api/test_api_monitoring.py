"""GET /health and GET /metrics (Prometheus text)."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from api.storage.models import Role
from tests.api.conftest import Api

NOTE = "Type 2 diabetes with diabetic chronic kidney disease, CKD stage 3a."


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_health_reports_what_was_loaded(api: Api) -> None:
    body = api.client.get("/health").json()
    service = api.app.state.service
    assert body == {
        "status": "ok",
        "model_version": service.suggester.model.version,
        "index_version": service.index.version,
    }


def test_metrics_count_requests_suggestions_and_feedback(api: Api) -> None:
    suggested = api.client.post("/v1/suggest", json={"text": NOTE}, headers=api.auth(Role.CODER))
    body = suggested.json()
    api.client.post(
        "/v1/feedback",
        json={
            "request_id": body["request_id"],
            "decisions": [
                {"code": "E11.22", "system": "icd10cm", "action": "accept"},
                {"code": "N18.2", "system": "icd10cm", "action": "reject"},
            ],
        },
        headers=api.auth(Role.CODER),
    )
    api.client.get("/v1/jobs/no-such-job", headers=api.auth(Role.INTEGRATOR))

    response = api.client.get("/metrics", headers=api.auth(Role.TRAINER))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)
    route = (("method", "POST"), ("route", "/v1/suggest"), ("status", "200"))
    assert samples["codesuggest_http_requests_total", route] == 1
    job_404 = (("method", "GET"), ("route", "/v1/jobs/{job_id}"), ("status", "404"))
    assert samples["codesuggest_http_requests_total", job_404] == 1
    latency = (("method", "POST"), ("route", "/v1/suggest"))
    assert samples["codesuggest_http_request_duration_seconds_count", latency] == 1
    bucket = tuple(sorted((*latency, ("le", "0.5"))))
    assert ("codesuggest_http_request_duration_seconds_bucket", bucket) in samples
    served = samples["codesuggest_suggestions_served_total", (("system", "icd10cm"),)]
    assert served == len(body["suggestions"])
    assert samples["codesuggest_suggest_duration_seconds_count", ()] == 1
    assert samples["codesuggest_feedback_decisions_total", (("action", "accept"),)] == 1
    assert samples["codesuggest_feedback_decisions_total", (("action", "reject"),)] == 1
