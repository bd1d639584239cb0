"""Coder decisions from the feedback store as labeled notes.

Accepted, added and edited-to codes are positives; rejected suggestions and the codes an
edit replaced are hard negatives. Only requests whose note text the deployment stored
can teach anything; the others are counted, never silently dropped. A code a coder
marked as from a code set newer than the index is left out (and counted) until the
index it trains with has it. The store's records
come in as plain objects (the CLI reads them), so ``training`` does not depend on ``api``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from code_index.index import CodeIndex
from code_index.records import System
from suggest.setting import Setting
from training.corpora import CorpusRead, GoldCode, LabeledNote

POSITIVE_ACTIONS = frozenset({"accept", "add", "edit"})


class DecisionRecord(Protocol):
    """What a stored coder decision offers (``api.storage.feedback.FeedbackRecord``)."""

    @property
    def request_id(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def system(self) -> System: ...
    @property
    def action(self) -> Any: ...  # an enum whose ``.value`` is accept | reject | add | edit
    @property
    def replaced_code(self) -> str | None: ...
    @property
    def newer_code_set(self) -> bool: ...


class RequestRecord(Protocol):
    """What a stored suggestion request offers (``api.storage.feedback`` request records)."""

    @property
    def setting(self) -> str: ...
    @property
    def note_text(self) -> str | None: ...


def notes_from_feedback(
    decisions: Iterable[DecisionRecord],
    requests: Mapping[str, RequestRecord],
    index: CodeIndex | None = None,
) -> CorpusRead:
    """One labeled note per request with stored text; positives and hard negatives from
    the latest decision about each code. Decisions on codes from a newer code set count
    only once ``index`` has the code (without an index, never)."""
    latest: dict[str, dict[tuple[System, str], str]] = {}
    read = CorpusRead(source="feedback")
    for decision in decisions:
        if decision.newer_code_set and (
            index is None or index.get(decision.code, decision.system) is None
        ):
            read.problems.append(
                f"feedback: request {decision.request_id}: {decision.code} is from a code set "
                "newer than the index; left out until the index has it"
            )
            continue
        action = str(getattr(decision.action, "value", decision.action))
        codes = latest.setdefault(decision.request_id, {})
        codes[(decision.system, decision.code)] = action
        if action == "edit" and decision.replaced_code:
            codes[(decision.system, decision.replaced_code)] = "reject"
    for request_id, codes in latest.items():
        request = requests.get(request_id)
        if request is None or not request.note_text:
            read.problems.append(
                f"feedback: request {request_id}: note text was not stored "
                "(set CODESUGGEST_STORE_NOTE_TEXT=true to keep it for retraining)"
            )
            continue
        positives: list[GoldCode] = []
        negatives: list[GoldCode] = []
        for (system, code), action in codes.items():
            try:
                gold = GoldCode(system, code)
            except ValueError as exc:
                read.problems.append(f"feedback: request {request_id}: {exc}")
                continue
            (positives if action in POSITIVE_ACTIONS else negatives).append(gold)
        if not positives:
            read.problems.append(f"feedback: request {request_id}: no accepted or added code")
            continue
        read.notes.append(
            LabeledNote(
                request_id,
                request.note_text,
                tuple(positives),
                Setting(request.setting),
                tuple(negatives),
                corpus=read.source,
            )
        )
    return read
