"""api.fhir: suggestions as unconfirmed R4 Conditions and Procedures in preparation, the
coder's final list as confirmed ones with an Encounter ranking the diagnoses, and our
published definitions; every output checked by hand and against the FHIR R4B models of
fhir.resources (R4B has R4's Condition, Procedure, Encounter, Patient, Bundle,
StructureDefinition and CodeSystem)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from api.fhir import (
    DEFINITIONS,
    SYSTEM_URLS,
    Canonical,
    FinalCode,
    coded_bundle,
    definition,
    final_codes,
    reference,
    suggestion_bundle,
    suggestion_resource,
    suggestion_uuid,
)
from api.storage.feedback import FeedbackRecord
from api.storage.models import Action
from code_index.records import System
from suggest.results import Evidence, Suggestion, SuggestionResult, SuggestionWarning
from suggest.setting import Setting

REQUEST_ID = str(uuid.uuid4())
CANONICAL = Canonical("https://coding.hospital.test/fhir")
CONTEXT = dict.fromkeys(("negated", "uncertain", "hypothetical", "historical", "family"), False)


def _suggestion(system: str, code: str, units: int | None = None, **context: bool) -> Suggestion:
    return Suggestion(
        system=system,
        code=code,
        title=f"title of {code}",
        score=0.75,
        evidence=(Evidence(10, 22, "words for it", "assessment"),),
        context={**CONTEXT, **context},
        warnings=(SuggestionWarning("specificity", "Check the stage.", (code,)),),
        units=units,
    )


RESULT = SuggestionResult(
    suggestions=[
        _suggestion("icd10cm", "E11.22"),
        _suggestion("icd10cm", "J18.9", uncertain=True),
        _suggestion("cpt", "99213", units=1),
        _suggestion("icd10pcs", "0DTJ4ZZ"),
        _suggestion("hcpcs", "J1100", units=3, hypothetical=True),
    ],
    mentions=[],
    setting=Setting.INPATIENT,
    model_version="default@2026-01-01",
    index_version="abc123",
    code_set_versions={"icd10cm": "FY2026"},
)


def _bundle() -> dict[str, Any]:
    return suggestion_bundle(
        RESULT, REQUEST_ID, CANONICAL, sex="female", date_of_service=date(2026, 3, 2)
    )


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


def test_suggested_diagnoses_are_never_confirmed() -> None:
    unconfirmed, provisional = (entry["resource"] for entry in _bundle()["entry"][1:3])
    assert unconfirmed["verificationStatus"]["coding"][0]["code"] == "unconfirmed"
    # the note itself is uncertain ("probable"): provisional, a kind of unconfirmed
    assert provisional["verificationStatus"]["coding"][0]["code"] == "provisional"
    assert unconfirmed["category"][0]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/condition-category",
        "code": "encounter-diagnosis",
        "display": "Encounter Diagnosis",
    }


def test_suggested_procedures_are_in_preparation_with_the_date_of_service() -> None:
    procedures = [entry["resource"] for entry in _bundle()["entry"][3:]]
    assert {procedure["status"] for procedure in procedures} == {"preparation"}
    assert procedures[0]["performedDateTime"] == "2026-03-02"


def test_evidence_and_score_are_extensions_and_notes() -> None:
    condition = _bundle()["entry"][1]["resource"]
    extensions = {ext["url"]: ext for ext in condition["extension"]}
    score = "https://coding.hospital.test/fhir/StructureDefinition/suggestion-score"
    assert extensions[score]["valueDecimal"] == 0.75
    parts = {part["url"]: part for part in extensions[CANONICAL.evidence]["extension"]}
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
        CANONICAL,
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
    for entry, suggestion in zip(parsed.entry[1:], RESULT.suggestions, strict=True):
        extension_urls = {extension.url for extension in entry.resource.extension}
        units = {CANONICAL.units} if suggestion.units is not None else set()
        assert extension_urls == {CANONICAL.score, CANONICAL.model, CANONICAL.evidence, *units}


def test_a_services_units_are_an_extension_of_its_procedure() -> None:
    resources = [entry["resource"] for entry in _bundle()["entry"][1:]]
    units = {
        resource["code"]["coding"][0]["code"]: ext["valuePositiveInt"]
        for resource in resources
        for ext in resource["extension"]
        if ext["url"] == CANONICAL.units
    }
    assert units == {"99213": 1, "J1100": 3}  # none on diagnoses or ICD-10-PCS procedures


@pytest.mark.parametrize(
    ("resource_type", "ident"),
    [(kind, ident) for kind, idents in DEFINITIONS.items() for ident in idents],
)
def test_our_definitions_are_valid_at_their_canonical_url(resource_type: str, ident: str) -> None:
    fhir_resources = pytest.importorskip("fhir.resources.R4B", reason="fhir.resources")
    resource = definition(CANONICAL, resource_type, ident)
    assert resource["url"] == f"https://coding.hospital.test/fhir/{resource_type}/{ident}"
    fhir_resources.get_fhir_model_class(resource_type).model_validate(resource)
    if resource_type == "StructureDefinition":
        (fixed,) = [e for e in resource["differential"]["element"] if e["id"] == "Extension.url"]
        assert fixed["fixedUri"] == resource["url"]
        assert resource["type"] == "Extension" and resource["context"]


def test_every_extension_we_emit_is_defined() -> None:
    urls = {
        extension["url"]
        for entry in _bundle()["entry"][1:]
        for extension in entry["resource"]["extension"]
    }
    defined = {
        CANONICAL.url("StructureDefinition", ident) for ident in DEFINITIONS["StructureDefinition"]
    }
    assert urls == defined
    with pytest.raises(KeyError):
        definition(CANONICAL, "StructureDefinition", "no-such-extension")


def _decision(
    ident: int, code: str, action: Action, replaced: str | None = None, system: str = "icd10cm"
) -> FeedbackRecord:
    return FeedbackRecord(
        id=ident,
        request_id=REQUEST_ID,
        coder_id="coder-1",
        key_id=None,
        created_at=datetime(2026, 3, 2, tzinfo=UTC),
        code=code,
        system=System(system),
        action=action,
        replaced_code=replaced,
        reason=None,
    )


SUGGESTED = [
    FinalCode("icd10cm", "E11.22"),
    FinalCode("icd10cm", "N18.31"),
    FinalCode("icd10cm", "J44.1"),
    FinalCode("cpt", "99223"),
]


def test_the_final_list_follows_the_decisions() -> None:
    decisions = [
        _decision(1, "J44.1", Action.ACCEPT),
        _decision(2, "E11.22", Action.ACCEPT),
        _decision(3, "N18.30", Action.EDIT, replaced="N18.31"),
        _decision(4, "99223", Action.ACCEPT, system="cpt"),
        _decision(5, "I10", Action.ADD),
        _decision(6, "J44.1", Action.REJECT),  # changed their mind
    ]
    assert final_codes(SUGGESTED, decisions) == [
        FinalCode("icd10cm", "E11.22"),
        FinalCode("cpt", "99223"),
        FinalCode("icd10cm", "N18.30"),
        FinalCode("icd10cm", "I10"),
    ]
    # nothing decided: nothing confirmed
    assert final_codes(SUGGESTED, []) == []


def test_the_coded_encounter_ranks_the_confirmed_diagnoses() -> None:
    codes = [
        FinalCode("icd10cm", "E11.22"),
        FinalCode("cpt", "99223"),
        FinalCode("icd10cm", "N18.30"),
    ]
    bundle = coded_bundle(REQUEST_ID, "inpatient", codes, lambda code: f"title of {code.code}")
    resources = [entry["resource"] for entry in bundle["entry"]]
    kinds = [resource["resourceType"] for resource in resources]
    assert kinds == ["Patient", "Encounter", "Condition", "Procedure", "Condition"]
    encounter = resources[1]
    assert encounter["status"] == "finished" and encounter["class"]["code"] == "IMP"
    ranked = [(d["rank"], d["condition"]["reference"]) for d in encounter["diagnosis"]]
    assert ranked == [
        (1, f"urn:uuid:{resources[2]['id']}"),
        (2, f"urn:uuid:{resources[4]['id']}"),
    ]
    assert {d["use"]["coding"][0]["code"] for d in encounter["diagnosis"]} == {"billing"}
    for condition in (resources[2], resources[4]):
        assert condition["verificationStatus"]["coding"][0]["code"] == "confirmed"
        assert condition["encounter"] == {"reference": f"urn:uuid:{encounter['id']}"}
        assert "extension" not in condition  # a decided code is no longer a scored guess
    assert resources[3]["status"] == "completed"
    bundle_model = pytest.importorskip("fhir.resources.R4B.bundle", reason="fhir.resources")
    bundle_model.Bundle.model_validate(bundle)
