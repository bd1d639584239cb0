"""Used CDS Hooks token ids, on SQLite and PostgreSQL: each (issuer, jti) once until it
expires; expired ones are forgotten."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.storage.models import UsedToken, utcnow
from api.storage.tokens import use_token
from tests.api.conftest import Store


def test_a_token_id_is_used_once_per_issuer(store: Store) -> None:
    later = utcnow() + timedelta(minutes=5)
    first, second = store.open(), store.open()  # two workers
    assert use_token(first, "https://ehr.test", "jti-1", later)
    assert not use_token(second, "https://ehr.test", "jti-1", later)
    assert use_token(second, "https://other-ehr.test", "jti-1", later)
    assert use_token(first, "https://ehr.test", "jti-2", later)


def test_expired_token_ids_are_forgotten(session: Session) -> None:
    assert use_token(session, "https://ehr.test", "old", utcnow() - timedelta(seconds=1))
    assert use_token(session, "https://ehr.test", "new", utcnow() + timedelta(minutes=5))
    with session.begin():
        kept = session.scalars(sa.select(UsedToken.jti)).all()
    assert kept == ["new"]
