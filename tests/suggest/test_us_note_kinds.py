"""US notes of the kinds the benchmark's tuning part held least of (issue 15): hospital
progress notes, specialty consults, operative and procedure notes, radiology reports,
discharge summaries and ED notes, and the classes of reading their untouched scoring
exposed. Sentences written for these tests, after those notes (branch notes12)."""

from __future__ import annotations

import pytest

from suggest.suggester import Suggester
from tests.suggest.listed_codes import anywhere, ranked


@pytest.mark.parametrize(
    "text",
    [
        "DISCHARGE SUMMARY\nPrincipal diagnosis: NSTEMI\nSecondary diagnoses: CAD, native "
        "vessel - s/p PCI w/ DES to mid LAD 11/28\nProcedures: L heart cath, PCI mid LAD "
        "(1 DES) 11/28/2026.",
        "CARDIAC CATHETERIZATION REPORT\nProcedures: L heart cath, coronary angiography. PCI "
        "of proximal LAD with DES.\nImpression: CAD, stable angina, s/p PCI/DES to LAD.",
    ],
)
def test_a_stent_placed_in_this_encounter_is_no_status(suggester: Suggester, text: str) -> None:
    # Z95.5 is for later encounters, not the one whose procedure section places the stent
    assert "Z95.5" not in anywhere(suggester.suggest(text, "inpatient"))


def test_a_stent_placed_before_is_a_status(suggester: Suggester) -> None:
    text = "Assessment: CAD s/p PCI with DES 2019. HTN.\nProcedure: exercise stress test."
    assert "Z95.5" in ranked(suggester.suggest(text, "outpatient"))
