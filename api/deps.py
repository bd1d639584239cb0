"""Dependencies of the routes: settings, the shared suggest service and metrics, a
database session per request, and the caller's API key and what its role allows.

A key is sent as ``Authorization: Bearer KEY`` or ``X-API-Key: KEY``. No key, or one
that is unknown or revoked, is a 401 (from ``api.gate``, before the body is read); a key
whose role lacks the route's permission a 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, cast

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from api.fhir import Canonical
from api.gate import KEY_MISSING, STATE_KEY
from api.metrics import Metrics
from api.service import SuggestService
from api.settings import Settings, service_url
from api.storage.keys import KeyRecord, Permission, role_allows
from api.worker import BatchWorker

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
    return Canonical(f"{service_url(get_settings(request), request.scope)}/fhir")


SettingsDep = Annotated[Settings, Depends(get_settings)]
CanonicalDep = Annotated[Canonical, Depends(get_canonical)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
ServiceDep = Annotated[SuggestService, Depends(get_service)]
SessionDep = Annotated[Session, Depends(get_session)]
WorkerDep = Annotated[BatchWorker, Depends(get_worker)]


def current_key(
    request: Request,
    _bearer_token: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    _api_key: Annotated[str | None, Depends(_api_key_header)],
) -> KeyRecord:
    """The active key the request presents, as ``api.gate`` found it before the body was
    read (the two headers are declared here for the API's description)."""
    key = request.scope.get("state", {}).get(STATE_KEY)
    if key is None:  # a public path never has a route that needs a key
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail=KEY_MISSING,
            headers={"WWW-Authenticate": "Bearer"},
        )
    return cast(KeyRecord, key)


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
