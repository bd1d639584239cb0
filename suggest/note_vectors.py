"""One note's TF-IDF vector as a fitted scikit-learn vectorizer gives it, without the
vectorizer's per-call work: serving reads one note at a time, and for one note
``TfidfVectorizer.transform`` spends most of its time checking its input (and the
character n-gram counting in Python). The vectors here are the vectorizer's, bit for
bit: the same counts, then the same sublinear TF, IDF and L2 steps in the same order
(``TfidfTransformer.transform``), normalised by scikit-learn's own row routine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2


def tfidf_row(
    columns: np.ndarray, counts: np.ndarray, vectorizer: TfidfVectorizer
) -> sp.csr_matrix:
    """The TF-IDF row (1 x vocabulary, CSR) of one note's term ``counts`` in the
    vocabulary ``columns`` (ascending), weighted as ``vectorizer`` weighs them."""
    data = counts.astype(vectorizer.dtype)
    if vectorizer.sublinear_tf:
        np.log(data, data)
        data += 1.0
    if vectorizer.use_idf:
        data *= vectorizer.idf_[columns]
    row = sp.csr_matrix(
        (data, columns.astype(np.int32), np.array([0, len(columns)], dtype=np.int32)),
        shape=(1, len(vectorizer.vocabulary_)),
    )
    if vectorizer.norm == "l2":
        inplace_csr_row_normalize_l2(row)
    elif vectorizer.norm is not None:
        raise ValueError(f"tfidf_row weighs l2-normalised vectors only, not {vectorizer.norm!r}")
    return row


class CharGramCounter:
    """A fitted ``char_wb`` vectorizer's transform of one note, word by word: a word's
    n-grams (those of " word ") depend on the word alone, so each distinct word is cut
    into n-grams and looked up once per process, not on every note (sklearn's counting
    in Python was most of a trained model's reading time)."""

    MAX_WORDS = 200_000  # words kept; past it the cache starts again

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        if vectorizer.analyzer != "char_wb" or not vectorizer.lowercase or vectorizer.binary:
            raise ValueError("CharGramCounter reads a lower-casing char_wb vectorizer only")
        self.vectorizer = vectorizer
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.analyze = vectorizer.build_analyzer()
        self._grams: dict[str, np.ndarray] = {}

    def vector(self, text: str) -> sp.csr_matrix:
        """The note's TF-IDF row (1 x vocabulary, CSR, sorted indices)."""
        # sklearn lower-cases the whole text, then cuts it at whitespace
        words = text.lower().split()
        grams = [self._word_grams(word) for word in words]
        found = np.concatenate(grams) if grams else np.zeros(0, dtype=np.int32)
        columns, counts = np.unique(found, return_counts=True)
        return tfidf_row(columns, counts, self.vectorizer)

    def _word_grams(self, word: str) -> np.ndarray:
        """The vocabulary columns of one word's n-grams, once per occurrence."""
        found = self._grams.get(word)
        if found is None:
            if len(self._grams) >= self.MAX_WORDS:
                self._grams.clear()
            vocabulary = self.vocabulary
            found = self._grams[word] = np.array(
                [vocabulary[g] for g in self.analyze(word) if g in vocabulary], dtype=np.int32
            )
        return found


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
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


def word_vector(grams: Sequence[str], vectorizer: TfidfVectorizer) -> sp.csr_matrix:
    """The TF-IDF row of a note's ``word_grams`` as ``vectorizer`` (a word analyzer with
    the ``WORD_TOKENS`` pattern) gives it; n-grams longer than its range are never in
    its vocabulary, so a longer cut serves too."""
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
    get = vectorizer.vocabulary_.get
    found = [column for column in map(get, grams) if column is not None]
    columns, counts = np.unique(np.asarray(found, dtype=np.int32), return_counts=True)
    return tfidf_row(columns, counts, vectorizer)
