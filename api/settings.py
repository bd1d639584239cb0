"""Service settings, read once from the environment (prefix ``CODESUGGEST_``) and ``.env``.

Everything codesuggest keeps lives under one data directory, so a deployment backs up,
moves or wipes its state by handling one folder.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Self

from pydantic import AnyHttpUrl, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.requests import Request
from starlette.types import Scope

from code_index.data_dir import resolve_data_dir


class Settings(BaseSettings):
    """What the service needs to know about where it keeps state and what it accepts."""

    model_config = SettingsConfigDict(
        env_prefix="CODESUGGEST_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # the same folder the code index is built into (code_index.data_dir)
    data_dir: Path = Field(default_factory=resolve_data_dir)
    # empty means the SQLite file <data_dir>/codesuggest.db
    database_url: str = ""
    # keep note text with suggestion requests (needed to retrain on coders' feedback);
    # off by default because notes are PHI
    store_note_text: bool = False
    # where clients reach the service ("https://coding.example.org"): batch status URLs
    # start with it (empty: they are relative, "/v1/jobs/ID"), and so do the canonical
    # URLs of our FHIR definitions and the audience CDS Hooks JWTs name (empty: the
    # scheme and host each request came with; see service_url)
    public_url: str = ""
    max_text_chars: int = Field(default=100_000, gt=0)
    max_batch_notes: int = Field(default=1000, gt=0)
    # the largest POST /v1/batch body, in bytes (a 413 beyond, before it is read): at
    # 1000 notes of ~30 KB each; split bigger work into several batches
    max_batch_bytes: int = Field(default=32 * 1024 * 1024, gt=0)
    # interactive requests (suggest, CDS Hooks) one server process holds, coding or
    # waiting; one more gets a 503 with Retry-After at once instead of a long wait
    max_queued_requests: int = Field(default=16, gt=0)
    # most feedback decisions one GET /v1/feedback page returns
    feedback_page_max: int = Field(default=1000, gt=0)
    # how long a SQLite writer waits for the lock before failing with "database is locked"
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0)
    # CDS Hooks: the EHR trusted to call the CDS service (the iss of its JWTs) and its
    # public keys, as a JWKS given inline (JSON), in a file, or at a URL (fetched and
    # cached); without an issuer and keys every hook call is refused
    cds_issuer: str = ""
    cds_jwks: str = ""
    cds_jwks_file: Path | None = None
    cds_jwks_url: str = ""
    cds_jwks_cache_seconds: int = Field(default=300, ge=0)
    # how far the EHR's clock may be from ours when checking exp and iat (at most 5 min)
    cds_clock_skew_seconds: int = Field(default=30, ge=0, le=300)
    # serve POST /v1/comprehend/InferICD10CM, AWS Comprehend Medical's request and
    # response shape, for clients moving off it (README: the differences)
    comprehend_compatible: bool = False
    # a claimed batch item not finished within this long is taken again by another worker
    job_lease_seconds: int = Field(default=120, gt=0)
    # a batch item claimed this many times without finishing is failed, not retried
    job_max_attempts: int = Field(default=3, gt=0)

    @field_validator("data_dir")
    @classmethod
    def _absolute_data_dir(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("public_url")
    @classmethod
    def _absolute_public_url(cls, value: str) -> str:
        if not value:
            return value
        url = AnyHttpUrl(value)  # absolute http(s), or a ValidationError naming the setting
        return str(url).rstrip("/")

    @model_validator(mode="after")
    def _default_database_url(self) -> Self:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'codesuggest.db'}"
        return self


def service_url(settings: Settings, scope: Scope) -> str:
    """Where clients reach this service, without a trailing slash: ``public_url`` and the
    path prefix a proxy declares (root_path), else the scheme, host and prefix this
    request came with."""
    if settings.public_url:
        return settings.public_url + str(scope.get("root_path", ""))
    return str(Request(scope).base_url).rstrip("/")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from the environment on first use only."""
    return Settings()
