"""Used token ids (CDS Hooks JWT ``jti``): each may be presented once, across every
worker process sharing the database, until it expires."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.storage.models import UsedToken, utcnow


def use_token(session: Session, issuer: str, jti: str, expires_at: datetime) -> bool:
    """Record a token as used; False if it was used before (a replay). Tokens expired
    before now are forgotten on the way, since they can no longer be presented."""
    try:
        with session.begin():
            session.execute(sa.delete(UsedToken).where(UsedToken.expires_at < utcnow()))
            session.add(UsedToken(issuer=issuer, jti=jti, expires_at=expires_at))
    except IntegrityError:
        return False
    return True
