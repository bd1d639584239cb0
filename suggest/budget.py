"""A per-note time budget: every stage is linear (or bounded) in the note's length, and
the budget is the safety net behind that, so a note no one foresaw still ends in a clear
error instead of holding a worker.

``codesuggest_budget`` runs first in the pipeline and stamps ``Doc._.deadline``; the
stages that loop over a note (mentions per sentence, ConText per mention, the suggester
between its steps) call :func:`check_deadline` and raise :class:`NoteTooCostly` once it
has passed.
"""

from __future__ import annotations

import time

from spacy.language import Language
from spacy.tokens import Doc

from suggest.errors import NoteTooCostly
from suggest.extensions import register_extensions

DEFAULT_SECONDS = 10.0  # a 100,000-character note takes well under 2 s


@Language.factory("codesuggest_budget", default_config={"seconds": DEFAULT_SECONDS})
class NoteBudget:
    """Stamps each note with the moment its reading must end (``Doc._.deadline``)."""

    def __init__(self, nlp: Language, name: str, seconds: float) -> None:
        register_extensions()
        self.name = name
        self.seconds = seconds

    def __call__(self, doc: Doc) -> Doc:
        doc._.deadline = time.monotonic() + self.seconds
        return doc


def check_deadline(deadline: float | None, stage: str) -> None:
    """Raise :class:`NoteTooCostly` when ``deadline`` (``Doc._.deadline``) has passed."""
    if deadline is not None and time.monotonic() > deadline:
        raise NoteTooCostly(
            f"reading the note took longer than its time budget (stopped in {stage}); "
            "a note of this length normally takes well under a second, so it may hold "
            "long runs of punctuation, repeated words or other text that is not prose"
        )
