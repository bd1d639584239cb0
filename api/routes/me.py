"""GET /v1/me: who the presented key is (the review page shows its coder and records
decisions under it)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import AnyKey
from api.schemas import Caller

router = APIRouter(tags=["keys"])


@router.get("/v1/me", response_model=Caller)
def me(key: AnyKey) -> Caller:
    """The key's name, role and organisation, and the coder it names (coder keys only)."""
    return Caller(
        name=key.name, role=key.role, organization=key.organization, coder_id=key.coder_id
    )
