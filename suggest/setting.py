"""The encounter setting: which code systems a note's procedures are reported in, and
which coding rules apply (an uncertain diagnosis is coded at an inpatient discharge, not
in an outpatient visit). One type for the CLI, the API, suggesting and training."""

from __future__ import annotations

from enum import StrEnum

from code_index.records import System


class Setting(StrEnum):
    """Where the encounter happened; the values are what the API and the CLI take."""

    OUTPATIENT = "outpatient"
    INPATIENT = "inpatient"

    @property
    def systems(self) -> tuple[System, ...]:
        """The code systems a note of this setting is coded in: professional and
        outpatient claims report procedures in CPT, facility inpatient claims in PCS."""
        if self is Setting.INPATIENT:
            return (System.ICD10CM, System.ICD10PCS, System.HCPCS)
        return (System.ICD10CM, System.CPT, System.HCPCS)


DEFAULT_SETTING = Setting.OUTPATIENT
"""The setting of a note that does not state one, in serving and in training alike."""


def parse_setting(value: str) -> Setting:
    """``value`` as a setting, or a ``ValueError`` naming the ones there are."""
    try:
        return Setting(value)
    except ValueError:
        names = " or ".join(s.value for s in Setting)
        raise ValueError(f"setting must be {names}, not {value!r}") from None
