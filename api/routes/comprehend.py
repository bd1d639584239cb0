"""POST /v1/comprehend/InferICD10CM: the request and response of AWS Comprehend Medical's
InferICD10CM (``api.comprehend``), for clients moving off it. Mounted only where the
``comprehend_compatible`` setting is on."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from api.comprehend import infer_icd10cm
from api.deps import ServiceDep, SessionDep, require
from api.schemas import InferICD10CMRequest, InferICD10CMResponse
from api.service import SuggestOptions
from api.storage.keys import KeyRecord, Permission
from code_index.records import System

router = APIRouter(tags=["comprehend-medical"])


@router.post(
    "/v1/comprehend/InferICD10CM",
    response_model=InferICD10CMResponse,
    responses={413: {"description": "The note is over the configured maximum."}},
)
async def infer(
    request: Request,
    body: InferICD10CMRequest,
    session: SessionDep,
    service: ServiceDep,
    key: Annotated[KeyRecord, Depends(require(Permission.SUGGEST))],
) -> InferICD10CMResponse:
    """The note's diagnoses as InferICD10CM entities with their ICD-10-CM concepts. The
    request is stored like any suggest request (no id in this shape to give feedback on)."""
    options = SuggestOptions(systems=(System.ICD10CM,), top_k=100)
    _request_id, result = await service.run(
        session, body.Text, options, key, request.is_disconnected
    )
    return infer_icd10cm(result, service.index)
