"""Labeled clinical notes read into one shape, whatever corpus they come from,
so training and ``codesuggest evaluate`` never parse files themselves.

Every row a reader cannot use is reported as ``file:line: what was wrong``,
never dropped unseen, so each count in a report can be traced back to the data.
Gold codes are normalised to the form codesuggest displays (``Q62.11``,
``BT41ZZZ``) so they compare directly with suggestions.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar, cast

from code_index.records import System, format_icd10cm, normalize_code
from code_index.revenue.encounter import Encounter, Sex
from suggest.setting import (
    DEFAULT_PROCEDURE_REPORTING,
    DEFAULT_SETTING,
    ProcedureReporting,
    Setting,
    parse_procedure_reporting,
    parse_setting,
)

Option = TypeVar("Option", Setting, ProcedureReporting)

CODIESP_SETTING = Setting.INPATIENT
"""Setting given to every CodiEsp note. The notes are published hospital case
reports and their procedures were coded in ICD-10-PCS, the system US coders use
for inpatient stays only (outpatient procedures take CPT/HCPCS); so they are
scored as inpatient work, where suggesting PCS rather than CPT is right."""
CODIESP_PROCEDURES = ProcedureReporting.ALL
"""Which procedures CodiEsp's annotators coded: every one (350 of the 817 dev procedure
codes are imaging), not only the UHDDS significant ones a US facility reports."""

_CODE_SHAPES = {
    # upper case, no dot; gold codes may be shorter than a reportable code
    # (CodiEsp cuts some ICD-10-PCS codes to 4 characters)
    System.ICD10CM: re.compile(r"[A-Z][0-9][0-9A-Z]{1,5}"),
    System.ICD10PCS: re.compile(r"[0-9A-Z]{3,7}"),
    System.CPT: re.compile(r"[0-9]{4}[0-9A-Z]"),
    System.HCPCS: re.compile(r"[A-Z][0-9]{4}"),
}


class CorpusError(ValueError):
    """A corpus that cannot be read (or, when reading strictly, a bad row);
    the message says which file and line and what was wrong."""


@dataclass(frozen=True, slots=True)
class GoldCode:
    """A code a professional coder assigned to a note, in display form:
    ICD-10-CM upper case with its dot (``s09.93x`` → ``S09.93X``), other
    systems upper case without one (``ct13`` → ``CT13``).

    Raises ``ValueError`` for a code that cannot belong to ``system``. ``reason`` is
    documentation only: two codes are equal whatever their reasons.
    """

    system: System
    code: str
    reason: str = field(default="", compare=False)  # why the coder chose (or forbade) it

    def __post_init__(self) -> None:
        key = normalize_code(self.code)
        if not _CODE_SHAPES[self.system].fullmatch(key):
            raise ValueError(f"{self.code!r} is not shaped like a {self.system.value} code")
        display = format_icd10cm(key) if self.system is System.ICD10CM else key
        object.__setattr__(self, "code", display)


PATIENT_SEXES = ("female", "male")


@dataclass(frozen=True, slots=True)
class Patient:
    """What a note's corpus says of the patient, for sex and age edits; None: not given."""

    sex: str | None = None  # one of PATIENT_SEXES
    age: int | None = None  # years

    def encounter(self) -> Encounter:
        """The patient as an API request sends it (``patient.sex``, ``patient.age``), so
        a note is scored on what an EHR that sends them is given back."""
        return Encounter(sex=cast(Sex | None, self.sex), age=self.age)


@dataclass(frozen=True, slots=True)
class LabeledNote:
    """A clinical note with the codes coders assigned to it."""

    id: str
    text: str
    codes: tuple[GoldCode, ...]
    # where it was coded; a corpus that does not say gets the default, as a request does
    setting: Setting = DEFAULT_SETTING
    # codes a coder rejected, or said must not be reported, for this note: hard
    # negatives for the ranker, and clinical errors when evaluated
    rejected: tuple[GoldCode, ...] = ()
    kind: str | None = None  # e.g. "office_visit", "discharge_summary"
    patient: Patient | None = None
    # the corpus it was read from ("codiesp:PATH", "jsonl:PATH", "feedback"): one corpus's
    # notes share their coders and conventions (such as coding denied findings)
    corpus: str = ""
    # which ICD-10-PCS procedures its coders reported; a corpus that does not say gets the
    # default, as a request does
    procedures: ProcedureReporting = DEFAULT_PROCEDURE_REPORTING

    def codes_for(self, system: System) -> tuple[str, ...]:
        """The note's gold codes in one system: what metrics compare against."""
        return tuple(gold.code for gold in self.codes if gold.system is system)

    def rejected_for(self, system: System) -> tuple[str, ...]:
        """The note's rejected (must-not) codes in one system."""
        return tuple(code.code for code in self.rejected if code.system is system)


@dataclass
class CorpusRead:
    """What a reader got from a corpus: the notes, every row it could not use
    (``"file:line: what was wrong"``), and counts for a report."""

    source: str  # e.g. "codiesp:/data/codiesp/dev"
    notes: list[LabeledNote] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    duplicate_codes: int = 0  # a code repeated within a note, kept once

    @property
    def code_counts(self) -> dict[System, int]:
        """Gold codes per system, over all notes."""
        counts = Counter(gold.system for note in self.notes for gold in note.codes)
        return {system: counts[system] for system in System if counts[system]}

    @property
    def notes_without_codes(self) -> int:
        """Notes kept although no code was assigned to them."""
        return sum(not note.codes for note in self.notes)

    def summary(self) -> str:
        """One line for the CLI and reports."""
        codes = ", ".join(f"{n} {system.value}" for system, n in self.code_counts.items())
        return (
            f"{self.source}: {len(self.notes)} notes ({self.notes_without_codes} without codes), "
            f"codes: {codes or 'none'}; {self.duplicate_codes} repeated codes kept once; "
            f"{len(self.problems)} problems"
        )


def read_codiesp(split_dir: Path, *, strict: bool = False) -> CorpusRead:
    """Read one CodiEsp split folder (``train``/``dev``/``test``): the English
    texts in ``text_files_en/<id>.txt``, diagnoses from ``<split>D.tsv``
    (ICD-10-CM) and procedures from ``<split>P.tsv`` (ICD-10-PCS), ``<split>``
    being the folder's name.

    Notes with no codes are kept. A code for a note with no text, a malformed
    line or an unreadable text is a problem: recorded and skipped, or with
    ``strict`` raised as ``CorpusError``. Every note gets ``CODIESP_SETTING``.
    ``<split>X.tsv`` is not read: it repeats the D and P codes with offsets
    into the Spanish originals.
    """
    split = split_dir.name
    text_dir = split_dir / "text_files_en"
    tsvs = {
        System.ICD10CM: split_dir / f"{split}D.tsv",
        System.ICD10PCS: split_dir / f"{split}P.tsv",
    }
    for needed in [text_dir, *tsvs.values()]:
        if not needed.exists():
            raise CorpusError(f"{needed} not found: is {split_dir} a CodiEsp split folder?")
    read = CorpusRead(source=f"codiesp:{split_dir}")

    texts: dict[str, str] = {}
    for path in sorted(text_dir.glob("*.txt")):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            _problem(read, strict, f"{path}: not UTF-8 text ({err})")
            continue
        if not text.strip():
            _problem(read, strict, f"{path}: empty text")
            continue
        texts[path.stem] = text

    codes: dict[str, list[GoldCode]] = {note_id: [] for note_id in texts}
    for system, tsv in tsvs.items():
        lines = tsv.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{tsv}:{number}"
            fields = line.split("\t")
            if len(fields) != 2 or not all(part.strip() for part in fields):
                _problem(read, strict, f"{where}: expected 'id<TAB>code', got {line!r}")
                continue
            note_id, raw = (part.strip() for part in fields)
            if note_id not in codes:
                _problem(
                    read,
                    strict,
                    f"{where}: code {raw!r} for note {note_id!r}, which has no text in {text_dir}",
                )
                continue
            try:
                codes[note_id].append(GoldCode(system, raw))
            except ValueError as err:
                _problem(read, strict, f"{where}: {err}")

    for note_id, text in texts.items():
        read.notes.append(
            LabeledNote(
                note_id,
                text,
                _once(read, codes[note_id]),
                CODIESP_SETTING,
                corpus=read.source,
                procedures=CODIESP_PROCEDURES,
            )
        )
    return read


def read_jsonl(path: Path, *, strict: bool = False) -> CorpusRead:
    """Read labeled notes from JSON Lines, one note a line::

        {"id": "n1", "text": "...", "setting": "outpatient", "kind": "office_visit",
         "procedures": "significant", "patient": {"sex": "female", "age": 58},
         "codes": [{"system": "icd10cm", "code": "E11.9", "reason": "type 2, no complication"}],
         "must_not": [{"system": "icd10cm", "code": "E10.9", "reason": "type 2 documented"}]}

    ``codes`` is required (it may be empty); the rest is optional. Systems are
    ``System`` values; a code's ``reason`` is kept on its ``GoldCode``;
    ``must_not`` codes become the note's ``rejected`` codes; ``patient`` takes
    ``sex`` (one of ``PATIENT_SEXES``) and ``age`` (whole years); ``procedures``
    (``significant`` or ``all``, default significant) says which ICD-10-PCS procedures
    its coders reported. Other keys
    (``specialty``, ``date_of_service``) are ignored. A bad row (invalid JSON,
    missing or empty id or text, unknown system, a code that is not a string or
    not shaped like one, a malformed optional field, repeated id) is recorded as
    a problem and skipped whole, so no note is kept with part of its codes
    missing; with ``strict`` it raises ``CorpusError``. Blank lines are ignored.
    """
    if not path.is_file():
        raise CorpusError(f"{path} not found (expected a JSON Lines file of labeled notes)")
    read = CorpusRead(source=f"jsonl:{path}")
    first_line: dict[str, int] = {}
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                note = _jsonl_note(json.loads(line))
            except json.JSONDecodeError as err:
                _problem(read, strict, f"{where}: invalid JSON ({err.msg} at column {err.colno})")
                continue
            except ValueError as err:
                _problem(read, strict, f"{where}: {err}")
                continue
            if note.id in first_line:
                _problem(
                    read,
                    strict,
                    f"{where}: id {note.id!r} already used on line {first_line[note.id]}",
                )
                continue
            first_line[note.id] = number
            read.notes.append(
                replace(note, codes=_once(read, list(note.codes)), corpus=read.source)
            )
    return read


def parse_corpus_spec(spec: str, *, strict: bool = False) -> CorpusRead:
    """Read the corpus a CLI option names: ``codiesp:PATH`` (a CodiEsp split
    folder) or ``jsonl:PATH`` (a JSON Lines file)."""
    kind, sep, location = spec.partition(":")
    readers = {"codiesp": read_codiesp, "jsonl": read_jsonl}
    if not sep or kind not in readers:
        raise CorpusError(
            f"cannot read corpus {spec!r}: write codiesp:PATH for a CodiEsp split folder "
            f"(such as codiesp/dev) or jsonl:PATH for a JSON Lines file"
        )
    path = Path(location).expanduser()
    if not location or not path.exists():
        raise CorpusError(f"cannot read corpus {spec!r}: {location or 'the path'} does not exist")
    return readers[kind](path, strict=strict)


def _jsonl_option(
    row: dict[str, Any], note_id: str, key: str, default: Option, parse: Callable[[str], Option]
) -> Option:
    """A note's optional option field (``setting``, ``procedures``), ``default`` where it
    is absent; ``ValueError`` says what is wrong."""
    value = row.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise ValueError(f"note {note_id!r}: {key!r} must be a string or absent")
    try:
        return parse(value)
    except ValueError as err:
        raise ValueError(f"note {note_id!r}: {err}") from None


def _jsonl_note(row: Any) -> LabeledNote:
    """A note from one parsed JSONL row; ``ValueError`` says what is wrong."""
    if not isinstance(row, dict):
        raise ValueError(f"expected a JSON object, got {type(row).__name__}")
    note_id, text, codes = (row.get(key) for key in ("id", "text", "codes"))
    if not isinstance(note_id, str) or not note_id.strip():
        raise ValueError("missing or empty 'id' (a string)")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"note {note_id!r}: missing or empty 'text'")
    if not isinstance(codes, list):
        raise ValueError(f"note {note_id!r}: 'codes' must be a list (may be empty)")
    chosen = _jsonl_option(row, note_id, "setting", DEFAULT_SETTING, parse_setting)
    reporting = _jsonl_option(
        row, note_id, "procedures", DEFAULT_PROCEDURE_REPORTING, parse_procedure_reporting
    )
    must_not = row.get("must_not", [])
    if not isinstance(must_not, list):
        raise ValueError(f"note {note_id!r}: 'must_not' must be a list or absent")
    kind = row.get("kind")
    if kind is not None and (not isinstance(kind, str) or not kind.strip()):
        raise ValueError(f"note {note_id!r}: 'kind' must be a non-empty string or absent")
    return LabeledNote(
        note_id,
        text,
        tuple(_jsonl_code(note_id, item) for item in codes),
        chosen,
        rejected=tuple(_jsonl_code(note_id, item) for item in must_not),
        kind=kind,
        patient=_jsonl_patient(note_id, row.get("patient")),
        procedures=reporting,
    )


def _jsonl_patient(note_id: str, patient: Any) -> Patient | None:
    if patient is None:
        return None
    if not isinstance(patient, dict):
        raise ValueError(f"note {note_id!r}: 'patient' must be an object with 'sex' and 'age'")
    sex, age = patient.get("sex"), patient.get("age")
    if sex is not None and sex not in PATIENT_SEXES:
        raise ValueError(
            f"note {note_id!r}: patient sex {sex!r} is not one of {', '.join(PATIENT_SEXES)}"
        )
    if age is not None and (isinstance(age, bool) or not isinstance(age, int) or age < 0):
        raise ValueError(f"note {note_id!r}: patient age {age!r} is not a whole number of years")
    return Patient(sex, age)


def _jsonl_code(note_id: str, item: Any) -> GoldCode:
    systems = ", ".join(system.value for system in System)
    if not isinstance(item, dict):
        raise ValueError(f"note {note_id!r}: each code must be an object with 'system' and 'code'")
    system, code, reason = item.get("system"), item.get("code"), item.get("reason", "")
    if system not in {s.value for s in System}:
        raise ValueError(f"note {note_id!r}: unknown system {system!r} (use one of {systems})")
    if not isinstance(code, str):
        raise ValueError(f"note {note_id!r}: code {code!r} is not a string")
    if not isinstance(reason, str):
        raise ValueError(f"note {note_id!r}: the reason for {code!r} is not a string")
    try:
        return GoldCode(System(system), code, reason)
    except ValueError as err:
        raise ValueError(f"note {note_id!r}: {err}") from None


def _once(read: CorpusRead, codes: list[GoldCode]) -> tuple[GoldCode, ...]:
    """The codes in order, each once; repeats are counted in ``read``."""
    distinct = tuple(dict.fromkeys(codes))
    read.duplicate_codes += len(codes) - len(distinct)
    return distinct


def _problem(read: CorpusRead, strict: bool, message: str) -> None:
    if strict:
        raise CorpusError(message)
    read.problems.append(message)
