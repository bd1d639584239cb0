"""Every endpoint but the open ones (/health, the API's description and docs, our FHIR
definitions) and CDS Hooks (signed by the EHR instead: test_api_cds_hooks) needs a key:
401 without one (or with a bad or revoked one), 403 when the key's role lacks the route's
permission."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute

from api.routes import cds_hooks, codes, feedback, fhir, jobs, me, monitoring, suggest
from api.storage.keys import ROLE_PERMISSIONS, Permission, list_keys, revoke_key
from api.storage.models import Role
from tests.api.conftest import Api

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
    ("GET", "/v1/requests/unknown/fhir", None, Permission.SUGGEST),
    ("GET", "/v1/me", None, None),
    ("GET", "/metrics", None, None),
]
IDS = [f"{method} {path}" for method, path, _, _ in ENDPOINTS]
# routes no key opens: open to all, or (CDS Hooks) open only to the EHR's signed JWTs
WITHOUT_KEY = {
    ("GET", "/health"),
    ("GET", "/fhir/{resource_type}/{ident}"),
    ("GET", "/cds-services"),
    ("POST", "/cds-services/{service_id}"),
    ("POST", "/cds-services/{service_id}/feedback"),
}


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
        for module in (suggest, codes, feedback, jobs, cds_hooks, fhir, me, monitoring)
        for route in module.router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }
    table = {(method, path.split("?")[0]) for method, path, _, _ in ENDPOINTS}
    table = {(m, p.replace("icd10cm/E11.9", "{system}/{code}")) for m, p in table}
    table = {(m, p.replace("requests/unknown", "requests/{request_id}")) for m, p in table}
    table = {(m, p.replace("/unknown", "/{job_id}")) for m, p in table}
    assert routes - table == WITHOUT_KEY


def test_the_openapi_description_needs_no_key(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()
    assert {"/v1/suggest", "/v1/feedback", "/v1/batch", "/cds-services"} <= set(schema["paths"])


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
