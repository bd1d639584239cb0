"""Reader for a user's licensed AMA CPT data file. CPT descriptors are the AMA's
copyright, so codesuggest ships none: users who hold a licence point the index at
their own file (e.g. ``LONGULT.txt`` or ``MEDU.txt``) and it replaces the starter set.

The same simple table format also holds codesuggest's starter sets, so
``read_code_table`` is shared with ``code_index.loaders.starter``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from code_index.loaders import LoadedCodeSet, SourceFileError
from code_index.loaders.source_text import read_source_lines
from code_index.records import CodeRecord, CodeSetVersion, System

SOURCE = "ama-cpt"

# Category I (5 digits; 4 digits + A for vaccine products, M for MAAA, U for PLA),
# Category II (4 digits + F) and Category III (4 digits + T)
CPT_CODE = re.compile(r"\d{4}[0-9AFMTU]")

_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def load_cpt(path: Path, version: str | None = None) -> LoadedCodeSet:
    """CPT codes from an AMA data file: one code a line, ``code<TAB>descriptor`` or
    ``code descriptor``, an optional header line and an optional third tab column
    of comma-separated search terms. ``version`` labels the release; without it
    the year is taken from the file or folder name (AMA names its folders by year)."""
    records = read_code_table(
        read_source_lines(path),
        where=str(path),
        system=System.CPT,
        source=SOURCE,
        code_pattern=CPT_CODE,
    )
    return LoadedCodeSet(
        version=CodeSetVersion(
            system=System.CPT,
            version=version or _year_label(path),
            source=SOURCE,
            file=path.name,
        ),
        records=records,
    )


def read_code_table(
    lines: Iterable[str],
    *,
    where: str,
    system: System,
    source: str,
    code_pattern: re.Pattern[str],
) -> list[CodeRecord]:
    """Records from ``code<TAB>description[<TAB>term, term, …]`` or
    ``code description`` lines. Blank lines and ``#`` comments are skipped, and
    so is a header line before the first code; any other line that does not
    start with a valid code is an error naming ``where`` and the line number,
    so a damaged file fails loudly instead of losing codes."""
    records: list[CodeRecord] = []
    first_line: dict[str, int] = {}
    header_allowed = True
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        at = f"{where}, line {number}"
        fields = (
            [part.strip() for part in line.split("\t")] if "\t" in line else line.split(None, 1)
        )
        code = fields[0].upper()
        if not code_pattern.fullmatch(code):
            if header_allowed:
                header_allowed = False
                continue
            raise SourceFileError(f"{at}: {fields[0]!r} is not a valid {system.value} code")
        header_allowed = False
        if len(fields) > 3:
            raise SourceFileError(
                f"{at}: expected code, description and optional terms; found {len(fields)} columns"
            )
        description = fields[1] if len(fields) > 1 else ""
        if not description:
            raise SourceFileError(f"{at}: {code} has no description")
        if code in first_line:
            raise SourceFileError(f"{at}: {code} already listed on line {first_line[code]}")
        first_line[code] = number
        terms = (
            tuple(t.strip() for t in fields[2].split(",") if t.strip()) if len(fields) > 2 else ()
        )
        records.append(
            CodeRecord(code=code, system=system, title=description, source=source, terms=terms)
        )
    if not records:
        raise SourceFileError(f"{where}: no {system.value} codes found")
    return records


def _year_label(path: Path) -> str:
    for name in (path.name, path.parent.name):
        years = _YEAR.findall(name)
        if years:
            return f"CPT {years[-1]}"
    return "CPT (release year not stated in the file name)"
