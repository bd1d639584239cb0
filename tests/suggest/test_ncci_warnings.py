"""NCCI warnings: when a note's suggestions hold both codes of a procedure-to-procedure
edit loaded into the index, the column 2 code says it is bundled into the column 1 code."""

from __future__ import annotations

from suggest.results import Suggestion
from suggest.suggester import Suggester

# 76700 complete and 76705 limited abdominal ultrasound (an RUQ ultrasound reads both
# from the starter set's words); 71046 and 71045 chest X-ray, two views and one view.
# (A surgical endoscopy's diagnostic one, 45378 beside 45380, never reaches the list:
# the plausibility rules drop it, as CPT includes it.)
ULTRASOUND = "Imaging: RUQ US today."
CHEST_FILMS = "Imaging: chest x-ray PA and lateral, and portable chest film."


def _by_code(suggestions: list[Suggestion]) -> dict[str, Suggestion]:
    return {s.code: s for s in suggestions}


def test_column_two_code_is_warned_with_each_setting(ncci_suggester: Suggester) -> None:
    found = _by_code(ncci_suggester.suggest(ULTRASOUND).suggestions)
    assert {"76700", "76705"} <= set(found)
    warnings = [w for w in found["76705"].warnings if w.kind == "ncci"]
    assert [w.message for w in warnings] == [
        "NCCI: 76705 is bundled into 76700 (Standards of medical / surgical practice; "
        "practitioner edit); report both only with a modifier that the edit allows "
        "(such as 59, XE, XS, XP or XU) when the note documents a distinct service.",
        "NCCI: 76705 is bundled into 76700 (Standards of medical / surgical practice; "
        "outpatient hospital edit); a modifier does not bypass this edit.",
    ]
    assert all(w.codes == ("76705", "76700") for w in warnings)
    # the column 1 code is the one paid: no NCCI warning on it
    assert not [w for w in found["76700"].warnings if w.kind == "ncci"]


def test_practitioner_only_edit(ncci_suggester: Suggester) -> None:
    found = _by_code(ncci_suggester.suggest(CHEST_FILMS).suggestions)
    assert {"71045", "71046"} <= set(found)
    (warning,) = [w for w in found["71045"].warnings if w.kind == "ncci"]
    assert warning.message.startswith(
        "NCCI: 71045 is bundled into 71046 (Misuse of column two code with column one code; "
        "practitioner edit); report both only with a modifier"
    )


def test_no_ncci_warning_without_loaded_edits(suggester: Suggester) -> None:
    found = _by_code(suggester.suggest(ULTRASOUND).suggestions)
    assert {"76700", "76705"} <= set(found)
    assert not [w for s in found.values() for w in s.warnings if w.kind == "ncci"]


def test_no_ncci_warning_for_one_code_of_a_pair(ncci_suggester: Suggester) -> None:
    found = _by_code(ncci_suggester.suggest("Procedure: colonoscopy with biopsy.").suggestions)
    assert "45380" in found and "45378" not in found
    assert not [w for s in found.values() for w in s.warnings if w.kind == "ncci"]
