"""What this encounter reports of a candidate, by the coding guidelines' rules on time
and certainty (ICD-10-CM Official Guidelines II.H and IV.H)."""

from __future__ import annotations

from code_index.records import System
from suggest.candidates import Candidate
from suggest.setting import Setting


def reportable(candidate: Candidate, setting: Setting) -> bool:
    """A procedure or supply the note names only as past ("history of appendectomy",
    "s/p cholecystectomy") was not done now. Outpatient, an uncertain diagnosis
    ("probable", "rule out") is not coded, the symptoms documented with it are; inpatient,
    it may be coded at discharge. A code suggested from similar notes alone has no words
    of its own for these rules to read."""
    spans = candidate.spans
    if not spans:
        return True
    if candidate.target.system is not System.ICD10CM:
        return not all(span._.historical for span in spans)
    return setting is Setting.INPATIENT or not all(span._.uncertain for span in spans)
