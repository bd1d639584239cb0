"""POST /v1/feedback (coders' decisions) and GET /v1/feedback (the trainer's export)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from pydantic import AwareDatetime

from api.deps import MetricsDep, SessionDep, SettingsDep, require
from api.schemas import FeedbackExport, FeedbackRequest, FeedbackStored
from api.storage.feedback import FeedbackPage, list_feedback, record_feedback
from api.storage.keys import KeyRecord, Permission

router = APIRouter(prefix="/v1/feedback", tags=["feedback"])
_MAX_ID = 2**63 - 1  # ids are 64-bit integers on every engine


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=FeedbackStored, responses={404: {}}
)
def post_feedback(
    body: FeedbackRequest,
    session: SessionDep,
    metrics: MetricsDep,
    key: Annotated[KeyRecord, Depends(require(Permission.FEEDBACK_WRITE))],
) -> FeedbackStored:
    """Store a coder's decisions on a request's suggestions. They are committed (on
    SQLite, on disk) before the 201 is sent."""
    stored = record_feedback(
        session,
        request_id=body.request_id,
        coder_id=body.coder_id,
        decisions=[decision.to_decision() for decision in body.decisions],
        key=key,
    )
    metrics.count_feedback(record.action.value for record in stored)
    return FeedbackStored(request_id=body.request_id, decisions=stored)


@router.get(
    "",
    response_model=FeedbackExport,
    dependencies=[Depends(require(Permission.FEEDBACK_READ))],
)
def export_feedback(
    session: SessionDep,
    settings: SettingsDep,
    after_id: Annotated[
        int, Query(ge=0, le=_MAX_ID, description="next_after_id of the previous page")
    ] = 0,
    limit: Annotated[
        int | None, Query(ge=1, description="page size; default and cap: feedback_page_max")
    ] = None,
    since: Annotated[AwareDatetime | None, Query(description="inclusive")] = None,
    until: Annotated[AwareDatetime | None, Query(description="exclusive")] = None,
) -> FeedbackPage:
    """Decisions in the order they were stored, a page at a time, with the requests they
    refer to."""
    page_max = settings.feedback_page_max
    return list_feedback(
        session,
        after_id=after_id,
        limit=min(limit or page_max, page_max),
        since=since,
        until=until,
    )
