"""POST /v1/suggest: codes for one note, as JSON or as a FHIR R4 Bundle."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from api.deps import CanonicalDep, ServiceDep, SessionDep, require
from api.fhir import FHIR_JSON, suggestion_bundle
from api.offsets import utf16_converter
from api.schemas import SuggestRequest, SuggestResponse, Utf16Offsets
from api.storage.keys import KeyRecord, Permission

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
    canonical: CanonicalDep,
    response_format: Annotated[Literal["json", "fhir"], Query(alias="format")] = "json",
    offsets: Annotated[
        Literal["codepoint", "utf16"],
        Query(description="utf16: add utf16_offsets (JavaScript, Java, .NET string indices)"),
    ] = "codepoint",
) -> SuggestResponse | JSONResponse:
    """Ranked, evidenced code suggestions for a note. The request is stored (the note
    only where the deployment keeps notes) and its request_id is what feedback names.
    Offsets count Unicode code points; ``?offsets=utf16`` adds them in UTF-16 units."""
    request_id, result = await service.run(
        session, body.text, body.options(), key, request.is_disconnected
    )
    if response_format == "fhir":
        bundle = suggestion_bundle(
            result,
            request_id,
            canonical,
            sex=body.patient.sex if body.patient else None,
            date_of_service=body.date_of_service,
        )
        return JSONResponse(bundle, media_type=FHIR_JSON)
    response = SuggestResponse(request_id=request_id, **result.to_json())
    if offsets == "utf16":
        to_utf16 = utf16_converter(body.text)
        response.utf16_offsets = Utf16Offsets(
            evidence=[
                [(to_utf16(e.start), to_utf16(e.end)) for e in suggestion.evidence]
                for suggestion in result.suggestions
            ],
            mentions=[(to_utf16(m.start), to_utf16(m.end)) for m in result.mentions],
        )
    return response
