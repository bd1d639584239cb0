"""ICD-10-PCS codes of inpatient operations on US notes, with the side, device and
qualifier the note documents (ICD-10-PCS guidelines: body part and device as
documented). Notes written for these tests (branch proc13); each failed on main before
its fix."""

from __future__ import annotations

import pytest

from code_index.records import System
from suggest.suggester import Suggester
from tests.suggest.listed_codes import anywhere


def operations(suggester: Suggester, text: str) -> list[str]:
    """Every ICD-10-PCS code ranked for an inpatient ``text``, possible ones included."""
    return anywhere(suggester.suggest(text, "inpatient", systems=(System.ICD10PCS,)))


_HIP = (
    "OPERATIVE NOTE\nProcedure: {side} total hip arthroplasty, posterior approach.\n"
    "Implants: {fixation} acetabular shell 52 mm with {head} femoral head 36 mm on a highly "
    "crosslinked polyethylene liner; {fixation} femoral stem size 4.\n"
)


@pytest.mark.parametrize(
    ("side", "fixation", "head", "code"),
    [
        ("Right", "uncemented", "ceramic", "0SR904A"),
        ("Left", "cemented", "cobalt-chrome", "0SRB029"),
    ],
)
def test_a_hip_replacement_takes_its_bearing_surface_and_fixation(
    suggester: Suggester, side: str, fixation: str, head: str, code: str
) -> None:
    # the plain phrase's 0SR90JZ / 0SRB0JZ came: the device and qualifier were not read
    text = _HIP.format(side=side, fixation=fixation, head=head)
    codes = operations(suggester, text)
    assert code in codes
    assert code[:5] + "JZ" not in codes


def test_a_cemented_knee_replacement_is_cemented(suggester: Suggester) -> None:
    text = (
        "OPERATIVE REPORT\nProcedure: Right total knee arthroplasty, cemented "
        "(posterior-stabilized).\nCemented femoral, tibial and patellar components placed.\n"
    )
    codes = operations(suggester, text)
    assert "0SRC0J9" in codes and "0SRC0JZ" not in codes


@pytest.mark.parametrize(
    ("stents", "code"),
    [("DES x1", "027034Z"), ("2 overlapping drug-eluting stents", "027035Z")],
)
def test_a_coronary_dilation_counts_its_drug_eluting_stents(
    suggester: Suggester, stents: str, code: str
) -> None:
    # 02703DZ came: D is the intraluminal device that is not drug-eluting
    text = (
        "CARDIAC CATHETERIZATION / PCI REPORT\n"
        f"Procedures: left heart catheterization, PCI of the proximal RCA with {stents}.\n"
    )
    codes = operations(suggester, text)
    assert code in codes and "02703DZ" not in codes


def test_an_operation_s_side_is_the_side_its_sentence_names(suggester: Suggester) -> None:
    # a one-word-short reading of "right cephalomedullary nail" read the right femur's
    # 0QS636Z from a sentence that names only the left
    text = (
        "OPERATIVE NOTE\nProcedure: Closed reduction and intramedullary nailing, left "
        "intertrochanteric femur fracture (cephalomedullary nail).\n"
    )
    codes = operations(suggester, text)
    assert "0QS736Z" in codes and "0QS636Z" not in codes
