"""The encounter setting: which code systems a note's procedures are reported in, and
which coding rules apply (an uncertain diagnosis is coded at an inpatient discharge, not
in an outpatient visit), and which of its ICD-10-PCS procedures an inpatient facility
reports. One type each for the CLI, the API, suggesting and training."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from code_index.records import System

Option = TypeVar("Option", bound=StrEnum)


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
    return _member(Setting, "setting", value)


class ProcedureReporting(StrEnum):
    """Which ICD-10-PCS procedures an inpatient facility reports; the values are what the
    API, the CLI, batch input and a corpus note take. ``significant``: the UHDDS
    significant procedures, as US facilities report them (routine imaging, external
    measurement and monitoring, most administration not: ``code_index.uhdds``); ``all``:
    every procedure, as some hospitals and CodiEsp's annotators code them."""

    SIGNIFICANT = "significant"
    ALL = "all"


DEFAULT_PROCEDURE_REPORTING = ProcedureReporting.SIGNIFICANT
"""What a note that does not say is reported under: what a US facility coder expects."""


def parse_procedure_reporting(value: str) -> ProcedureReporting:
    """``value`` as a procedure reporting option, or a ``ValueError`` naming the ones there
    are."""
    return _member(ProcedureReporting, "procedures", value)


def _member(kind: type[Option], field: str, value: str) -> Option:
    """``kind``'s member of ``value``, or a ``ValueError`` that says what ``field`` takes."""
    try:
        return kind(value)
    except ValueError:
        names = " or ".join(option.value for option in kind)
        raise ValueError(f"{field} must be {names}, not {value!r}") from None
