"""API keys and what each role may do.

A key is ``csk_`` followed by 256 random bits (URL-safe base64). Only its SHA-256 is
stored, with the first 12 characters as a prefix to find it and to name it in lists.

Why SHA-256 and not bcrypt/argon2: slow hashes exist to make guessing low-entropy
human passwords expensive. A 256-bit random token cannot be guessed whatever the hash
costs, so a slow hash would only add tens of milliseconds of CPU to every API call
(and bcrypt reads at most 72 bytes). A leaked table of SHA-256 digests of random
tokens gives an attacker nothing usable.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.storage.audit import add_event
from api.storage.errors import UnknownKeyError
from api.storage.models import ORGANIZATION_LEN, ApiKey, AuditAction, Role, utcnow

TOKEN_PREFIX = "csk_"
PREFIX_LEN = len(TOKEN_PREFIX) + 8  # 48 random bits: enough to find a key, useless to guess it
NAME_LEN = 100
# last_used_at is informational: write it at most this often, not on every request
LAST_USED_RESOLUTION = timedelta(minutes=1)


class Permission(StrEnum):
    """What a route requires of the caller's key."""

    SUGGEST = "suggest"
    CODES = "codes"
    FEEDBACK_WRITE = "feedback:write"
    FEEDBACK_READ = "feedback:read"
    BATCH = "batch"
    ADMIN = "admin"


ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = MappingProxyType(
    {
        # a coder at the review page: get suggestions, look codes up, decide on them
        Role.CODER: frozenset({Permission.SUGGEST, Permission.CODES, Permission.FEEDBACK_WRITE}),
        # an EHR or coding-system integration: everything a coder does on their behalf,
        # plus batches (CDS Hooks calls are signed by the EHR, not made with a key)
        Role.INTEGRATOR: frozenset(
            {Permission.SUGGEST, Permission.CODES, Permission.FEEDBACK_WRITE, Permission.BATCH}
        ),
        # exports decisions (and, when stored, note text) to retrain; suggests nothing
        Role.TRAINER: frozenset({Permission.CODES, Permission.FEEDBACK_READ}),
        Role.ADMIN: frozenset(Permission),
    }
)


def role_allows(role: Role, permission: Permission) -> bool:
    """Whether a key of ``role`` may use a route that needs ``permission``."""
    return permission in ROLE_PERMISSIONS[role]


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """A stored key, without any secret: safe to log and to return to admins."""

    id: int
    name: str
    role: Role
    key_prefix: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    organization: str | None = None

    @property
    def coder_id(self) -> str | None:
        """The coder a coder key names (its name): the identity its feedback is recorded
        under. Other keys act for systems, which name the coder themselves."""
        return self.name if self.role is Role.CODER else None


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A new key: ``plaintext`` is shown to its holder once and is never stored."""

    record: KeyRecord
    plaintext: str = field(repr=False)


def create_key(
    session: Session,
    role: Role,
    name: str,
    *,
    organization: str | None = None,
    actor: KeyRecord | None = None,
) -> IssuedKey:
    """Issue a key for ``role``; ``actor`` is the admin key that asked (None from the CLI).
    A coder key's name is its coder's id. Keys of one ``organization`` may give feedback
    on each other's suggestion requests."""
    name = name.strip()
    if not name or len(name) > NAME_LEN:
        raise ValueError(f"key name must be 1 to {NAME_LEN} characters")
    if organization is not None:
        organization = organization.strip()
        if not organization or len(organization) > ORGANIZATION_LEN:
            raise ValueError(f"organization must be 1 to {ORGANIZATION_LEN} characters")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with session.begin():
        row = ApiKey(
            name=name,
            role=role,
            key_prefix=plaintext[:PREFIX_LEN],
            key_hash=_digest(plaintext),
            organization=organization,
        )
        session.add(row)
        session.flush()
        add_event(
            session,
            AuditAction.KEY_CREATE,
            key_id=actor.id if actor else None,
            detail={
                "key_id": row.id,
                "name": name,
                "role": row.role.value,
                "organization": organization,
            },
        )
        return IssuedKey(record=_record(row), plaintext=plaintext)


def verify_key(session: Session, plaintext: str) -> KeyRecord | None:
    """The active key ``plaintext`` is, or None.

    Found by prefix, confirmed by comparing SHA-256 digests with ``hmac.compare_digest``,
    so response time says nothing about the secret part of a presented key.
    """
    digest = _digest(plaintext)
    with session.begin():
        candidates = session.scalars(
            sa.select(ApiKey).where(ApiKey.key_prefix == plaintext[:PREFIX_LEN])
        ).all()
        match = None
        for row in candidates:  # more than one only if two keys share 48 random bits
            if hmac.compare_digest(row.key_hash, digest):
                match = row
        if match is None or match.revoked_at is not None:
            return None
        now = utcnow()
        if match.last_used_at is None or now - match.last_used_at >= LAST_USED_RESOLUTION:
            match.last_used_at = now
        return _record(match)


def revoke_key(session: Session, key_id: int, *, actor: KeyRecord | None = None) -> KeyRecord:
    """Revoke a key for good; revoking twice keeps the first revocation time."""
    with session.begin():
        row = session.get(ApiKey, key_id)
        if row is None:
            raise UnknownKeyError(key_id)
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            add_event(
                session,
                AuditAction.KEY_REVOKE,
                key_id=actor.id if actor else None,
                detail={"key_id": key_id},
            )
        return _record(row)


def list_keys(session: Session) -> list[KeyRecord]:
    """Every key, revoked ones included, oldest first."""
    with session.begin():
        return [_record(row) for row in session.scalars(sa.select(ApiKey).order_by(ApiKey.id))]


def _digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def _record(row: ApiKey) -> KeyRecord:
    return KeyRecord(
        id=row.id,
        name=row.name,
        role=row.role,
        key_prefix=row.key_prefix,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
        organization=row.organization,
    )
