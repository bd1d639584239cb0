"""What labeled notes teach beyond the code sets: which codes notes like this one carry.

``NoteNeighbors`` scores every code seen in training by how strongly the note's nearest
training notes (TF-IDF cosine) carry it, and keeps for each code the words that set its
notes apart (a learned term → code association), so a code suggested this way can still
point at the words in the note that support it. It is small (the training notes' sparse
vectors), deterministic, and refits in seconds when coders add corrections.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from code_index.records import System

CodeKey = tuple[System, str]


class NoteNeighbors:
    """k-nearest-neighbour multi-label scorer over TF-IDF note vectors (scikit-learn style:
    ``__init__`` stores parameters, ``fit`` learns the attributes ending in ``_``)."""

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
        self.vectorizer_ = TfidfVectorizer(
            sublinear_tf=True,
            min_df=2,
            max_features=self.max_features,
            ngram_range=(1, 2),
            token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z]+\b",
            dtype=np.float32,
        )
        self.matrix_ = self.vectorizer_.fit_transform(texts).tocsr()
        self.classes_: list[CodeKey] = sorted({c for note in codes for c in note})
        column = {code: i for i, code in enumerate(self.classes_)}
        rows = [i for i, note in enumerate(codes) for c in set(note)]
        cols = [column[c] for note in codes for c in set(note)]
        self.labels_ = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)),
            shape=(len(texts), len(self.classes_)),
        )
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

    def scores(self, text: str) -> dict[CodeKey, float]:
        """Each training code's neighbour score (0..1) for a new note."""
        vector = self.vectorizer_.transform([text])
        similarities = (self.matrix_ @ vector.T).toarray().ravel()
        return self._from_similarities(similarities)

    def leave_one_out_scores(self) -> list[dict[CodeKey, float]]:
        """Scores of every training note as if it had not been trained on: what the ranker
        must learn from, since a note is its own nearest neighbour."""
        similarities = (self.matrix_ @ self.matrix_.T).toarray()
        np.fill_diagonal(similarities, 0.0)
        return [self._from_similarities(row) for row in similarities]

    def _from_similarities(self, similarities: np.ndarray) -> dict[CodeKey, float]:
        k = min(self.n_neighbors, len(similarities))
        nearest = np.argpartition(-similarities, k - 1)[:k]
        weights = np.power(np.clip(similarities[nearest], 0.0, None), self.power)
        total = float(weights.sum())
        if total <= 0:
            return {}
        votes = self.labels_[nearest].T @ weights / total
        found = np.flatnonzero(votes)
        return {self.classes_[j]: float(votes[j]) for j in found}
