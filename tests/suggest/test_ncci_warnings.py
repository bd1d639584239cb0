"""NCCI warnings: when a note's suggestions hold both codes of a procedure-to-procedure
edit loaded into the index, the column 2 code says it is bundled into the column 1 code."""

from __future__ import annotations

from suggest.results import Suggestion
from suggest.suggester import Suggester

# 45380 colonoscopy with biopsy and 45378 diagnostic colonoscopy (starter set wording);
# 71046 and 71045 chest X-ray, two views and one view
COLONOSCOPY = "Procedure: colonoscopy with biopsy. Diagnostic colonoscopy performed."
CHEST_FILMS = "Imaging: chest x-ray PA and lateral, and portable chest film."


def _by_code(suggestions: list[Suggestion]) -> dict[str, Suggestion]:
    return {s.code: s for s in suggestions}


def test_column_two_code_is_warned_with_each_setting(ncci_suggester: Suggester) -> None:
    found = _by_code(ncci_suggester.suggest(COLONOSCOPY).suggestions)
    assert {"45378", "45380"} <= set(found)
    warnings = [w for w in found["45378"].warnings if w.kind == "ncci"]
    assert [w.message for w in warnings] == [
        "NCCI: 45378 is bundled into 45380 (Standards of medical / surgical practice; "
        "practitioner edit); report both only with a modifier that the edit allows "
        "(such as 59, XE, XS, XP or XU) when the note documents a distinct service.",
        "NCCI: 45378 is bundled into 45380 (Standards of medical / surgical practice; "
        "outpatient hospital edit); a modifier does not bypass this edit.",
    ]
    assert all(w.codes == ("45378", "45380") for w in warnings)
    # the column 1 code is the one paid: no NCCI warning on it
    assert not [w for w in found["45380"].warnings if w.kind == "ncci"]


def test_practitioner_only_edit(ncci_suggester: Suggester) -> None:
    found = _by_code(ncci_suggester.suggest(CHEST_FILMS).suggestions)
    assert {"71045", "71046"} <= set(found)
    (warning,) = [w for w in found["71045"].warnings if w.kind == "ncci"]
    assert warning.message.startswith(
        "NCCI: 71045 is bundled into 71046 (Misuse of column two code with column one code; "
        "practitioner edit); report both only with a modifier"
    )


def test_no_ncci_warning_without_loaded_edits(suggester: Suggester) -> None:
    found = _by_code(suggester.suggest(COLONOSCOPY).suggestions)
    assert {"45378", "45380"} <= set(found)
    assert not [w for s in found.values() for w in s.warnings if w.kind == "ncci"]


def test_no_ncci_warning_for_one_code_of_a_pair(ncci_suggester: Suggester) -> None:
    found = _by_code(ncci_suggester.suggest("Procedure: colonoscopy with biopsy.").suggestions)
    assert "45380" in found and "45378" not in found
    assert not [w for s in found.values() for w in s.warnings if w.kind == "ncci"]
