"""Which inpatient ICD-10-PCS procedures a facility reports (``procedures``): under
"significant" (the default, as US facilities report the UHDDS significant procedures)
routine imaging, an ECG and IV antibiotics are listed in ``not_coded`` with why, never
ranked nor learned from; under "all" (CodiEsp's annotators) they are ranked as before.
Notes written for these tests (branch pcs15) in the shape of the US tuning notes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from code_index.records import System
from suggest.errors import NoteError
from suggest.results import Suggestion, SuggestionResult
from suggest.setting import ProcedureReporting, Setting
from suggest.suggester import Suggester
from training.corpora import read_codiesp, read_jsonl

HEART_FAILURE = (
    "DISCHARGE SUMMARY\n"
    "Principal Dx: Acute on chronic diastolic heart failure\n"
    "Procedures: Right heart catheterization 11/28.\n"
    "HPI: 79 y/o F with HFpEF p/w worsening dyspnea. CXR: pulmonary vascular congestion. "
    "ECG: sinus rhythm, LVH.\n"
    "Hospital course: IV furosemide 40 mg BID. TTE: EF 60%, grade II diastolic dysfunction. "
    "Laparoscopic cholecystectomy 11/27 for acute calculous cholecystitis.\n"
)
ROUTINE = ("B246ZZZ", "4A02X4Z")


def _pcs(codes: Sequence[Suggestion]) -> list[str]:
    return [s.code for s in codes if s.system == System.ICD10PCS.value]


def _ranked(result: SuggestionResult) -> list[str]:
    return _pcs(result.ranking())


def test_routine_procedures_are_listed_apart_under_significant(suggester: Suggester) -> None:
    # the default: the TTE and the ECG were ranked at 0.63 and 0.53 on US inpatient notes
    # whose gold (UHDDS significant procedures) holds neither
    result = suggester.suggest(HEART_FAILURE, Setting.INPATIENT)
    assert not set(ROUTINE) & set(_ranked(result))
    assert "0FT44ZZ" in _ranked(result)  # an operation is reported
    apart = {s.code: s for s in result.not_coded if s.system == System.ICD10PCS.value}
    for code in ROUTINE:
        (warning,) = [w for w in apart[code].warnings if w.kind == "not_significant"]
        assert "UHDDS significant procedure" in warning.message
        assert '"all"' in warning.message


def test_every_procedure_is_ranked_under_all(suggester: Suggester) -> None:
    result = suggester.suggest(HEART_FAILURE, Setting.INPATIENT, procedures="all")
    assert set(ROUTINE) <= set(_ranked(result))
    assert not [s for s in result.not_coded if any(w.kind == "not_significant" for w in s.warnings)]


def test_an_unknown_option_is_refused(suggester: Suggester) -> None:
    with pytest.raises(NoteError, match="procedures must be significant or all"):
        suggester.suggest(HEART_FAILURE, Setting.INPATIENT, procedures="some")


def test_training_reads_the_option_through_the_candidate_step(suggester: Suggester) -> None:
    # the step training and serving share: a significant note's routine procedures are
    # no candidates (no negatives to learn from), an "all" note's are
    doc = suggester.nlp(HEART_FAILURE)
    step = suggester.candidate_step
    significant = step(doc, Setting.INPATIENT, procedures=ProcedureReporting.SIGNIFICANT)
    every = step(doc, Setting.INPATIENT, procedures=ProcedureReporting.ALL)
    assert not set(ROUTINE) & {c.target.code for c in significant.candidates}
    assert set(ROUTINE) <= {c.target.code for c in significant.unreported}
    assert set(ROUTINE) <= {c.target.code for c in every.candidates} and not every.unreported


def test_corpora_carry_their_annotation_convention(shared_data: Path, tmp_path: Path) -> None:
    codiesp = read_codiesp(shared_data / "codiesp" / "dev")
    assert {note.procedures for note in codiesp.notes} == {ProcedureReporting.ALL}
    lines = tmp_path / "notes.jsonl"
    lines.write_text(
        '{"id": "a", "text": "CXR.", "codes": [], "setting": "inpatient"}\n'
        '{"id": "b", "text": "CXR.", "codes": [], "procedures": "all"}\n'
        '{"id": "c", "text": "CXR.", "codes": [], "procedures": "most"}\n'
    )
    read = read_jsonl(lines)
    assert [(n.id, n.procedures) for n in read.notes] == [
        ("a", ProcedureReporting.SIGNIFICANT),
        ("b", ProcedureReporting.ALL),
    ]
    assert "procedures must be significant or all" in read.problems[0]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # significant procedures a discharge summary names in its own words (us-dc-1306,
        # us-dc-1307 read neither): the thrombolysis the MS-DRG grouper reads, and the
        # right heart's catheterization beside the left's 4A023N7
        ("Procedures: IV alteplase (tPA) 11/23 in our ED.", "3E03317"),
        ("Acute ischemic stroke. IV tPA given at 75 min after last known well.", "3E03317"),
        ("Procedures: Right heart catheterization 11/28.", "4A023N6"),
    ],
)
def test_significant_procedures_in_their_usual_words(
    suggester: Suggester, text: str, code: str
) -> None:
    result = suggester.suggest(text, Setting.INPATIENT)
    assert code in [s.code for s in result.suggestions]
