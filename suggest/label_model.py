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

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer

from code_index.records import System
from suggest.note_vectors import CharGramCounter
from suggest.served_learners import KeepsServedForm, LabelReader, NoteReading

CodeKey = tuple[System, str]


class LabelModel(KeepsServedForm, BaseEstimator):
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
        self._forget_served_form()
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

    def reader(self) -> LabelReader:
        """What reading one note needs of this model, without scikit-learn (built once per
        process: it keeps the note words' n-grams met so far)."""
        return self._served_form(
            lambda: LabelReader(
                CharGramCounter.of(self.vectorizer_),
                self.matrix_,
                self.dual_coef_,
                self.classes_,
                self.column_,
                self.names_,
            )
        )

    def __setstate__(self, state: dict[str, object]) -> None:
        # models saved before ``max_df`` was a parameter kept every n-gram
        super().__setstate__({"max_df": 1.0, **state})  # type: ignore[misc]

    def read(self, text: str, limit: int) -> NoteReading:
        """One note's ``limit`` best-scoring codes (above zero), with its vector kept for
        :meth:`evidence` (``LabelReader.read``)."""
        return self.reader().read(text, limit)

    def scores(self, text: str, limit: int) -> dict[CodeKey, float]:
        """The ``limit`` best-scoring codes (above zero) for one note, best first."""
        return self.read(text, limit).scores

    def evidence(
        self, reading: NoteReading, keys: Sequence[CodeKey], limit: int
    ) -> dict[CodeKey, list[tuple[int, int]]]:
        """Per code, up to ``limit`` note words that weigh most for it
        (``LabelReader.evidence``)."""
        return self.reader().evidence(reading, keys, limit)


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
