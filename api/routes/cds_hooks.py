"""CDS Hooks: discovery, the discharge-coding service and its feedback endpoint (what
each does is in ``api.cds``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request, status

from api import cds
from api.deps import MetricsDep, ServiceDep, SessionDep, require
from api.errors import unprocessable
from api.schemas import CdsDiscovery, CdsFeedbackRequest, CdsFeedbackStored, CdsRequest, CdsResponse
from api.service import SuggestOptions
from api.storage.feedback import (
    Decision,
    get_suggestion_request,
    record_feedback,
    submission_digest,
)
from api.storage.keys import KeyRecord, Permission

router = APIRouter(prefix="/cds-services", tags=["cds-hooks"])
CdsKey = Annotated[KeyRecord, Depends(require(Permission.CDS))]
ServiceId = Annotated[str, Path(description=f"Only {cds.SERVICE_ID}.")]


@router.get("", response_model=CdsDiscovery, response_model_exclude_none=True)
def discover(_key: CdsKey) -> CdsDiscovery:
    """The services this server offers."""
    return cds.discovery()


@router.post(
    "/{service_id}",
    response_model=CdsResponse,
    responses={404: {}, 412: {"description": "The call carries no note."}},
)
async def call_service(
    request: Request,
    service_id: ServiceId,
    body: CdsRequest,
    session: SessionDep,
    service: ServiceDep,
    key: CdsKey,
) -> CdsResponse:
    """Suggested codes for the encounter's note, as one card."""
    _check_service(service_id)
    if body.hook != cds.HOOK:
        raise unprocessable(
            ["body", "hook"], f"{cds.SERVICE_ID} answers {cds.HOOK}, not {body.hook}"
        )
    try:
        text = cds.note_text(body)
    except cds.NoteUnavailableError as exc:
        raise HTTPException(
            status_code=status.HTTP_412_PRECONDITION_FAILED, detail=str(exc)
        ) from exc
    options = SuggestOptions(setting=cds.SETTING)
    request_id, result = await service.run(session, text, options, key, request.is_disconnected)
    card = cds.card(result, request_id, body)
    return CdsResponse(cards=[card] if card is not None else [])


@router.post("/{service_id}/feedback", response_model=CdsFeedbackStored, responses={404: {}})
def feedback(
    service_id: ServiceId,
    body: CdsFeedbackRequest,
    session: SessionDep,
    metrics: MetricsDep,
    key: CdsKey,
) -> CdsFeedbackStored:
    """Store what users did with cards as coders' decisions, attributed to ``cds:<key
    name>``. Every card is checked before any decision is stored."""
    _check_service(service_id)
    per_request: list[tuple[str, list[Decision]]] = []
    for position, item in enumerate(body.feedback):
        stored = get_suggestion_request(session, item.card, key)
        try:
            # a suggestion accepted twice in one item is one decision
            decisions = list(dict.fromkeys(cds.decisions(item, stored)))
        except ValueError as exc:
            raise unprocessable(["body", "feedback", position], str(exc)) from exc
        per_request.append((stored.request_id, decisions))
    count = 0
    coder_id = f"cds:{key.name}"
    for request_id, decisions in per_request:
        if decisions:
            # the same feedback sent again (a retry, a repeated item) is stored once
            digest = submission_digest(request_id, coder_id, decisions)
            records = record_feedback(
                session,
                request_id=request_id,
                coder_id=coder_id,
                decisions=decisions,
                key=key,
                idempotency_key=f"cds:{digest}",
            )
            metrics.count_feedback(record.action.value for record in records)
            count += len(records)
    return CdsFeedbackStored(decisions=count)


def _check_service(service_id: str) -> None:
    if service_id != cds.SERVICE_ID:
        raise HTTPException(status_code=404, detail=f"no CDS service {service_id}")
