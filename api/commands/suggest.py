"""``codesuggest suggest FILE|-``: ranked, evidenced codes for one note."""

from __future__ import annotations

import re
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, cast, get_args

import typer

from api.commands.inputs import read_procedures, read_setting
from api.commands.output import fail, print_json
from api.commands.progress import first_use
from code_index.records import System
from code_index.revenue.encounter import Encounter, Sex
from code_index.revenue.versions import FIRST_ICD10_DAY, LAST_REVIEW_DAY
from suggest.model import ModelNotFoundError
from suggest.results import SuggestionResult
from suggest.setting import DEFAULT_PROCEDURE_REPORTING, DEFAULT_SETTING
from suggest.suggester import NoteError, Suggester

CONTEXT_WINDOW = 40  # characters of note shown either side of the evidence


def read_note(source: str) -> str:
    """The note from a file, or standard input for ``-``."""
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    if not path.is_file():
        fail(f"{source} is not a readable file")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        fail(f"{source} is not UTF-8 text")


def print_table(text: str, result: SuggestionResult) -> None:
    """Suggestions for a person: code, confidence, title, evidence in context, warnings."""
    if not result.suggestions:
        typer.echo("no codes suggested")
    for s in result.suggestions:
        typer.echo(f"{s.score:4.2f}  {s.code:9} {s.system:8} {s.title}")
        if s.units_evidence is not None:
            typer.echo(f'        units: {s.units} ("{s.units_evidence.text}")')
        for e in s.evidence[:3]:
            before = text[max(0, e.start - CONTEXT_WINDOW) : e.start].replace("\n", " ")
            after = text[e.end : e.end + CONTEXT_WINDOW].replace("\n", " ")
            section = f" [{e.section}]" if e.section else ""
            typer.echo(f"        …{before}[{e.text}]{after}…{section}")
        for w in s.warnings:
            typer.echo(f"        ! {w.message}")
    print_revenue(result)
    skipped = [m for m in result.mentions if m.negated or m.family or m.hypothetical]
    if skipped:
        typer.echo(
            "not coded (negated, family history or hypothetical): "
            + ", ".join(sorted({m.text for m in skipped}))
        )


def print_revenue(result: SuggestionResult) -> None:
    """The DRG (inpatient) and the HCCs the suggestions capture, in a line each."""
    revenue = result.revenue
    if revenue is None:
        return
    drg = revenue.drg
    if drg is not None and drg.drg is not None:
        typer.echo(
            f"DRG {drg.drg} {drg.title} (MDC {drg.mdc}, {drg.version}, principal "
            f"{revenue.principal})"
        )
    if revenue.hcc is not None:
        captured = [f"{h.model} HCC {h.hcc}" for h in revenue.hcc.hccs if h.dropped_by is None]
        if captured:
            typer.echo(f"HCCs (payment year {revenue.hcc.payment_year}): {', '.join(captured)}")
    code_set = revenue.code_set
    if code_set.checked_against:  # a date of service was given
        typer.echo(
            f"ICD-10-CM {code_set.icd10cm_in_force} on {code_set.date_of_service}: codes "
            f"checked against {code_set.checked_against}"
        )


_ICD10CM = re.compile(r"[A-Za-z][0-9][0-9A-Za-z](\.?[0-9A-Za-z]{1,4})?")


def suggest(
    source: Annotated[str, typer.Argument(metavar="FILE|-", help="Note file, or - for stdin.")],
    setting: Annotated[str, typer.Option(help="outpatient or inpatient.")] = DEFAULT_SETTING,
    procedures: Annotated[
        str,
        typer.Option(
            help="significant or all: the ICD-10-PCS procedures the facility reports "
            "(significant: routine imaging, external measurement and most administration "
            "are listed as not coded)."
        ),
    ] = DEFAULT_PROCEDURE_REPORTING,
    system: Annotated[
        list[System] | None, typer.Option(help="Only these code systems (repeatable).")
    ] = None,
    top: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    model: Annotated[str | None, typer.Option(help="Model name (default: the one in use).")] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
    sex: Annotated[str | None, typer.Option(help="female, male, other or unknown.")] = None,
    age: Annotated[int | None, typer.Option(min=0, max=130, help="Patient age in years.")] = None,
    date_of_service: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Selects the code sets.")
    ] = None,
    discharge_status: Annotated[
        int | None, typer.Option(min=1, max=99, help="UB-04 patient status (default 01).")
    ] = None,
    principal: Annotated[
        str | None, typer.Option(help="Principal diagnosis (ICD-10-CM) for the DRG.")
    ] = None,
) -> None:
    """Suggest ICD-10-CM, CPT/ICD-10-PCS and HCPCS codes for a note, with evidence, and
    the DRG (inpatient) and HCCs they give."""
    chosen = read_setting(setting)
    reporting = read_procedures(procedures)
    if sex is not None and sex not in get_args(Sex):
        fail(f"--sex must be one of {', '.join(get_args(Sex))}, not {sex!r}")
    if principal is not None and not _ICD10CM.fullmatch(principal):
        fail(f"--principal must be an ICD-10-CM code, not {principal!r}")
    day = date_of_service.date() if date_of_service else None
    if day is not None and not FIRST_ICD10_DAY <= day <= LAST_REVIEW_DAY:
        fail(f"--date-of-service must be from {FIRST_ICD10_DAY} to {LAST_REVIEW_DAY} (ICD-10)")
    encounter = Encounter(
        sex=cast(Sex | None, sex),
        age=age,
        discharge_status=discharge_status,
        date_of_service=day,
        principal=principal,
    )
    text = read_note(source)
    try:
        with first_use() as shown:
            suggester = Suggester.load(model=model, progress=shown)
    except ModelNotFoundError as exc:
        fail(str(exc))
    try:
        result = suggester.suggest(
            text,
            setting=chosen,
            systems=system,
            top_k=top,
            encounter=encounter,
            procedures=reporting,
        )
    except NoteError as exc:
        fail(str(exc))
    if json_output:
        print_json(result.to_json())
    else:
        print_table(text, result)
