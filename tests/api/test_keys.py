"""API keys: only a hash is stored, verification finds active keys only, roles gate routes."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.storage.audit import list_events
from api.storage.errors import UnknownKeyError
from api.storage.keys import (
    PREFIX_LEN,
    Permission,
    create_key,
    list_keys,
    revoke_key,
    role_allows,
    verify_key,
)
from api.storage.models import ApiKey, AuditAction, Role


def test_only_the_hash_is_stored(session: Session) -> None:
    issued = create_key(session, Role.CODER, "review page")
    assert issued.plaintext.startswith("csk_")
    assert issued.plaintext not in repr(issued)
    with session.begin():
        stored = session.execute(sa.select(ApiKey.__table__)).one()._asdict()
    assert issued.plaintext not in {str(value) for value in stored.values()}
    assert stored["key_hash"] == hashlib.sha256(issued.plaintext.encode()).hexdigest()
    assert stored["key_prefix"] == issued.plaintext[:PREFIX_LEN] == issued.record.key_prefix


def test_verify_finds_the_key_and_nothing_else(session: Session) -> None:
    issued = create_key(session, Role.TRAINER, "nightly export")
    other = create_key(session, Role.CODER, "someone else")
    found = verify_key(session, issued.plaintext)
    assert found is not None
    assert (found.id, found.role, found.name) == (issued.record.id, Role.TRAINER, "nightly export")
    assert found.last_used_at is not None
    # same prefix, different secret
    assert (
        verify_key(session, issued.plaintext[:-1] + ("A" if issued.plaintext[-1] != "A" else "B"))
        is None
    )
    assert verify_key(session, "") is None
    assert verify_key(session, "not a key at all") is None
    other_found = verify_key(session, other.plaintext)
    assert other_found is not None and other_found.role is Role.CODER


def test_revoked_keys_stop_working(session: Session) -> None:
    admin = create_key(session, Role.ADMIN, "ops").record
    issued = create_key(session, Role.INTEGRATOR, "old bridge")
    revoked = revoke_key(session, issued.record.id, actor=admin)
    assert revoked.revoked_at is not None
    assert verify_key(session, issued.plaintext) is None
    assert revoke_key(session, issued.record.id).revoked_at == revoked.revoked_at
    assert [key.revoked_at is None for key in list_keys(session)] == [True, False]
    with pytest.raises(UnknownKeyError):
        revoke_key(session, 9999)

    events = list_events(session)
    assert [(event.action, event.key_id) for event in events] == [
        (AuditAction.KEY_CREATE, None),
        (AuditAction.KEY_CREATE, None),
        (AuditAction.KEY_REVOKE, admin.id),  # the second revoke changed nothing
    ]
    assert events[2].detail == {"key_id": issued.record.id}


def test_key_names_are_checked(session: Session) -> None:
    with pytest.raises(ValueError):
        create_key(session, Role.CODER, "  ")
    with pytest.raises(ValueError):
        create_key(session, Role.CODER, "x" * 101)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.CODER, {"suggest", "codes", "feedback:write"}),
        (Role.INTEGRATOR, {"suggest", "codes", "feedback:write", "batch"}),
        (Role.TRAINER, {"codes", "feedback:read"}),
        (Role.ADMIN, {permission.value for permission in Permission}),
    ],
)
def test_role_permissions(role: Role, allowed: set[str]) -> None:
    assert {p.value for p in Permission if role_allows(role, p)} == allowed
