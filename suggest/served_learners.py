"""The learned models' serving halves: what reading one note needs of a fitted label
model, note model, term associations and note-level decision, without scikit-learn.

A trained model's estimators (``suggest.label_model``, ``suggest.note_model``,
``suggest.note_decision``) are scikit-learn estimators, so unpickling them imports
scikit-learn (with ``scipy.stats`` and pandas: about a second of a cold start), though a
note is read from their fitted arrays alone. Each estimator hands its arrays (the same
objects, not copies) to one of these, and serves its own notes through it, so training
and serving read a note with the same code; a served model holds these in place of the
estimators (``suggest.model``), cached beside the model by its first load.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar, cast

import numpy as np

from code_index.records import System
from suggest.code_categories import CATEGORY_LENGTH, code_category
from suggest.note_vectors import CharGramCounter, TfidfWeights, word_grams, word_vector
from suggest.scaled_logistic import expit

if TYPE_CHECKING:  # a trained model's arrays; the default model is served without scipy
    import scipy.sparse as sp

CodeKey = tuple[System, str]
_WORD = re.compile(r"[^\W\d_]{3,}")
_Form = TypeVar("_Form")


class KeepsServedForm:
    """A fitted estimator that keeps its served form for the life of the process (it
    holds per-process caches, such as the words met so far) and never pickles it."""

    def _served_form(self, build: Callable[[], _Form]) -> _Form:
        found = self.__dict__.get("_served")
        if found is None:
            found = self.__dict__["_served"] = build()
        return found  # type: ignore[no-any-return]

    def _forget_served_form(self) -> None:
        """Drop the served form of the arrays fitted before (a refit)."""
        self.__dict__.pop("_served", None)

    def __getstate__(self) -> dict[str, object]:
        # a copy: ``object.__getstate__`` gives the live ``__dict__``, whose form stays
        state = dict(cast(dict[str, object], super().__getstate__()))
        state.pop("_served", None)  # a cache of this process, rebuilt on first use
        return state


@dataclass(frozen=True)
class NoteReading:
    """What the label model read of one note: its best codes and its n-gram vector."""

    text: str
    vector: sp.csr_matrix | None  # None: not kept (training reads scores only)
    scores: dict[CodeKey, float]
    # the training notes' columns of its n-grams (``LabelReader.matrix_[:, vector.indices]``)
    columns: sp.csc_matrix | None = None


@dataclass
class LabelReader:
    """A fitted ``LabelModel``'s reading of one note: its codes' scores (the note's
    TF-IDF vector's similarities to the training notes times the dual coefficients) and
    the note words that weigh most for a code (its evidence)."""

    counter: CharGramCounter  # the note's n-gram vector, word by word
    matrix_: sp.csc_matrix  # the training notes' vectors, by column
    dual_coef_: np.ndarray
    classes_: list[CodeKey]
    column_: dict[CodeKey, int]
    names_: np.ndarray  # the n-grams, by column

    def read(self, text: str, limit: int) -> NoteReading:
        """One note's ``limit`` best-scoring codes (above zero), with its vector kept for
        :meth:`evidence`."""
        vector = self.counter.vector(text)
        # the training notes' columns of the note's n-grams, cut once: the similarities
        # (each summed in the order ``LabelModel._decide``'s product sums it) and the
        # evidence read them
        columns = self.matrix_[:, vector.indices]
        similarities = (columns @ vector.data).astype(np.float32, copy=False)
        scores = (similarities[None, :] @ self.dual_coef_)[0]
        return NoteReading(text, vector, top_scores(scores, self.classes_, limit), columns)

    def evidence(
        self, reading: NoteReading, keys: Sequence[CodeKey], limit: int
    ) -> dict[CodeKey, list[tuple[int, int]]]:
        """Per code, the character offsets of up to ``limit`` note words that weigh most
        for it: the words holding the note's n-grams with the highest share of the code's
        (primal) coefficients, best first. Never empty for a note with a word."""
        text = reading.text
        lowered = text.lower()
        vector = reading.vector
        if vector is None:
            vector = self.counter.vector(text)
        grams = vector.indices
        if not keys or not len(grams):
            return {key: _first_word(text) for key in keys}
        columns = [self.column_[key] for key in keys]
        # the codes' primal weights of the note's n-grams only: X[:, grams]^T A[:, codes],
        # times the n-grams' weights in the note
        own = reading.columns if reading.columns is not None else self.matrix_[:, grams]
        weights = np.asarray(own.T @ self.dual_coef_[:, columns])
        weights *= vector.data[:, None]
        names = self.names_
        result: dict[CodeKey, list[tuple[int, int]]] = {}
        for j, key in enumerate(keys):
            places: list[tuple[int, int]] = []
            for g in _descending(weights[:, j]):
                if weights[g, j] <= 0 or len(places) == limit:
                    break
                place = _word_with(text, lowered, str(names[grams[g]]).strip())
                if place is not None and place not in places:
                    places.append(place)
            result[key] = places or _first_word(text)
        return result


def _descending(values: np.ndarray, first: int = 32) -> Iterator[int]:
    """Positions of ``values`` from the largest down, ties in position order: what
    ``np.argsort(-values, kind="stable")`` gives, sorting only the largest ``first`` (and
    every value tied with them) until more are asked for. Evidence needs a few words of
    a note's thousands of n-grams."""
    if len(values) <= first:
        yield from np.argsort(-values, kind="stable").tolist()
        return
    threshold = np.partition(values, len(values) - first)[len(values) - first]
    top = np.flatnonzero(values >= threshold)
    yield from top[np.argsort(-values[top], kind="stable")].tolist()
    rest = np.flatnonzero(~(values >= threshold))  # NaN, as argsort does, last
    yield from rest[np.argsort(-values[rest], kind="stable")].tolist()


def _word_with(text: str, lowered: str, gram: str) -> tuple[int, int] | None:
    """The word of the note around the first place of ``gram`` (a character n-gram)."""
    at = lowered.find(gram) if gram else -1
    if at < 0:
        return None
    start, end = at, at + len(gram)
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    while end < len(text) and text[end].isalpha():
        end += 1
    while start < end and not text[start].isalpha():
        start += 1
    while end > start and not text[end - 1].isalpha():
        end -= 1
    return (start, end) if end > start else None


def _first_word(text: str) -> list[tuple[int, int]]:
    found = _WORD.search(text)
    return [(found.start(), found.end())] if found else []


def top_scores(
    row: np.ndarray, classes: Sequence[CodeKey], limit: int, floor: float = 0.0
) -> dict[CodeKey, float]:
    """The ``limit`` highest scores of ``row`` above ``floor``, by class (ties by code)."""
    if limit <= 0 or not len(row):
        return {}
    count = min(limit, len(row))
    best = np.argpartition(-row, count - 1)[:count]
    best = best[row[best] > floor].tolist()
    # as Python floats and strings: a sort key of NumPy scalars cost more than the scoring
    values = row[best].tolist()
    chosen = sorted(zip(values, best, strict=True), key=lambda p: (-p[0], classes[p[1]][1]))
    return {classes[j]: value for value, j in chosen}


@dataclass
class NeighborScorer:
    """A fitted ``NoteNeighbors``' scores of one note: each training code weighted by how
    strongly the note's nearest training notes carry it; with the codes' priors, their
    categories' and the words that set each code's notes apart (its evidence)."""

    n_neighbors: int
    power: float
    weights: TfidfWeights  # the word vectorizer's
    matrix_: sp.csr_matrix  # the training notes' vectors
    labels_: sp.csr_matrix  # notes by codes, 0/1
    classes_: list[CodeKey]
    prior_: dict[CodeKey, float]
    profiles_: dict[CodeKey, tuple[str, ...]]

    def scores(self, text: str, grams: Sequence[str] | None = None) -> dict[CodeKey, float]:
        """Each training code's neighbour score (0..1) for a new note (``grams``: its
        ``word_grams`` of at least two words, where already cut)."""
        if grams is None:
            grams = word_grams(text, 2)
        # one pass over the training vectors against the note's as a dense row: each
        # similarity summed in the order ``matrix_ @ vector.T`` sums it, without scipy's
        # conversion and two-pass sparse product
        return self.votes(self.matrix_ @ word_vector(grams, self.weights))

    def votes(self, similarities: np.ndarray) -> dict[CodeKey, float]:
        """The codes of the ``n_neighbors`` training notes most similar to a note (its
        ``similarities`` to each), weighted by similarity to the ``power``, as shares."""
        k = min(self.n_neighbors, len(similarities))
        nearest = np.argpartition(-similarities, k - 1)[:k]
        weights = np.power(np.clip(similarities[nearest], 0.0, None), self.power)
        total = float(weights.sum())
        if total <= 0:
            return {}
        # the neighbours' codes, weighted, added up neighbour by neighbour in float32 as
        # ``labels_[nearest].T @ weights`` adds them, without scipy's fancy indexing,
        # transpose and product set-up (a tenth of a millisecond a note)
        labels = self.labels_
        starts = labels.indptr[nearest]
        lengths = labels.indptr[nearest + 1] - starts
        ends = np.cumsum(lengths)
        at = np.arange(ends[-1]) + np.repeat(starts - (ends - lengths), lengths)
        votes = np.zeros(labels.shape[1], dtype=np.result_type(labels.dtype, weights.dtype))
        np.add.at(votes, labels.indices[at], labels.data[at] * np.repeat(weights, lengths))
        votes /= total
        found = np.flatnonzero(votes)
        classes = self.classes_
        return {
            classes[j]: value
            for j, value in zip(found.tolist(), votes[found].tolist(), strict=True)
        }

    def category_priors(self, length: int = CATEGORY_LENGTH) -> dict[CodeKey, float]:
        """Per category of ``length`` characters, the share of training notes that carry
        a code of it."""
        counts: Counter[CodeKey] = Counter()
        for row in self.labels_:
            counts.update({code_category(self.classes_[j], length) for j in row.indices})
        notes = max(self.labels_.shape[0], 1)
        return {category: count / notes for category, count in sorted(counts.items())}


@dataclass
class AssociationScorer:
    """Fitted ``TermAssociations``' scores of one note: per associated code, its
    strongest association among the note's terms, and the term."""

    associations_: Mapping[str, tuple[tuple[CodeKey, float], ...]]
    max_words: int  # the longest term's words: a note's ``word_grams`` are cut to it

    def scores(self, grams: Sequence[str]) -> dict[CodeKey, tuple[float, str]]:
        """Per associated code, its strongest association in the note (``grams``: the
        note's ``word_grams`` of at least ``max_words`` words) and the term."""
        best: dict[CodeKey, tuple[float, str]] = {}
        associations = self.associations_
        for term in dict.fromkeys(grams):  # in text order: same every run
            for code, value in associations.get(term, ()):
                if value > best.get(code, (0.0, ""))[0]:
                    best[code] = (value, term)
        return best


@dataclass
class ThresholdedLogistic:
    """A fitted binary logistic regression's yes or no for one note: P(yes) reaching
    ``threshold`` (``suggest.note_decision.NoteDecision``)."""

    coef_: np.ndarray  # 1 x features
    intercept_: np.ndarray
    threshold: float

    def decide(self, row: np.ndarray | sp.spmatrix) -> bool:
        """The answer for one note (a 1-row matrix, or a 1-D feature row).

        Worked out as ``predict_proba(row)[0, 1]`` does for a binary logistic regression
        (the row times the coefficients, plus the intercept, through the logistic
        function: the same operations, so the same bits) without scikit-learn's per-call
        input checks, which cost a note more than the product: every note is decided
        once or twice, on rows built here."""
        if isinstance(row, np.ndarray) and row.ndim == 1:
            row = row[None, :]
        score = row @ self.coef_.T + self.intercept_
        return bool(expit(np.asarray(score).ravel())[0] >= self.threshold)
