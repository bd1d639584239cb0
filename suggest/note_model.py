"""What labeled notes teach beyond the code sets: which codes notes like this one carry.

``NoteNeighbors`` scores every code seen in training by how strongly the note's nearest
training notes (TF-IDF cosine) carry it, and keeps for each code the words that set its
notes apart (a learned term → code association), so a code suggested this way can still
point at the words in the note that support it. It is small (the training notes' sparse
vectors), deterministic, and refits in seconds when coders add corrections.

Both learners are scikit-learn estimators (``clone``, ``get_params``, a readable repr):
``fit(texts, codes)`` takes each note's list of code keys, ``score(texts, codes)`` is the
mean average precision of the codes' ranking, so ``GridSearchCV`` can sweep them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.metrics import label_ranking_average_precision_score
from sklearn.preprocessing import MultiLabelBinarizer

from code_index.records import System
from suggest.code_categories import CATEGORY_LENGTH, code_category
from suggest.note_vectors import WORD_TOKENS, word_weights
from suggest.served_learners import AssociationScorer, KeepsServedForm, NeighborScorer

CodeKey = tuple[System, str]


def binarize_codes(codes: Sequence[Sequence[CodeKey]]) -> tuple[list[CodeKey], sp.csr_matrix]:
    """The sorted distinct codes and a notes-by-codes 0/1 matrix (float32, sparse)."""
    binarizer = MultiLabelBinarizer(sparse_output=True)
    labels = binarizer.fit_transform(codes).astype(np.float32).tocsr()
    return list(binarizer.classes_), labels


def ranking_score(
    scored: Sequence[dict[CodeKey, float]],
    codes: Sequence[Sequence[CodeKey]],
    classes: Sequence[CodeKey],
) -> float:
    """Mean average precision over notes of ranking ``classes`` by each note's scores
    (label ranking average precision; a note with none of its codes among ``classes``
    counts as 0)."""
    column = {code: j for j, code in enumerate(classes)}
    truth = np.zeros((len(scored), len(classes)), dtype=np.int8)
    values = np.zeros((len(scored), len(classes)), dtype=np.float64)
    for i, (scores, note) in enumerate(zip(scored, codes, strict=True)):
        for code in note:
            if code in column:
                truth[i, column[code]] = 1
        for code, value in scores.items():
            values[i, column[code]] = value
    known = truth.any(axis=1)
    if not known.any():
        return 0.0
    precision = label_ranking_average_precision_score(truth[known], values[known])
    return float(precision * known.sum() / len(scored))


class NoteNeighbors(KeepsServedForm, BaseEstimator):
    """k-nearest-neighbour multi-label scorer over TF-IDF note vectors."""

    def __init__(
        self,
        n_neighbors: int = 25,
        power: float = 2.0,
        max_features: int = 50_000,
        profile_words: int = 8,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.power = power
        self.max_features = max_features
        self.profile_words = profile_words

    def fit(self, texts: Sequence[str], codes: Sequence[Sequence[CodeKey]]) -> NoteNeighbors:
        """Learn the vocabulary, the training notes' vectors, code frequencies and profiles."""
        self._forget_served_form()
        self.vectorizer_ = TfidfVectorizer(
            sublinear_tf=True,
            min_df=2,
            max_features=self.max_features,
            ngram_range=(1, 2),
            token_pattern=WORD_TOKENS,
            dtype=np.float32,
        )
        self.matrix_ = self.vectorizer_.fit_transform(texts).tocsr()
        self.classes_, self.labels_ = binarize_codes(codes)
        counts = Counter(c for note in codes for c in set(note))
        self.prior_ = {code: counts[code] / len(texts) for code in self.classes_}
        self.profiles_ = self._profiles()
        return self

    def _profiles(self) -> dict[CodeKey, tuple[str, ...]]:
        """Per code, the words most over-represented in its notes compared with all notes."""
        words = self.vectorizer_.get_feature_names_out()
        overall = np.asarray(self.matrix_.mean(axis=0)).ravel()
        profiles: dict[CodeKey, tuple[str, ...]] = {}
        labels = self.labels_.tocsc()
        for j, code in enumerate(self.classes_):
            notes = labels.indices[labels.indptr[j] : labels.indptr[j + 1]]
            mean = np.asarray(self.matrix_[notes].mean(axis=0)).ravel()
            lift = mean - overall
            best = np.argsort(-lift)[: self.profile_words]
            profiles[code] = tuple(str(words[i]) for i in best if lift[i] > 0)
        return profiles

    def scorer(self) -> NeighborScorer:
        """What scoring one note needs of this model, without scikit-learn (its fitted
        arrays, not copies; built once)."""
        return self._served_form(
            lambda: NeighborScorer(
                self.n_neighbors,
                self.power,
                word_weights(self.vectorizer_),
                self.matrix_,
                self.labels_,
                self.classes_,
                self.prior_,
                self.profiles_,
            )
        )

    def scores(self, text: str, grams: Sequence[str] | None = None) -> dict[CodeKey, float]:
        """Each training code's neighbour score (0..1) for a new note
        (``NeighborScorer.scores``)."""
        return self.scorer().scores(text, grams)

    def score(self, texts: Sequence[str], codes: Sequence[Sequence[CodeKey]]) -> float:
        """Mean average precision of the neighbour scores' code ranking on ``texts``."""
        return ranking_score([self.scores(text) for text in texts], codes, self.classes_)

    def leave_one_out_scores(self) -> list[dict[CodeKey, float]]:
        """Scores of every training note as if it had not been trained on: what the ranker
        must learn from, since a note is its own nearest neighbour."""
        similarities = (self.matrix_ @ self.matrix_.T).toarray()
        np.fill_diagonal(similarities, 0.0)
        scorer = self.scorer()
        return [scorer.votes(row) for row in similarities]

    def category_priors(self, length: int = CATEGORY_LENGTH) -> dict[CodeKey, float]:
        """Per category of ``length`` characters, the share of training notes that carry
        a code of it (``NeighborScorer.category_priors``)."""
        return self.scorer().category_priors(length)

    def cross_fit_priors(
        self, fold_of: np.ndarray, length: int | None = None
    ) -> list[dict[CodeKey, float]]:
        """Each training note's priors from the notes of the other folds (of codes, or
        of their categories of ``length`` characters): the share of those notes that
        carry each. Left out one note at a time, a code's prior is one count lower in
        the notes that carry it than in those that do not, and the ranker's trees read
        the label off that difference; from other folds every note of a fold sees the
        same value."""
        found: dict[int, dict[CodeKey, float]] = {}
        for fold in np.unique(fold_of).tolist():
            rows = self.labels_[fold_of != fold]
            counts: Counter[CodeKey] = Counter()
            for row in rows:
                counts.update(
                    {
                        self.classes_[j]
                        if length is None
                        else code_category(self.classes_[j], length)
                        for j in row.indices
                    }
                )
            total = max(rows.shape[0], 1)
            found[fold] = {key: count / total for key, count in sorted(counts.items())}
        return [found[int(fold)] for fold in fold_of]


class TermAssociations(BaseEstimator):
    """Learned term → code associations: for each word or short phrase seen in at least
    ``min_notes`` training notes, the codes whose notes it reliably marks (smoothed share
    of the notes with the term that carry the code). Unlike the code sets' own terms these
    capture a corpus's coding conventions ("pain" → R52 beside the site's code) and the
    wording its notes use; the term found in a new note is the evidence for the code."""

    def __init__(
        self,
        min_notes: int = 3,
        min_precision: float = 0.3,
        strength: float = 5.0,
        max_words: int = 3,
    ) -> None:
        self.min_notes = min_notes
        self.min_precision = min_precision
        self.strength = strength
        self.max_words = max_words

    def fit(self, texts: Sequence[str], codes: Sequence[Sequence[CodeKey]]) -> TermAssociations:
        """Count, per term and code, the notes carrying both; keep the reliable pairs."""
        vectorizer = CountVectorizer(
            binary=True,
            min_df=self.min_notes,
            ngram_range=(1, self.max_words),
            token_pattern=WORD_TOKENS,
            dtype=np.float32,
        )
        self.associations_: dict[str, tuple[tuple[CodeKey, float], ...]] = {}
        self.analyzer_ = None
        self.classes_: list[CodeKey] = []
        try:
            notes_terms = vectorizer.fit_transform(texts).tocsc()
        except ValueError:  # no term in enough notes
            return self
        classes, labels = binarize_codes(codes)
        together = (notes_terms.T @ labels).tocoo()  # notes with the term and the code
        with_term = np.asarray(notes_terms.sum(axis=0)).ravel()
        prior = np.asarray(labels.mean(axis=0)).ravel()
        precision = (together.data + self.strength * prior[together.col]) / (
            with_term[together.row] + self.strength
        )
        keep = (together.data >= self.min_notes) & (precision >= self.min_precision)
        words = vectorizer.get_feature_names_out()
        found: dict[str, list[tuple[CodeKey, float]]] = {}
        for term, code, value in zip(
            together.row[keep], together.col[keep], precision[keep], strict=True
        ):
            found.setdefault(str(words[term]), []).append((classes[code], float(value)))
        self.associations_ = {
            term: tuple(sorted(pairs, key=lambda p: -p[1])) for term, pairs in found.items()
        }
        self.analyzer_ = vectorizer.build_analyzer()
        self.classes_ = classes
        return self

    def score(self, texts: Sequence[str], codes: Sequence[Sequence[CodeKey]]) -> float:
        """Mean average precision of the associations' code ranking on ``texts``."""
        scored = [{c: v for c, (v, _) in self.scores(t).items()} for t in texts]
        return ranking_score(scored, codes, self.classes_)

    def scorer(self) -> AssociationScorer:
        """What scoring one note needs of these associations, without scikit-learn."""
        return AssociationScorer(self.associations_, self.max_words)

    def scores(
        self, text: str, grams: Sequence[str] | None = None
    ) -> dict[CodeKey, tuple[float, str]]:
        """Per associated code, its strongest association in the note and the term
        (``grams``: the note's ``word_grams`` of at least ``max_words`` words, where
        already cut; longer ones are never terms)."""
        if self.analyzer_ is None:
            return {}
        return self.scorer().scores(self.analyzer_(text) if grams is None else grams)
