"""The coding step both engines share: a batch of notes through one suggester, out as
suggestion rows (one per suggested code) and status rows (one per note)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, cast, get_args

import pyarrow as pa

from code_index.data_dir import resolve_data_dir
from code_index.revenue.encounter import Encounter, Sex
from code_index.revenue.versions import FIRST_ICD10_DAY, LAST_REVIEW_DAY
from suggest.batch.notes import NOTE_SCHEMA, PASSED_COLUMNS
from suggest.errors import NoteTooCostly
from suggest.results import SuggestionResult
from suggest.setting import (
    ProcedureReporting,
    Setting,
    parse_procedure_reporting,
    parse_setting,
)
from suggest.suggester import NoteError, Suggester

SUGGESTION_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("rank", pa.int32()),
        ("system", pa.string()),
        ("code", pa.string()),
        ("title", pa.string()),
        ("score", pa.float64()),
        (
            "evidence",
            pa.list_(
                pa.struct(
                    [
                        ("start", pa.int32()),
                        ("end", pa.int32()),
                        ("text", pa.string()),
                        ("section", pa.string()),
                    ]
                )
            ),
        ),
        ("warnings", pa.list_(pa.struct([("kind", pa.string()), ("message", pa.string())]))),
        ("model_version", pa.string()),
        ("index_version", pa.string()),
    ]
)
STATUS_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("status", pa.string()),  # ok | error
        ("error", pa.string()),  # why it was not coded (see README, "Batch coding"); null when ok
        ("suggestions", pa.int32()),
        *(NOTE_SCHEMA.field(name) for name in PASSED_COLUMNS),
        ("model_version", pa.string()),
        ("index_version", pa.string()),
    ]
)


@dataclass(frozen=True)
class Versions:
    """What a coded note is keyed by: a rerun with the same model and index skips it."""

    model_version: str
    index_version: str

    @classmethod
    def of(cls, suggester: Suggester) -> Versions:
        return cls(suggester.model.version, suggester.index.version)


_SUGGESTERS: dict[tuple[str, str | None], Suggester] = {}


def cached_suggester(data_dir: Path | str | None, model: str | None) -> Suggester:
    """The suggester of this process, loaded on first use: a worker codes many batches
    with one index and model in memory."""
    key = (str(resolve_data_dir(data_dir)), model)
    if key not in _SUGGESTERS:
        _SUGGESTERS[key] = Suggester.load(data_dir, model=model)
    return _SUGGESTERS[key]


def _error(note: dict[str, Any], default_setting: Setting, max_chars: int) -> str | None:
    """Why a note cannot be coded, named for the status table (never with its text)."""
    if note["problem"]:
        return str(note["problem"])
    text = note["text"]
    if text is None or not text.strip():
        return "empty"
    if len(text) > max_chars:
        return "too long"
    try:
        parse_setting(note["setting"] or default_setting)
    except ValueError:
        return "bad setting"
    if note["procedures"] is not None:
        try:
            parse_procedure_reporting(note["procedures"])
        except ValueError:
            return "bad procedures"
    try:
        encounter_of(note)
    except ValueError:
        return "bad encounter"
    return None


def encounter_of(note: dict[str, Any]) -> Encounter | None:
    """The patient and date a note's row gives (the revenue review's age, sex and date
    edits read them), None when it gives none; a ``ValueError`` for a value that does not
    parse (the note's status is then "bad encounter")."""
    sex, age, day = note["patient_sex"], note["patient_age"], note["date_of_service"]
    if sex is None and age is None and day is None:
        return None
    if sex is not None and sex.lower() not in get_args(Sex):
        raise ValueError("patient_sex")
    parsed_age = int(age) if age is not None else None
    if parsed_age is not None and not 0 <= parsed_age <= 124:
        raise ValueError("patient_age")
    parsed_day = date.fromisoformat(day[:10]) if day is not None else None
    if parsed_day is not None and not FIRST_ICD10_DAY <= parsed_day <= LAST_REVIEW_DAY:
        raise ValueError("date_of_service")
    return Encounter(
        sex=cast(Sex | None, sex.lower() if sex else None),
        age=parsed_age,
        date_of_service=parsed_day,
    )


def _suggestion_rows(note_id: str, result: SuggestionResult) -> list[dict[str, Any]]:
    return [
        {
            "id": note_id,
            "rank": rank,
            "system": s.system,
            "code": s.code,
            "title": s.title,
            "score": s.score,
            "evidence": [
                {"start": e.start, "end": e.end, "text": e.text, "section": e.section}
                for e in s.evidence
            ],
            "warnings": [{"kind": w.kind, "message": w.message} for w in s.warnings],
            "model_version": result.model_version,
            "index_version": result.index_version,
        }
        for rank, s in enumerate(result.suggestions, start=1)
    ]


def _code_group(
    suggester: Suggester,
    notes: list[dict[str, Any]],
    setting: Setting,
    procedures: ProcedureReporting,
    encounter: Encounter | None,
    top_k: int,
) -> list[SuggestionResult | str]:
    """Results for notes of one setting, procedures option and encounter, batched through
    the pipeline; where a note fails anyway, each note alone, so one failure costs that
    note only."""
    texts = [note["text"] for note in notes]
    try:
        return list(
            suggester.suggest_many(
                texts, setting, top_k=top_k, encounter=encounter, procedures=procedures
            )
        )
    except Exception:  # a bad note must not stop a batch of thousands
        outcomes: list[SuggestionResult | str] = []
        for text in texts:
            try:
                outcomes.append(
                    suggester.suggest(
                        text, setting, top_k=top_k, encounter=encounter, procedures=procedures
                    )
                )
            except NoteTooCostly:
                outcomes.append("too costly")
            except NoteError:
                outcomes.append("rejected")
            except Exception:
                outcomes.append("failed")
        return outcomes


def code_notes(
    suggester: Suggester,
    notes: pa.RecordBatch,
    default_setting: Setting | str,
    top_k: int,
    default_procedures: ProcedureReporting | str,
) -> tuple[pa.Table, pa.Table]:
    """Suggestion and status tables for a ``NOTE_SCHEMA`` batch; a bad note becomes a status
    row with its reason and never stops the batch. A note's own setting and procedures
    option come before the defaults."""
    versions = Versions.of(suggester)
    default = parse_setting(default_setting)
    reported = parse_procedure_reporting(default_procedures)
    rows = notes.to_pylist()
    outcomes: dict[int, SuggestionResult | str] = {}
    # batched through the pipeline by what the suggester takes for a whole batch
    groups: dict[tuple[Setting, ProcedureReporting, Encounter | None], list[int]] = {}
    for position, note in enumerate(rows):
        error = _error(note, default, suggester.max_chars)
        if error is not None:
            outcomes[position] = error
        else:
            key = (
                parse_setting(note["setting"] or default),
                parse_procedure_reporting(note["procedures"] or reported),
                encounter_of(note),
            )
            groups.setdefault(key, []).append(position)
    for (setting, procedures, encounter), positions in groups.items():
        chosen = [rows[p] for p in positions]
        coded = _code_group(suggester, chosen, setting, procedures, encounter, top_k)
        outcomes.update(zip(positions, coded, strict=True))
    suggestions: list[dict[str, Any]] = []
    statuses = []
    for position, note in enumerate(rows):
        outcome = outcomes[position]
        found = _suggestion_rows(note["id"], outcome) if not isinstance(outcome, str) else []
        suggestions += found
        statuses.append(
            {
                "id": note["id"],
                "status": "error" if isinstance(outcome, str) else "ok",
                "error": outcome if isinstance(outcome, str) else None,
                "suggestions": len(found),
                **{name: note[name] for name in PASSED_COLUMNS},
                "setting": note["setting"] or default.value,
                "procedures": note["procedures"] or reported.value,
                "model_version": versions.model_version,
                "index_version": versions.index_version,
            }
        )
    return (
        pa.Table.from_pylist(suggestions, schema=SUGGESTION_SCHEMA),
        pa.Table.from_pylist(statuses, schema=STATUS_SCHEMA),
    )
