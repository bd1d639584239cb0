"""POST /v1/revenue: the DRG, HCCs and edits of the coder's current code list (the
review page's DRG/HCC panel asks it each time the coder accepts or rejects a code)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.deps import ServiceDep, require
from api.schemas import RevenueRequest
from api.storage.keys import KeyRecord, Permission
from code_index.records import System
from suggest.results import Revenue
from suggest.revenue import review_codes
from suggest.setting import Setting

router = APIRouter(tags=["revenue"])


@router.post("/v1/revenue", response_model=Revenue)
def revenue(
    body: RevenueRequest,
    service: ServiceDep,
    key: Annotated[KeyRecord, Depends(require(Permission.SUGGEST))],
) -> Revenue:
    """MS-DRG (inpatient) with each secondary's CC/MCC, CMS-HCCs with hierarchies,
    Medicare Code Editor edits, units over an MUE and codes not valid on the date of
    service, for a code list (no note: nothing is stored)."""
    diagnoses = [c.code for c in body.codes if c.system is System.ICD10CM]
    procedures = [c.code for c in body.codes if c.system is System.ICD10PCS]
    units = {c.code: c.units for c in body.codes if c.system in (System.CPT, System.HCPCS)}
    return review_codes(
        service.index,
        diagnoses,
        body.encounter(),
        body.setting is Setting.INPATIENT,
        procedures,
        units,
    )
