"""Another fiscal year's ICD-10-CM release, held beside the index's own so a date of
service in that year is checked against the codes in force then: the CDC Tabular List
XML (read by the tabular loader, 7th characters expanded) or the CMS/CDC order file
(``icd10cm_order_2025.txt``, one code a line, billable flag and titles). Only the
billable codes and their titles are kept: suggestions still come from the index's own
release."""

from __future__ import annotations

import re
from pathlib import Path

from code_index.loaders import SourceFileError
from code_index.loaders.icd10cm_tabular import load_icd10cm_tabular, release_label
from code_index.loaders.order_file import order_line, order_rows
from code_index.loaders.source_text import read_source_lines
from code_index.records import CodeSetVersion, Icd10cmRelease, System, normalize_code

SOURCE = "icd10cm-release"
_ORDER_LINE = order_line("[A-Z0-9]")
_FISCAL_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")


def load_icd10cm_release(path: Path) -> tuple[Icd10cmRelease, CodeSetVersion]:
    """The release in ``path`` and how the index lists it. The fiscal year is the
    tabular's ``<version>``, or for an order file the year in its name, as CMS and CDC
    name them; a file that states none is refused, since a release with no year cannot
    be put in force on any date."""
    if _is_xml(path):
        loaded = load_icd10cm_tabular(path)
        year = loaded.version.extra.get("xml_version", "")
        if not year.isdigit():
            raise SourceFileError(f"{path}: the tabular XML states no fiscal year in <version>.")
        titles = {r.key: r.title for r in loaded.records if r.billable}
        label, effective = loaded.version.version, loaded.version.effective
    else:
        years = _FISCAL_YEAR.findall(path.name)
        if not years:
            raise SourceFileError(
                f"{path}: name the fiscal year in the file name, as CMS does "
                "(icd10cm_order_2025.txt), so the release can be put in force."
            )
        year = years[-1]
        lines = read_source_lines(path)
        numbered = [(n, line) for n, line in enumerate(lines, start=1) if line.strip()]
        if not numbered or not _ORDER_LINE.match(numbered[0][1]):
            raise SourceFileError(
                f"{path}: not an ICD-10-CM release; expected a CDC tabular XML or a CMS "
                "order file (icd10cm_order_<year>.txt)."
            )
        titles = {
            normalize_code(row.code): row.title
            for row in order_rows(numbered, _ORDER_LINE, str(path))
            if row.billable
        }
        label, effective = release_label(year, path.name)
    if not titles:
        raise SourceFileError(f"{path}: no billable ICD-10-CM codes found.")
    release = Icd10cmRelease(int(year), label, titles, path.name)
    version = CodeSetVersion(
        System.ICD10CM,
        label,
        SOURCE,
        effective=effective,
        file=path.name,
        extra={"fiscal_year": year, "billable": str(len(titles))},
    )
    return release, version


def _is_xml(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(64)
    except OSError as error:
        raise SourceFileError(f"{path}: cannot read the file ({error.strerror})") from error
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
