"""POST /v1/feedback stores decisions before answering 201; GET /v1/feedback (trainer)
pages through them for export."""

from __future__ import annotations

from typing import Any

import pytest

from api.storage.feedback import list_feedback
from api.storage.models import Role
from tests.api.conftest import Api, MakeApi

NOTE = "Type 2 diabetes with diabetic chronic kidney disease, CKD stage 3a."


def _request_id(api: Api) -> str:
    response = api.client.post("/v1/suggest", json={"text": NOTE}, headers=api.auth(Role.CODER))
    return str(response.json()["request_id"])


def _post(api: Api, body: dict[str, Any]) -> Any:
    """Post as an integration, which names the coder who decided."""
    return api.client.post("/v1/feedback", json=body, headers=api.auth(Role.INTEGRATOR))


def _decisions(*decisions: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"system": "icd10cm", **decision} for decision in decisions]


def test_decisions_are_stored_before_201(api: Api) -> None:
    request_id = _request_id(api)
    response = _post(
        api,
        {
            "request_id": request_id,
            "coder_id": "coder-7",
            "decisions": _decisions(
                {"code": "E11.22", "action": "accept"},
                {"code": "N18.2", "action": "reject", "reason": "stage 3a documented"},
                {"code": "N18.31", "action": "edit", "replaced_code": "N18.30"},
                {"code": "Z79.84", "action": "add"},
            ),
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert [d["action"] for d in body["decisions"]] == ["accept", "reject", "edit", "add"]
    with api.session() as session:
        stored = list_feedback(session).decisions
    assert [(d.id, d.code, d.action.value, d.coder_id) for d in stored] == [
        (d["id"], d["code"], d["action"], "coder-7") for d in body["decisions"]
    ]
    assert stored[1].reason == "stage 3a documented" and stored[2].replaced_code == "N18.30"


def test_unknown_request_is_404(api: Api) -> None:
    response = _post(
        api,
        {
            "request_id": "no-such-request",
            "coder_id": "c1",
            "decisions": _decisions({"code": "E11.9", "action": "accept"}),
        },
    )
    assert response.status_code == 404
    assert "no-such-request" in response.json()["detail"]


@pytest.mark.parametrize(
    ("decisions", "loc"),
    [
        (_decisions({"code": "N18.30", "action": "edit"}), ["body", "decisions", 0]),
        (
            _decisions({"code": "E11.9", "action": "accept", "replaced_code": "E11.8"}),
            ["body", "decisions", 0],
        ),
        (_decisions({"code": "E11.9", "action": "approve"}), ["body", "decisions", 0, "action"]),
        (
            [{"code": "E11.9", "system": "icd9", "action": "add"}],
            ["body", "decisions", 0, "system"],
        ),
        (_decisions({"code": "", "action": "add"}), ["body", "decisions", 0, "code"]),
        (_decisions({"code": " ", "action": "add"}), ["body", "decisions", 0, "code"]),
        (_decisions({"code": "X" * 17, "action": "add"}), ["body", "decisions", 0, "code"]),
        ([], ["body", "decisions"]),
        ("E11.9", ["body", "decisions"]),
    ],
)
def test_malformed_decisions_are_422(api: Api, decisions: object, loc: list[object]) -> None:
    request_id = _request_id(api)
    response = _post(api, {"request_id": request_id, "coder_id": "c1", "decisions": decisions})
    assert response.status_code == 422, response.text
    assert loc in [error["loc"] for error in response.json()["detail"]]
    with api.session() as session:
        assert list_feedback(session).decisions == []


def test_coder_id_is_required(api: Api) -> None:
    request_id = _request_id(api)
    for coder_id in ("", "c" * 129, None):
        response = _post(
            api,
            {
                "request_id": request_id,
                "coder_id": coder_id,
                "decisions": _decisions({"code": "E11.9", "action": "add"}),
            },
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "coder_id"]


def test_export_pages_through_every_decision(make_api: MakeApi) -> None:
    api = make_api(feedback_page_max=3)
    request_id = _request_id(api)
    for n in range(7):
        _post(
            api,
            {
                "request_id": request_id,
                "coder_id": f"c{n}",
                "decisions": _decisions({"code": "E11.22", "action": "accept"}),
            },
        )
    seen: list[str] = []
    after_id = 0
    pages = 0
    while True:
        response = api.client.get(
            "/v1/feedback",
            params={"after_id": after_id, "limit": 50},  # capped at feedback_page_max
            headers=api.auth(Role.TRAINER),
        )
        assert response.status_code == 200
        page = response.json()
        assert len(page["decisions"]) <= 3
        seen += [decision["coder_id"] for decision in page["decisions"]]
        assert set(page["requests"]) == {request_id}
        assert page["requests"][request_id]["note_text"] is None
        pages += 1
        if page["next_after_id"] is None:
            break
        after_id = page["next_after_id"]
    assert seen == [f"c{n}" for n in range(7)] and pages == 3


def test_export_filters_by_time(api: Api) -> None:
    request_id = _request_id(api)
    _post(
        api,
        {
            "request_id": request_id,
            "coder_id": "c1",
            "decisions": _decisions({"code": "E11.22", "action": "accept"}),
        },
    )
    auth = api.auth(Role.TRAINER)
    later = api.client.get("/v1/feedback", params={"since": "2999-01-01T00:00:00Z"}, headers=auth)
    assert later.json()["decisions"] == []
    earlier = api.client.get("/v1/feedback", params={"until": "2999-01-01T00:00:00Z"}, headers=auth)
    assert len(earlier.json()["decisions"]) == 1
    naive = api.client.get("/v1/feedback", params={"since": "2026-01-01T00:00:00"}, headers=auth)
    assert naive.status_code == 422 and naive.json()["detail"][0]["loc"] == ["query", "since"]
    for params in ({"after_id": -1}, {"limit": 0}):
        assert api.client.get("/v1/feedback", params=params, headers=auth).status_code == 422
