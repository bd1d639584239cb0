"""CDS Hooks: discovery (open: it describes, it holds no data), the discharge-coding
service and its feedback endpoint, each call signed by the EHR with a JWT
(``api.cds_auth``); what each does is in ``api.cds``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api import cds
from api.cds_auth import CdsAuthError, CdsClient, CdsTokenVerifier
from api.deps import CanonicalDep, MetricsDep, ServiceDep, SessionDep, SettingsDep
from api.schemas import CdsDiscovery, CdsFeedbackRequest, CdsFeedbackStored, CdsRequest, CdsResponse
from api.service import SuggestOptions
from api.storage.feedback import Decision, get_suggestion_request, record_feedback
from api.storage.tokens import use_token

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
    service_id: ServiceId,
    session: SessionDep,
    settings: SettingsDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_jwt_bearer)],
) -> CdsClient:
    """The EHR that signed this call's JWT, addressed to the endpoint called; 401 with
    the failed check otherwise (and for a token presented before)."""
    verifier: CdsTokenVerifier | None = request.app.state.cds_verifier
    if verifier is None:
        raise _unauthorized(
            "no EHR is trusted for CDS Hooks: set CODESUGGEST_CDS_ISSUER and a JWKS"
        )
    if bearer is None:
        raise _unauthorized("a CDS Hooks call needs the EHR's signed JWT as the bearer token")
    endpoint = f"{settings.public_url}/cds-services/{service_id}"
    called = f"{endpoint}/feedback" if request.url.path.endswith("/feedback") else endpoint
    try:
        client = verifier.verify(bearer.credentials, [called])
    except CdsAuthError as exc:
        raise _unauthorized(str(exc)) from exc
    if not use_token(session, client.issuer, client.jti, client.expires_at):
        raise _unauthorized("the CDS Hooks JWT was presented before (jti replayed)")
    return client


SignedByEhr = Annotated[CdsClient, Depends(signed_by_ehr)]


@router.get("", response_model=CdsDiscovery, response_model_exclude_none=True)
def discover() -> CdsDiscovery:
    """The services this server offers."""
    return cds.discovery()


@router.post(
    "/{service_id}",
    response_model=CdsResponse,
    responses={404: {}, 412: {"description": "The call carries no note."}},
)
async def call_service(
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
        raise HTTPException(
            status_code=422, detail=f"{cds.SERVICE_ID} answers {cds.HOOK}, not {body.hook}"
        )
    try:
        text = cds.note_text(body)
    except cds.NoteUnavailableError as exc:
        raise HTTPException(
            status_code=status.HTTP_412_PRECONDITION_FAILED, detail=str(exc)
        ) from exc
    request_id, result = await service.run(session, text, SuggestOptions(setting=cds.SETTING), None)
    card = cds.card(result, request_id, body, canonical)
    return CdsResponse(cards=[card] if card is not None else [])


@router.post("/{service_id}/feedback", response_model=CdsFeedbackStored, responses={404: {}})
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
    for item in body.feedback:
        stored = get_suggestion_request(session, item.card)
        try:
            per_request.append((stored.request_id, cds.decisions(item, stored)))
        except ValueError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
    count = 0
    for request_id, decisions in per_request:
        if decisions:
            records = record_feedback(
                session,
                request_id=request_id,
                coder_id=f"cds:{client.subject or client.issuer}",
                decisions=decisions,
                key=None,
            )
            metrics.count_feedback(record.action.value for record in records)
            count += len(records)
    return CdsFeedbackStored(decisions=count)


def _check_service(service_id: str) -> None:
    if service_id != cds.SERVICE_ID:
        raise HTTPException(status_code=404, detail=f"no CDS service {service_id}")


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": "Bearer"},
    )
