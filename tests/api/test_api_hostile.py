"""Hostile input found by the security probe (issue 19): every one of these is a 4xx with
a message, never a 500, on SQLite and on PostgreSQL."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from api.cds import HOOK, SERVICE_ID
from api.storage.models import Role
from tests.api.conftest import Api, MakeApi
from tests.api.ehr import TestEhr

NOTE = "Type 2 diabetes with diabetic chronic kidney disease, CKD stage 3a."
PUBLIC_URL = "https://coding.hospital.test"
EHR = TestEhr()  # CDS Hooks calls are signed by the EHR the service trusts
POSTS: dict[str, dict[str, Any]] = {
    "/v1/suggest": {"text": NOTE},
    "/v1/batch": {"notes": [NOTE]},
    "/v1/feedback": {
        "request_id": "r",
        "coder_id": "c",
        "decisions": [{"code": "E11.9", "system": "icd10cm", "action": "add"}],
    },
    f"/cds-services/{SERVICE_ID}": {
        "hook": HOOK,
        "hookInstance": "x",
        "context": {"userId": "u", "patientId": "p", "encounterId": "e", "note": NOTE},
    },
    f"/cds-services/{SERVICE_ID}/feedback": {
        "feedback": [
            {"card": "c", "outcome": "overridden", "outcomeTimestamp": "2026-01-01T00:00:00Z"}
        ]
    },
}


@pytest.fixture
def api_on(make_api: MakeApi, database_url: str) -> Api:
    """An app on each engine (a SQLite file and a PostgreSQL schema), trusting EHR."""
    return make_api(
        database_url=database_url,
        store_note_text=True,
        public_url=PUBLIC_URL,
        cds_issuer=EHR.issuer,
        cds_jwks=json.dumps(EHR.jwks),
    )


def _caller(api: Api, path: str) -> dict[str, str]:
    """The admin key, or for a CDS Hooks call a fresh JWT of the trusted EHR."""
    if path.startswith("/cds-services"):
        return {"Authorization": f"Bearer {EHR.token(PUBLIC_URL + path)}"}
    return api.auth(Role.ADMIN)


def _request_id(api: Api) -> str:
    response = api.client.post("/v1/suggest", json={"text": NOTE}, headers=api.auth(Role.ADMIN))
    assert response.status_code == 200, response.text
    return str(response.json()["request_id"])


@pytest.mark.parametrize("path", list(POSTS))
def test_a_lone_surrogate_as_a_key_is_422(api_on: Api, path: str) -> None:
    body = json.dumps(POSTS[path])[:-1] + ', "\\ud800": 1}'
    headers = {**_caller(api_on, path), "Content-Type": "application/json"}
    response = api_on.client.post(path, content=body, headers=headers)
    assert response.status_code == 422, response.text
    assert "\\ud800" in response.text  # named, escaped


@pytest.mark.parametrize("coder_id", [" ", "\t", " \n "])
def test_a_blank_coder_id_is_422(api_on: Api, coder_id: str) -> None:
    body = {**POSTS["/v1/feedback"], "request_id": _request_id(api_on), "coder_id": coder_id}
    response = api_on.client.post("/v1/feedback", json=body, headers=api_on.auth(Role.ADMIN))
    assert response.status_code == 422, response.text


def _with_nul(api: Api) -> list[tuple[str, dict[str, Any]]]:
    request_id = _request_id(api)
    decision = {"code": "E11.9", "system": "icd10cm", "action": "add"}
    feedback = {"request_id": request_id, "coder_id": "c", "decisions": [decision]}
    document = {
        "resourceType": "DocumentReference",
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain",
                    "data": base64.b64encode(f"{NOTE}\x00".encode()).decode(),
                }
            }
        ],
    }
    call = POSTS[f"/cds-services/{SERVICE_ID}"]
    card = {"card": "\x00", "outcome": "overridden", "outcomeTimestamp": "2026-01-01T00:00:00Z"}
    return [
        ("/v1/suggest", {"text": f"{NOTE}\x00"}),
        ("/v1/batch", {"notes": [NOTE, "\x00"]}),
        ("/v1/feedback", {**feedback, "coder_id": "c\x00"}),
        ("/v1/feedback", {**feedback, "request_id": "r\x00"}),
        ("/v1/feedback", {**feedback, "decisions": [{**decision, "code": "E11.9\x00"}]}),
        ("/v1/feedback", {**feedback, "decisions": [{**decision, "reason": "\x00"}]}),
        (f"/cds-services/{SERVICE_ID}", {**call, "prefetch": {"note": document}}),
        (f"/cds-services/{SERVICE_ID}", {**call, "context": {**call["context"], "note": "\x00"}}),
        (f"/cds-services/{SERVICE_ID}/feedback", {"feedback": [card]}),
    ]


def test_nul_characters_are_422_wherever_they_would_be_stored(api_on: Api) -> None:
    for path, body in _with_nul(api_on):
        response = api_on.client.post(path, json=body, headers=_caller(api_on, path))
        assert response.status_code == 422, (path, body, response.text)
    response = api_on.client.get("/v1/jobs/%00", headers=api_on.auth(Role.ADMIN))
    assert response.status_code == 422, response.text


def test_a_status_url_never_comes_from_the_host_header(make_api: MakeApi) -> None:
    for settings, start in (
        ({}, "/v1/jobs/"),
        ({"public_url": "https://coding.example.org/"}, "https://coding.example.org/v1/jobs/"),
    ):
        api = make_api(**settings)
        headers = {**api.auth(Role.INTEGRATOR), "Host": "attacker.example"}
        accepted = api.client.post("/v1/batch", json={"notes": [NOTE]}, headers=headers).json()
        assert accepted["status_url"] == start + accepted["job_id"]


def test_what_the_schema_refuses_is_refused(api_on: Api) -> None:
    """Conformance failures schemathesis found: lax conversions, a string detail."""
    api = api_on
    for field, suggest in (
        (["patient", "age"], {"text": NOTE, "patient": {"age": False}}),
        (["date_of_service"], {"text": NOTE, "date_of_service": 0}),
    ):
        response = api.client.post("/v1/suggest", json=suggest, headers=api.auth(Role.CODER))
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", *field]
    dated = {"text": NOTE, "date_of_service": "2026-03-01"}
    assert api.client.post("/v1/suggest", json=dated, headers=api.auth(Role.CODER)).is_success
    for moment in ("0.5", "1700000000"):
        response = api.client.get(
            "/v1/feedback", params={"until": moment}, headers=api.auth(Role.TRAINER)
        )
        assert response.status_code == 422 and response.json()["detail"][0]["loc"] == [
            "query",
            "until",
        ]
    wrong_hook = {**POSTS[f"/cds-services/{SERVICE_ID}"], "hook": "patient-view"}
    cds = f"/cds-services/{SERVICE_ID}"
    response = api.client.post(cds, json=wrong_hook, headers=_caller(api, cds))
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "hook"]
