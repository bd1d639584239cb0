"""CMS's "order file" layout, which ICD-10-CM and ICD-10-PCS releases share
(``icd10cm_order_2025.txt``, ``icd10pcs_order_2025.txt``): one code a line, in tabular
order, headers included, so the same reader serves both code sets."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from code_index.loaders import SourceFileError

# order number (5), blank, code (7, left-justified), blank, header flag (1: "1" billable,
# "0" header), blank, short description (60), blank, long description
_CODE = slice(6, 13)
_FLAG = 14
_SHORT = slice(16, 76)
_LONG = slice(77, None)


class OrderRow(NamedTuple):
    """One line of an order file."""

    line: int
    code: str
    title: str  # the long description
    short_title: str | None
    billable: bool


def order_line(code_chars: str) -> re.Pattern[str]:
    """What an order-file line looks like for codes of ``code_chars`` (a character class)."""
    return re.compile(rf"\d{{5}} {code_chars}{{3,7}} * [01] ")


def order_rows(
    numbered: list[tuple[int, str]], line_shape: re.Pattern[str], where: str
) -> Iterator[OrderRow]:
    """The rows of an order file's non-blank ``(line number, line)`` pairs; a line not
    in the layout stops the read with its file and line."""
    for number, line in numbered:
        if not line_shape.match(line):
            raise SourceFileError(f"{where}, line {number}: not an order-file line: {line[:60]!r}")
        long_title = " ".join(line[_LONG].split())
        short_title = " ".join(line[_SHORT].split())
        if not long_title:
            raise SourceFileError(f"{where}, line {number}: no long description")
        yield OrderRow(
            number, line[_CODE].strip(), long_title, short_title or None, line[_FLAG] == "1"
        )
