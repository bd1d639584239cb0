"""POST /v1/batch and GET /v1/jobs/{id}: notes coded in the background by the app's
worker, in order; limits; who may see a job; and jobs taken up again after a restart."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from api.service import SuggestOptions
from api.storage.db import make_engine, make_session_factory, upgrade_database
from api.storage.jobs import claim_items, create_job
from api.storage.keys import create_key
from api.storage.models import JobItem, Role
from code_index.records import System
from suggest.setting import ProcedureReporting, Setting
from tests.api.conftest import Api, MakeApi

NOTES = [
    "Type 2 diabetes with diabetic chronic kidney disease, CKD stage 3a.",
    "COPD with acute exacerbation.",
    "Essential hypertension.",
]


def _wait_done(api: Api, job_id: str, role: Role = Role.INTEGRATOR) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        response = api.client.get(f"/v1/jobs/{job_id}", headers=api.auth(role))
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        if job["state"] == "done":
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def test_batch_is_coded_in_order(api: Api) -> None:
    response = api.client.post(
        "/v1/batch",
        json={"notes": NOTES, "systems": ["icd10cm"], "top_k": 3},
        headers=api.auth(Role.INTEGRATOR),
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    assert response.headers["Location"].endswith(f"/v1/jobs/{job_id}")
    job = _wait_done(api, job_id)
    assert (job["total"], job["done"], job["failed"], job["progress"]) == (3, 3, 0, 1.0)
    assert [item["position"] for item in job["results"]] == [0, 1, 2]
    first = job["results"][0]
    assert first["status"] == "done" and "E11.22" in [s["code"] for s in first["suggestions"]]
    assert all(len(item["suggestions"]) <= 3 for item in job["results"])
    assert all(s["system"] == "icd10cm" for item in job["results"] for s in item["suggestions"])
    # each result is a suggestion request a coder can give feedback on
    feedback = api.client.post(
        "/v1/feedback",
        json={
            "request_id": first["request_id"],
            "decisions": [{"code": "E11.22", "system": "icd10cm", "action": "accept"}],
        },
        headers=api.auth(Role.CODER),
    )
    assert feedback.status_code == 201


def test_batch_and_feedback_on_each_database(make_api: MakeApi, database_url: str) -> None:
    """The whole path (suggest, batch worker, feedback, export) on SQLite and PostgreSQL."""
    api = make_api(database_url=database_url)
    job_id = api.client.post(
        "/v1/batch", json={"notes": NOTES}, headers=api.auth(Role.INTEGRATOR)
    ).json()["job_id"]
    job = _wait_done(api, job_id)
    assert job["done"] == 3
    suggested = api.client.post(
        "/v1/suggest", json={"text": NOTES[0]}, headers=api.auth(Role.CODER)
    )
    for result in (job["results"][0], suggested.json()):
        response = api.client.post(
            "/v1/feedback",
            json={
                "request_id": result["request_id"],
                "decisions": [{"code": "E11.22", "system": "icd10cm", "action": "accept"}],
            },
            headers=api.auth(Role.CODER),
        )
        assert response.status_code == 201
    export = api.client.get("/v1/feedback", headers=api.auth(Role.TRAINER)).json()
    assert len(export["decisions"]) == 2 and len(export["requests"]) == 2


def test_limits_are_413(make_api: MakeApi) -> None:
    api = make_api(max_batch_notes=2, max_text_chars=100)
    auth = api.auth(Role.INTEGRATOR)
    response = api.client.post("/v1/batch", json={"notes": NOTES}, headers=auth)
    assert response.status_code == 413
    assert "at most 2" in response.json()["detail"]
    response = api.client.post("/v1/batch", json={"notes": ["ok", "x" * 101]}, headers=auth)
    assert response.status_code == 413
    assert response.json()["detail"].startswith("note 1 has 101 characters")


def test_bad_batches_are_422(api: Api) -> None:
    auth = api.auth(Role.INTEGRATOR)
    for body, field in (
        ({"notes": []}, "notes"),
        ({"notes": "one note"}, "notes"),
        ({"notes": [1, 2]}, "notes"),
        ({"notes": ["a"], "setting": "er"}, "setting"),
        ({"notes": ["a"], "top_k": 1000}, "top_k"),
    ):
        response = api.client.post("/v1/batch", json=body, headers=auth)
        assert response.status_code == 422, body
        assert field in response.json()["detail"][0]["loc"]


def test_unknown_job_is_404(api: Api) -> None:
    auth = api.auth(Role.INTEGRATOR)
    assert api.client.get("/v1/jobs/no-such-job", headers=auth).status_code == 404
    assert api.client.get(f"/v1/jobs/{'x' * 37}", headers=auth).status_code == 422


def test_only_the_creator_or_an_admin_sees_a_job(api: Api) -> None:
    job_id = api.client.post(
        "/v1/batch", json={"notes": NOTES[:1]}, headers=api.auth(Role.INTEGRATOR)
    ).json()["job_id"]
    with api.session() as session:
        other = create_key(session, Role.INTEGRATOR, "another integration").plaintext
    response = api.client.get(f"/v1/jobs/{job_id}", headers={"X-API-Key": other})
    assert response.status_code == 404
    assert _wait_done(api, job_id, Role.ADMIN)["done"] == 1


def test_unfinished_jobs_are_taken_up_after_a_restart(make_api: MakeApi, tmp_path: Path) -> None:
    """A job stored by a server that died: one item claimed by its worker (never finished),
    the others pending. The next server finishes all of them."""
    url = f"sqlite:///{tmp_path / 'api.db'}"  # the database make_api's apps use
    upgrade_database(url)
    engine = make_engine(url)
    session = make_session_factory(engine)()
    key = create_key(session, Role.INTEGRATOR, "before the crash")
    options = SuggestOptions(setting=Setting.OUTPATIENT, systems=None, top_k=5)
    job = create_job(session, NOTES, options.to_params(), key=key.record)
    (claimed,) = claim_items(
        session, job.job_id, limit=1, lease=timedelta(seconds=1), max_attempts=3
    )
    assert claimed.position == 0
    session.close()
    engine.dispose()

    api = make_api(job_lease_seconds=1)
    job_out = _wait_done(api, job.job_id, Role.ADMIN)
    assert job_out["done"] == 3 and job_out["failed"] == 0
    assert "E11.22" in [s["code"] for s in job_out["results"][0]["suggestions"]]


def test_options_round_trip_through_job_params() -> None:
    for options in (
        SuggestOptions(setting=Setting.INPATIENT, systems=None, top_k=7),
        SuggestOptions(setting=Setting.OUTPATIENT, systems=(System.CPT, System.HCPCS), top_k=1),
        SuggestOptions(setting=Setting.INPATIENT, top_k=3, procedures=ProcedureReporting.ALL),
    ):
        assert SuggestOptions.from_params(options.to_params()) == options
    # a job stored before the procedures option is read with the default
    stored = {"setting": "inpatient", "systems": None, "top_k": 5}
    assert SuggestOptions.from_params(stored).procedures is ProcedureReporting.SIGNIFICANT


def test_a_note_past_its_time_budget_fails_once_and_is_not_retried(api: Api) -> None:
    budget = api.app.state.service.suggester.nlp.get_pipe("codesuggest_budget")
    seconds = budget.seconds
    budget.seconds = -1.0  # every note is over budget
    try:
        response = api.client.post(
            "/v1/batch", json={"notes": NOTES[:1]}, headers=api.auth(Role.INTEGRATOR)
        )
        assert response.status_code == 202, response.text
        job = _wait_done(api, response.json()["job_id"])
    finally:
        budget.seconds = seconds
    assert (job["total"], job["failed"]) == (1, 1)
    assert "time budget" in job["results"][0]["error"]
    with api.session() as session:
        attempts = session.execute(sa.select(JobItem.attempts)).scalars().all()
    assert attempts == [1]
