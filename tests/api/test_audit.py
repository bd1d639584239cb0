"""The audit trail reads back in order, page by page."""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.storage.audit import list_events
from api.storage.keys import create_key
from api.storage.models import AuditAction, Role


def test_events_page_in_order(session: Session) -> None:
    keys = [create_key(session, Role.CODER, f"coder {n}").record for n in range(5)]
    first = list_events(session, limit=2)
    rest = list_events(session, after_id=first[-1].id)
    events = first + rest
    assert [event.detail["key_id"] for event in events if event.detail] == [k.id for k in keys]
    assert {event.action for event in events} == {AuditAction.KEY_CREATE}
    assert all(event.created_at.tzinfo is not None for event in events)
