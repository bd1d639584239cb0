"""POST /v1/suggest: codes for one note, as JSON or as a FHIR R4 Bundle."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from api.deps import ServiceDep, SessionDep, require
from api.fhir import suggestion_bundle
from api.schemas import SuggestRequest, SuggestResponse
from api.storage.keys import KeyRecord, Permission

FHIR_JSON = "application/fhir+json"

router = APIRouter(tags=["suggest"])


@router.post(
    "/v1/suggest",
    response_model=SuggestResponse,
    responses={
        200: {"content": {FHIR_JSON: {}}, "description": "Suggestions, or a FHIR Bundle."},
        413: {"description": "The note is over the configured maximum."},
        503: {"description": "The server is at capacity; retry after Retry-After seconds."},
    },
)
async def suggest(
    request: Request,
    body: SuggestRequest,
    session: SessionDep,
    service: ServiceDep,
    key: Annotated[KeyRecord, Depends(require(Permission.SUGGEST))],
    response_format: Annotated[Literal["json", "fhir"], Query(alias="format")] = "json",
) -> SuggestResponse | JSONResponse:
    """Ranked, evidenced code suggestions for a note. The request is stored (the note
    only where the deployment keeps notes) and its request_id is what feedback names."""
    request_id, result = await service.run(
        session, body.text, body.options(), key, request.is_disconnected
    )
    if response_format == "fhir":
        bundle = suggestion_bundle(
            result,
            request_id,
            sex=body.patient.sex if body.patient else None,
            date_of_service=body.date_of_service,
        )
        return JSONResponse(bundle, media_type=FHIR_JSON)
    return SuggestResponse(request_id=request_id, **result.to_json())
