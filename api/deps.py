"""Dependencies of the routes: settings, the shared suggest service and metrics, a
database session per request, and the caller's API key and what its role allows.

A key is sent as ``Authorization: Bearer KEY`` or ``X-API-Key: KEY``. No key, or one
that is unknown or revoked, is a 401; a key whose role lacks the route's permission a 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, cast

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from api.fhir import Canonical
from api.metrics import Metrics
from api.service import SuggestService
from api.settings import Settings
from api.storage.keys import KeyRecord, Permission, role_allows, verify_key
from api.worker import BatchWorker

# keys are "csk_" and 43 characters; anything much longer is not worth hashing
_MAX_KEY_CHARS = 256
_bearer = HTTPBearer(auto_error=False, description="An API key as the bearer token.")
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key.")


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    return cast(Settings, request.app.state.settings)


def get_metrics(request: Request) -> Metrics:
    """The app's metrics."""
    return cast(Metrics, request.app.state.metrics)


def get_service(request: Request) -> SuggestService:
    """The suggest service loaded at startup."""
    return cast(SuggestService, request.app.state.service)


def get_worker(request: Request) -> BatchWorker:
    """The batch worker of this process."""
    return cast(BatchWorker, request.app.state.worker)


def get_session(request: Request) -> Iterator[Session]:
    """A session of its own for each request (repositories open their own transactions
    on it), closed when the response is sent."""
    sessions = cast(sessionmaker[Session], request.app.state.sessions)
    session = sessions()
    try:
        yield session
    finally:
        session.close()


def get_canonical(request: Request) -> Canonical:
    """Where our FHIR definitions live on this deployment."""
    return Canonical(f"{get_settings(request).public_url}/fhir")


SettingsDep = Annotated[Settings, Depends(get_settings)]
CanonicalDep = Annotated[Canonical, Depends(get_canonical)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
ServiceDep = Annotated[SuggestService, Depends(get_service)]
SessionDep = Annotated[Session, Depends(get_session)]
WorkerDep = Annotated[BatchWorker, Depends(get_worker)]


def current_key(
    session: SessionDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key_header)],
) -> KeyRecord:
    """The active key the request presents; 401 without one."""
    presented = bearer.credentials if bearer is not None else api_key
    if not presented:
        raise _unauthorized("an API key is required: send Authorization: Bearer KEY or X-API-Key")
    key = verify_key(session, presented) if len(presented) <= _MAX_KEY_CHARS else None
    if key is None:
        raise _unauthorized("the API key is not valid or has been revoked")
    return key


def require(permission: Permission) -> Callable[[KeyRecord], KeyRecord]:
    """A dependency giving the caller's key if its role has ``permission``; 403 if not."""

    def allowed(key: Annotated[KeyRecord, Depends(current_key)]) -> KeyRecord:
        if not role_allows(key.role, permission):
            raise HTTPException(
                status_code=status.HTTP_403_FORBIDDEN,
                detail=f"a {key.role.value} key does not have the {permission.value} permission",
            )
        return key

    return allowed


AnyKey = Annotated[KeyRecord, Depends(current_key)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": "Bearer"},
    )
