"""CDS Hooks: discovery (open: it describes, it holds no data), the discharge-coding
service and its feedback endpoint, each call signed by the EHR with a JWT that
``api.gate`` checks (``api.cds_auth``) before the body is read; what each does is in
``api.cds``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api import cds
from api.cds_auth import CLIENT_STATE, CdsClient
from api.deps import CanonicalDep, MetricsDep, ServiceDep, SessionDep
from api.errors import unprocessable
from api.schemas import CdsDiscovery, CdsFeedbackRequest, CdsFeedbackStored, CdsRequest, CdsResponse
from api.service import SuggestOptions
from api.storage.feedback import (
    Decision,
    get_suggestion_request,
    record_feedback,
    submission_digest,
)

router = APIRouter(prefix="/cds-services", tags=["cds-hooks"])
ServiceId = Annotated[str, Path(description=f"Only {cds.SERVICE_ID}.")]
_jwt_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="CDS Hooks JWT",
    bearerFormat="JWT",
    description="A JWT the EHR signs for each call (CDS Hooks); API keys are not accepted.",
)


def signed_by_ehr(
    request: Request,
    _token: Annotated[HTTPAuthorizationCredentials | None, Depends(_jwt_bearer)],
) -> CdsClient:
    """The EHR whose JWT ``api.gate`` accepted for this call (the header is declared here
    for the API's description)."""
    client = request.scope.get("state", {}).get(CLIENT_STATE)
    if client is None:  # never reached through the gate, which refuses such calls
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="a CDS Hooks call needs the EHR's signed JWT as the bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return client  # type: ignore[no-any-return]


SignedByEhr = Annotated[CdsClient, Depends(signed_by_ehr)]
_REFUSED: dict[int | str, dict[str, Any]] = {
    401: {"description": "No JWT, or one that fails a check (the detail says which)."}
}


@router.get("", response_model=CdsDiscovery, response_model_exclude_none=True)
def discover() -> CdsDiscovery:
    """The services this server offers."""
    return cds.discovery()


@router.post(
    "/{service_id}",
    response_model=CdsResponse,
    responses={**_REFUSED, 404: {}, 412: {"description": "The call carries no note."}},
)
async def call_service(
    request: Request,
    service_id: ServiceId,
    body: CdsRequest,
    session: SessionDep,
    service: ServiceDep,
    canonical: CanonicalDep,
    _client: SignedByEhr,
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
    request_id, result = await service.run(session, text, options, None, request.is_disconnected)
    card = cds.card(result, request_id, body, canonical)
    return CdsResponse(cards=[card] if card is not None else [])


@router.post(
    "/{service_id}/feedback", response_model=CdsFeedbackStored, responses={**_REFUSED, 404: {}}
)
def feedback(
    service_id: ServiceId,
    body: CdsFeedbackRequest,
    session: SessionDep,
    metrics: MetricsDep,
    client: SignedByEhr,
) -> CdsFeedbackStored:
    """Store what users did with cards as coders' decisions, attributed to ``cds:`` and
    the token's subject (the EHR's user or client id), or its issuer where it names none.
    Every card is checked before any decision is stored."""
    _check_service(service_id)
    per_request: list[tuple[str, list[Decision]]] = []
    for position, item in enumerate(body.feedback):
        stored = get_suggestion_request(session, item.card)
        try:
            # a suggestion accepted twice in one item is one decision
            decisions = list(dict.fromkeys(cds.decisions(item, stored)))
        except ValueError as exc:
            raise unprocessable(["body", "feedback", position], str(exc)) from exc
        per_request.append((stored.request_id, decisions))
    count = 0
    coder_id = f"cds:{client.subject or client.issuer}"
    for request_id, decisions in per_request:
        if decisions:
            # the same feedback sent again (a retry, a repeated item) is stored once
            digest = submission_digest(request_id, coder_id, decisions)
            records = record_feedback(
                session,
                request_id=request_id,
                coder_id=coder_id,
                decisions=decisions,
                key=None,
                idempotency_key=f"cds:{digest}",
            )
            metrics.count_feedback(record.action.value for record in records)
            count += len(records)
    return CdsFeedbackStored(decisions=count)


def _check_service(service_id: str) -> None:
    if service_id != cds.SERVICE_ID:
        raise HTTPException(status_code=404, detail=f"no CDS service {service_id}")
