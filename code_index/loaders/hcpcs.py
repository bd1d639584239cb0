"""Reader for CMS's Alpha-Numeric HCPCS file (``HCPC<year>_<MON>_ANWEB.txt``), the
public-domain list of HCPCS Level II codes and modifiers that CMS publishes each
quarter, so users can index the current release instead of the starter set.

The file is fixed width: an optional disclaimer, then 320-character records.
Positions below are CMS's HCPCS contractor record layout (1-based there,
0-based slices here); the layout has not changed across releases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from code_index.loaders import LoadedCodeSet, SourceFileError
from code_index.loaders.source_text import read_source_lines
from code_index.records import CodeRecord, CodeSetVersion, System

SOURCE = "cms-hcpcs"

_CODE = slice(0, 5)  # 1-5, two-character modifiers right-justified
_RECORD_ID = 10  # 11: 3/4 procedure first line/continuation, 7/8 the same for modifiers
_LONG = slice(11, 91)  # 12-91
_SHORT = slice(91, 119)  # 92-119
_ACTION_EFFECTIVE = slice(276, 284)  # 277-284, YYYYMMDD
_TERMINATION = slice(284, 292)  # 285-292, YYYYMMDD: last date the code may be used
_RECORD_LENGTH = 320

_RECORD = re.compile(r"[ A-Z0-9]{5}\d{5}[3478]")
_PROCEDURE_CODE = re.compile(r"[A-Z]\d{4}")
_MODIFIER_CODE = re.compile(r"[A-Z0-9]{2}")
_CONTINUES = {"4": "3", "8": "7"}
_FILE_NAME = re.compile(r"HCPC(?P<year>\d{4})(?:_(?P<month>JAN|APR|JUL|OCT))?", re.IGNORECASE)
_QUARTER_MONTHS = {"JAN": 1, "APR": 4, "JUL": 7, "OCT": 10}


@dataclass
class _Entry:
    """One procedure or modifier: its first record plus any continuation lines."""

    code: str
    record_id: str
    long_parts: list[str]
    short: str
    action_effective: str | None
    termination: str | None


def load_hcpcs(path: Path) -> LoadedCodeSet:
    """HCPCS Level II codes and modifiers from a CMS ANWEB file, with or without its
    disclaimer header. Codes whose termination date falls before the release takes
    effect are kept but marked inactive, so a coder sees why an old code is refused;
    terminated modifiers are left out because modifiers carry no status."""
    entries = _read_entries(path)
    effective, version = _release(path, entries)
    records: list[CodeRecord] = []
    modifiers: dict[str, str] = {}
    for entry in entries:
        title = " ".join(" ".join(entry.long_parts).split())
        active = entry.termination is None or (
            effective is not None and entry.termination >= effective
        )
        if entry.record_id == "7":
            if active:
                modifiers[entry.code] = title
            continue
        records.append(
            CodeRecord(
                code=entry.code,
                system=System.HCPCS,
                title=title,
                source=SOURCE,
                short_title=" ".join(entry.short.split()) or None,
                active=active,
                terminated_on=entry.termination,
            )
        )
    return LoadedCodeSet(
        version=CodeSetVersion(
            system=System.HCPCS,
            version=version,
            source=SOURCE,
            effective=effective,
            file=path.name,
        ),
        records=records,
        modifiers=modifiers,
    )


def _read_entries(path: Path) -> list[_Entry]:
    entries: list[_Entry] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(read_source_lines(path), start=1):
        where = f"{path}, line {number}"
        if not _RECORD.match(line):
            # the disclaimer before the first record is free text; after it only blank
            # lines (and a DOS end-of-file mark) may appear
            if entries and line.strip(" \t\x1a"):
                raise SourceFileError(f"{where}: not a 320-character HCPCS record: {line[:40]!r}")
            continue
        code, record_id = line[_CODE].strip(), line[_RECORD_ID]
        if record_id in _CONTINUES:
            first = (code, _CONTINUES[record_id])
            if not entries or (entries[-1].code, entries[-1].record_id) != first:
                raise SourceFileError(f"{where}: continuation of {code} without its first record")
            entries[-1].long_parts.append(line[_LONG])
            continue
        pattern = _MODIFIER_CODE if record_id == "7" else _PROCEDURE_CODE
        if not pattern.fullmatch(code):
            raise SourceFileError(f"{where}: {code!r} is not a HCPCS code or modifier")
        if code in seen:
            raise SourceFileError(f"{where}: {code} already defined on line {seen[code]}")
        seen[code] = number
        record = line.ljust(_RECORD_LENGTH)
        entries.append(
            _Entry(
                code=code,
                record_id=record_id,
                long_parts=[record[_LONG]],
                short=record[_SHORT],
                action_effective=_iso_date(record[_ACTION_EFFECTIVE], where),
                termination=_iso_date(record[_TERMINATION], where),
            )
        )
    if not entries:
        raise SourceFileError(
            f"{path}: no HCPCS records found; expected CMS's Alpha-Numeric HCPCS file "
            "(HCPC<year>_<MON>_ANWEB.txt) with 320-character records"
        )
    return entries


def _iso_date(field_text: str, where: str) -> str | None:
    text = field_text.strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y%m%d").date().isoformat()
    except ValueError as error:
        raise SourceFileError(f"{where}: {text!r} is not a YYYYMMDD date") from error


def _release(path: Path, entries: list[_Entry]) -> tuple[str | None, str]:
    """(effective ISO date, version label): from the file name as CMS names it
    (``HCPC2024_JUL_…`` takes effect July 1, a name without a month January 1);
    for a renamed file, the latest action date in it, which is when its last
    change took effect."""
    match = _FILE_NAME.search(path.name)
    if match:
        year = int(match["year"])
        month = match["month"]
        effective = date(year, _QUARTER_MONTHS[month.upper()] if month else 1, 1)
        label = f"{year} {effective:%B} update" if month else str(year)
        return effective.isoformat(), label
    latest = max((e.action_effective for e in entries if e.action_effective), default=None)
    if latest is None:
        return None, "unknown release"
    return latest, f"{latest[:4]} (latest change in file {latest})"
