"""POST /v1/comprehend/InferICD10CM: AWS Comprehend Medical's request and response shape
(Entities with Traits and ICD10CMConcepts, ModelVersion), only where the setting is on."""

from __future__ import annotations

from typing import Any

import pytest

from api.storage.models import Role
from tests.api.conftest import Api, MakeApi

PATH = "/v1/comprehend/InferICD10CM"
NOTE = (
    "Assessment: type 2 diabetes with diabetic chronic kidney disease, CKD stage 3a. "
    "Denies chest pain. Persistent cough."
)
ENTITY_KEYS = {
    "Id", "Text", "Category", "Type", "Score", "BeginOffset", "EndOffset", "Attributes",
    "Traits", "ICD10CMConcepts",
}  # fmt: skip


@pytest.fixture
def api(make_api: MakeApi) -> Api:
    return make_api(comprehend_compatible=True)


def _infer(api: Api, body: dict[str, Any]) -> Any:
    return api.client.post(PATH, json=body, headers=api.auth(Role.INTEGRATOR))


def _entity(entities: list[dict[str, Any]], words: str) -> dict[str, Any]:
    return next(entity for entity in entities if words in entity["Text"].lower())


def test_the_response_has_the_infer_icd10cm_shape(api: Api) -> None:
    response = _infer(api, {"Text": NOTE})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"Entities", "ModelVersion"} and body["ModelVersion"]
    entities = body["Entities"]
    assert [entity["Id"] for entity in entities] == list(range(len(entities)))
    for entity in entities:
        assert set(entity) == ENTITY_KEYS
        assert (entity["Category"], entity["Type"]) == ("MEDICAL_CONDITION", "DX_NAME")
        assert NOTE[entity["BeginOffset"] : entity["EndOffset"]] == entity["Text"]
        scores = [concept["Score"] for concept in entity["ICD10CMConcepts"]]
        assert scores == sorted(scores, reverse=True) and len(scores) <= 5
        assert entity["Score"] == (scores[0] if scores else 0.0)
        assert entity["Attributes"] == []
    diabetes = _entity(entities, "diabetes")
    top = diabetes["ICD10CMConcepts"][0]
    assert top["Code"] == "E11.22" and top["Score"] > 0
    assert "diabetes" in top["Description"].lower()
    assert {trait["Name"] for trait in diabetes["Traits"]} == {"DIAGNOSIS"}
    chest_pain = _entity(entities, "chest pain")
    assert "NEGATION" in {trait["Name"] for trait in chest_pain["Traits"]}
    assert all(concept["Score"] == 0 for concept in chest_pain["ICD10CMConcepts"])
    cough = _entity(entities, "cough")
    assert cough["ICD10CMConcepts"][0]["Code"].startswith("R05")
    assert "SYMPTOM" in {trait["Name"] for trait in cough["Traits"]}


def test_bad_requests(api: Api) -> None:
    assert _infer(api, {"text": NOTE}).status_code == 422
    assert _infer(api, {"Text": 5}).status_code == 422
    assert api.client.post(PATH, json={"Text": NOTE}).status_code == 401


def test_off_by_default(make_api: MakeApi) -> None:
    api = make_api()
    assert _infer(api, {"Text": NOTE}).status_code == 404
    assert PATH not in api.client.get("/openapi.json").json()["paths"]
