"""GET /v1/codes/{system}/{code} and GET /v1/codes?q=: the same JSON as `codes show`."""

from __future__ import annotations

import json

import pytest

from api.code_details import describe
from api.storage.models import Role
from tests.api.conftest import Api


def test_lookup_any_spelling(api: Api) -> None:
    response = api.client.get("/v1/codes/icd10cm/e1122", headers=api.auth(Role.CODER))
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "E11.22" and body["system"] == "icd10cm"
    assert body["status"]["billable"] is True
    assert [parent["code"] for parent in body["parents"]] == ["E11.2", "E11"]


def test_lookup_matches_the_command_line(api: Api) -> None:
    index = api.app.state.service.index
    body = api.client.get("/v1/codes/icd10cm/E11", headers=api.auth(Role.CODER)).json()
    assert body == json.loads(json.dumps(describe(index, index.get("E11"))))
    assert body["status"]["missing"] == "more characters"


def test_unknown_code_is_404(api: Api) -> None:
    response = api.client.get("/v1/codes/icd10cm/Q99.99X", headers=api.auth(Role.CODER))
    assert response.status_code == 404
    assert "Q99.99X is not a icd10cm code" in response.json()["detail"]
    # a real code asked for in the wrong system
    assert api.client.get("/v1/codes/cpt/E11.22", headers=api.auth(Role.CODER)).status_code == 404


def test_unknown_system_is_422(api: Api) -> None:
    response = api.client.get("/v1/codes/snomed/E11.22", headers=api.auth(Role.CODER))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "system"]


def test_search(api: Api) -> None:
    response = api.client.get(
        "/v1/codes",
        params={"q": "aspiration pneumonia", "system": "icd10cm", "top": 3},
        headers=api.auth(Role.CODER),
    )
    assert response.status_code == 200
    hits = response.json()
    assert len(hits) == 3 and "J69.0" in [hit["code"] for hit in hits]
    assert set(hits[0]) == {"code", "system", "title", "billable", "score"}


def test_search_by_code_prefix_and_billable_only(api: Api) -> None:
    hits = api.client.get(
        "/v1/codes", params={"q": "e11.2", "billable": "true"}, headers=api.auth(Role.CODER)
    ).json()
    assert hits and all(hit["billable"] and hit["code"].startswith("E11.2") for hit in hits)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "copd", "top": 0}, "top"),
        ({"q": "copd", "top": 101}, "top"),
        ({"q": "copd", "top": "ten"}, "top"),
        ({"q": "copd", "system": "loinc"}, "system"),
    ],
)
def test_bad_search_is_422(api: Api, params: dict[str, object], field: str) -> None:
    response = api.client.get("/v1/codes", params=params, headers=api.auth(Role.CODER))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", field]
