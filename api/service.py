"""The suggester as the service runs it: loaded once per process, shared by the suggest
route, CDS Hooks and the batch worker, one note at a time, each result stored as a
suggestion request so feedback can refer to it.

One note at a time keeps latency predictable: the suggester is CPU-bound Python, so
running notes side by side in threads only interleaves them under the GIL and makes
every one of them slower. An interactive request waits for at most the note in progress
(a batch item included); throughput comes from ``serve --workers N``.

Each process holds at most ``max_queued_requests`` interactive requests (running or
waiting); one more is refused at once (503 with Retry-After) rather than left to wait
longer than any client would. ``api.gate`` asks :meth:`SuggestService.check_capacity`
before the request's key is looked up or its body read, so a refusal costs no database
call and no parsing. A request whose client has left while it waited is dropped before
its note is coded, and the batch worker waits while interactive requests are held.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

import anyio
import anyio.to_thread
from sqlalchemy.orm import Session

from api.metrics import Metrics
from api.storage.feedback import record_suggestion_request
from api.storage.keys import KeyRecord
from code_index.index import CodeIndex
from code_index.records import System
from code_index.revenue.encounter import Encounter
from suggest.model import CurrentModel
from suggest.results import SuggestionResult
from suggest.setting import (
    DEFAULT_PROCEDURE_REPORTING,
    DEFAULT_SETTING,
    ProcedureReporting,
    Setting,
)
from suggest.suggester import NoteError, Suggester


class OverloadedError(RuntimeError):
    """This process already holds as many interactive requests as it may (503)."""


class ClientGoneError(RuntimeError):
    """The client left while its request waited; its note is not coded."""


class NoteTooLongError(NoteError):
    """A note over the configured maximum (answered with 413, not 422: the request is
    well formed, only too large)."""


@dataclass(frozen=True, slots=True)
class SuggestOptions:
    """What to suggest for a note, as requests give it and batch jobs store it."""

    setting: Setting = DEFAULT_SETTING
    systems: tuple[System, ...] | None = None  # None: the setting's default systems
    top_k: int = 20
    # patient, date of service, principal (the revenue review); a request's, never a
    # batch job's (one patient is not many notes), so not among the job's params
    encounter: Encounter | None = None
    procedures: ProcedureReporting = DEFAULT_PROCEDURE_REPORTING

    def to_params(self) -> dict[str, Any]:
        """The JSON a batch job keeps for its worker."""
        systems = [system.value for system in self.systems] if self.systems else None
        return {
            "setting": self.setting,
            "systems": systems,
            "top_k": self.top_k,
            "procedures": self.procedures,
        }

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> SuggestOptions:
        """Inverse of :meth:`to_params` (a job stored before the procedures option
        takes the default)."""
        systems = params.get("systems")
        return cls(
            setting=Setting(params["setting"]),
            systems=tuple(System(value) for value in systems) if systems else None,
            top_k=int(params["top_k"]),
            procedures=ProcedureReporting(params.get("procedures", DEFAULT_PROCEDURE_REPORTING)),
        )


class SuggestService:
    """The shared suggester, its lock, and how its results are stored."""

    def __init__(
        self,
        suggester: Suggester,
        metrics: Metrics,
        *,
        max_text_chars: int,
        store_note_text: bool,
        max_queued_requests: int = 16,
        current_model: CurrentModel | None = None,
    ) -> None:
        self.suggester = suggester
        # set when the suggester serves the data directory's model in use: a promoted
        # model replaces it before the next note (see CurrentModel)
        self.current_model = current_model
        self.metrics = metrics
        self.max_text_chars = max_text_chars
        self.store_note_text = store_note_text
        self.max_queued_requests = max_queued_requests
        self._lock = threading.Lock()
        # interactive requests held (running or waiting); the batch worker waits on it
        self._held = 0
        self._held_changed = threading.Condition()
        # requests queue here, in the event loop, rather than each holding a worker
        # thread while it waits for the lock; created on first use, inside the loop
        self._limiter: anyio.CapacityLimiter | None = None

    @property
    def index(self) -> CodeIndex:
        """The code index the suggester was loaded with (also what GET /v1/codes reads)."""
        return self.suggester.index

    def check_note(self, text: str, what: str = "the note") -> None:
        """Refuse a note over the configured maximum before any work is done on it."""
        if len(text) > self.max_text_chars:
            raise NoteTooLongError(
                f"{what} has {len(text):,} characters; the limit is {self.max_text_chars:,}"
            )
        if "\x00" in text:  # a NUL means nothing in a note, and PostgreSQL cannot store one
            raise NoteError(f"{what} contains a NUL character")

    def suggest(self, text: str, options: SuggestOptions) -> SuggestionResult:
        """Suggestions for one note, waiting for any note in progress to finish first."""
        self.check_note(text)
        with self._lock:
            if self.current_model is not None and (promoted := self.current_model.changed()):
                self.suggester.model = promoted
            started = time.perf_counter()
            result = self.suggester.suggest(
                text,
                options.setting,
                options.systems,
                options.top_k,
                options.encounter,
                options.procedures,
            )
            self.metrics.suggest_latency.observe(time.perf_counter() - started)
        self.metrics.count_suggestions(suggestion.system for suggestion in result.suggestions)
        return result

    def stored_suggestions(self, result: SuggestionResult) -> list[dict[str, Any]]:
        """Suggestions as they are stored. Evidence quotes are words of the note, so
        they are kept only where the note itself may be kept; offsets always are."""
        suggestions = result.to_json()["suggestions"]
        if not self.store_note_text:
            for suggestion in suggestions:
                for evidence in suggestion["evidence"]:
                    del evidence["text"]
        return cast(list[dict[str, Any]], suggestions)

    def suggest_and_record(
        self, session: Session, text: str, options: SuggestOptions, key: KeyRecord | None
    ) -> tuple[str, SuggestionResult]:
        """Suggest for a note and store the request (committed before this returns, so
        feedback on the returned request_id always finds it)."""
        result = self.suggest(text, options)
        record = record_suggestion_request(
            session,
            model_version=result.model_version,
            code_set_versions=result.code_set_versions,
            setting=result.setting,
            suggestions=self.stored_suggestions(result),
            note_text=text,
            store_note_text=self.store_note_text,
            key=key,
        )
        return record.request_id, result

    async def run(
        self,
        session: Session,
        text: str,
        options: SuggestOptions,
        key: KeyRecord | None,
        disconnected: Callable[[], Awaitable[bool]],
    ) -> tuple[str, SuggestionResult]:
        """:meth:`suggest_and_record` from a route: in a worker thread, one request at a
        time, so the event loop keeps answering other requests meanwhile. Raises
        ``OverloadedError`` when this process holds its maximum of requests already, and
        ``ClientGoneError`` when ``disconnected()`` says the client left while waiting."""
        self.check_note(text)
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(1)
        with self._holding():
            async with self._limiter:
                if await disconnected():
                    raise ClientGoneError
                call = partial(self.suggest_and_record, session, text, options, key)
                return await anyio.to_thread.run_sync(call)

    def wait_for_interactive(self, timeout: float) -> None:
        """Wait (at most ``timeout`` seconds) until no interactive request is held: the
        batch worker calls this before each item, so batches yield to people waiting."""
        with self._held_changed:
            self._held_changed.wait_for(lambda: self._held == 0, timeout)

    def check_capacity(self) -> None:
        """Raise ``OverloadedError`` when this process holds its maximum of requests. The
        gate calls it without the lock, before anything that costs: a request that passes
        it is counted only once its body is read (:meth:`run`), so a client that sends a
        body slowly holds a connection, never a place in the queue."""
        held = self._held
        if held >= self.max_queued_requests:
            raise OverloadedError(
                f"this server process is coding {held} notes already; retry shortly"
            )

    @contextmanager
    def _holding(self) -> Iterator[None]:
        with self._held_changed:
            self.check_capacity()
            self._held += 1
        try:
            yield
        finally:
            with self._held_changed:
                self._held -= 1
                self._held_changed.notify_all()
