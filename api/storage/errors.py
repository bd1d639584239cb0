"""Errors the repositories raise for ids that are not stored, so routes can answer 404
(or 422) with one handler for ``NotFoundError``."""

from __future__ import annotations


class NotFoundError(LookupError):
    """An id that names nothing stored."""

    kind = "record"

    def __init__(self, ident: object) -> None:
        super().__init__(f"unknown {self.kind}: {ident}")
        self.ident = ident


class UnknownRequestError(NotFoundError):
    """Feedback names a request_id that no suggestion request has."""

    kind = "request_id"


class UnknownJobError(NotFoundError):
    """A job id that was never created."""

    kind = "job"


class UnknownKeyError(NotFoundError):
    """An API key id that does not exist."""

    kind = "API key"


class IdempotencyConflictError(ValueError):
    """An idempotency key used before for other decisions (answered with 422)."""

    def __init__(self, idempotency_key: str) -> None:
        super().__init__(
            f"Idempotency-Key {idempotency_key!r} was used for other decisions; "
            "use a new key for a new submission"
        )
