"""What a note can do wrong, as exceptions whose messages never quote the note (note
text is PHI): the API turns them into a 422, the batch worker fails the item once."""

from __future__ import annotations


class NoteError(ValueError):
    """A note the suggester cannot take (too long, not text); the message says why."""


class NoteTooCostly(NoteError):
    """A note that ran past its time budget (see :mod:`suggest.budget`): reading it was
    stopped so that one hostile or garbled note cannot hold a worker."""
