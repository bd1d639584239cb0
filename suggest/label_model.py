"""A label model: which codes a note carries, read from the whole note at once.

Term matching finds the codes a note names; coders also code what a note describes in
its own words (a drug regimen, an imaging finding) and follow a corpus's habits. A kernel
ridge regression of each training code's indicator on the note's character 3-5-gram
TF-IDF vector learns that from labeled notes: robust to spelling, inflection and the
Spanish-to-English gaps of translated notes, 4 ms a note, and small (the training notes'
vectors and one dual coefficient per note and code). Its scores are a candidate source
and a ranker feature; the note words whose character n-grams weigh most for a code are
that code's evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer

from code_index.records import System
from suggest.note_vectors import CharGramCounter

CodeKey = tuple[System, str]
_WORD = re.compile(r"[^\W\d_]{3,}")


class LabelModel(BaseEstimator):
    """Kernel ridge one-vs-rest scorer over character n-gram TF-IDF note vectors
    (scikit-learn style: ``__init__`` stores parameters, ``fit`` learns the attributes
    ending in ``_``). With L2-normalised vectors the kernel is the notes' cosine
    similarity, so fitting solves one ``n_notes``-square system for all codes."""

    def __init__(
        self,
        alpha: float = 1.0,
        ngram_range: tuple[int, int] = (3, 5),
        min_df: int = 2,
        max_features: int = 150_000,
        max_df: float = 1.0,
    ) -> None:
        self.alpha = alpha
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        # n-grams in more than this share of the training notes are left out: they weigh
        # little (low IDF) and hold most of the matrix's entries, which every note's
        # reading cuts and multiplies (1.0 keeps them all)
        self.max_df = max_df

    def fit(self, texts: Sequence[str], codes: Sequence[Sequence[CodeKey]]) -> LabelModel:
        """Learn the n-gram vocabulary, the training notes' vectors and the dual coefficients."""
        self.vectorizer_ = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=self.ngram_range,
            min_df=min(self.min_df, len(texts)),
            max_df=self.max_df,
            max_features=self.max_features,
            sublinear_tf=True,
            lowercase=True,
            dtype=np.float32,
        )
        vectors = self.vectorizer_.fit_transform(texts).tocsr()
        # by column: a note's n-grams pick the columns they need for evidence
        self.matrix_ = vectors.tocsc()
        self.classes_: list[CodeKey] = sorted({c for note in codes for c in note})
        self.column_ = {code: j for j, code in enumerate(self.classes_)}
        self.dual_coef_ = self.solve(gram(vectors), indicator_matrix(codes, self.classes_))
        self.names_ = self.vectorizer_.get_feature_names_out()
        return self

    def solve(self, kernel: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Dual ridge coefficients: ``(K + alpha I)^-1 Y``."""
        regularized = kernel + self.alpha * np.eye(kernel.shape[0])
        return np.linalg.solve(regularized, labels).astype(np.float32)

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """Score of every class (columns in ``classes_`` order) for each note."""
        return self._decide(self.vectorizer_.transform(texts))

    def _decide(self, vectors: sp.spmatrix) -> np.ndarray:
        similarities = (vectors @ self.matrix_.T).toarray()
        return np.asarray(similarities, dtype=np.float32) @ self.dual_coef_

    def read(self, text: str, limit: int) -> NoteReading:
        """One note's ``limit`` best-scoring codes (above zero), with its vector kept for
        :meth:`evidence`."""
        vector = self._vector(text)
        # the training notes' columns of the note's n-grams, cut once: the similarities
        # (each summed in the order ``_decide``'s product sums it) and the evidence read them
        columns = self.matrix_[:, vector.indices]
        similarities = (columns @ vector.data).astype(np.float32)
        scores = (similarities[None, :] @ self.dual_coef_)[0]
        return NoteReading(text, vector, top_scores(scores, self.classes_, limit), columns)

    def _vector(self, text: str) -> sp.csr_matrix:
        """One note's TF-IDF vector, as ``vectorizer_.transform([text])`` gives it."""
        counter = self.__dict__.get("_counter")
        if counter is None:
            counter = self.__dict__["_counter"] = CharGramCounter(self.vectorizer_)
        return counter.vector(text)

    def __getstate__(self) -> dict[str, object]:
        state: dict[str, object] = super().__getstate__()  # type: ignore[misc]
        state.pop("_counter", None)  # a cache of this process, rebuilt on first use
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        # models saved before ``max_df`` was a parameter kept every n-gram
        super().__setstate__({"max_df": 1.0, **state})  # type: ignore[misc]

    def scores(self, text: str, limit: int) -> dict[CodeKey, float]:
        """The ``limit`` best-scoring codes (above zero) for one note, best first."""
        return self.read(text, limit).scores

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
            vector = self._vector(text)
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


@dataclass(frozen=True)
class NoteReading:
    """What the label model read of one note: its best codes and its n-gram vector."""

    text: str
    vector: sp.csr_matrix | None  # None: not kept (training reads scores only)
    scores: dict[CodeKey, float]
    # the training notes' columns of its n-grams (``LabelModel.matrix_[:, vector.indices]``)
    columns: sp.csc_matrix | None = None


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


def gram(vectors: sp.spmatrix) -> np.ndarray:
    """The notes' pairwise cosine similarities (float64, for a stable solve)."""
    return np.asarray((vectors @ vectors.T).toarray(), dtype=np.float64)


def indicator_matrix(codes: Sequence[Sequence[CodeKey]], classes: Sequence[CodeKey]) -> np.ndarray:
    """The notes-by-classes 0/1 matrix of which note carries which code."""
    column = {code: j for j, code in enumerate(classes)}
    labels = np.zeros((len(codes), len(classes)), dtype=np.float64)
    for i, note in enumerate(codes):
        for code in note:
            if code in column:
                labels[i, column[code]] = 1.0
    return labels


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
