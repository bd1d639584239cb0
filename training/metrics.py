"""Scores for ranked and thresholded code suggestions, defined once so that
``codesuggest evaluate``, the benchmarks and the tests report the same numbers,
and so that MAP can be compared with the published CodiEsp results.

Official CodiEsp MAP (what ``average_precision``/``mean_average_precision``
reproduce). Source read: TeMU-BSC/codiesp-evaluation-script,
``codiespD_P_evaluation.py`` (commit 0da7548), which lower-cases codes, drops
repeated (note, code) rows keeping the first, drops predicted codes missing from
the valid-code list, and calls ``trectools.TrecEval(run, qrels).get_map(
trec_eval=False)`` with the pinned ``trectools==0.0.42``
(``requeriments.txt``). In trectools 0.0.42 ``get_map``:

- keeps the first ``depth=1000`` codes of each note in the order given;
- per note, AP = sum over ranks r holding a gold code of (gold codes in the top
  r) / r, divided by the number of distinct gold codes of the note (not by
  the number of hits), so gold codes never predicted count as zero;
- MAP = sum of per-note AP / the number of notes that have at least one
  prediction (``len(run.topics())``). A note with gold codes but no prediction
  is therefore left out of the mean, and a note with predictions but no gold
  codes scores 0.

Where we differ, on purpose: a note in ``gold`` with no prediction scores 0 (as
``trec_eval -c`` would) instead of being left out, so abstaining can never raise
the score; we do not filter predictions against a valid-code list (filter them
first for that); and by default a predicted code also matches a shorter gold
code it extends (see ``average_precision``). With ``prefix_match=False`` and
every note predicted, our MAP equals the official one.

All functions compare codes normalised by ``code_index.records.normalize_code``
(``s09.93x`` == ``S0993X``) and ignore blank codes. Score diagnoses and
procedures separately, as CodiEsp does: the functions do not know code systems.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from code_index.records import normalize_code

OFFICIAL_DEPTH = 1000
"""The rank cut-off of the official CodiEsp MAP (trectools ``get_map`` default)."""


@dataclass(frozen=True, slots=True)
class PRF:
    """Precision, recall and F1 of a set of predictions, each in [0, 1]."""

    precision: float
    recall: float
    f1: float


def average_precision(
    ranked: Sequence[str],
    gold: Collection[str],
    *,
    prefix_match: bool = True,
    depth: int | None = OFFICIAL_DEPTH,
) -> float:
    """Average precision of one note's ranked codes, as CodiEsp scores it.

    Repeats of a code in ``ranked`` count once, at their first rank, and later
    codes move up (the official script deletes repeats before ranking). Only the
    first ``depth`` distinct codes are scored (None: all). The sum of precision
    at each hit is divided by the number of distinct gold codes.

    ``prefix_match``: CodiEsp gold codes are sometimes shorter than a reportable
    code (ICD-10-PCS cut to 4 characters, ``ct13``; ICD-10-CM injuries without
    their 7th character, ``s09.93x``). With ``prefix_match=True`` a predicted
    code matches a gold code it equals or extends (``CT13ZZZ`` matches ``ct13``,
    ``S09.93XA`` matches ``s09.93x``); each gold code is matched at most once,
    so a second code extending ``ct13`` is a miss. A prediction shorter than the
    gold code never matches. ``False`` is the official exact-match rule.

    A note without gold codes scores 0.
    """
    _check_cutoff("depth", depth)
    return _average_precision(_distinct_keys(ranked), _gold_keys(gold), prefix_match, depth)


def mean_average_precision(
    rankings: Mapping[str, Sequence[str]],
    gold: Mapping[str, Collection[str]],
    *,
    prefix_match: bool = True,
    depth: int | None = OFFICIAL_DEPTH,
) -> float:
    """Mean of ``average_precision`` over the notes in ``gold``.

    A note missing from ``rankings`` or with an empty ranking scores 0. A note
    with no gold codes scores 0 if it has predictions (every one is wrong; the
    official script also counts such a note as 0) and is left out if it has none
    (nothing to find and nothing claimed; the official script never sees it).
    Rankings for notes not in ``gold`` are ignored. 0.0 when no note counts.
    """
    _check_cutoff("depth", depth)
    return _mean(
        [
            _average_precision(keys, gold_keys, prefix_match, depth)
            for keys, gold_keys in _scored_notes(rankings, gold)
        ]
    )


def precision_at_k(
    ranked: Sequence[str], gold: Collection[str], k: int, *, prefix_match: bool = True
) -> float:
    """Share of the first ``k`` distinct ranked codes that match a gold code.

    Divides by ``k`` even when fewer codes were ranked (as trec_eval's P@k).
    Matching as in ``average_precision``.
    """
    _check_cutoff("k", k)
    return _hit_count(_distinct_keys(ranked), _gold_keys(gold), prefix_match, k) / k


def recall_at_k(
    ranked: Sequence[str], gold: Collection[str], k: int, *, prefix_match: bool = True
) -> float:
    """Share of the distinct gold codes matched by the first ``k`` distinct
    ranked codes; 0 for a note without gold codes. Matching as in
    ``average_precision``."""
    _check_cutoff("k", k)
    return _recall(_distinct_keys(ranked), _gold_keys(gold), prefix_match, k)


def ranked_matches(
    ranked: Sequence[str], gold: Collection[str], *, prefix_match: bool = True
) -> list[tuple[str, str | None]]:
    """Each distinct ranked code (normalised, in order) with the normalised gold
    code it matched, or None: the hits ``average_precision`` counts, one by one,
    for analyses of single suggestions (precision-recall curves, calibration).
    Every ranked code is returned (no depth cut-off); matching as in
    ``average_precision``."""
    keys = _distinct_keys(ranked)
    return list(zip(keys, _matches(keys, _gold_keys(gold), prefix_match, None), strict=True))


def mean_precision_at_k(
    rankings: Mapping[str, Sequence[str]],
    gold: Mapping[str, Collection[str]],
    k: int,
    *,
    prefix_match: bool = True,
) -> float:
    """Mean ``precision_at_k`` over the notes in ``gold``, counting notes as
    ``mean_average_precision`` does."""
    _check_cutoff("k", k)
    return _mean(
        [
            _hit_count(keys, gold_keys, prefix_match, k) / k
            for keys, gold_keys in _scored_notes(rankings, gold)
        ]
    )


def mean_recall_at_k(
    rankings: Mapping[str, Sequence[str]],
    gold: Mapping[str, Collection[str]],
    k: int,
    *,
    prefix_match: bool = True,
) -> float:
    """Mean ``recall_at_k`` over the notes in ``gold``, counting notes as
    ``mean_average_precision`` does."""
    _check_cutoff("k", k)
    return _mean(
        [
            _recall(keys, gold_keys, prefix_match, k)
            for keys, gold_keys in _scored_notes(rankings, gold)
        ]
    )


def must_not_hits(
    ranked: Sequence[str], must_not: Collection[str], k: int, *, prefix_match: bool = True
) -> list[str]:
    """The first ``k`` distinct ranked codes (normalised, in order) that a coder said
    must not be reported for the note: clinical errors, not mere misses. A ranked code
    hits a must-not code it equals or (with ``prefix_match``) extends, so a must-not
    category (``S36``) catches every code under it."""
    _check_cutoff("k", k)
    forbidden = _gold_keys(must_not)
    return [
        key
        for key in _distinct_keys(ranked)[:k]
        if any(key == bad or (prefix_match and key.startswith(bad)) for bad in forbidden)
    ]


def confident_wrong(
    scores: Sequence[float], correct: Sequence[bool], *, threshold: float = 0.5
) -> tuple[int, int]:
    """(wrong, confident): how many suggestions score at least ``threshold`` and how
    many of those match no gold code; a coder trusts a high score, so these are the
    errors that cost most."""
    confident = [right for score, right in zip(scores, correct, strict=True) if score >= threshold]
    return sum(not right for right in confident), len(confident)


def expected_calibration_error(
    scores: Sequence[float], correct: Sequence[bool], *, bins: int = 10
) -> float:
    """Expected calibration error: over ``bins`` equal-width score bins on [0, 1] (a
    score of 1.0 falls in the last), the gap between the bin's mean score and its share
    of correct suggestions, weighted by the bin's share of all suggestions. 0 when
    the scores are probabilities of being right; 0.0 for no suggestions."""
    _check_cutoff("bins", bins)
    if len(scores) != len(correct):
        raise ValueError(f"{len(scores)} scores but {len(correct)} correct flags")
    sums: list[list[float]] = [[0, 0.0, 0] for _ in range(bins)]  # count, score, correct
    for score, right in zip(scores, correct, strict=True):
        if not 0.0 <= score <= 1.0:
            raise ValueError(f"scores must lie in [0, 1], got {score}")
        tally = sums[min(int(score * bins), bins - 1)]
        tally[0] += 1
        tally[1] += score
        tally[2] += right
    total = len(scores)
    return sum(abs(score - right) / total for _, score, right in sums) if total else 0.0


def micro_f1(
    predicted: Mapping[str, Collection[str]],
    gold: Mapping[str, Collection[str]],
    *,
    prefix_match: bool = True,
) -> PRF:
    """Precision, recall and F1 of predicted code sets, pooled over all notes.

    True positives, predictions and gold codes are summed over the notes in
    ``gold`` before dividing, as the official CodiEsp ``comp_f1_diag_proc.py``
    does, except that predictions for notes not in ``gold`` are ignored (the
    official script counts them as false positives). Matching as in
    ``average_precision``; a ratio with a zero denominator is 0.
    """
    hits = predictions = gold_codes = 0
    for keys, gold_keys in _scored_notes(predicted, gold):
        hits += _hit_count(keys, gold_keys, prefix_match, None)
        predictions += len(keys)
        gold_codes += len(gold_keys)
    return _prf(hits, predictions, gold_codes)


def macro_f1(
    predicted: Mapping[str, Collection[str]],
    gold: Mapping[str, Collection[str]],
    *,
    prefix_match: bool = True,
) -> PRF:
    """Precision, recall and F1 averaged over codes (labels), so rare codes
    weigh as much as common ones.

    Each code's precision, recall and F1 are computed over all notes in
    ``gold`` and the three are averaged separately over every code that is a
    gold code or a prediction somewhere (scikit-learn's ``average="macro"``
    with ``zero_division=0``). A prediction matched to a shorter gold code by
    ``prefix_match`` is a true positive of the gold code.
    """
    tp: Counter[str] = Counter()  # per code: true positives, false positives, false negatives
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for keys, gold_keys in _scored_notes(predicted, gold):
        ordered = sorted(keys)  # predicted sets have no order; sort for stable labels
        matches = _matches(ordered, gold_keys, prefix_match, None)
        for key, match in zip(ordered, matches, strict=True):
            if match is None:
                fp[key] += 1
            else:
                tp[match] += 1
        fn.update(gold_keys.difference(matches))
    labels = tp.keys() | fp.keys() | fn.keys()
    per_label = [_prf(tp[c], tp[c] + fp[c], tp[c] + fn[c]) for c in labels]
    return PRF(
        precision=_mean([s.precision for s in per_label]),
        recall=_mean([s.recall for s in per_label]),
        f1=_mean([s.f1 for s in per_label]),
    )


def _matches(
    keys: list[str], gold_keys: set[str], prefix_match: bool, depth: int | None
) -> list[str | None]:
    """For each predicted key in order (up to ``depth``), the gold key it
    matched, or None.

    A prediction takes the longest still-unmatched gold code it equals or (with
    ``prefix_match``) extends. The gold codes one prediction can take are all
    prefixes of it, so any prediction that could take a longer one could take
    the shorter ones too: taking the longest is never worse, and the number of
    hits in the top r is the most any one-to-one matching allows, for every r.
    """
    unmatched = set(gold_keys)
    result: list[str | None] = []
    for key in keys[:depth]:
        if prefix_match:
            candidates = [g for g in unmatched if key.startswith(g)]
            match = max(candidates, key=len) if candidates else None
        else:
            match = key if key in unmatched else None
        if match is not None:
            unmatched.discard(match)
        result.append(match)
    return result


def _hit_count(keys: list[str], gold_keys: set[str], prefix_match: bool, depth: int | None) -> int:
    return sum(match is not None for match in _matches(keys, gold_keys, prefix_match, depth))


def _average_precision(
    keys: list[str], gold_keys: set[str], prefix_match: bool, depth: int | None
) -> float:
    if not gold_keys:
        return 0.0
    hits = 0
    total = 0.0
    for rank, match in enumerate(_matches(keys, gold_keys, prefix_match, depth), start=1):
        if match is not None:
            hits += 1
            total += hits / rank
    return total / len(gold_keys)


def _recall(keys: list[str], gold_keys: set[str], prefix_match: bool, k: int) -> float:
    if not gold_keys:
        return 0.0
    return _hit_count(keys, gold_keys, prefix_match, k) / len(gold_keys)


def _distinct_keys(codes: Iterable[str]) -> list[str]:
    """Normalised non-blank codes, first occurrence kept, order preserved."""
    if isinstance(codes, str):  # a str is a Sequence[str]: "E11.9" would be five codes
        raise TypeError(f"expected a collection of codes, got the string {codes!r}")
    keys = (normalize_code(code) for code in codes)
    return list(dict.fromkeys(key for key in keys if key))


def _gold_keys(gold: Iterable[str]) -> set[str]:
    return set(_distinct_keys(gold))


def _scored_notes(
    predictions: Mapping[str, Iterable[str]], gold: Mapping[str, Iterable[str]]
) -> list[tuple[list[str], set[str]]]:
    """(predicted keys, gold keys) of the notes a mean counts: every note in
    ``gold`` except those with neither gold codes nor predictions."""
    notes = []
    for note_id, codes in gold.items():
        keys = _distinct_keys(predictions.get(note_id, ()))
        gold_keys = _gold_keys(codes)
        if keys or gold_keys:
            notes.append((keys, gold_keys))
    return notes


def _prf(hits: int, predictions: int, gold_codes: int) -> PRF:
    precision = hits / predictions if predictions else 0.0
    recall = hits / gold_codes if gold_codes else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PRF(precision, recall, f1)


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _check_cutoff(name: str, value: int | None) -> None:
    if value is not None and value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
