"""POST /v1/feedback (coders' decisions) and GET /v1/feedback (the trainer's export)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Query, status
from pydantic import AwareDatetime, BeforeValidator

from api.deps import MetricsDep, ServiceDep, SessionDep, SettingsDep, require
from api.errors import unprocessable
from api.schemas import DecisionIn, FeedbackExport, FeedbackRequest, FeedbackStored
from api.storage.feedback import Decision, FeedbackPage, list_feedback, record_feedback
from api.storage.keys import KeyRecord, Permission
from api.storage.models import IDEMPOTENCY_KEY_LEN
from code_index.index import CodeIndex

router = APIRouter(prefix="/v1/feedback", tags=["feedback"])
_MAX_ID = 2**63 - 1  # ids are 64-bit integers on every engine


def _not_a_number(value: object) -> object:
    """pydantic reads a number as seconds since 1970; the API takes ISO 8601 only."""
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return value
        raise ValueError("a date and time with a time zone (ISO 8601), not a number")
    return value


Moment = Annotated[AwareDatetime | None, BeforeValidator(_not_a_number)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=FeedbackStored,
    responses={403: {}, 404: {}},
)
def post_feedback(
    body: FeedbackRequest,
    session: SessionDep,
    service: ServiceDep,
    metrics: MetricsDep,
    key: Annotated[KeyRecord, Depends(require(Permission.FEEDBACK_WRITE))],
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=IDEMPOTENCY_KEY_LEN,
            pattern=r"^[\x21-\x7e]+$",
            description="A key of the client's choosing: a retry with the same key stores "
            "nothing twice and gets the decisions stored the first time.",
        ),
    ] = None,
) -> FeedbackStored:
    """Store a coder's decisions on a request's suggestions. They are committed (on
    SQLite, on disk) before the 201 is sent. Only the key that asked for the suggestions,
    a key of its organisation or an admin key may decide on them (404 for others)."""
    stored = record_feedback(
        session,
        request_id=body.request_id,
        coder_id=_coder(key, body.coder_id),
        decisions=[
            _indexed(service.index, decision, position)
            for position, decision in enumerate(body.decisions)
        ],
        key=key,
        idempotency_key=idempotency_key,
    )
    metrics.count_feedback(record.action.value for record in stored)
    return FeedbackStored(request_id=body.request_id, decisions=stored)


def _coder(key: KeyRecord, coder_id: str | None) -> str:
    """Who decided: a coder key's own coder; for other keys, the coder they name."""
    if key.coder_id is not None:
        if coder_id is not None and coder_id != key.coder_id:
            raise HTTPException(
                status_code=status.HTTP_403_FORBIDDEN,
                detail=f"this coder key records decisions as {key.coder_id!r}, not {coder_id!r}",
            )
        return key.coder_id
    if coder_id is None:
        raise unprocessable(
            ["body", "coder_id"],
            f"coder_id is required with a {key.role.value} key: the coder who decided",
        )
    return coder_id


def _indexed(index: CodeIndex, decision: DecisionIn, position: int) -> Decision:
    """The decision with its codes as the index writes them (e1122 -> E11.22). A code the
    index does not have is refused unless the coder marked it as from a newer code set."""

    def written(code: str, field: str) -> str:
        record = index.get(code, decision.system)
        if record is not None:
            return record.code
        if decision.newer_code_set:
            return code
        raise unprocessable(
            ["body", "decisions", position, field],
            f"{code} is not a {decision.system.value} code in index {index.version}; "
            "if it is from a newer code set, send newer_code_set: true",
        )

    replaced = decision.replaced_code
    return decision.to_decision().with_codes(
        written(decision.code, "code"),
        written(replaced, "replaced_code") if replaced is not None else None,
    )


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
    since: Annotated[Moment, Query(description="inclusive")] = None,
    until: Annotated[Moment, Query(description="exclusive")] = None,
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
