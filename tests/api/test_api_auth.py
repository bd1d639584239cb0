"""Every endpoint but /health needs a key: 401 without one (or with a bad or revoked one),
403 when the key's role lacks the route's permission."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute

from api.cds import HOOK, SERVICE_ID
from api.routes import cds_hooks, codes, feedback, jobs, monitoring, suggest
from api.storage.keys import ROLE_PERMISSIONS, Permission, list_keys, revoke_key
from api.storage.models import Role
from tests.api.conftest import Api

CDS_CALL = {
    "hook": HOOK,
    "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
    "context": {"userId": "Practitioner/1", "patientId": "1", "encounterId": "2", "note": "COPD"},
}
CDS_FEEDBACK = {
    "feedback": [
        {"card": "unknown", "outcome": "overridden", "outcomeTimestamp": "2026-01-01T00:00:00Z"}
    ]
}
FEEDBACK = {
    "request_id": "unknown",
    "decisions": [{"code": "E11.9", "system": "icd10cm", "action": "accept"}],
}
# (method, path, body, permission needed; None: any valid key)
ENDPOINTS: list[tuple[str, str, dict[str, Any] | None, Permission | None]] = [
    ("POST", "/v1/suggest", {"text": "COPD"}, Permission.SUGGEST),
    ("GET", "/v1/codes/icd10cm/E11.9", None, Permission.CODES),
    ("GET", "/v1/codes?q=diabetes", None, Permission.CODES),
    ("POST", "/v1/feedback", FEEDBACK, Permission.FEEDBACK_WRITE),
    ("GET", "/v1/feedback", None, Permission.FEEDBACK_READ),
    ("POST", "/v1/batch", {"notes": ["COPD"]}, Permission.BATCH),
    ("GET", "/v1/jobs/unknown", None, Permission.BATCH),
    ("GET", "/cds-services", None, Permission.CDS),
    ("POST", f"/cds-services/{SERVICE_ID}", CDS_CALL, Permission.CDS),
    ("POST", f"/cds-services/{SERVICE_ID}/feedback", CDS_FEEDBACK, Permission.CDS),
    ("GET", "/v1/me", None, None),
    ("GET", "/metrics", None, None),
    ("GET", "/openapi.json", None, None),
]
IDS = [f"{method} {path}" for method, path, _, _ in ENDPOINTS]


@pytest.mark.parametrize(("method", "path", "body", "permission"), ENDPOINTS, ids=IDS)
def test_no_key_or_a_bad_key_is_401(
    api: Api, method: str, path: str, body: dict[str, Any] | None, permission: Permission | None
) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer csk_not-a-key"},
        {"X-API-Key": "csk_not-a-key"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"X-API-Key": "x" * 10_000},
    ):
        response = api.client.request(method, path, json=body, headers=headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert "API key" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path", "body", "permission"), ENDPOINTS, ids=IDS)
def test_roles_without_the_permission_get_403(
    api: Api, method: str, path: str, body: dict[str, Any] | None, permission: Permission | None
) -> None:
    for role in Role:
        response = api.client.request(method, path, json=body, headers=api.auth(role))
        allowed = permission is None or permission in ROLE_PERMISSIONS[role]
        if allowed:
            assert response.status_code not in (401, 403, 500), (role, response.text)
        else:
            assert response.status_code == 403, (role, response.text)
            assert permission is not None and permission.value in response.json()["detail"]


def test_the_table_covers_every_route() -> None:
    routes = {
        (method, route.path)
        for module in (suggest, codes, feedback, jobs, cds_hooks, monitoring)
        for route in module.router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }
    table = {(method, path.split("?")[0]) for method, path, _, _ in ENDPOINTS}
    table = {(m, p.replace("icd10cm/E11.9", "{system}/{code}")) for m, p in table}
    table = {(m, p.replace("/unknown", "/{job_id}")) for m, p in table}
    table = {(m, p.replace(SERVICE_ID, "{service_id}")) for m, p in table}
    assert routes - table == {("GET", "/health")}


def test_the_openapi_description_lists_the_api(api: Api) -> None:
    schema = api.client.get("/openapi.json", headers=api.auth(Role.TRAINER)).json()
    assert {"/v1/suggest", "/v1/feedback", "/v1/batch", "/cds-services"} <= set(schema["paths"])
    assert api.client.get("/docs", headers=api.auth(Role.TRAINER)).status_code == 404


def test_health_needs_no_key(api: Api) -> None:
    response = api.client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_either_header_carries_the_key(api: Api) -> None:
    key = api.keys[Role.CODER]
    for headers in ({"Authorization": f"Bearer {key}"}, {"X-API-Key": key}):
        assert api.client.get("/v1/codes/icd10cm/E11.9", headers=headers).status_code == 200


def test_a_revoked_key_is_refused(api: Api) -> None:
    with api.session() as session:
        coder = next(key for key in list_keys(session) if key.role is Role.CODER)
        revoke_key(session, coder.id)
    response = api.client.get("/v1/codes/icd10cm/E11.9", headers=api.auth(Role.CODER))
    assert response.status_code == 401
