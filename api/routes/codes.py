"""GET /v1/codes: look a code up, or search codes for a phrase."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from api.code_details import describe, hit_json
from api.deps import ServiceDep, require
from api.schemas import CodeDetail, CodeHit
from api.storage.keys import Permission
from code_index.records import System

router = APIRouter(
    prefix="/v1/codes", tags=["codes"], dependencies=[Depends(require(Permission.CODES))]
)


@router.get("", response_model=list[CodeHit])
def search_codes(
    service: ServiceDep,
    q: Annotated[str, Query(min_length=1, max_length=200, description="A phrase or a code.")],
    system: System | None = None,
    top: Annotated[int, Query(ge=1, le=100)] = 10,
    billable: bool = False,
) -> list[dict[str, Any]]:
    """Codes ranked for what a coder would type ("aspiration pneumonia", "e11.2")."""
    hits = service.index.search(q, system=system, top=top, billable_only=billable)
    return [hit_json(hit) for hit in hits]


@router.get("/{system}/{code}", response_model=CodeDetail, responses={404: {}})
def get_code(system: System, code: str, service: ServiceDep) -> dict[str, Any]:
    """One code, written any way (e1122 = E11.22), with its instructions, validity,
    parents and children."""
    record = service.index.get(code, system)
    if record is None:
        raise HTTPException(
            status_code=404,
            detail=f"{code} is not a {system.value} code in index {service.index.version}",
        )
    return describe(service.index, record)
