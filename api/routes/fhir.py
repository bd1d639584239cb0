"""Our FHIR definitions at their canonical URLs (no key: they describe, they hold no
data), and the coder's final codes of a request as FHIR (``api.fhir.coded_bundle``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, status
from fastapi.responses import JSONResponse

from api import fhir
from api.deps import CanonicalDep, ServiceDep, SessionDep, require
from api.storage.feedback import get_suggestion_request, request_decisions
from api.storage.keys import KeyRecord, Permission
from code_index.records import System

router = APIRouter(tags=["fhir"])
_FHIR_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {fhir.FHIR_JSON: {}}, "description": "A FHIR R4 resource."}
}


@router.get(
    "/fhir/{resource_type}/{ident}",
    response_class=JSONResponse,
    responses={**_FHIR_RESPONSE, 404: {}},
)
def fhir_definition(
    resource_type: Annotated[str, Path(description="StructureDefinition or CodeSystem")],
    ident: str,
    canonical: CanonicalDep,
) -> JSONResponse:
    """One of our extension definitions (StructureDefinition) or code systems, at the
    canonical URL our resources name it by."""
    try:
        resource = fhir.definition(canonical, resource_type, ident)
    except KeyError as exc:
        raise HTTPException(
            status_code=status.HTTP_404_NOT_FOUND, detail=f"no {resource_type}/{ident} here"
        ) from exc
    return JSONResponse(resource, media_type=fhir.FHIR_JSON)


@router.get(
    "/v1/requests/{request_id}/fhir",
    response_class=JSONResponse,
    responses={**_FHIR_RESPONSE, 404: {}},
)
def coded_encounter(
    request_id: Annotated[str, Path(max_length=36)],
    session: SessionDep,
    service: ServiceDep,
    _key: Annotated[KeyRecord, Depends(require(Permission.SUGGEST))],
) -> JSONResponse:
    """The coder's final codes for a request, after the decisions stored on it: confirmed
    Conditions and completed Procedures with an Encounter ranking the diagnoses."""
    stored = get_suggestion_request(session, request_id)
    titles = {(s["system"], s["code"]): s["title"] for s in stored.suggestions}
    suggested = [fhir.FinalCode(s["system"], s["code"]) for s in stored.suggestions]
    codes = fhir.final_codes(suggested, request_decisions(session, request_id))

    def title(code: fhir.FinalCode) -> str:
        record = service.index.get(code.code, System(code.system))
        return record.title if record else titles.get((code.system, code.code), code.code)

    bundle = fhir.coded_bundle(request_id, stored.setting, codes, title)
    return JSONResponse(bundle, media_type=fhir.FHIR_JSON)
