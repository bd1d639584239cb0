"""api.fhir: suggestions as R4 Conditions and Procedures in a collection Bundle, checked
by hand and against the FHIR R4B models of fhir.resources (R4B has R4's Condition,
Procedure, Patient and Bundle)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from api.fhir import (
    EVIDENCE_EXTENSION,
    SCORE_EXTENSION,
    SYSTEM_URLS,
    reference,
    suggestion_bundle,
    suggestion_resource,
    suggestion_uuid,
)
from suggest.results import Evidence, Suggestion, SuggestionResult, SuggestionWarning
from suggest.setting import Setting

REQUEST_ID = str(uuid.uuid4())
CONTEXT = dict.fromkeys(("negated", "uncertain", "hypothetical", "historical", "family"), False)


def _suggestion(system: str, code: str, **context: bool) -> Suggestion:
    return Suggestion(
        system=system,
        code=code,
        title=f"title of {code}",
        score=0.75,
        evidence=(Evidence(10, 22, "words for it", "assessment"),),
        context={**CONTEXT, **context},
        warnings=(SuggestionWarning("specificity", "Check the stage.", (code,)),),
    )


RESULT = SuggestionResult(
    suggestions=[
        _suggestion("icd10cm", "E11.22"),
        _suggestion("icd10cm", "J18.9", uncertain=True),
        _suggestion("cpt", "99213"),
        _suggestion("icd10pcs", "0DTJ4ZZ"),
        _suggestion("hcpcs", "J1100", hypothetical=True),
    ],
    mentions=[],
    setting=Setting.INPATIENT,
    model_version="default@2026-01-01",
    index_version="abc123",
    code_set_versions={"icd10cm": "FY2026"},
)


def _bundle() -> dict[str, Any]:
    return suggestion_bundle(RESULT, REQUEST_ID, sex="female", date_of_service=date(2026, 3, 2))


def test_diagnoses_are_conditions_and_the_rest_procedures() -> None:
    entries = _bundle()["entry"]
    kinds = [entry["resource"]["resourceType"] for entry in entries]
    assert kinds == ["Patient", "Condition", "Condition", "Procedure", "Procedure", "Procedure"]
    for entry in entries:
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"


def test_codings_use_the_standard_system_urls() -> None:
    resources = [entry["resource"] for entry in _bundle()["entry"][1:]]
    codings = [resource["code"]["coding"][0] for resource in resources]
    assert [(c["system"], c["code"]) for c in codings] == [
        ("http://hl7.org/fhir/sid/icd-10-cm", "E11.22"),
        ("http://hl7.org/fhir/sid/icd-10-cm", "J18.9"),
        ("http://www.ama-assn.org/go/cpt", "99213"),
        ("http://www.cms.gov/Medicare/Coding/ICD10", "0DTJ4ZZ"),
        ("http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "J1100"),
    ]
    assert set(SYSTEM_URLS) == {"icd10cm", "icd10pcs", "cpt", "hcpcs"}


def test_verification_status_follows_the_context() -> None:
    confirmed, provisional = (entry["resource"] for entry in _bundle()["entry"][1:3])
    assert confirmed["verificationStatus"]["coding"][0]["code"] == "confirmed"
    assert provisional["verificationStatus"]["coding"][0]["code"] == "provisional"
    assert confirmed["category"][0]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/condition-category",
        "code": "encounter-diagnosis",
        "display": "Encounter Diagnosis",
    }


def test_procedures_carry_status_and_date_of_service() -> None:
    cpt, _pcs, planned = (entry["resource"] for entry in _bundle()["entry"][3:])
    assert cpt["status"] == "completed" and cpt["performedDateTime"] == "2026-03-02"
    assert planned["status"] == "preparation"


def test_evidence_and_score_are_extensions_and_notes() -> None:
    condition = _bundle()["entry"][1]["resource"]
    extensions = {ext["url"]: ext for ext in condition["extension"]}
    assert extensions[SCORE_EXTENSION]["valueDecimal"] == 0.75
    parts = {part["url"]: part for part in extensions[EVIDENCE_EXTENSION]["extension"]}
    assert parts["start"]["valueInteger"] == 10 and parts["end"]["valueInteger"] == 22
    assert parts["text"]["valueString"] == "words for it"
    assert parts["section"]["valueString"] == "assessment"
    assert [note["text"] for note in condition["note"]] == [
        'Evidence: "words for it" (assessment)',
        "Check the stage.",
    ]


def test_ids_are_stable_per_request_and_code() -> None:
    first, again = _bundle(), _bundle()
    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in again["entry"]]
    assert first["entry"][1]["resource"]["id"] == suggestion_uuid(REQUEST_ID, "icd10cm", "E11.22")
    assert first["identifier"]["value"] == f"urn:uuid:{REQUEST_ID}"


def test_a_resource_for_a_known_patient_and_encounter() -> None:
    resource = suggestion_resource(
        RESULT.suggestions[0],
        REQUEST_ID,
        RESULT.model_version,
        subject=reference("Patient", "p1"),
        encounter=reference("Encounter", "e1"),
    )
    assert resource["subject"] == {"reference": "Patient/p1"}
    assert resource["encounter"] == {"reference": "Encounter/e1"}


def test_the_bundle_is_valid_fhir_r4() -> None:
    bundle_model = pytest.importorskip("fhir.resources.R4B.bundle", reason="fhir.resources")
    parsed = bundle_model.Bundle.model_validate(_bundle())
    assert [entry.resource.get_resource_type() for entry in parsed.entry][:2] == [
        "Patient",
        "Condition",
    ]
