"""Metrics on toy rankings whose values are worked out by hand in the comments."""

from __future__ import annotations

from dataclasses import astuple

import pytest

from training.metrics import (
    OFFICIAL_DEPTH,
    PRF,
    average_precision,
    confident_wrong,
    expected_calibration_error,
    macro_f1,
    mean_average_precision,
    mean_precision_at_k,
    mean_recall_at_k,
    micro_f1,
    must_not_hits,
    precision_at_k,
    ranked_matches,
    recall_at_k,
)


def test_average_precision_sums_precision_at_hits_over_gold_count() -> None:
    # hits at ranks 1, 3, 5: (1/1 + 2/3 + 3/5) / 4 gold codes = 2.2667 / 4
    ranked = ["A01", "X01", "B01", "Y01", "C01"]
    gold = {"A01", "B01", "C01", "D01"}
    expected = (1 + 2 / 3 + 3 / 5) / 4
    assert average_precision(ranked, gold) == pytest.approx(expected)
    assert average_precision(ranked, gold, prefix_match=False) == pytest.approx(expected)


def test_average_precision_divides_by_gold_codes_not_hits() -> None:
    # one hit at rank 2: (1/2) / 2 gold codes = 0.25 (dividing by hits would give 0.5)
    assert average_precision(["X01", "A01"], ["A01", "B01"]) == pytest.approx(0.25)


def test_repeated_codes_count_once_and_later_codes_move_up() -> None:
    # "a01" and "A0.1" repeat A01; the ranking is A01, X01, B01: (1/1 + 2/3) / 2 = 0.8333
    ranked = ["A01", "a01", "A0.1", "X01", "B01"]
    assert average_precision(ranked, ["A01", "B01"]) == pytest.approx((1 + 2 / 3) / 2)
    # repeated gold codes count once too: 1 hit / 1 gold code
    assert average_precision(["A01"], ["a01", "A01"]) == pytest.approx(1.0)


def test_codes_compare_without_case_or_dots() -> None:
    assert average_precision(["e11.9"], ["E119"], prefix_match=False) == 1.0


def test_prefix_match_credits_full_codes_for_truncated_gold() -> None:
    gold = ["s09.93x", "ct13"]
    ranked = ["S09.93XA", "CT13ZZZ"]
    # both hit: (1/1 + 2/2) / 2 = 1.0; exact matching finds neither
    assert average_precision(ranked, gold) == 1.0
    assert average_precision(ranked, gold, prefix_match=False) == 0.0


def test_each_gold_code_is_matched_once() -> None:
    # CT13ZZZ takes ct13, CT134ZZ finds it taken (miss), BT41ZZZ hits at rank 3:
    # (1/1 + 2/3) / 2 = 0.8333
    ranked = ["CT13ZZZ", "CT134ZZ", "BT41ZZZ"]
    assert average_precision(ranked, ["ct13", "bt41zzz"]) == pytest.approx((1 + 2 / 3) / 2)


def test_prediction_shorter_than_gold_does_not_match() -> None:
    assert average_precision(["S09.93X"], ["S09.93XA"]) == 0.0


def test_prediction_takes_the_longest_gold_code_it_extends() -> None:
    # A01.11 extends both A01.1 and A01 and takes A01.1; A01.2 then takes A01:
    # (1/1 + 2/2) / 2 = 1.0. Taking A01 first would leave A01.2 nothing (0.5).
    assert average_precision(["A01.11", "A01.2"], ["A01", "A01.1"]) == 1.0


def test_empty_ranking_or_empty_gold_scores_zero() -> None:
    assert average_precision([], ["A01"]) == 0.0
    assert average_precision(["A01"], []) == 0.0
    assert average_precision(["", " "], [""]) == 0.0  # blank codes are ignored


def test_depth_cuts_the_ranking_after_dedup() -> None:
    # depth 2 keeps A01, X01 (the repeat of A01 does not use a place): (1/1) / 2 = 0.5
    assert average_precision(["A01", "A01", "X01", "B01"], ["A01", "B01"], depth=2) == 0.5
    # the official cut-off is rank 1000: a hit at rank 1001 is not scored
    ranked = [f"X{i:04d}" for i in range(OFFICIAL_DEPTH)] + ["A01"]
    assert average_precision(ranked, ["A01"]) == 0.0
    assert average_precision(ranked, ["A01"], depth=None) == pytest.approx(1 / 1001)
    with pytest.raises(ValueError, match="depth"):
        average_precision(["A01"], ["A01"], depth=0)


def test_a_bare_string_is_refused() -> None:
    with pytest.raises(TypeError, match="string"):
        average_precision("E11.9", ["E11.9"])


def test_mean_average_precision_scores_unpredicted_notes_zero() -> None:
    rankings = {"n1": ["A01", "X01", "B01"], "n2": ["Y01"], "other": ["Z01"]}
    gold = {"n1": ["A01", "B01"], "n2": ["C01"], "n3": ["D01"]}
    # n1: (1/1 + 2/3) / 2 = 0.8333; n2: 0; n3 has no ranking: 0; "other" is not in gold
    assert mean_average_precision(rankings, gold) == pytest.approx((1 + 2 / 3) / 2 / 3)


def test_mean_average_precision_notes_without_gold_codes() -> None:
    gold = {"n1": ["A01"], "empty": []}
    # with predictions the code-less note scores 0: (1 + 0) / 2
    assert mean_average_precision({"n1": ["A01"], "empty": ["Z01"]}, gold) == 0.5
    # with none it is left out: 1 / 1
    assert mean_average_precision({"n1": ["A01"], "empty": []}, gold) == 1.0
    assert mean_average_precision({"n1": ["A01"]}, gold) == 1.0
    assert mean_average_precision({}, {}) == 0.0


def test_precision_and_recall_at_k() -> None:
    ranked = ["A01", "X01", "A01", "B01", "Y01"]  # distinct: A01 X01 B01 Y01
    gold = ["A01", "B01", "C01"]
    assert precision_at_k(ranked, gold, 1) == 1.0  # 1 hit / 1
    assert precision_at_k(ranked, gold, 2) == 0.5  # 1 hit / 2
    assert precision_at_k(ranked, gold, 3) == pytest.approx(2 / 3)  # 2 hits / 3
    assert precision_at_k(ranked, gold, 10) == 0.2  # 2 hits / 10: divides by k
    assert recall_at_k(ranked, gold, 1) == pytest.approx(1 / 3)  # 1 of 3 gold codes
    assert recall_at_k(ranked, gold, 10) == pytest.approx(2 / 3)  # 2 of 3
    assert recall_at_k(ranked, [], 10) == 0.0
    assert precision_at_k([], gold, 5) == 0.0
    with pytest.raises(ValueError, match="k must be"):
        precision_at_k(ranked, gold, 0)


def test_precision_and_recall_at_k_use_prefix_matching() -> None:
    # CT13ZZZ takes ct13, CT134ZZ is a miss: P@2 = 1/2, R@2 = 1/1
    assert precision_at_k(["CT13ZZZ", "CT134ZZ"], ["ct13"], 2) == 0.5
    assert recall_at_k(["CT13ZZZ", "CT134ZZ"], ["ct13"], 2) == 1.0
    assert recall_at_k(["CT13ZZZ"], ["ct13"], 2, prefix_match=False) == 0.0


def test_mean_precision_and_recall_at_k() -> None:
    rankings = {"n1": ["A01", "X01"], "n2": ["Y01", "B01"], "empty": []}
    gold = {"n1": ["A01"], "n2": ["B01", "C01"], "n3": ["D01"], "empty": []}
    # P@1: n1 1/1, n2 0/1, n3 0/1 ("empty" left out) -> 1/3
    assert mean_precision_at_k(rankings, gold, 1) == pytest.approx(1 / 3)
    # R@2: n1 1/1, n2 1/2, n3 0/1 -> 1.5 / 3 = 0.5
    assert mean_recall_at_k(rankings, gold, 2) == 0.5


def test_micro_f1_pools_counts_over_notes() -> None:
    predicted = {"n1": {"A01", "X01"}, "n2": {"B01"}}
    gold = {"n1": {"A01", "C01"}, "n2": {"B01"}, "n3": {"D01"}}
    # TP 1 + 1 = 2; predictions 2 + 1 = 3; gold 2 + 1 + 1 = 4
    # P = 2/3, R = 2/4, F1 = 2 * (2/3) * (1/2) / (2/3 + 1/2) = 4/7
    result = micro_f1(predicted, gold)
    assert result.precision == pytest.approx(2 / 3)
    assert result.recall == pytest.approx(0.5)
    assert result.f1 == pytest.approx(4 / 7)


def test_macro_f1_averages_over_codes() -> None:
    predicted = {"n1": {"A01", "X01"}, "n2": {"B01"}}
    gold = {"n1": {"A01", "C01"}, "n2": {"B01"}, "n3": {"D01"}}
    # per code (P, R, F1): A01 (1, 1, 1), B01 (1, 1, 1), X01 only predicted (0, 0, 0),
    # C01 and D01 never predicted (0, 0, 0) -> each mean is 2/5
    assert astuple(macro_f1(predicted, gold)) == pytest.approx((0.4, 0.4, 0.4))


def test_f1_prefix_matching_and_empty_input() -> None:
    predicted = {"n1": ["CT13ZZZ", "CT134ZZ"]}
    gold = {"n1": ["ct13"]}
    # micro: TP 1, predictions 2, gold 1 -> P 1/2, R 1, F1 2/3
    assert astuple(micro_f1(predicted, gold)) == pytest.approx((0.5, 1.0, 2 / 3))
    # macro: CT13 (TP 1, FP 0 -> 1, 1, 1); CT134ZZ only predicted (0, 0, 0) -> 1/2 each
    assert macro_f1(predicted, gold) == PRF(0.5, 0.5, 0.5)
    # exact: CT13ZZZ and CT134ZZ are false positives, CT13 a false negative
    assert micro_f1(predicted, gold, prefix_match=False) == PRF(0.0, 0.0, 0.0)
    assert macro_f1({}, {}) == PRF(0.0, 0.0, 0.0)
    assert micro_f1({}, {"n1": ["A01"]}) == PRF(0.0, 0.0, 0.0)


def test_ranked_matches_names_the_gold_code_each_suggestion_took() -> None:
    # as in test_each_gold_code_is_matched_once: CT134ZZ finds ct13 taken
    matches = ranked_matches(["CT13ZZZ", "ct13zzz", "CT134ZZ", "BT41ZZZ"], ["ct13", "bt41zzz"])
    assert matches == [("CT13ZZZ", "CT13"), ("CT134ZZ", None), ("BT41ZZZ", "BT41ZZZ")]


def test_must_not_hits_are_forbidden_codes_within_the_first_k() -> None:
    # E10.9 at rank 1 and S36.510A (under the forbidden category S36) at rank 3 are hits;
    # R58 at rank 4 is beyond k=3; the repeated e10.9 counts once
    ranked = ["E10.9", "e10.9", "E11.9", "S36.510A", "R58"]
    forbidden = {"E10.9", "S36", "R58"}
    assert must_not_hits(ranked, forbidden, 3) == ["E109", "S36510A"]
    assert must_not_hits(ranked, forbidden, 10) == ["E109", "S36510A", "R58"]
    assert must_not_hits(ranked, forbidden, 10, prefix_match=False) == ["E109", "R58"]
    assert must_not_hits(ranked, set(), 10) == []  # CodiEsp lists no must-not codes
    with pytest.raises(ValueError, match="k must be at least 1"):
        must_not_hits(ranked, forbidden, 0)


def test_confident_wrong_counts_errors_at_or_above_the_threshold() -> None:
    # scores >= 0.5: 0.9 (right), 0.7 (wrong), 0.5 (wrong); 0.49 wrong but not confident
    scores = [0.9, 0.7, 0.5, 0.49, 0.1]
    correct = [True, False, False, False, True]
    assert confident_wrong(scores, correct) == (2, 3)
    assert confident_wrong(scores, correct, threshold=0.8) == (0, 1)
    assert confident_wrong([], []) == (0, 0)


def test_expected_calibration_error_by_hand() -> None:
    # 10 bins. Bin [0.9, 1.0]: scores 0.95 and 1.0 (mean 0.975), 1 of 2 right: gap 0.475.
    # Bin [0.2, 0.3): 0.2, wrong: gap 0.2. Bin [0.3, 0.4): 0.3, right: gap 0.7.
    # ECE = (2 * 0.475 + 0.2 + 0.7) / 4 = 0.4625.
    scores = [0.95, 1.0, 0.2, 0.3]
    correct = [True, False, False, True]
    assert expected_calibration_error(scores, correct) == pytest.approx(0.4625)
    # perfectly calibrated: in bin [0.5, 0.6) mean 0.5 and half right
    assert expected_calibration_error([0.5, 0.5], [True, False]) == pytest.approx(0.0)
    # two bins: [0, 0.5) holds 0.2 and 0.3 (mean 0.25, 1 of 2 right: gap 0.25),
    # [0.5, 1] holds 0.95 and 1.0 (gap 0.475): (2 * 0.25 + 2 * 0.475) / 4 = 0.3625
    assert expected_calibration_error(scores, correct, bins=2) == pytest.approx(0.3625)
    assert expected_calibration_error([], []) == 0.0


def test_expected_calibration_error_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="2 scores but 1"):
        expected_calibration_error([0.1, 0.2], [True])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        expected_calibration_error([1.2], [True])
    with pytest.raises(ValueError, match="bins must be at least 1"):
        expected_calibration_error([0.5], [True], bins=0)
