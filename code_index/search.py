"""Ranked code search for phrases a coder types: TF-IDF over code titles and terms,
with character n-grams and rapidfuzz to recover words the code sets spell differently
(typos, morphology) and a curated abbreviation table ("ckd", "HTN").

The model is fitted once when the index is built and stored inside the artifact, so
a query costs a few sparse postings look-ups and a small re-rank, not a scan.
"""

from __future__ import annotations

import math
import pickle
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
from rapidfuzz import fuzz, process

if TYPE_CHECKING:
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer

_WORD = re.compile(r"[a-z0-9]+")
# Words so common in code titles that they only add noise to a query.
STOPWORDS = frozenset("a an and as at by for from in into is of on or the to nos".split())
_OSE_WORDS = ("doses", "poses", "closes")  # English "-ose" words whose plural ends "-oses"


def stem(word: str) -> str:
    """A deliberately light plural folding ("injuries" → "injury", "kidneys" → "kidney"):
    enough for titles and queries to meet, without a stemmer's surprises. The plural of a
    Greek "-osis" is "-oses" ("keratoses", "stenoses"), never a "-ose" word; "doses",
    "purposes" and "discloses" are English "-ose" words."""
    if len(word) > 6 and word.endswith("oses") and not word.endswith(_OSE_WORDS):
        return word[:-2] + "is"
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def fold_accents(text: str) -> str:
    """ASCII letters for accented ones ("Déjérine" → "Dejerine"), so accents never split words."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def tokenize(text: str) -> list[str]:
    """Search tokens of a title, term or query: lower-case words, no stopwords, plurals folded."""
    return [stem(w) for w in _WORD.findall(fold_accents(text).lower()) if w not in STOPWORDS]


@dataclass(frozen=True, slots=True)
class Abbreviation:
    """One curated abbreviation: ``match_case`` for those that are also English words ("ALL")."""

    short: str
    expansion: str
    match_case: bool


def load_abbreviations() -> list[Abbreviation]:
    """The curated clinical abbreviation table shipped in ``code_index/data``."""
    text = resources.files("code_index.data").joinpath("abbreviations.tsv").read_text("utf-8")
    table: list[Abbreviation] = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        short, expansion, match_case = line.split("\t")
        table.append(Abbreviation(short, expansion, match_case.strip() == "yes"))
    return table


class AbbreviationExpander:
    """Adds the expansion of each abbreviation found in a query, keeping the original words."""

    def __init__(self, table: Iterable[Abbreviation]) -> None:
        self._exact: dict[str, str] = {}
        self._folded: dict[str, str] = {}
        for entry in table:
            if entry.match_case:
                self._exact[entry.short] = entry.expansion
            else:
                self._folded[entry.short.lower()] = entry.expansion
        shorts = sorted({*self._exact, *(a.short for a in table)}, key=len, reverse=True)
        self._pattern = re.compile(
            r"(?<![\w/&-])(" + "|".join(re.escape(s) for s in shorts) + r")(?![\w/&-])",
            re.IGNORECASE,
        )

    def expand(self, text: str) -> str:
        """``text`` with each abbreviation replaced by the words the code sets use."""

        def replace(match: re.Match[str]) -> str:
            written = match.group(1)
            return self._exact.get(written) or self._folded.get(written.lower()) or written

        return self._pattern.sub(replace, text)


@dataclass(frozen=True)
class SparseParts:
    """A compressed sparse matrix as its arrays (CSR or CSC), which an index holds in
    place of scipy's matrix objects: unpickling those imports scipy.sparse (about a tenth
    of a cold start) though reading a note never searches, and a query reads the arrays."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    shape: tuple[int, int]

    @classmethod
    def of(cls, matrix: sp.csr_matrix | sp.csc_matrix) -> SparseParts:
        """The arrays of a CSR or CSC matrix (the same objects, not copies)."""
        rows, cols = matrix.shape
        return cls(matrix.data, matrix.indices, matrix.indptr, (int(rows), int(cols)))

    def csr(self) -> sp.csr_matrix:
        """The CSR matrix these are the arrays of."""
        import scipy.sparse as sp  # see the class's docstring

        return sp.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)


class LexicalModel:
    """TF-IDF postings over one text per record, plus a character n-gram model of the
    vocabulary for query words no record uses verbatim.

    The n-gram model (scikit-learn's ``TfidfVectorizer``) is stored pickled on its own
    inside the index artifact and unpickled when a query first has a word the vocabulary
    lacks: unpickling it imports scikit-learn, which imports ``scipy.stats`` and pandas
    (about half of a cold start's imports), and the suggester never searches. The postings
    and the vocabulary's n-gram vectors are held as their arrays (``SparseParts``); an
    index saved before holds scipy matrices, read as they are."""

    def __init__(self, min_word_similarity: float = 0.82) -> None:
        self.min_word_similarity = min_word_similarity

    def fit(self, documents: Sequence[str]) -> LexicalModel:
        """Learn vocabulary, idf and per-document L2-normalised weights."""
        vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        for row, text in enumerate(documents):
            counts: dict[int, int] = {}
            for token in tokenize(text):
                col = vocabulary.setdefault(token, len(vocabulary))
                counts[col] = counts.get(col, 0) + 1
            for col, count in counts.items():
                rows.append(row)
                cols.append(col)
                vals.append(1.0 + math.log(count))
        import scipy.sparse as sp  # see the class's docstring

        n_docs = len(documents)
        matrix = sp.csr_matrix(
            (np.asarray(vals, dtype=np.float32), (rows, cols)),
            shape=(n_docs, len(vocabulary)),
        )
        df = np.bincount(matrix.indices, minlength=len(vocabulary))
        self.idf_ = (np.log((n_docs + 1) / (df + 1)) + 1.0).astype(np.float32)
        weighted = matrix.multiply(self.idf_).tocsr()
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        postings = sp.csc_matrix(sp.diags(1.0 / norms) @ weighted, dtype=np.float32)
        self.postings_: SparseParts | sp.csc_matrix = SparseParts.of(postings)
        self.vocabulary_ = vocabulary
        self.words_ = list(vocabulary)
        from sklearn.feature_extraction.text import TfidfVectorizer  # see the class's docstring

        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4), dtype=np.float32)
        word_vectors = vectorizer.fit_transform(self.words_).tocsr()
        self.word_vectors_: SparseParts | sp.csr_matrix = SparseParts.of(word_vectors)
        self.char_ngrams_: TfidfVectorizer | bytes = vectorizer
        return self

    def __getstate__(self) -> dict[str, Any]:
        """The n-gram model pickled apart (bytes), so that reading an index does not
        unpickle it; an index saved before holds it as an object, read as it is."""
        state = dict(self.__dict__)
        if not isinstance(state["char_ngrams_"], bytes):
            state["char_ngrams_"] = pickle.dumps(state["char_ngrams_"], pickle.HIGHEST_PROTOCOL)
        return state

    def _vectorizer(self) -> TfidfVectorizer:
        """The character n-gram model, unpickled on first use."""
        if isinstance(self.char_ngrams_, bytes):
            self.char_ngrams_ = pickle.loads(self.char_ngrams_)
        return self.char_ngrams_

    def similar_words(self, word: str, limit: int = 3) -> list[tuple[int, float]]:
        """Vocabulary words close to an unknown query word, as (column, similarity)."""
        found: dict[int, float] = {}
        vector = self._vectorizer().transform([word])
        if isinstance(self.word_vectors_, SparseParts):
            self.word_vectors_ = self.word_vectors_.csr()
        sims = (self.word_vectors_ @ vector.T).toarray().ravel()
        for col in np.argsort(-sims)[:limit]:
            if sims[col] >= self.min_word_similarity:
                found[int(col)] = float(sims[col])
        for _, score, col in process.extract(
            word,
            self.words_,
            scorer=fuzz.ratio,
            limit=limit,
            score_cutoff=self.min_word_similarity * 100,
        ):
            found[int(col)] = max(found.get(int(col), 0.0), score / 100.0)
        return sorted(found.items(), key=lambda item: -item[1])[:limit]

    def resolve(self, tokens: Sequence[str]) -> list[tuple[str, float]]:
        """Each query word as a vocabulary word with a confidence: itself (1.0) when known,
        else its nearest vocabulary words (typos, other word forms); unknown words drop out."""
        resolved: list[tuple[str, float]] = []
        for token in tokens:
            if token in self.vocabulary_:
                resolved.append((token, 1.0))
                continue
            resolved.extend((self.words_[col], sim) for col, sim in self.similar_words(token))
        return resolved

    def query_weights(self, resolved: Sequence[tuple[str, float]]) -> dict[int, float]:
        """Query vector over the vocabulary: idf scaled by each word's confidence."""
        weights: dict[int, float] = {}
        for word, confidence in resolved:
            col = self.vocabulary_[word]
            weights[col] = max(weights.get(col, 0.0), confidence * float(self.idf_[col]))
        return weights

    def score(self, weights: dict[int, float], n_docs: int) -> tuple[np.ndarray, np.ndarray]:
        """Cosine-style score of every document, and the share of the query's idf it covers."""
        if not weights:
            empty = np.zeros(n_docs, dtype=np.float32)
            return empty, empty
        postings = self.postings_
        doc_ids: list[np.ndarray] = []
        contributions: list[np.ndarray] = []
        coverage: list[np.ndarray] = []
        for col, weight in weights.items():
            start, end = postings.indptr[col], postings.indptr[col + 1]
            ids = postings.indices[start:end]
            doc_ids.append(ids)
            contributions.append(postings.data[start:end] * weight)
            coverage.append(np.full(ids.shape, weight, dtype=np.float32))
        ids_all = np.concatenate(doc_ids)
        norm = math.sqrt(sum(w * w for w in weights.values()))
        scores = np.bincount(ids_all, np.concatenate(contributions), minlength=n_docs) / norm
        covered = np.bincount(ids_all, np.concatenate(coverage), minlength=n_docs) / sum(
            weights.values()
        )
        return scores.astype(np.float32), covered.astype(np.float32)


_NONESSENTIAL = re.compile(r"\([^)]*\)|\[[^\]]*\]")
# Words that make a title longer without making it say more than the query.
_RESIDUAL_WORDS = frozenset("unspecified other specified site not nos elsewhere classified".split())


def search_fields(texts: Sequence[str]) -> list[str]:
    """The separately searchable texts of a record: each title or term as written and,
    where it has nonessential modifiers, without them ("Essential hypertension")."""
    fields: list[str] = []
    for text in texts:
        if not text:
            continue
        fields.append(text)
        core = " ".join(_NONESSENTIAL.sub(" ", text).split())
        if core and core != text:
            fields.append(core)
    return fields


def field_match(query_words: set[str], fields: Sequence[str]) -> float:
    """How well the query says what one of a record's texts says (0..1): the share of the
    query's words the text has, times how little else the text adds. Parenthesised
    nonessential modifiers and residual words ("site not specified") add nothing."""
    if not query_words:
        return 0.0
    best = 0.0
    for text in fields:
        words = {w for w in tokenize(_NONESSENTIAL.sub(" ", text)) if w not in _RESIDUAL_WORDS}
        if not words:
            continue
        shared = len(query_words & words)
        if shared:
            best = max(best, shared / len(query_words) * (0.5 + 0.5 * shared / len(words)))
    return best


def fuzzy_similarity(query: str, fields: Sequence[str]) -> float:
    """Best rapidfuzz similarity (0..1) of a query to one of a record's texts, in any word
    order: catches what word matching misses (misspelt or run-together words)."""
    lowered = query.lower()
    return max(
        (fuzz.token_sort_ratio(lowered, text.lower()) / 100.0 for text in fields), default=0.0
    )
