"""POST /v1/suggest: the pipeline's shape, the stored request, FHIR output, limits and
bad input, and note text kept out of logs and out of the store unless configured."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from api.storage.feedback import get_suggestion_request
from api.storage.models import Role
from tests.api.conftest import Api, MakeApi

# "Quillfeather" is a name no log line, code title or message could contain by chance
NOTE = (
    "Mr. Quillfeather, 67, seen for follow-up. Assessment: type 2 diabetes with diabetic "
    "chronic kidney disease, CKD stage 3a. Possible pneumonia. Denies chest pain."
)
MARKER = "Quillfeather"


def _suggest(api: Api, body: dict[str, Any], query: str = "") -> Any:
    return api.client.post(f"/v1/suggest{query}", json=body, headers=api.auth(Role.CODER))


def test_suggest_returns_the_pipeline_shape(api: Api) -> None:
    response = _suggest(api, {"text": NOTE, "top_k": 5})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {
        "request_id", "setting", "model_version", "index_version", "code_set_versions",
        "suggestions", "mentions", "revenue", "possible", "not_coded", "offset_unit",
        "utf16_offsets",
    }  # fmt: skip
    assert body["setting"] == "outpatient"
    assert body["code_set_versions"]["icd10cm"].startswith("FY2026")
    assert 0 < len(body["suggestions"]) <= 5
    codes = [s["code"] for s in body["suggestions"]]
    assert "E11.22" in codes
    first = body["suggestions"][0]
    assert {"system", "code", "title", "score", "evidence", "context", "warnings"} <= set(first)
    for evidence in first["evidence"]:
        assert NOTE[evidence["start"] : evidence["end"]] == evidence["text"]
    # "possible pneumonia" is uncertain: not coded outpatient; "chest pain" is negated
    assert "J18.9" not in codes
    negated = [m for m in body["mentions"] if m["negated"]]
    assert any("chest pain" in m["text"] for m in negated)
    assert all(not s["context"]["negated"] for s in body["suggestions"])


def test_codes_below_the_floor_are_listed_apart(api: Api) -> None:
    # a weak reading of its own: NOTE's only one was the score-0 unspecified alternative
    # (N18.9) of a code the model is sure of, which is no longer offered (alternatives.SURE)
    text = NOTE + " Lesion in the right testicle."
    body = _suggest(api, {"text": text, "setting": "inpatient"}).json()
    floor = api.app.state.service.suggester.floor
    assert body["possible"], "the note has weak readings"
    assert all(s["score"] < floor for s in body["possible"])
    assert all(s["score"] >= floor for s in body["suggestions"])
    shown = {(s["system"], s["code"]) for s in body["suggestions"]}
    assert not shown & {(s["system"], s["code"]) for s in body["possible"]}


def test_setting_and_systems_are_passed_on(api: Api) -> None:
    response = _suggest(api, {"text": NOTE, "setting": "inpatient", "systems": ["icd10cm"]})
    assert response.status_code == 200
    body = response.json()
    assert body["setting"] == "inpatient"
    assert {s["system"] for s in body["suggestions"]} == {"icd10cm"}
    # inpatient: an uncertain diagnosis may be coded
    assert "J18.9" in [s["code"] for s in body["suggestions"]]


def test_procedures_say_which_inpatient_procedures_are_ranked(api: Api) -> None:
    # a US facility reports the UHDDS significant procedures (the default): the echo is
    # listed in not_coded with why; a facility that reports all of them asks for "all"
    text = "DISCHARGE SUMMARY\nHospital course: TTE: EF 60%, grade II diastolic dysfunction.\n"
    significant = _suggest(api, {"text": text, "setting": "inpatient"}).json()
    every = _suggest(api, {"text": text, "setting": "inpatient", "procedures": "all"}).json()
    assert "B246ZZZ" not in [s["code"] for s in significant["suggestions"]]
    (apart,) = [s for s in significant["not_coded"] if s["code"] == "B246ZZZ"]
    assert apart["warnings"][0]["kind"] == "not_significant"
    assert "B246ZZZ" in [s["code"] for s in every["suggestions"]]
    schema = api.client.get("/openapi.json").json()["components"]["schemas"]
    field = schema["SuggestRequest"]["properties"]["procedures"]
    assert "UHDDS" in field["description"] and field["default"] == "significant"


def test_the_request_is_stored_without_the_note_by_default(api: Api) -> None:
    body = _suggest(api, {"text": NOTE}).json()
    with api.session() as session:
        stored = get_suggestion_request(session, body["request_id"])
    assert stored.note_text is None
    assert stored.model_version == body["model_version"]
    assert [s["code"] for s in stored.suggestions] == [s["code"] for s in body["suggestions"]]
    # evidence quotes are words of the note: offsets only
    evidence = stored.suggestions[0]["evidence"][0]
    assert "text" not in evidence and evidence["end"] > evidence["start"]
    assert MARKER not in repr(stored.suggestions)


def test_the_note_is_stored_when_configured(make_api: MakeApi) -> None:
    api = make_api(store_note_text=True)
    body = _suggest(api, {"text": NOTE}).json()
    with api.session() as session:
        stored = get_suggestion_request(session, body["request_id"])
    assert stored.note_text == NOTE
    assert stored.suggestions[0]["evidence"] == body["suggestions"][0]["evidence"]


def test_fhir_bundle(api: Api) -> None:
    response = _suggest(
        api,
        {
            "text": NOTE,
            "setting": "inpatient",
            "patient": {"age": 67, "sex": "male"},
            "date_of_service": "2026-03-02",
        },
        "?format=fhir",
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle = response.json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    resources = [entry["resource"] for entry in bundle["entry"]]
    patient, conditions = resources[0], resources[1:]
    assert patient == {"resourceType": "Patient", "id": patient["id"], "gender": "male"}
    conditions = [r for r in conditions if r["resourceType"] != "Encounter"]  # the stay's
    by_code = {c["code"]["coding"][0]["code"]: c for c in conditions}
    diabetes = by_code["E11.22"]
    assert diabetes["resourceType"] == "Condition"
    assert diabetes["code"]["coding"][0]["system"] == "http://hl7.org/fhir/sid/icd-10-cm"
    assert diabetes["verificationStatus"]["coding"][0]["code"] == "unconfirmed"
    assert diabetes["category"][0]["coding"][0]["code"] == "encounter-diagnosis"
    assert diabetes["subject"] == {"reference": f"urn:uuid:{patient['id']}"}
    assert by_code["J18.9"]["verificationStatus"]["coding"][0]["code"] == "provisional"
    assert bundle["identifier"]["value"].startswith("urn:uuid:")


@pytest.mark.parametrize(
    ("body", "query", "field"),
    [
        ({"text": NOTE, "setting": "emergency"}, "", "setting"),
        ({"text": NOTE, "procedures": "most"}, "", "procedures"),
        ({"text": NOTE, "systems": ["snomed"]}, "", "systems"),
        ({"text": NOTE, "systems": []}, "", "systems"),
        ({"text": NOTE, "top_k": 0}, "", "top_k"),
        ({"text": NOTE, "top_k": "many"}, "", "top_k"),
        ({"text": 12345}, "", "text"),
        ({"note": NOTE}, "", "text"),
        ({"text": NOTE, "topk": 5}, "", "topk"),
        ({"text": NOTE, "patient": {"age": -1}}, "", "age"),
        ({"text": NOTE, "patient": {"sex": "M"}}, "", "sex"),
        ({"text": NOTE, "date_of_service": "last tuesday"}, "", "date_of_service"),
        ({"text": NOTE}, "?format=xml", "format"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    api: Api, body: dict[str, Any], query: str, field: str
) -> None:
    response = _suggest(api, body, query)
    assert response.status_code == 422, response.text
    errors = response.json()["detail"]
    assert any(field in error["loc"] for error in errors), errors
    assert MARKER not in response.text  # the input is not echoed back


@pytest.mark.parametrize("payload", [b'{"text": "unterminated', b"", b"[1, 2]", b"null"])
def test_malformed_json_is_422(api: Api, payload: bytes) -> None:
    response = api.client.post(
        "/v1/suggest",
        content=payload,
        headers={**api.auth(Role.CODER), "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text


def test_a_note_over_the_maximum_is_413(make_api: MakeApi) -> None:
    api = make_api(max_text_chars=1000)
    assert _suggest(api, {"text": "a" * 1000}).status_code == 200
    response = _suggest(api, {"text": "a" * 1001})
    assert response.status_code == 413
    assert "1,001 characters; the limit is 1,000" in response.json()["detail"]
    # a body far over what any note could need is refused before it is read
    response = api.client.post(
        "/v1/suggest",
        content=b'{"text": "' + b"a" * 10_000_000 + b'"}',
        headers={**api.auth(Role.CODER), "Content-Type": "application/json"},
    )
    assert response.status_code == 413


def test_note_text_never_reaches_the_logs(
    make_api: MakeApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api = make_api(max_text_chars=len(NOTE))
    assert _suggest(api, {"text": NOTE}).status_code == 200
    assert _suggest(api, {"text": NOTE}, "?format=fhir").status_code == 200
    assert _suggest(api, {"text": NOTE, "setting": "nowhere"}).status_code == 422
    assert _suggest(api, {"text": NOTE + "!"}).status_code == 413
    assert _suggest(api, {"text": NOTE, "top_k": [NOTE]}).status_code == 422
    assert caplog.records  # logging was captured
    assert MARKER not in caplog.text


def test_an_unexpected_error_is_a_json_500_without_the_note(
    api: Api, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(text: str, *args: object) -> None:
        raise RuntimeError(f"could not parse {text}")

    monkeypatch.setattr(api.app.state.service.suggester, "suggest", broken)
    caplog.set_level(logging.DEBUG)
    response = _suggest(api, {"text": NOTE})
    assert response.status_code == 500
    assert response.json()["detail"] == "internal server error"
    assert MARKER not in response.text and MARKER not in caplog.text
    assert "RuntimeError" in caplog.text and response.json()["error_id"] in caplog.text
    # the process goes on
    assert api.client.get("/health").status_code == 200


def test_text_that_is_not_unicode_is_422_naming_the_field(api: Api) -> None:
    response = api.client.post(
        "/v1/suggest",
        content=b'{"text": "COPD \\ud800", "setting": "inpatient"}',
        headers={**api.auth(Role.CODER), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert "text: not valid Unicode" in response.json()["detail"][0]["msg"]


def test_a_note_past_its_time_budget_is_422_without_its_text(api: Api) -> None:
    budget = api.app.state.service.suggester.nlp.get_pipe("codesuggest_budget")
    seconds = budget.seconds
    budget.seconds = -1.0  # every note is over budget
    try:
        response = _suggest(api, {"text": NOTE})
    finally:
        budget.seconds = seconds
    assert response.status_code == 422, response.text
    assert "time budget" in response.json()["detail"]
    assert MARKER not in response.text
    assert _suggest(api, {"text": NOTE}).status_code == 200  # and the service goes on
