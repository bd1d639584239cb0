"""What commands read before they work: corpora named by ``--corpus`` and the coders'
stored decisions, each failing with one sentence."""

from __future__ import annotations

from typing import Annotated

import typer

from api.commands.output import fail
from api.settings import get_settings
from api.storage.db import make_engine, make_session_factory, upgrade_database
from api.storage.feedback import list_feedback
from code_index.build import load_index
from suggest.setting import ProcedureReporting, Setting, parse_procedure_reporting, parse_setting
from training.corpora import CorpusError, CorpusRead, parse_corpus_spec
from training.feedback import notes_from_feedback

CorpusSpec = Annotated[
    str,
    typer.Option(
        help="codiesp:PATH (a CodiEsp split folder such as codiesp/dev) or jsonl:PATH "
        "(JSON Lines of labeled notes)."
    ),
]


def read_corpus(spec: str) -> CorpusRead:
    """The corpus a ``--corpus`` option names, or a one-sentence failure."""
    try:
        return parse_corpus_spec(spec)
    except CorpusError as exc:
        fail(str(exc))


def read_setting(value: str) -> Setting:
    """The setting a ``--setting`` option names, or a one-sentence failure."""
    try:
        return parse_setting(value)
    except ValueError as exc:
        fail(f"--{exc}")


def read_procedures(value: str) -> ProcedureReporting:
    """The procedures option a ``--procedures`` option names, or a one-sentence failure."""
    try:
        return parse_procedure_reporting(value)
    except ValueError as exc:
        fail(f"--{exc}")


def read_feedback() -> CorpusRead:
    """Every coder decision in the store, as labeled notes."""
    settings = get_settings()
    upgrade_database(settings.database_url)
    sessions = make_session_factory(make_engine(settings.database_url))
    decisions, requests = [], {}
    after = 0
    with sessions() as session:
        while True:
            page = list_feedback(session, after_id=after, limit=settings.feedback_page_max)
            decisions.extend(page.decisions)
            requests.update(page.requests)
            if page.next_after_id is None:
                break
            after = page.next_after_id
    return notes_from_feedback(decisions, requests, load_index(settings.data_dir))
