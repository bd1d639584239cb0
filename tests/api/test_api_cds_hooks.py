"""CDS Hooks: discovery, the discharge-coding service (note from a prefetched
DocumentReference or context.note) and feedback stored as coders' decisions, every call
signed by a test EHR with its own key pair; tokens that fail a check are refused."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from api.cds import CONFIDENT_SCORE, HOOK, SERVICE_ID, card
from api.fhir import Canonical, suggestion_uuid
from api.schemas import CdsRequest
from api.storage.feedback import get_suggestion_request, list_feedback
from api.storage.models import Role
from suggest.results import Suggestion, SuggestionResult
from suggest.setting import Setting
from tests.api.conftest import Api, MakeApi
from tests.api.ehr import TestEhr

NOTE = (
    "Discharge summary. Diagnoses: type 2 diabetes with diabetic chronic kidney disease, "
    "CKD stage 3a. Acute exacerbation of COPD."
)
SERVICE = f"/cds-services/{SERVICE_ID}"
PUBLIC_URL = "https://coding.hospital.test/codesuggest"
EHR = TestEhr()


@pytest.fixture
def api(make_api: MakeApi) -> Api:
    """The service trusting EHR, with its JWKS given inline."""
    return make_api(public_url=PUBLIC_URL, cds_issuer=EHR.issuer, cds_jwks=json.dumps(EHR.jwks))


def _document(text: str, content_type: str = "text/plain; charset=utf-8") -> dict[str, Any]:
    data = base64.b64encode(text.encode()).decode()
    return {
        "resourceType": "DocumentReference",
        "status": "current",
        "content": [{"attachment": {"contentType": content_type, "data": data}}],
    }


def _call(
    prefetch: dict[str, Any] | None = None, note: str | None = None, **extra: Any
) -> dict[str, Any]:
    context: dict[str, Any] = {"userId": "Practitioner/9", "patientId": "p1", "encounterId": "e1"}
    if note is not None:
        context["note"] = note
    body: dict[str, Any] = {
        "hook": HOOK,
        "hookInstance": "6c4d8e0a-2d6c-4a43-9d33-5e0c0f2b0a11",
        "fhirServer": "https://ehr.example.org/fhir",
        "context": context,
        **extra,
    }
    if prefetch is not None:
        body["prefetch"] = prefetch
    return body


def _signed(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _post(api: Api, body: dict[str, Any], path: str = SERVICE, ehr: TestEhr = EHR) -> Any:
    return api.client.post(path, json=body, headers=_signed(ehr.token(PUBLIC_URL + path)))


def test_discovery_needs_no_token(api: Api) -> None:
    response = api.client.get("/cds-services")
    assert response.status_code == 200
    (service,) = response.json()["services"]
    assert service["id"] == SERVICE_ID and service["hook"] == "encounter-discharge"
    assert "{{context.encounterId}}" in service["prefetch"]["note"]
    assert service["title"] and service["description"]


def test_a_card_for_a_prefetched_discharge_summary(api: Api) -> None:
    response = _post(api, _call({"note": _document(NOTE)}))
    assert response.status_code == 200, response.text
    (card,) = response.json()["cards"]
    assert len(card["summary"]) < 140 and card["indicator"] in ("info", "warning")
    assert card["selectionBehavior"] == "any" and card["overrideReasons"]
    assert card["source"] == {"label": "codesuggest"}
    with api.session() as session:
        stored = get_suggestion_request(session, card["uuid"])
    assert stored.setting == "inpatient"
    codes = [s["code"] for s in stored.suggestions]
    assert "E11.22" in codes
    assert [s["label"].split()[0] for s in card["suggestions"]] == codes
    first = card["suggestions"][0]
    assert first["uuid"] == suggestion_uuid(card["uuid"], stored.suggestions[0]["system"], codes[0])
    (action,) = first["actions"]
    resource = action["resource"]
    assert action["type"] == "create" and resource["id"] == first["uuid"]
    assert resource["subject"] == {"reference": "Patient/p1"}
    assert resource["encounter"] == {"reference": "Encounter/e1"}


def test_card_resources_are_valid_fhir_r4(api: Api) -> None:
    fhir_resources = pytest.importorskip("fhir.resources.R4B", reason="fhir.resources")
    (card,) = _post(api, _call({"note": _document(NOTE)})).json()["cards"]
    for suggestion in card["suggestions"]:
        resource = suggestion["actions"][0]["resource"]
        model = fhir_resources.get_fhir_model_class(resource["resourceType"])
        model.model_validate(resource)
    (reason_system,) = {reason["system"] for reason in card["overrideReasons"]}
    assert reason_system == f"{PUBLIC_URL}/fhir/CodeSystem/override-reason"
    code_system = api.client.get("/fhir/CodeSystem/override-reason").json()
    assert [c["code"] for c in code_system["concept"]] == [
        reason["code"] for reason in card["overrideReasons"]
    ]


def _result(*scores: float) -> SuggestionResult:
    suggestions = [
        Suggestion("icd10cm", f"A{number:02d}.{number % 10}", "a title", score, (), {})
        for number, score in enumerate(scores)
    ]
    return SuggestionResult(suggestions, [], Setting.INPATIENT, "m@1", "i1")


def test_the_indicator_follows_confidence_and_the_summary_stays_short() -> None:
    request = CdsRequest.model_validate(_call(note=NOTE))
    canonical = Canonical(f"{PUBLIC_URL}/fhir")
    request_id = "6f1c1ad4-0000-4000-8000-000000000001"
    sure = card(_result(0.9, 0.2), request_id, request, canonical)
    unsure = card(_result(CONFIDENT_SCORE - 0.01, 0.1), request_id, request, canonical)
    assert sure is not None and sure.indicator == "info"
    assert unsure is not None and unsure.indicator == "warning"
    many = card(_result(*[0.3] * 40), request_id, request, canonical)
    assert many is not None and len(many.summary) == 139 and many.summary.endswith("…")


def test_the_note_from_a_bundle_or_from_context(api: Api) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": _document("Discharge summary.")}, {"resource": _document(NOTE)}],
    }
    assert _post(api, _call({"note": bundle})).json()["cards"]
    assert _post(api, _call(note=NOTE)).json()["cards"]
    # a prefetch without text falls back to context.note
    pdf = _document("%PDF", content_type="application/pdf")
    assert _post(api, _call({"note": pdf}, note=NOTE)).json()["cards"]


def test_no_suggestions_no_card(api: Api) -> None:
    response = _post(api, _call(note="Discharged home in good condition."))
    assert response.status_code == 200 and response.json() == {"cards": []}


@pytest.mark.parametrize(
    "body",
    [
        _call(),
        _call({"note": None}),
        _call({"note": _document(NOTE, content_type="application/pdf")}),
        _call({"note": {"resourceType": "Patient", "id": "p1"}}),
    ],
)
def test_no_note_is_412(api: Api, body: dict[str, Any]) -> None:
    response = _post(api, body)
    assert response.status_code == 412
    assert "context.note" in response.json()["detail"]


def test_bad_calls(api: Api) -> None:
    assert _post(api, _call(note=NOTE), "/cds-services/no-such-service").status_code == 404
    wrong_hook = _post(api, {**_call(note=NOTE), "hook": "patient-view"})
    assert wrong_hook.status_code == 422 and "encounter-discharge" in wrong_hook.text
    undecodable = _call({"note": _document(NOTE)})
    undecodable["prefetch"]["note"]["content"][0]["attachment"]["data"] = "not base64!"
    assert _post(api, undecodable).status_code == 422
    no_patient = _call(note=NOTE)
    del no_patient["context"]["patientId"]
    response = _post(api, no_patient)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "context", "patientId"]


def _card(api: Api) -> dict[str, Any]:
    (card,) = _post(api, _call(note=NOTE)).json()["cards"]
    return dict(card)


def _feedback(api: Api, *items: dict[str, Any]) -> Any:
    stamped = [{"outcomeTimestamp": "2026-03-02T10:00:00Z", **item} for item in items]
    return _post(api, {"feedback": stamped}, f"{SERVICE}/feedback")


def test_accepted_suggestions_become_accept_decisions(api: Api) -> None:
    card = _card(api)
    accepted = card["suggestions"][:2]
    response = _feedback(
        api,
        {
            "card": card["uuid"],
            "outcome": "accepted",
            "acceptedSuggestions": [{"id": s["uuid"]} for s in accepted],
        },
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"decisions": 2}
    with api.session() as session:
        stored = list_feedback(session).decisions
    assert [(d.code, d.action.value) for d in stored] == [
        (s["label"].split()[0], "accept") for s in accepted
    ]
    assert {d.request_id for d in stored} == {card["uuid"]}
    assert {d.coder_id for d in stored} == {"cds:client-1"}


def test_an_overridden_card_rejects_its_codes(api: Api) -> None:
    card = _card(api)
    response = _feedback(
        api,
        {
            "card": card["uuid"],
            "outcome": "overridden",
            "overrideReason": {
                "reason": card["overrideReasons"][0],
                "userComment": "documented by the consultant only",
            },
        },
    )
    assert response.status_code == 200
    with api.session() as session:
        stored = list_feedback(session).decisions
    assert len(stored) == len(card["suggestions"])
    assert {d.action.value for d in stored} == {"reject"}
    assert (
        stored[0].reason == "Not supported by the documentation: documented by the consultant only"
    )


def test_bad_feedback_stores_nothing(api: Api) -> None:
    card = _card(api)
    good = {"card": card["uuid"], "outcome": "overridden"}
    unknown_card = {"card": "6f1c1ad4-0000-4000-8000-000000000000", "outcome": "overridden"}
    assert _feedback(api, good, unknown_card).status_code == 404
    foreign = {"card": card["uuid"], "outcome": "accepted", "acceptedSuggestions": [{"id": "x"}]}
    assert _feedback(api, good, foreign).status_code == 422
    empty = {"card": card["uuid"], "outcome": "accepted"}
    assert _feedback(api, good, empty).status_code == 422
    assert _feedback(api, {**good, "outcome": "ignored"}).status_code == 422
    assert _feedback(api, {"card": card["uuid"]}).status_code == 422
    stamped = {**good, "outcomeTimestamp": "2026-03-02T10:00:00Z"}
    response = _post(api, {"feedback": [stamped]}, "/cds-services/other/feedback")
    assert response.status_code == 404
    with api.session() as session:
        assert list_feedback(session).decisions == []


# ------------------------------------------------------------- authentication
def test_a_token_is_used_once(api: Api) -> None:
    token = EHR.token(PUBLIC_URL + SERVICE)
    first = api.client.post(SERVICE, json=_call(note=NOTE), headers=_signed(token))
    assert first.status_code == 200, first.text
    replay = api.client.post(SERVICE, json=_call(note=NOTE), headers=_signed(token))
    assert replay.status_code == 401 and "replayed" in replay.json()["detail"]


# tokens are signed when the test runs (one signed at collection could expire first)
BAD_TOKENS: dict[str, tuple[Callable[[], str], str]] = {
    "wrong-signature": (
        lambda: TestEhr(kid=EHR.kid).token(PUBLIC_URL + SERVICE),
        "Signature verification failed",
    ),
    "wrong-audience": (
        lambda: EHR.token("https://elsewhere.test/cds-services/" + SERVICE_ID),
        "Audience",
    ),
    "expired": (lambda: EHR.token(PUBLIC_URL + SERVICE, age=400), "expired"),
    "other-issuer": (
        lambda: EHR.token(PUBLIC_URL + SERVICE, iss="https://other-ehr.test"),
        "issuer",
    ),
    "too-long": (lambda: EHR.token(PUBLIC_URL + SERVICE, lifetime=3600), "five minutes"),
    "no-jti": (lambda: EHR.token(PUBLIC_URL + SERVICE, jti=None), "jti"),
    "unknown-key": (lambda: TestEhr(kid="unknown").token(PUBLIC_URL + SERVICE), "kid"),
}


@pytest.mark.parametrize("case", BAD_TOKENS)
def test_bad_tokens_are_refused(api: Api, case: str) -> None:
    sign, refusal = BAD_TOKENS[case]
    token = sign()
    response = api.client.post(SERVICE, json=_call(note=NOTE), headers=_signed(token))
    assert response.status_code == 401
    assert refusal in response.json()["detail"]
    assert response.headers["WWW-Authenticate"] == "Bearer"
    with api.session() as session:
        assert list_feedback(session).decisions == []


def test_a_clock_a_little_behind_is_tolerated(api: Api) -> None:
    # expired 10 s ago by our clock: within the default 30 s of allowed skew
    token = EHR.token(PUBLIC_URL + SERVICE, age=310)
    response = api.client.post(SERVICE, json=_call(note=NOTE), headers=_signed(token))
    assert response.status_code == 200, response.text


def test_api_keys_and_unsigned_calls_are_refused(api: Api) -> None:
    for headers in ({}, api.auth(Role.INTEGRATOR), api.auth(Role.ADMIN)):
        response = api.client.post(SERVICE, json=_call(note=NOTE), headers=headers)
        assert response.status_code == 401
    # the API key still opens the other endpoints
    suggest = api.client.post("/v1/suggest", json={"text": NOTE}, headers=api.auth(Role.INTEGRATOR))
    assert suggest.status_code == 200


def test_no_ehr_configured_refuses_every_call(make_api: MakeApi) -> None:
    api = make_api(public_url=PUBLIC_URL)
    response = _post(api, _call(note=NOTE))
    assert response.status_code == 401 and "CODESUGGEST_CDS_ISSUER" in response.json()["detail"]


def test_a_feedback_token_names_the_feedback_endpoint(api: Api) -> None:
    card = _card(api)
    item = {
        "card": card["uuid"],
        "outcome": "overridden",
        "outcomeTimestamp": "2026-03-02T10:00:00Z",
    }
    path = f"{SERVICE}/feedback"
    for_the_service = EHR.token(PUBLIC_URL + SERVICE)
    wrong = api.client.post(path, json={"feedback": [item]}, headers=_signed(for_the_service))
    assert wrong.status_code == 401
    assert _post(api, {"feedback": [item]}, path).status_code == 200


def test_keys_fetched_from_the_ehr_and_cached(make_api: MakeApi) -> None:
    with EHR.serve_jwks() as url:
        api = make_api(public_url=PUBLIC_URL, cds_issuer=EHR.issuer, cds_jwks_url=url)
        before = EHR.jwks_requests
        assert _post(api, _call(note=NOTE)).status_code == 200
        assert _post(api, _call(note=NOTE)).status_code == 200
        assert EHR.jwks_requests == before + 1
        stranger = TestEhr(kid="rotated")
        assert _post(api, _call(note=NOTE), ehr=stranger).status_code == 401


def test_keys_from_a_file(make_api: MakeApi, tmp_path: Path) -> None:
    jwks_file = tmp_path / "ehr-jwks.json"
    jwks_file.write_text(json.dumps(EHR.jwks))
    api = make_api(public_url=PUBLIC_URL, cds_issuer=EHR.issuer, cds_jwks_file=jwks_file)
    assert _post(api, _call(note=NOTE)).status_code == 200
