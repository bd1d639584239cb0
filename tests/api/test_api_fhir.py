"""FHIR over HTTP: every resource the API emits validates against fhir.resources' R4B
models, every extension it uses resolves to its StructureDefinition on this service
(without a key), and the coder's final list comes back as a coded encounter."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from api.storage.models import Role
from tests.api.conftest import Api, MakeApi

PUBLIC_URL = "https://coding.hospital.test/codesuggest"
NOTE = (
    "Discharge summary. Diagnoses: type 2 diabetes with diabetic chronic kidney disease, "
    "CKD stage 3a. Probable pneumonia. Colonoscopy performed."
)


@pytest.fixture
def api(make_api: MakeApi) -> Api:
    return make_api(public_url=PUBLIC_URL)


def _suggest_fhir(api: Api) -> dict[str, Any]:
    response = api.client.post(
        "/v1/suggest?format=fhir",
        json={"text": NOTE, "setting": "inpatient", "date_of_service": "2026-03-02"},
        headers=api.auth(Role.CODER),
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def _path(url: str) -> str:
    """The path of one of our canonical URLs on the test client (below PUBLIC_URL)."""
    assert url.startswith(PUBLIC_URL + "/fhir/"), url
    return urlsplit(url).path.removeprefix(urlsplit(PUBLIC_URL).path)


def test_suggestions_validate_and_their_extensions_resolve(api: Api) -> None:
    bundle_model = pytest.importorskip("fhir.resources.R4B.bundle", reason="fhir.resources")
    sd_model = pytest.importorskip(
        "fhir.resources.R4B.structuredefinition", reason="fhir.resources"
    )
    bundle = _suggest_fhir(api)
    bundle_model.Bundle.model_validate(bundle)
    resources = [
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] in ("Condition", "Procedure")
    ]
    assert "Condition" in {r["resourceType"] for r in resources}
    statuses = {
        r["verificationStatus"]["coding"][0]["code"]
        if r["resourceType"] == "Condition"
        else r["status"]
        for r in resources
    }
    assert statuses <= {"unconfirmed", "provisional", "preparation"}
    urls = {extension["url"] for r in resources for extension in r["extension"]}
    for url in urls:
        response = api.client.get(_path(url))  # no key: a definition holds no data
        assert response.status_code == 200, url
        assert response.headers["content-type"].startswith("application/fhir+json")
        definition = sd_model.StructureDefinition.model_validate(response.json())
        assert definition.url == url


def test_unknown_definitions_are_404(api: Api) -> None:
    assert api.client.get("/fhir/StructureDefinition/nothing").status_code == 404
    assert api.client.get("/fhir/Patient/suggestion-score").status_code == 404


def test_the_coders_final_list_as_a_coded_encounter(api: Api) -> None:
    bundle_model = pytest.importorskip("fhir.resources.R4B.bundle", reason="fhir.resources")
    suggested = _suggest_fhir(api)
    request_id = suggested["id"]
    codes = [
        e["resource"]["code"]["coding"][0] for e in suggested["entry"] if "code" in e["resource"]
    ]
    by_code = {coding["code"]: coding for coding in codes}
    assert "E11.22" in by_code and "J18.9" in by_code
    decisions = [
        {"code": "J18.9", "system": "icd10cm", "action": "reject", "reason": "not confirmed"},
        {"code": "E11.22", "system": "icd10cm", "action": "accept"},
        {"code": "I10", "system": "icd10cm", "action": "add"},
    ]
    stored = api.client.post(
        "/v1/feedback",
        json={"request_id": request_id, "decisions": decisions},  # the coder key's coder
        headers=api.auth(Role.CODER),
    )
    assert stored.status_code == 201, stored.text
    response = api.client.get(f"/v1/requests/{request_id}/fhir", headers=api.auth(Role.CODER))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle = response.json()
    bundle_model.Bundle.model_validate(bundle)
    resources = [entry["resource"] for entry in bundle["entry"]]
    encounter = resources[1]
    assert encounter["resourceType"] == "Encounter" and encounter["class"]["code"] == "IMP"
    conditions = {r["id"]: r for r in resources if r["resourceType"] == "Condition"}
    ranked = [
        conditions[d["condition"]["reference"].removeprefix("urn:uuid:")]["code"]["coding"][0]
        for d in sorted(encounter["diagnosis"], key=lambda d: d["rank"])
    ]
    assert [(c["code"], c["display"]) for c in ranked] == [
        ("E11.22", by_code["E11.22"]["display"]),
        ("I10", "Essential (primary) hypertension"),
    ]
    assert {r["verificationStatus"]["coding"][0]["code"] for r in conditions.values()} == {
        "confirmed"
    }


def test_the_final_list_needs_a_key_and_a_known_request(api: Api) -> None:
    unknown = "6f1c1ad4-0000-4000-8000-000000000000"
    assert api.client.get(f"/v1/requests/{unknown}/fhir").status_code == 401
    response = api.client.get(f"/v1/requests/{unknown}/fhir", headers=api.auth(Role.CODER))
    assert response.status_code == 404
