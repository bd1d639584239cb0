"""Suggestion requests and decisions: stored, exported page by page, audited."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.storage.audit import list_events
from api.storage.errors import UnknownRequestError
from api.storage.feedback import (
    Decision,
    SuggestionRequestRecord,
    get_suggestion_request,
    list_feedback,
    record_feedback,
    record_suggestion_request,
)
from api.storage.keys import KeyRecord
from api.storage.models import Action, AuditAction, FeedbackDecision, SuggestionRequest
from code_index.records import System
from tests.api.conftest import Store

NOTE = "Pt with type 2 DM with diabetic CKD stage 3a, on metformin."
VERSIONS = {"icd10cm": "FY2026", "cpt": "2026"}
SUGGESTIONS = [
    {"code": "E11.22", "system": "icd10cm", "score": 0.91},
    {"code": "N18.31", "system": "icd10cm", "score": 0.84},
]


def _request(
    session: Session, key: KeyRecord | None, *, store_note_text: bool = False
) -> SuggestionRequestRecord:
    return record_suggestion_request(
        session,
        model_version="baseline-1",
        code_set_versions=VERSIONS,
        setting="outpatient",
        suggestions=SUGGESTIONS,
        note_text=NOTE,
        store_note_text=store_note_text,
        key=key,
    )


def test_note_text_is_kept_only_when_configured(session: Session, integrator: KeyRecord) -> None:
    without = _request(session, integrator)
    kept = _request(session, integrator, store_note_text=True)
    assert without.note_text is None
    assert kept.note_text == NOTE
    assert NOTE not in repr(kept)
    record_feedback(
        session,
        request_id=without.request_id,
        coder_id="c1",
        decisions=[Decision("E11.22", System.ICD10CM, Action.ACCEPT)],
        key=integrator,
    )
    record_feedback(
        session,
        request_id=kept.request_id,
        coder_id="c1",
        decisions=[Decision("E11.22", System.ICD10CM, Action.ACCEPT)],
        key=integrator,
    )
    page = list_feedback(session)
    assert page.requests[without.request_id].note_text is None
    assert page.requests[kept.request_id].note_text == NOTE
    assert page.requests[kept.request_id].suggestions == SUGGESTIONS

    events = [e for e in list_events(session) if e.action is AuditAction.SUGGEST]
    assert [(e.request_id, e.key_id, e.model_version, e.code_set_versions) for e in events] == [
        (without.request_id, integrator.id, "baseline-1", VERSIONS),
        (kept.request_id, integrator.id, "baseline-1", VERSIONS),
    ]
    assert all(NOTE not in str(e) for e in list_events(session))


def test_feedback_round_trip_is_durable_and_audited(
    store: Store, session: Session, integrator: KeyRecord
) -> None:
    request = _request(session, integrator)
    decisions = [
        Decision("E11.22", System.ICD10CM, Action.ACCEPT),
        Decision(
            "N18.30",
            System.ICD10CM,
            Action.EDIT,
            replaced_code="N18.31",
            reason="stage not documented",
        ),
        Decision("Z79.84", System.ICD10CM, Action.ADD),
        Decision("99213", System.CPT, Action.REJECT, reason="wrong level"),
    ]
    stored = record_feedback(
        session,
        request_id=request.request_id,
        coder_id="coder-7",
        decisions=decisions,
        key=integrator,
    )
    assert [record.id for record in stored] == sorted(record.id for record in stored)

    # read back through a new engine, as after a restart
    page = list_feedback(store.open())
    assert page.next_after_id is None
    assert page.decisions == stored
    assert [
        (d.code, d.system, d.action, d.replaced_code, d.reason, d.coder_id, d.key_id, d.request_id)
        for d in page.decisions
    ] == [
        (
            d.code,
            d.system,
            d.action,
            d.replaced_code,
            d.reason,
            "coder-7",
            integrator.id,
            request.request_id,
        )
        for d in decisions
    ]
    assert page.requests[request.request_id].model_version == "baseline-1"

    (event,) = list_events(session, request_id=request.request_id, after_id=0)[1:]
    assert event.action is AuditAction.FEEDBACK
    assert (event.key_id, event.coder_id) == (integrator.id, "coder-7")
    assert (event.model_version, event.code_set_versions) == ("baseline-1", VERSIONS)
    assert event.detail == {
        "decisions": [
            {
                "id": r.id,
                "code": r.code,
                "system": r.system.value,
                "action": r.action.value,
                "replaced_code": r.replaced_code,
                "newer_code_set": r.newer_code_set,
            }
            for r in stored
        ]
    }


def test_unknown_request_id_is_refused_and_nothing_is_written(session: Session) -> None:
    with pytest.raises(UnknownRequestError, match="unknown request_id: no-such-request"):
        record_feedback(
            session,
            request_id="no-such-request",
            coder_id="c1",
            decisions=[Decision("E11.22", System.ICD10CM, Action.ACCEPT)],
            key=None,
        )
    with session.begin():
        assert session.scalar(sa.select(sa.func.count()).select_from(FeedbackDecision)) == 0
    assert list_events(session) == []


def test_a_stored_request_is_read_back_whole(session: Session, integrator: KeyRecord) -> None:
    stored = _request(session, integrator)
    assert get_suggestion_request(session, stored.request_id) == stored
    with pytest.raises(UnknownRequestError):
        get_suggestion_request(session, "no-such-request")


@pytest.mark.parametrize(
    "make",
    [
        lambda: Decision("N18.30", System.ICD10CM, Action.EDIT),
        lambda: Decision("E11.22", System.ICD10CM, Action.ACCEPT, replaced_code="E11.9"),
        lambda: Decision(" ", System.ICD10CM, Action.ADD),
        lambda: Decision("X" * 17, System.ICD10CM, Action.ADD),
    ],
)
def test_malformed_decisions_are_refused(make: object) -> None:
    with pytest.raises(ValueError):
        make()  # type: ignore[operator]


def test_feedback_needs_decisions_and_a_coder(session: Session) -> None:
    request = _request(session, None)
    with pytest.raises(ValueError):
        record_feedback(
            session, request_id=request.request_id, coder_id="c1", decisions=[], key=None
        )
    with pytest.raises(ValueError):
        record_feedback(
            session,
            request_id=request.request_id,
            coder_id="",
            decisions=[Decision("E11.22", System.ICD10CM, Action.ACCEPT)],
            key=None,
        )


def test_export_pages_by_id_and_filters_by_time(session: Session) -> None:
    requests = [_request(session, None) for _ in range(3)]
    submitted: list[int] = []
    times: list[datetime] = []
    for n in range(9):
        records = record_feedback(
            session,
            request_id=requests[n % 3].request_id,
            coder_id=f"c{n}",
            decisions=[
                Decision("E11.22", System.ICD10CM, Action.ACCEPT),
                Decision("N18.31", System.ICD10CM, Action.REJECT),
            ],
            key=None,
        )
        submitted += [r.id for r in records]
        times.append(records[0].created_at)

    seen: list[int] = []
    after = 0
    pages = 0
    while True:
        page = list_feedback(session, after_id=after, limit=4)
        pages += 1
        seen += [d.id for d in page.decisions]
        assert set(page.requests) == {d.request_id for d in page.decisions}
        if page.next_after_id is None:
            break
        after = page.next_after_id
    assert seen == submitted
    assert pages == 5  # 18 decisions, 4 a page, and no empty page at the end

    window = list_feedback(session, since=times[2], until=times[5], limit=100)
    assert [d.coder_id for d in window.decisions] == ["c2", "c2", "c3", "c3", "c4", "c4"]
    assert list_feedback(session, since=times[8], after_id=submitted[-1]).decisions == []
    with pytest.raises(ValueError):
        list_feedback(session, limit=0)


def test_sql_errors_do_not_quote_note_text(session: Session) -> None:
    """Bound values stay out of exception messages, so a failed write cannot log a note."""
    with pytest.raises(sa.exc.IntegrityError) as failure, session.begin():
        session.add(
            SuggestionRequest(
                request_id="r1",
                key_id=999,  # no such key: the foreign key refuses the row
                model_version="baseline-1",
                code_set_versions=VERSIONS,
                setting="outpatient",
                suggestions=SUGGESTIONS,
                note_text=NOTE,
            )
        )
    assert NOTE not in str(failure.value)
