"""What trainers retrain on can be trusted (issue 19 hole 5 and 6, issue 15 item 9):
feedback only from the key that asked for the suggestions or its organisation, under the
coder a coder key names, on codes the index has, stored once however often it is sent,
and each decision in the audit trail with who made it."""

from __future__ import annotations

import json
from typing import Any

from api.cds import HOOK, SERVICE_ID
from api.storage.audit import list_events
from api.storage.feedback import list_feedback
from api.storage.keys import create_key
from api.storage.models import AuditAction, Role
from tests.api.conftest import Api, MakeApi
from tests.api.ehr import TestEhr

NOTE = "Type 2 diabetes with diabetic chronic kidney disease, CKD stage 3a."
CDS = f"/cds-services/{SERVICE_ID}"
PUBLIC_URL = "https://coding.hospital.test"
EHR = TestEhr()


def _cds_api(make_api: MakeApi) -> Api:
    """The service trusting EHR for CDS Hooks."""
    return make_api(public_url=PUBLIC_URL, cds_issuer=EHR.issuer, cds_jwks=json.dumps(EHR.jwks))


def _signed(path: str) -> dict[str, str]:
    """A fresh JWT of EHR for one call to ``path``."""
    return {"Authorization": f"Bearer {EHR.token(PUBLIC_URL + path)}"}


def _request_id(api: Api, role: Role = Role.INTEGRATOR) -> str:
    response = api.client.post("/v1/suggest", json={"text": NOTE}, headers=api.auth(role))
    assert response.status_code == 200, response.text
    return str(response.json()["request_id"])


def _feedback(request_id: str, *decisions: dict[str, Any], coder: str | None = "c1") -> Any:
    body: dict[str, Any] = {
        "request_id": request_id,
        "decisions": [{"system": "icd10cm", "action": "add", **d} for d in decisions]
        or [{"system": "icd10cm", "action": "accept", "code": "E11.22"}],
    }
    if coder is not None:
        body["coder_id"] = coder
    return body


def _outsider(api: Api, organization: str | None) -> dict[str, str]:
    with api.session() as session:
        key = create_key(session, Role.INTEGRATOR, "other clinic", organization=organization)
    return {"Authorization": f"Bearer {key.plaintext}"}


def _stored(api: Api) -> list[Any]:
    with api.session() as session:
        return list_feedback(session).decisions


def test_feedback_only_from_the_requests_owner_or_its_organisation(api: Api) -> None:
    request_id = _request_id(api)
    for outsider in (_outsider(api, "other hospital"), _outsider(api, None)):
        response = api.client.post("/v1/feedback", json=_feedback(request_id), headers=outsider)
        assert response.status_code == 404, response.text  # as for an id never stored
    assert _stored(api) == []
    own = api.client.post(
        "/v1/feedback", json=_feedback(request_id), headers=api.auth(Role.INTEGRATOR)
    )
    # a coder of the same organisation, and an admin
    coder = api.client.post(
        "/v1/feedback", json=_feedback(request_id, coder=None), headers=api.auth(Role.CODER)
    )
    admin = api.client.post(
        "/v1/feedback", json=_feedback(request_id), headers=api.auth(Role.ADMIN)
    )
    assert [own.status_code, coder.status_code, admin.status_code] == [201, 201, 201]


def test_cds_feedback_only_from_the_trusted_ehr(make_api: MakeApi) -> None:
    api = _cds_api(make_api)
    call = {
        "hook": HOOK,
        "hookInstance": "x",
        "context": {"userId": "u", "patientId": "p", "encounterId": "e", "note": NOTE},
    }
    card = api.client.post(CDS, json=call, headers=_signed(CDS)).json()["cards"][0]
    feedback = {
        "feedback": [
            {
                "card": card["uuid"],
                "outcome": "overridden",
                "outcomeTimestamp": "2026-01-01T00:00:00Z",
            }
        ]
    }
    # an API key, even of the same organisation, is not the EHR's signature
    for outsider in (_outsider(api, "other hospital"), api.auth(Role.INTEGRATOR)):
        response = api.client.post(f"{CDS}/feedback", json=feedback, headers=outsider)
        assert response.status_code == 401 and _stored(api) == []


def test_a_coder_key_names_its_coder(api: Api) -> None:
    me = api.client.get("/v1/me", headers=api.auth(Role.CODER)).json()
    assert me == {
        "name": "test coder",
        "role": "coder",
        "organization": "test hospital",
        "coder_id": "test coder",
    }
    assert api.client.get("/v1/me", headers=api.auth(Role.INTEGRATOR)).json()["coder_id"] is None
    request_id = _request_id(api, Role.CODER)
    headers = api.auth(Role.CODER)
    response = api.client.post(
        "/v1/feedback", json=_feedback(request_id, coder=None), headers=headers
    )
    assert response.status_code == 201, response.text
    assert {d.coder_id for d in _stored(api)} == {"test coder"}
    posing = api.client.post(
        "/v1/feedback", json=_feedback(request_id, coder="coder-9"), headers=headers
    )
    assert posing.status_code == 403 and "test coder" in posing.json()["detail"]
    # a system acting for coders names the coder; leaving it out is a 422 on the field
    unnamed = api.client.post(
        "/v1/feedback", json=_feedback(request_id, coder=None), headers=api.auth(Role.INTEGRATOR)
    )
    assert unnamed.status_code == 422
    assert unnamed.json()["detail"][0]["loc"] == ["body", "coder_id"]
    assert len(_stored(api)) == 1
    (event,) = [
        e
        for e in list_events(api.session(), request_id=request_id)
        if e.action is AuditAction.FEEDBACK
    ]
    assert event.coder_id == "test coder" and event.key_id is not None


def test_codes_are_checked_against_the_index(api: Api) -> None:
    request_id = _request_id(api)
    headers = api.auth(Role.INTEGRATOR)
    for code in ("NOTACODE", "ZZZ.99", "E11.99"):
        response = api.client.post(
            "/v1/feedback", json=_feedback(request_id, {"code": code}), headers=headers
        )
        assert response.status_code == 422, response.text
        (error,) = response.json()["detail"]
        assert error["loc"] == ["body", "decisions", 0, "code"]
        assert f"{code} is not a icd10cm code" in error["msg"] and "newer_code_set" in error["msg"]
    for code in ("' OR 1=1 --", "E11.9\u0000", "E11.9 "):
        response = api.client.post(
            "/v1/feedback", json=_feedback(request_id, {"code": code}), headers=headers
        )
        assert response.status_code == 422, (code, response.text)
    edit = {"code": "N18.31", "action": "edit", "replaced_code": "N18.99"}
    response = api.client.post("/v1/feedback", json=_feedback(request_id, edit), headers=headers)
    assert response.json()["detail"][0]["loc"] == ["body", "decisions", 0, "replaced_code"]
    assert _stored(api) == []
    # written any way the index reads; a code from a newer code set is kept, flagged
    response = api.client.post(
        "/v1/feedback",
        json=_feedback(request_id, {"code": "e1122"}, {"code": "E11.99", "newer_code_set": True}),
        headers=headers,
    )
    assert response.status_code == 201, response.text
    assert [(d.code, d.newer_code_set) for d in _stored(api)] == [
        ("E11.22", False),
        ("E11.99", True),
    ]
    export = api.client.get("/v1/feedback", headers=api.auth(Role.TRAINER)).json()
    assert [d["newer_code_set"] for d in export["decisions"]] == [False, True]


def test_an_idempotency_key_stores_a_submission_once(api: Api) -> None:
    request_id = _request_id(api)
    headers = {**api.auth(Role.INTEGRATOR), "Idempotency-Key": "submit-7f3a"}
    body = _feedback(request_id, {"code": "Z79.4"})
    first = api.client.post("/v1/feedback", json=body, headers=headers)
    retry = api.client.post("/v1/feedback", json=body, headers=headers)
    assert first.status_code == retry.status_code == 201, retry.text
    assert retry.json() == first.json()
    assert len(_stored(api)) == 1
    other = api.client.post(
        "/v1/feedback", json=_feedback(request_id, {"code": "I10"}), headers=headers
    )
    assert other.status_code == 422
    assert other.json()["detail"][0]["loc"] == ["header", "idempotency-key"]
    # another key's "submit-7f3a" is its own
    admin = {**api.auth(Role.ADMIN), "Idempotency-Key": "submit-7f3a"}
    assert api.client.post("/v1/feedback", json=body, headers=admin).status_code == 201
    # without a key, each post is a submission of its own
    api.client.post("/v1/feedback", json=body, headers=api.auth(Role.INTEGRATOR))
    assert len(_stored(api)) == 3
    (event, *_) = [
        e
        for e in list_events(api.session(), request_id=request_id)
        if e.action is AuditAction.FEEDBACK
    ]
    assert event.detail is not None and event.detail["idempotency_key"] == "submit-7f3a"


def test_cds_feedback_is_stored_once_and_bounded(make_api: MakeApi) -> None:
    api = _cds_api(make_api)
    call = {
        "hook": HOOK,
        "hookInstance": "x",
        "context": {"userId": "u", "patientId": "p", "encounterId": "e", "note": NOTE},
    }
    card = api.client.post(CDS, json=call, headers=_signed(CDS)).json()["cards"][0]
    path = f"{CDS}/feedback"
    accepted = {"id": card["suggestions"][0]["uuid"]}
    item = {
        "card": card["uuid"],
        "outcome": "accepted",
        "acceptedSuggestions": [accepted, accepted],
        "outcomeTimestamp": "2026-01-01T00:00:00Z",
    }
    response = api.client.post(path, json={"feedback": [item] * 3}, headers=_signed(path))
    assert response.status_code == 200, response.text
    again = api.client.post(path, json={"feedback": [item]}, headers=_signed(path))
    assert again.status_code == 200
    assert len(_stored(api)) == 1
    flood = api.client.post(path, json={"feedback": [item] * 101}, headers=_signed(path))
    assert flood.status_code == 422
    many = {**item, "acceptedSuggestions": [accepted] * 101}
    flood = api.client.post(path, json={"feedback": [many]}, headers=_signed(path))
    assert flood.status_code == 422
    assert len(_stored(api)) == 1
