"""Evaluation on a few real CodiEsp dev notes: the numbers are those of training.metrics
on the suggester's rankings, coverage counts gold codes the index lacks, and the report
is written with its plots."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from code_index.records import System, format_icd10cm
from suggest.setting import Setting
from suggest.suggester import Suggester
from training.corpora import CorpusRead, GoldCode, LabeledNote, Patient, read_codiesp
from training.evaluate import Evaluation, MapLoss, RankedNote, evaluate
from training.metrics import (
    confident_wrong,
    expected_calibration_error,
    mean_average_precision,
    mean_recall_at_k,
    must_not_hits,
)
from training.report import BAND_PLOT, CALIBRATION_PLOT, PR_PLOT, write_report

SAMPLE = 12
GROUP_KEYS = {
    "map",
    "p@1",
    "ece",
    "confident_wrong",
    "confident_wrong_share",
    "must_not_hits",
    "must_not_hit_list",
    "p@5",
    "p@10",
    "p@20",
    "r@5",
    "r@10",
    "r@20",
    "micro_f1",
    "macro_f1",
    "notes",
    "coverage",
    "by_frequency",
    "calibration",
}


@pytest.fixture(scope="module")
def dev_sample(shared_data: Path) -> CorpusRead:
    read = read_codiesp(shared_data / "codiesp" / "dev")
    return CorpusRead(source=read.source, notes=read.notes[:SAMPLE])


@pytest.fixture(scope="module")
def evaluation(suggester: Suggester, dev_sample: CorpusRead) -> Evaluation:
    return evaluate(suggester, dev_sample)


def test_json_has_both_groups_with_every_metric(evaluation: Evaluation) -> None:
    data = json.loads(json.dumps(evaluation.to_json()))
    assert {"diagnoses", "procedures", "model", "corpus", "index_version"} <= data.keys()
    assert data["reading_problems"] == [] and data["matching"] == "prefix"
    assert data["model"]["name"] == "default" and data["settings"] == {"inpatient": SAMPLE}
    for group, system in (("diagnoses", "icd10cm"), ("procedures", "icd10pcs")):
        assert data[group].keys() >= GROUP_KEYS
        assert data[group]["systems"] == [system]
        assert all(0 <= data[group][key] <= 1 for key in ("map", "p@5", "r@20", "micro_f1"))
        assert len(data[group]["calibration"]) == 10
    assert data["diagnoses"]["notes"] == SAMPLE  # every CodiEsp note has diagnosis codes


def test_scores_are_training_metrics_on_the_suggester_rankings(
    suggester: Suggester, dev_sample: CorpusRead, evaluation: Evaluation
) -> None:
    notes = dev_sample.notes
    results = suggester.suggest_many(
        (n.text for n in notes), setting="inpatient", systems=[System.ICD10CM], top_k=1000
    )
    rankings = {n.id: [s.code for s in r.ranking()] for n, r in zip(notes, results, strict=True)}
    gold = {n.id: n.codes_for(System.ICD10CM) for n in notes}
    scores = evaluation.diagnoses.metrics
    assert scores["map"] == pytest.approx(mean_average_precision(rankings, gold))
    assert scores["r@10"] == pytest.approx(mean_recall_at_k(rankings, gold, 10))
    assert evaluation.diagnoses.gold_codes == sum(len(codes) for codes in gold.values())


def test_scored_candidates_agree_with_the_thresholded_metrics(evaluation: Evaluation) -> None:
    for group in evaluation.groups:
        assert group.scores.shape == group.correct.shape == (group.to_json()["suggestions"],)
        curve = group.precision_recall()
        at = curve.thresholds >= group.threshold
        if at.any():  # the curve's point at the threshold is the micro precision / recall
            last = at.nonzero()[0][-1]
            assert curve.precision[last] == pytest.approx(group.metrics["micro_precision"])
            assert curve.recall[last] == pytest.approx(group.metrics["micro_recall"])
        assert curve.recall.max(initial=0) <= 1
        assert sum(b.candidates for b in group.calibration()) == group.scores.size


def test_frequency_bands_partition_the_gold_codes(
    suggester: Suggester, dev_sample: CorpusRead, shared_data: Path, evaluation: Evaluation
) -> None:
    for group in evaluation.groups:
        bands = group.by_frequency()
        assert sum(b.gold_codes for b in bands) == group.gold_codes
        assert "0 (unseen)" not in {b.band for b in bands}  # counted in the corpus itself
    train = read_codiesp(shared_data / "codiesp" / "train")
    against_train = evaluate(suggester, dev_sample, reference=train)
    assert against_train.frequency_reference == train.source
    assert "0 (unseen)" in {b.band for b in against_train.diagnoses.by_frequency()}


def test_confident_errors_and_calibration_come_from_the_pooled_suggestions(
    evaluation: Evaluation,
) -> None:
    data = evaluation.to_json()["diagnoses"]
    group = evaluation.diagnoses
    wrong, confident = confident_wrong(group.scores.tolist(), group.correct.tolist())
    assert (data["confident_wrong"], data["confident"]) == (wrong, confident) and confident > 0
    assert data["confident_wrong_share"] == round(wrong / confident, 4)
    ece = expected_calibration_error(group.scores.tolist(), group.correct.tolist())
    assert data["ece"] == round(ece, 4) and 0 < ece < 1
    assert (data["must_not_hits"], data["must_not_hit_list"]) == (0, [])  # CodiEsp lists none


def test_must_not_codes_in_the_top_10_are_listed(suggester: Suggester) -> None:
    # forbidding the whole category E11 catches whichever E11 code the suggester ranks
    text = "Assessment:\n1. Type 2 diabetes mellitus without complications."
    note = LabeledNote(
        "dm",
        text,
        (GoldCode(System.ICD10CM, "E11.9"),),
        Setting.OUTPATIENT,
        rejected=(GoldCode(System.ICD10CM, "E11"), GoldCode(System.CPT, "99214")),
    )
    group = evaluate(suggester, CorpusRead("jsonl:test", [note])).diagnoses
    ranked = list(group.notes[0].codes)
    expected = must_not_hits(ranked, ["E11"], 10)
    assert expected  # the note names type 2 diabetes: an E11 code is suggested
    assert group.must_not_hits == [
        ("dm", format_icd10cm(code), ranked.index(code) + 1) for code in expected
    ]
    assert all("." in code for _, code, _ in group.must_not_hits)  # E11.9, not E119
    assert group.notes[0].must_not == {"E11"}  # the CPT must-not code belongs to procedures
    assert group.to_json()["must_not_hits"] == len(expected)


def test_each_note_is_scored_with_its_patient_as_a_request_sends_it(
    suggester: Suggester,
) -> None:
    # an age-related cataract in an 8-year-old conflicts with the Code Editor's age edit:
    # the API moves it after the plausible codes when the request gives the age, and the
    # benchmark scores what the API gives back (it scored every note without its patient)
    text = "Assessment:\n1. Senile nuclear cataract, right eye.\n2. Mild intermittent asthma."
    codes = (GoldCode(System.ICD10CM, "J45.20"), GoldCode(System.ICD10CM, "H26.031"))
    notes = [
        LabeledNote("child", text, codes, Setting.OUTPATIENT, patient=Patient(age=8)),
        LabeledNote("unknown", text, codes, Setting.OUTPATIENT),
    ]
    ranked = {
        n.note_id: list(n.codes)
        for n in evaluate(suggester, CorpusRead("jsonl:test", notes)).diagnoses.notes
    }
    assert ranked["child"].index("H26031") < ranked["child"].index("H2511")
    assert ranked["unknown"].index("H2511") < ranked["unknown"].index("H26031")


def test_coverage_counts_gold_codes_missing_from_the_code_set(suggester: Suggester) -> None:
    # T81.4XX was deleted after 2018; S09.93X is covered by the codes extending it
    codes = (GoldCode(System.ICD10CM, "T81.4XX"), GoldCode(System.ICD10CM, "S09.93X"))
    notes = [
        LabeledNote("a", "Wound infection after surgery.", codes, Setting.INPATIENT),
        LabeledNote("b", "Wound infection.", codes[:1], Setting.INPATIENT),
    ]
    coverage = evaluate(suggester, CorpusRead("jsonl:test", notes)).diagnoses.coverage
    assert (coverage.gold_codes, coverage.distinct) == (3, 2)
    assert (coverage.missing, coverage.missing_distinct) == (2, 1)
    assert coverage.missing_examples == ("T81.4XX",)


def test_setting_chooses_the_procedure_system(suggester: Suggester, dev_sample: CorpusRead) -> None:
    outpatient = evaluate(
        suggester, CorpusRead(dev_sample.source, dev_sample.notes[:3]), Setting.OUTPATIENT
    )
    assert outpatient.procedures.systems == ["cpt"] and outpatient.procedures.gold_codes == 0
    pcs = sum(len(n.codes_for(System.ICD10PCS)) for n in dev_sample.notes[:3])
    assert outpatient.to_json()["unscored_gold"] == {"icd10pcs": pcs}
    with pytest.raises(ValueError, match="'emergency'"):
        evaluate(suggester, dev_sample, "emergency")


def test_ranked_note_keeps_each_code_once_with_its_best_score() -> None:
    note = RankedNote.build(
        "n", System.ICD10PCS, [("CT13ZZZ", 0.9), ("ct13zzz", 0.5), ("CT134ZZ", 0.4)], ["ct13"]
    )
    assert note.codes == ("CT13ZZZ", "CT134ZZ") and note.scores == (0.9, 0.4)
    assert note.matched == ("CT13", None)  # each gold code is matched once


def test_report_writes_markdown_and_plots(evaluation: Evaluation, tmp_path: Path) -> None:
    path = write_report(evaluation, tmp_path / "report")
    text = path.read_text()
    assert path.name == "report.md"
    assert evaluation.model_version in text and evaluation.corpus in text
    assert evaluation.evaluated_at in text and "extends" in text  # the matching rule
    assert "ECE" in text and "## Must-not codes in the top 10" in text
    for plot in (PR_PLOT, BAND_PLOT, CALIBRATION_PLOT):
        png = (tmp_path / "report" / plot).read_bytes()
        assert png.startswith(b"\x89PNG") and len(png) > 5_000
        assert f"]({plot})" in text


def test_map_loss_accounts_for_the_whole_map() -> None:
    notes = [
        # gold a, b: a found at rank 2, b never suggested -> AP 0.25, ordered 0.5
        RankedNote.build("1", System.ICD10CM, [("X1", 0.9), ("A", 0.8)], ["A", "B"]),
        # no gold but suggestions: counted as 0
        RankedNote.build("2", System.ICD10CM, [("X2", 0.5)], []),
        # nothing either way: not counted
        RankedNote.build("3", System.ICD10CM, [], []),
    ]
    loss = MapLoss.of(notes)
    assert loss.map == pytest.approx(0.125) and loss.ordered_map == pytest.approx(0.25)
    assert loss.candidate_recall == pytest.approx(0.5)
    assert loss.loss_order == pytest.approx(0.125)
    assert loss.loss_never_suggested == pytest.approx(0.25)
    assert loss.loss_no_gold == pytest.approx(0.5)
    parts = loss.map + loss.loss_order + loss.loss_never_suggested + loss.loss_no_gold
    assert parts == pytest.approx(1.0)


def test_map_loss_agrees_with_the_group_map(evaluation: Evaluation) -> None:
    for group in evaluation.groups:
        assert group.map_loss().map == pytest.approx(group.metrics["map"])
        assert set(evaluation.to_json()[group.name]["map_loss"]) >= {"ordered_map", "loss_order"}
