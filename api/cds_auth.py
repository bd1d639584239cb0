"""CDS Hooks authentication: the EHR (the CDS client) signs a JWT for each call and
sends it as the bearer token; we check it against the EHR's published keys, as the CDS
Hooks specification prescribes (https://cds-hooks.hl7.org/, "Trusting CDS Clients").

A token is accepted when it is signed with an asymmetric algorithm (never ``none`` or a
shared secret) by a key in the configured JWKS, and its claims say: ``iss`` the configured
EHR, ``aud`` the endpoint being called (``{public_url}/cds-services/...``), ``exp`` not
past and at most five minutes after ``iat``, and a ``jti`` never presented before. Clocks
may disagree by at most ``cds_clock_skew_seconds``.

The JWKS comes inline (``cds_jwks``), from a file (``cds_jwks_file``) or from a URL
(``cds_jwks_url``, fetched when first needed and again after ``cds_jwks_cache_seconds``
or when a token names a key id not yet seen). API keys are not accepted here: they stay
for the other endpoints.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from sqlalchemy.orm import Session, sessionmaker

from api.settings import Settings
from api.storage.tokens import use_token

# the CDS Hooks specification requires services to support ES384 and RS384; the others
# are the same key types with other hash sizes
ALGORITHMS = ("ES384", "RS384", "ES256", "RS256", "ES512", "RS512", "PS256", "PS384", "PS512")
MAX_LIFETIME = timedelta(minutes=5)  # the spec: exp at most five minutes after creation
_REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "jti"]
CLIENT_STATE = "cds_client"  # where api.gate leaves the accepted client for the routes


class CdsAuthError(Exception):
    """A hook call whose token is missing or not acceptable (answered 401); the message
    says which check failed, never the token."""


class CdsNotConfiguredError(CdsAuthError):
    """This deployment trusts no EHR yet (no issuer or no JWKS configured)."""


@dataclass(frozen=True, slots=True)
class CdsClient:
    """Who signed an accepted token: the EHR and, where it says, the user or client."""

    issuer: str
    subject: str | None
    jti: str
    expires_at: datetime  # when the token (with clock skew) stops being accepted


class CdsTokenVerifier:
    """Checks CDS Hooks JWTs for one trusted EHR (everything but replay, which needs the
    database: see ``api.storage.tokens``)."""

    def __init__(
        self,
        issuer: str,
        *,
        jwks: dict[str, Any] | None = None,
        jwks_url: str | None = None,
        cache_seconds: int = 300,
        clock_skew_seconds: int = 30,
    ) -> None:
        self.issuer = issuer
        self.clock_skew = timedelta(seconds=clock_skew_seconds)
        self._keys = jwt.PyJWKSet.from_dict(jwks) if jwks is not None else None
        self._client = (
            jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=cache_seconds, timeout=10)
            if jwks_url
            else None
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> CdsTokenVerifier | None:
        """The verifier the settings describe, or None where no EHR is configured.
        Raises ``ValueError`` for a JWKS that is not valid JSON or holds no usable key."""
        jwks_text = settings.cds_jwks or (
            settings.cds_jwks_file.read_text(encoding="utf-8") if settings.cds_jwks_file else ""
        )
        if not settings.cds_issuer or not (jwks_text or settings.cds_jwks_url):
            return None
        try:
            jwks = json.loads(jwks_text) if jwks_text else None
            return cls(
                settings.cds_issuer,
                jwks=jwks,
                jwks_url=settings.cds_jwks_url or None,
                cache_seconds=settings.cds_jwks_cache_seconds,
                clock_skew_seconds=settings.cds_clock_skew_seconds,
            )
        except (json.JSONDecodeError, jwt.PyJWKError) as exc:
            raise ValueError(f"the configured CDS Hooks JWKS is not usable: {exc}") from exc

    def verify(self, token: str, audiences: Sequence[str]) -> CdsClient:
        """The client a token stands for, if every check passes; ``CdsAuthError`` naming
        the failed check otherwise. ``audiences``: the URLs the call may be addressed to."""
        try:
            key = self._signing_key(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=list(ALGORITHMS),
                audience=list(audiences),
                issuer=self.issuer,
                leeway=self.clock_skew,
                options={"require": _REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as exc:
            raise CdsAuthError(f"the CDS Hooks JWT is not acceptable: {exc}") from exc
        issued = datetime.fromtimestamp(claims["iat"], UTC)
        expires = datetime.fromtimestamp(claims["exp"], UTC)
        if expires - issued > MAX_LIFETIME:
            raise CdsAuthError("the CDS Hooks JWT lives longer than five minutes (exp - iat)")
        if not isinstance(claims["jti"], str) or not 0 < len(claims["jti"]) <= 255:
            raise CdsAuthError("the CDS Hooks JWT's jti must be a string of 1 to 255 characters")
        subject = claims.get("sub")
        return CdsClient(
            issuer=self.issuer,
            subject=subject if isinstance(subject, str) else None,
            jti=claims["jti"],
            expires_at=expires + self.clock_skew,
        )

    def _signing_key(self, token: str) -> jwt.PyJWK:
        if self._client is not None:
            return self._client.get_signing_key_from_jwt(token)
        assert self._keys is not None
        kid = jwt.get_unverified_header(token).get("kid")
        if kid is None and len(self._keys.keys) == 1:
            return self._keys.keys[0]
        if kid is None:
            raise jwt.InvalidTokenError("the token names no key id (kid) and the JWKS has several")
        try:
            return self._keys[kid]
        except KeyError as exc:
            raise jwt.InvalidTokenError(f"no key with kid {kid!r} in the EHR's JWKS") from exc


def authenticate(
    verifier: CdsTokenVerifier | None,
    sessions: sessionmaker[Session],
    authorization: str,
    audience: str,
) -> CdsClient:
    """The client of a CDS Hooks call from its ``Authorization`` header, the token used
    up (a replay is refused); ``CdsAuthError`` naming the failed check otherwise."""
    if verifier is None:
        raise CdsNotConfiguredError(
            "no EHR is trusted for CDS Hooks: set CODESUGGEST_CDS_ISSUER and a JWKS"
        )
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise CdsAuthError("a CDS Hooks call needs the EHR's signed JWT as the bearer token")
    client = verifier.verify(token.strip(), [audience])
    with sessions() as session:
        if not use_token(session, client.issuer, client.jti, client.expires_at):
            raise CdsAuthError("the CDS Hooks JWT was presented before (jti replayed)")
    return client
