"""The batch worker: a thread in each server process that takes batch items from the
store, one at a time, and runs the shared suggester on them.

Jobs live in the database, not in memory, so a restarted server simply goes on: every
pass asks the store for the unfinished jobs (``resume_unfinished``) and claims their
items. Items a dead process had claimed are claimed again once their lease runs out;
an item that keeps killing its worker is failed after ``job_max_attempts`` claims. Each
server process runs one worker and claims are safe between them, so ``--workers N``
processes share the batch work. Batches yield to interactive requests: before each item
the worker waits (a few seconds at most) until its process holds none.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from api.metrics import Metrics
from api.service import SuggestOptions, SuggestService
from api.settings import Settings
from api.storage.jobs import (
    ClaimedItem,
    claim_items,
    fail_item,
    job_status,
    resume_unfinished,
    save_item_result,
)
from api.storage.models import ItemStatus
from suggest.suggester import NoteError

logger = logging.getLogger("codesuggest.worker")

# how long the worker sleeps when it finds nothing to do (a new job wakes it at once)
POLL_SECONDS = 2.0
# before each item the worker waits for interactive requests to be answered, but at most
# this long, so a server that is never idle still makes progress on its batches
YIELD_MAX_SECONDS = 5.0


class BatchWorker:
    """Runs batch items until stopped."""

    def __init__(
        self,
        service: SuggestService,
        sessions: sessionmaker[Session],
        settings: Settings,
        metrics: Metrics,
    ) -> None:
        self.service = service
        self.sessions = sessions
        self.lease = timedelta(seconds=settings.job_lease_seconds)
        self.max_attempts = settings.job_max_attempts
        self.store_note_text = settings.store_note_text
        self.metrics = metrics
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="codesuggest-batch", daemon=True)

    def start(self) -> None:
        """Start working; unfinished jobs from before a restart are taken up first."""
        self._thread.start()

    def wake(self) -> None:
        """Look for work now (a job was just stored) instead of at the next poll."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the item in progress and stop. Items claimed but not started stay
        claimed until their lease runs out, then any worker takes them."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self._work_once()
            except Exception as exc:  # the store is unreachable, say; try again later
                logger.error("batch worker pass failed: %s", type(exc).__name__)
                worked = False
            if not worked:
                self._wake.wait(POLL_SECONDS)
                self._wake.clear()

    def _work_once(self) -> bool:
        """One pass over the unfinished jobs; True if any item was processed."""
        worked = False
        session = self.sessions()
        try:
            for job_id in resume_unfinished(session):
                options = SuggestOptions.from_params(job_status(session, job_id).params)
                while not self._stop.is_set():
                    self.service.wait_for_interactive(YIELD_MAX_SECONDS)
                    items = claim_items(
                        session, job_id, limit=1, lease=self.lease, max_attempts=self.max_attempts
                    )
                    if not items:
                        break
                    self._process(session, items[0], options)
                    worked = True
        finally:
            session.close()
        return worked

    def _process(self, session: Session, item: ClaimedItem, options: SuggestOptions) -> None:
        try:
            result = self.service.suggest(item.note_text, options)
        except NoteError as exc:  # the message says what is wrong without quoting the note
            fail_item(session, item.item_id, item.attempt, str(exc))
            self.metrics.batch_items.labels(ItemStatus.FAILED.value).inc()
            return
        except Exception as exc:
            # an exception's message may quote the note: log and store only its type
            logger.error("batch item %s failed: %s", item.item_id, type(exc).__name__)
            fail_item(
                session, item.item_id, item.attempt, f"suggester error ({type(exc).__name__})"
            )
            self.metrics.batch_items.labels(ItemStatus.FAILED.value).inc()
            return
        saved = save_item_result(
            session,
            item.item_id,
            item.attempt,
            model_version=result.model_version,
            code_set_versions=result.code_set_versions,
            setting=result.setting,
            suggestions=self.service.stored_suggestions(result),
            store_note_text=self.store_note_text,
        )
        if saved is not None:
            self.metrics.batch_items.labels(ItemStatus.DONE.value).inc()
