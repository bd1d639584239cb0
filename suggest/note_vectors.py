"""One note's TF-IDF vector as a fitted scikit-learn vectorizer gives it, without the
vectorizer's per-call work and without scikit-learn: serving reads one note at a time,
and for one note ``TfidfVectorizer.transform`` spends most of its time checking its input
(and the character n-gram counting in Python); a served model never imports
scikit-learn (about a second of a cold start). The vectors here are the vectorizer's, bit
for bit: the same counts, then the same sublinear TF, IDF and L2 steps in the same order
and precision (``TfidfTransformer.transform`` and scikit-learn's row normalisation).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # what the weights are read from while training; serving never imports it
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer


@dataclass(frozen=True)
class TfidfWeights:
    """What a fitted TF-IDF vectorizer weighs a note's term counts with: its vocabulary,
    IDF, TF and norm settings (the vectorizer's own arrays, not copies)."""

    vocabulary: dict[str, int]
    idf: np.ndarray | None  # None: no IDF weighting
    dtype: Any  # the vectors' float type
    sublinear_tf: bool
    normalized: bool  # L2-normalised rows

    @classmethod
    def of(cls, vectorizer: TfidfVectorizer) -> TfidfWeights:
        """The weights of a fitted vectorizer."""
        if vectorizer.norm not in ("l2", None):
            raise ValueError(
                f"TfidfWeights weighs l2-normalised vectors only, not {vectorizer.norm!r}"
            )
        return cls(
            vectorizer.vocabulary_,
            vectorizer.idf_ if vectorizer.use_idf else None,
            vectorizer.dtype,
            bool(vectorizer.sublinear_tf),
            vectorizer.norm == "l2",
        )


def tfidf_values(columns: np.ndarray, counts: np.ndarray, weights: TfidfWeights) -> np.ndarray:
    """The TF-IDF values of one note's term ``counts`` in the vocabulary ``columns``
    (ascending), weighted as ``weights`` say."""
    data = counts.astype(weights.dtype)
    if weights.sublinear_tf:
        np.log(data, data)
        data += 1.0
    if weights.idf is not None:
        data *= weights.idf[columns]
    if weights.normalized:
        _normalize_l2(data)
    return data


def tfidf_row(columns: np.ndarray, counts: np.ndarray, weights: TfidfWeights) -> sp.csr_matrix:
    """The TF-IDF row (1 x vocabulary, CSR) of one note's term ``counts`` in the
    vocabulary ``columns`` (ascending), weighted as ``weights`` say."""
    data = tfidf_values(columns, counts, weights)
    import scipy.sparse as sp  # read by a trained model only: the default never imports scipy

    return sp.csr_matrix(
        (data, columns.astype(np.int32), np.array([0, len(columns)], dtype=np.int32)),
        shape=(1, len(weights.vocabulary)),
    )


def _normalize_l2(data: np.ndarray) -> None:
    """Divide a row's values by their L2 norm in place, as scikit-learn's
    ``inplace_csr_row_normalize_l2`` does: each square in the values' precision, summed
    in sequence in double precision, its square root, then each value divided by it in
    double precision and rounded back (a row of zeros is left as it is)."""
    if not len(data):
        return
    total = np.cumsum(data * data, dtype=np.float64)[-1]
    if total == 0.0:
        return
    data /= np.sqrt(total)


class CharGramCounter:
    """A fitted ``char_wb`` vectorizer's transform of one note, word by word: a word's
    n-grams (those of " word ") depend on the word alone, so each distinct word is cut
    into n-grams and looked up once per process, not on every note (sklearn's counting
    in Python was most of a trained model's reading time)."""

    MAX_WORDS = 200_000  # words kept; past it the cache starts again

    def __init__(self, weights: TfidfWeights, ngram_range: tuple[int, int]) -> None:
        self.weights = weights
        self.vocabulary = weights.vocabulary
        self.ngram_range = ngram_range
        self._grams: dict[str, np.ndarray] = {}

    @classmethod
    def of(cls, vectorizer: TfidfVectorizer) -> CharGramCounter:
        """The counter of a fitted vectorizer that lower-cases and cuts ``char_wb``
        n-grams with nothing else done to the text (what the label model fits)."""
        if (
            vectorizer.analyzer != "char_wb"
            or not vectorizer.lowercase
            or vectorizer.binary
            or any((vectorizer.preprocessor, vectorizer.tokenizer, vectorizer.strip_accents))
            or vectorizer.input != "content"
        ):
            raise ValueError("CharGramCounter reads a lower-casing char_wb vectorizer only")
        return cls(TfidfWeights.of(vectorizer), tuple(vectorizer.ngram_range))

    def vector(self, text: str) -> sp.csr_matrix:
        """The note's TF-IDF row (1 x vocabulary, CSR, sorted indices)."""
        # sklearn lower-cases the whole text, then cuts it at whitespace
        words = text.lower().split()
        grams = [self._word_grams(word) for word in words]
        found = np.concatenate(grams) if grams else np.zeros(0, dtype=np.int32)
        columns, counts = np.unique(found, return_counts=True)
        return tfidf_row(columns, counts, self.weights)

    def _word_grams(self, word: str) -> np.ndarray:
        """The vocabulary columns of one word's n-grams, once per occurrence."""
        found = self._grams.get(word)
        if found is None:
            if len(self._grams) >= self.MAX_WORDS:
                self._grams.clear()
            vocabulary = self.vocabulary
            found = self._grams[word] = np.array(
                [vocabulary[g] for g in self._cut(word) if g in vocabulary], dtype=np.int32
            )
        return found

    def _cut(self, word: str) -> list[str]:
        """The ``char_wb`` n-grams of one lower-case word, as many times as scikit-learn's
        analyzer cuts them: those of " word " of each length in the range, and a word
        padded to that length or shorter once, with no longer ones."""
        padded = f" {word} "
        low, high = self.ngram_range
        grams: list[str] = []
        for n in range(low, high + 1):
            grams.extend(padded[i : i + n] for i in range(max(len(padded) - n, 0) + 1))
            if len(padded) <= n:
                break
        return grams


WORD_TOKENS = r"(?u)\b[a-zA-Z][a-zA-Z]+\b"
"""The word analyzers' token pattern (the note model's and the term associations'):
letter runs of two or more."""
_WORD_TOKENS = re.compile(WORD_TOKENS)


def word_grams(text: str, longest: int) -> list[str]:
    """The note's lower-cased word n-grams of 1 to ``longest`` words, as a word analyzer
    with the ``WORD_TOKENS`` pattern and that n-gram range gives them: every word in
    text order, then every pair, and so on. Cut once per note for both learners."""
    tokens = _WORD_TOKENS.findall(text.lower())
    grams = list(tokens)
    for n in range(2, min(longest, len(tokens)) + 1):
        # the n words from each place, zipped in C (the shorter tails end it): no list
        # sliced per n-gram
        grams.extend(map(" ".join, zip(*(tokens[i:] for i in range(n)), strict=False)))
    return grams


def word_weights(vectorizer: TfidfVectorizer) -> TfidfWeights:
    """The weights of a fitted word vectorizer whose vectors ``word_vector`` gives (a
    lower-casing word analyzer with the ``WORD_TOKENS`` pattern, n-grams from one word)."""
    if (
        vectorizer.analyzer != "word"
        or vectorizer.token_pattern != WORD_TOKENS
        or not vectorizer.lowercase
        or vectorizer.binary
        or vectorizer.ngram_range[0] != 1
        or any((vectorizer.preprocessor, vectorizer.tokenizer, vectorizer.stop_words))
        or vectorizer.strip_accents is not None
    ):
        raise ValueError("word_vector reads a lower-casing WORD_TOKENS word vectorizer only")
    return TfidfWeights.of(vectorizer)


def word_vector(grams: Sequence[str], weights: TfidfWeights) -> np.ndarray:
    """The TF-IDF row of a note's ``word_grams`` as the word vectorizer of ``weights``
    (``word_weights``) gives it, dense (what ``toarray()`` of its sparse row gives: the
    note model multiplies the training notes by it, and a sparse row cost more to build
    and densify than the product); n-grams longer than its range are never in its
    vocabulary, so a longer cut serves too."""
    get = weights.vocabulary.get
    found = [column for column in map(get, grams) if column is not None]
    columns, counts = np.unique(np.asarray(found, dtype=np.int32), return_counts=True)
    row = np.zeros(len(weights.vocabulary), dtype=weights.dtype)
    row[columns] = tfidf_values(columns, counts, weights)
    return row
