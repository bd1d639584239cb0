"""Whatever a client sends, the answer is a 4xx (never a 500) and the process goes on;
a database that cannot answer is a 503 the client may retry."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from api.cds import SERVICE_ID
from api.storage.models import Role
from tests.api.conftest import Api, MakeApi

POST_PATHS = [
    "/v1/suggest",
    "/v1/suggest?format=fhir",
    "/v1/feedback",
    "/v1/batch",
    f"/cds-services/{SERVICE_ID}",
    f"/cds-services/{SERVICE_ID}/feedback",
]
BODIES: list[bytes] = [
    b"",
    b"null",
    b"[]",
    b'"text"',
    b"{}",
    b"[" * 100_000 + b"]" * 100_000,  # deeper than the JSON parser recurses
    b'{"text": 1e400}',
    b'{"text": NaN}',
    b'{"text": "\xff\xfe not utf-8"}',
    b'{"text": "nul \\u0000 and a lone surrogate \\ud800"}',
    b'{"text": "ok", "top_k": 100000000000000000000000000000}',
    b'{"text": ["a list"], "systems": "icd10cm"}',
    b'{"request_id": {"$ne": null}, "coder_id": [], "decisions": {}}',
    b'{"notes": [null], "setting": null}',
    b'{"notes": ["' + b"a" * 100 + b'"], "top_k": -1}',
    b'{"hook": "encounter-discharge", "hookInstance": 1, "context": []}',
    b'{"hook": "encounter-discharge", "hookInstance": "x", "context": {"userId": "u", '
    b'"patientId": "p", "encounterId": "e"}, "prefetch": {"note": {"resourceType": '
    b'"Bundle", "entry": "not a list"}}}',
    b'{"hook": "encounter-discharge", "hookInstance": "x", "context": {"userId": "u", '
    b'"patientId": "p", "encounterId": "e"}, "prefetch": {"note": {"resourceType": '
    b'"DocumentReference", "content": [{"attachment": {"contentType": "text/plain", '
    b'"data": 7}}]}}}',
    b'{"feedback": [{"card": null, "outcome": "accepted", "outcomeTimestamp": "now"}]}',
    # unpaired surrogates where each endpoint would store or echo them
    b'{"notes": ["\\udfff"]}',
    b'{"request_id": "r", "coder_id": "\\ud800", "decisions": [{"code": "E11.9", '
    b'"system": "icd10cm", "action": "add", "reason": "\\udc00"}]}',
    b'{"hook": "\\ud800", "hookInstance": "x", "context": {"userId": "u", '
    b'"patientId": "p", "encounterId": "e", "note": "COPD"}}',
    b'{"feedback": [{"card": "\\ud800", "outcome": "overridden", '
    b'"outcomeTimestamp": "2026-01-01T00:00:00Z"}]}',
    b'{"hook": "encounter-discharge", "hookInstance": "x", "context": {"userId": "u", '
    b'"patientId": "p", "encounterId": "e"}, "prefetch": {"note": {"resourceType": '
    b'"DocumentReference", "content": [{"attachment": {"contentType": "text/plain", '
    b'"data": "\xc3\xa9t\xc3\xa9"}}]}}}',
]
GET_PATHS = [
    "/v1/codes/icd10cm/" + "9" * 10_000,
    "/v1/codes/icd10cm/..%2F..%2Fetc%2Fpasswd",
    "/v1/codes/icd10cm/%00",
    "/v1/codes?q=%00&top=1",
    "/v1/codes?q=" + "(" * 150,
    "/v1/feedback?after_id=99999999999999999999999",
    "/v1/feedback?since=0000-00-00",
    "/v1/jobs/%00",
    "/v1/jobs/" + "x" * 10_000,
    "/no/such/route",
]


@pytest.mark.parametrize("path", POST_PATHS)
def test_odd_bodies_are_4xx(api: Api, path: str) -> None:
    headers = {**api.auth(Role.ADMIN), "Content-Type": "application/json"}
    for body in BODIES:
        response = api.client.post(path, content=body, headers=headers)
        assert 400 <= response.status_code < 500, (path, body[:80], response.text)
    assert api.client.get("/health").status_code == 200


def test_odd_urls_are_4xx_or_answered(api: Api) -> None:
    for path in GET_PATHS:
        response = api.client.get(path, headers=api.auth(Role.ADMIN))
        assert response.status_code < 500, (path[:80], response.text)
    assert api.client.get("/health").status_code == 200


def test_a_locked_database_is_503_and_then_recovers(make_api: MakeApi, tmp_path: Path) -> None:
    api = make_api(sqlite_busy_timeout_ms=100)
    holder = sqlite3.connect(tmp_path / "api.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock past the busy timeout
    try:
        response = api.client.get("/v1/codes/icd10cm/E11.9", headers=api.auth(Role.CODER))
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    response = api.client.get("/v1/codes/icd10cm/E11.9", headers=api.auth(Role.CODER))
    assert response.status_code == 200


def test_a_wrong_method_names_every_method_the_path_takes(api: Api) -> None:
    """A 405's Allow header lists all the path's methods, not the first route's only
    (``/v1/feedback`` takes GET and POST from two routes; it said POST alone)."""
    headers = api.auth(Role.ADMIN)
    feedback = api.client.delete("/v1/feedback", headers=headers)
    assert feedback.status_code == 405
    assert sorted(feedback.headers["allow"].split(", ")) == ["GET", "POST"]
    job = api.client.put("/v1/jobs/abc", headers=headers)
    assert job.status_code == 405 and job.headers["allow"] == "GET"
