"""POST /v1/batch (many notes, coded in the background) and GET /v1/jobs/{id}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response, status

from api.deps import ServiceDep, SessionDep, SettingsDep, WorkerDep, require
from api.schemas import BatchRequest, JobAccepted, JobOut
from api.storage.errors import UnknownJobError
from api.storage.jobs import create_job, job_results, job_status
from api.storage.keys import KeyRecord, Permission
from api.storage.models import Role

router = APIRouter(tags=["jobs"])
BatchKey = Annotated[KeyRecord, Depends(require(Permission.BATCH))]


@router.post(
    "/v1/batch",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobAccepted,
    responses={413: {"description": "Too many notes, or a note over the maximum."}},
)
def create_batch(
    body: BatchRequest,
    request: Request,
    response: Response,
    session: SessionDep,
    service: ServiceDep,
    settings: SettingsDep,
    worker: WorkerDep,
    key: BatchKey,
) -> JobAccepted:
    """Store the notes as a job and return at once; the server's worker codes them in
    order, and goes on after a restart."""
    if len(body.notes) > settings.max_batch_notes:
        raise HTTPException(
            status_code=status.HTTP_413_CONTENT_TOO_LARGE,
            detail=f"{len(body.notes):,} notes; a batch takes at most {settings.max_batch_notes:,}",
        )
    for position, note in enumerate(body.notes):
        service.check_note(note, f"note {position}")
    job = create_job(session, body.notes, body.options().to_params(), key=key)
    worker.wake()
    # relative (or under the configured public URL), never built from the Host header
    path = request.app.url_path_for("get_job", job_id=job.job_id)
    status_url = settings.public_url.rstrip("/") + request.scope.get("root_path", "") + path
    response.headers["Location"] = status_url
    return JobAccepted(job_id=job.job_id, status_url=status_url)


@router.get("/v1/jobs/{job_id}", response_model=JobOut, responses={404: {}})
def get_job(
    job_id: Annotated[str, Path(max_length=36, pattern="^[A-Za-z0-9-]+$")],
    session: SessionDep,
    key: BatchKey,
) -> JobOut:
    """A job's state, progress and the results of its items so far, in submission order.
    Only the key that created a job (or an admin key) sees it."""
    job = job_status(session, job_id)
    if job.key_id != key.id and key.role is not Role.ADMIN:
        raise UnknownJobError(job_id)  # the same answer as for a job that does not exist
    return JobOut(
        job_id=job.job_id,
        state=job.state,
        progress=job.progress,
        total=job.total,
        pending=job.pending,
        running=job.running,
        done=job.done,
        failed=job.failed,
        created_at=job.created_at,
        finished_at=job.finished_at,
        results=job_results(session, job_id),
    )
