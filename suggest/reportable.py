"""What this encounter reports of a candidate, by the coding guidelines' rules on time
and certainty (ICD-10-CM Official Guidelines II.H, IV.H and IV.J)."""

from __future__ import annotations

from code_index.records import System
from suggest.candidates import Candidate
from suggest.extensions import span_values
from suggest.plausibility import says_ended
from suggest.setting import Setting

_HISTORICAL = ("historical",)
_UNCERTAIN = ("uncertain",)
_HISTORY_AND_CUES = ("historical", "context_cues")


def reportable(candidate: Candidate, setting: Setting) -> bool:
    """A procedure or supply the note names only as past ("history of appendectomy",
    "s/p cholecystectomy") was not done now. Outpatient, an uncertain diagnosis
    ("probable", "rule out") is not coded, the symptoms documented with it are; inpatient,
    it may be coded at discharge. Outpatient, a condition the note names only as ended
    ("acute bronchitis, resolved", "prior stroke"; not "history of hypertension", which
    may be a condition the patient still has) no longer exists and is not coded (IV.J),
    its history code (Z86-Z87) is; inpatient, a condition treated during the stay is
    coded though it resolved before discharge. A code suggested from
    similar notes alone has no words of its own for these rules to read."""
    spans = candidate.spans
    if not spans:
        return True
    code = candidate.target.code
    if candidate.target.system is not System.ICD10CM:
        return not all(span_values(span, _HISTORICAL)[0] for span in spans)
    if setting is Setting.INPATIENT:
        return True
    if all(span_values(span, _UNCERTAIN)[0] for span in spans):
        return False
    return code.startswith("Z") or not all(
        historical and says_ended(cues)
        for historical, cues in (span_values(span, _HISTORY_AND_CUES) for span in spans)
    )
