"""The term table the mention matcher looks notes up in: every title, inclusion term,
index term, synonym and curated abbreviation of the index, reduced to the set of
content words a note must contain for it, each pointing at a reportable code.

Built once per index version and cached in the data directory, because tokenising
a quarter of a million terms takes seconds and a suggester must start in under three.
"""

from __future__ import annotations

import hashlib
import inspect
import pickle
import re
from collections.abc import Callable, Iterable
from enum import IntEnum
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from code_index.index import CodeIndex, paused_gc
from code_index.records import CodeRecord, System
from code_index.search import STOPWORDS, fold_accents, stem

TERM_TABLE_FORMAT = 9
PARTIAL_MIN_WORDS = 3  # terms with this many required words may match with one missing
# Words a term found in part may never lack: each names the course of a condition that
# sets its code apart from the siblings a coder reports without it ("MDD recurrent
# moderate - partial response" is no F33.41 "..., in partial remission"; "Major depressive
# episode, moderate" no F32.1 "..., single episode, moderate"; "migraine without aura" no
# "..., intractable")
COURSE_WORDS = frozenset("remission recurrent single intractable exacerbation".split())

# Words that add nothing a note would say: titles use them to mark residual codes.
DROPPED_WORDS = frozenset(
    "unspecified other specified site sites part parts nec nos elsewhere classified certain "
    "with without".split()
)
# Words a note often leaves out ("weight loss" for "abnormal weight loss"): a term still
# matches without them, with a lower coverage for the ranker to weigh.
SOFT_WORDS = frozenset(
    "acute chronic essential primary idiopathic type mellitus simple generalized localized "
    # the Alphabetic Index's defaults: "aortic stenosis" is nonrheumatic (I35.0), an
    # "intracerebral hemorrhage" nontraumatic, "gastroenteritis" noninfective
    "nonrheumatic nontraumatic noninfective noninfectious nonsuppurative nonpyogenic".split()
)
# Alone, these match almost every note and point at no particular code.
TOO_GENERIC_ALONE = frozenset(
    "disease disorder illness injury syndrome condition abnormality abnormal complication "
    "problem finding lesion state status history unknown cause effect late use stage grade "
    "left right bilateral region level degree activity blood hemoglobin glucose donor death "
    "care personal cell marker function result count test study examination exam monitoring "
    "screening encounter procedure node growth".split()
)
# Residual categories ("Other hypertension") cover what other codes do not: their words
# alone would claim every mention of the condition. ("Gangrene, not elsewhere classified"
# is different: it is the code for gangrene, so only its NEC clause is dropped.)
RESIDUAL_MARKERS = frozenset({"other"})
_PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_CLAUSE_DROPS = ("unspecified", "not elsewhere", "site not specified", "not specified", "nec")
_WORD = re.compile(r"[a-z0-9]+")
# "Alzheimer's disease": the possessive is no word a note's "Alzheimer's" gives the matcher
_POSSESSIVE = re.compile(r"['\u2019]s\b")
# "Hepatitis A", "Vitamin A deficiency": a capital A after a word names a type, not the
# article (a stop word), which would leave "Hepatitis A" claiming every "hepatitis"
LETTER_A = "lettera"
_LETTER_A = re.compile(r"(?<=[A-Za-z] )A\b(?![.'])")
_CONJUNCTION = re.compile(r"([\w-]+) and ([\w-]+)", re.IGNORECASE)
LEXICON_FILES = ("diagnosis_lexicon.tsv", "procedure_lexicon.tsv")
VARIANTS_FILE = "term_variants.tsv"
CONJUNCT_MAX_WORDS = 5  # "Disorder of kidney and ureter" splits; longer terms stay whole


class TermSource(IntEnum):
    """Where a term came from; the ranker weighs them differently."""

    TITLE = 0
    TERM = 1  # inclusion or Alphabetic Index term, or a starter-set synonym
    LEXICON = 2  # the curated diagnosis and procedure lexicons


class TargetCode(NamedTuple):
    """A code a term leads to; ``via`` is the non-billable header the term belongs to
    when the code is that header's default (unspecified) billable descendant.

    A named tuple, not a dataclass: the cached table holds 100,000 of them, and a
    tuple unpickles several times faster."""

    system: System
    code: str
    title: str
    billable: bool
    depth: int  # characters beyond the category: how specific the code is
    via: str | None = None


class Synonyms:
    """Word-level equivalences between how notes and code sets say the same thing
    ("renal" / "kidney", "carcinoma" / "malignant neoplasm"), applied to both sides
    before matching so that either spelling meets the other."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        direct = {word: tuple(stem(w) for w in _WORD.findall(same)) for word, same in pairs}
        # one more step so that chains meet: "lymphadenopathy" -> "enlarged lymph node"
        # must give the same words as the title "Enlarged lymph nodes" ("enlargement")
        self._map = {
            word: tuple(c for w in same for c in (direct.get(w) or (w,)))
            for word, same in direct.items()
        }

    @classmethod
    def load(cls) -> Synonyms:
        """The curated table in ``suggest/rules/synonyms.tsv``."""
        text = resources.files("suggest.rules").joinpath("synonyms.tsv").read_text("utf-8")
        pairs = []
        for line in text.splitlines():
            if line.strip() and not line.startswith("#"):
                word, same = line.split("\t")[:2]
                pairs.append((word.strip().lower(), same.strip().lower()))
        return cls(pairs)

    def canonical(self, word: str) -> tuple[str, ...]:
        """The canonical word(s) a lower-case word stands for."""
        return self._map.get(word) or (stem(word),)


def plain_words(text: str) -> list[str]:
    """The lower-case words of ``text`` split as terms are: a hyphen parts words, so an
    abbreviation's "post-traumatic" meets the title's "Post-traumatic" word by word."""
    return _WORD.findall(fold_accents(text).lower())


def term_words(text: str, synonyms: Synonyms, curated: bool = False) -> tuple[str, ...]:
    """The canonical content words of a code-set term that a note must contain:
    parenthesised nonessential modifiers, residual clauses ("unspecified", "without …")
    and filler words are dropped. A ``curated`` lexicon phrase may be one generic word
    ("trauma" for T14.90XA): someone chose that reading on purpose."""
    text = _PARENTHESES.sub(" ", fold_accents(_LETTER_A.sub(LETTER_A, text)).lower())
    text = _POSSESSIVE.sub("", text)
    if RESIDUAL_MARKERS.intersection(_WORD.findall(text)):
        return ()
    kept: list[str] = []
    for position, clause in enumerate(text.split(",")):
        clause = clause.strip()
        # ", unspecified" and ", site not specified" qualify the words before them;
        # a title that starts "Unspecified abdominal pain" still names abdominal pain.
        if not clause or (position > 0 and clause.startswith(_CLAUSE_DROPS)):
            continue
        clause, without, absent = clause.partition(" without ")
        if without and "remission" in absent.split():
            clause += " in remission"  # "… without complications in remission" is remission
        if without and " of " in absent:
            # "Laceration without foreign body of scalp" is a laceration of the scalp
            clause += " of " + absent.split(" of ", 1)[1]
        elif without and " with " in absent:
            # "Migraine without aura with refractory migraine" is refractory
            clause += " with " + absent.split(" with ", 1)[1]
        kept.append(clause)
    words = [
        canonical
        for w in _WORD.findall(" ".join(kept))
        if w not in STOPWORDS and w not in DROPPED_WORDS
        for canonical in synonyms.canonical(w)
    ]
    unique = tuple(dict.fromkeys(words))
    required = [w for w in unique if w not in SOFT_WORDS]
    if not any(len(w) >= 3 and w.isalpha() for w in required):
        return ()
    if (
        len(required) == 1
        and not curated
        and (required[0] in TOO_GENERIC_ALONE or len(required[0]) < 4)
    ):
        return ()
    return unique


# told (records read, records to read) while a term table is built (a CLI's progress bar)
TermProgress = Callable[[int, int], None]
_PROGRESS_EVERY = 2000  # records between two reports


class TermTable:
    """Terms as tuples of word ids, looked up through their rarest required word."""

    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {}
        self.soft_words: frozenset[int] = frozenset()
        self.term_words: list[tuple[int, ...]] = []
        self.term_required: list[tuple[int, ...]] = []
        self.term_target: list[int] = []
        self.term_source: list[TermSource] = []
        self.targets: list[TargetCode] = []
        self.anchors: dict[int, list[int]] = {}  # rarest required word -> terms
        self.word_frequency: list[int] = []
        # ICD-10-CM category ("J45") -> the words most of its code titles hold
        self.category_words: dict[str, frozenset[int]] = {}
        self.index_version = ""

    # ----------------------------------------------------------------- build
    @classmethod
    def build(
        cls, index: CodeIndex, synonyms: Synonyms, progress: TermProgress | None = None
    ) -> TermTable:
        """Collect the terms of every ICD-10-CM, CPT and HCPCS record (ICD-10-PCS titles
        are formulaic and reach notes through the procedure lexicon instead).
        ``progress`` is told (records read, records to read) as the build goes."""
        systems = (System.ICD10CM, System.CPT, System.HCPCS)
        total = sum(
            index.manifest.counts.get(system.value, {}).get("records", 0) for system in systems
        )
        done = 0
        table = cls()
        table.index_version = index.version
        variants = term_variants()
        wordings: list[tuple[str, int, TermSource]] = []
        target_ids: dict[tuple[System, str, str | None], int] = {}

        def target_id(target: TargetCode) -> int:
            key = (target.system, target.code, target.via)
            if key not in target_ids:
                target_ids[key] = len(table.targets)
                table.targets.append(target)
            return target_ids[key]

        for system in systems:
            for record in index.records(system):
                done += 1
                if progress is not None and done % _PROGRESS_EVERY == 0:
                    progress(done, total)
                if not record.active:
                    continue
                target = _reportable_target(index, record)
                if target is None:
                    continue
                tid = target_id(target)
                for text, source in (
                    (record.title, TermSource.TITLE),
                    *((term, TermSource.TERM) for term in record.terms),
                ):
                    table.add(text, tid, source, synonyms)
                    wordings += [(w, tid, source) for w in note_wordings(text, variants)]
                    # a header's default code is not either condition alone: "Nausea and
                    # vomiting" (R11) leads to R11.2 "Nausea with vomiting", and its
                    # children name nausea (R11.0) and vomiting (R11.1-) apart
                    if target.via is None:
                        for variant in conjunct_variants(text):
                            if source is TermSource.TITLE or _named_alone(variant, record.title):
                                table.add(variant, tid, source, synonyms)
        lexicon = curated_lexicon()
        for phrase, system, code in lexicon:
            lexicon_record = index.get(code, system)
            target = _reportable_target(index, lexicon_record) if lexicon_record else None
            if target is not None:
                table.add(phrase, target_id(target), TermSource.LEXICON, synonyms)
        # the device and qualifier siblings of the lexicon's ICD-10-PCS codes (the same
        # first five characters) are targets too, with no term of their own: the note's
        # words choose among them ("right total hip arthroplasty" reads 0SR90JZ, which its
        # "ceramic head on polyethylene liner", "uncemented" make 0SR904A: plausibility.json
        # pcs_detail)
        stems = {code[:5] for _, system, code in lexicon if system is System.ICD10PCS}
        for record in index.records(System.ICD10PCS):
            if record.active and record.billable and record.code[:5] in stems:
                sibling = _reportable_target(index, record)
                if sibling is not None:
                    target_id(sibling)
        # a note's wording of a code-set phrase is the same term again: it leaves how
        # rare each word is as it was (the rarity of "stage" weighs every CKD term)
        counted = len(table.term_words)
        for text, tid, source in wordings:
            table.add(text, tid, source, synonyms)
        table._index_anchors(counted)
        table.category_words = table._by_category()
        if progress is not None:
            progress(total, total)
        return table

    def add(self, text: str, target: int, source: TermSource, synonyms: Synonyms) -> None:
        """Add one term leading to target ``target`` (an index into ``targets``)."""
        words = term_words(text, synonyms, curated=source is TermSource.LEXICON)
        if not words:
            return
        ids = tuple(self.vocabulary.setdefault(w, len(self.vocabulary)) for w in words)
        required = tuple(i for i, w in zip(ids, words, strict=True) if w not in SOFT_WORDS)
        if len(required) == 1 and len(ids) > 1 and source is not TermSource.LEXICON:
            # "Acute abdomen", "Other chronic pain": without its qualifier the one word left
            # names no condition of its own, so the qualifier is required too
            required = ids
        self.term_words.append(ids)
        self.term_required.append(required)
        self.term_target.append(target)
        self.term_source.append(source)

    def _index_anchors(self, counted: int) -> None:
        """Each term's required words by rarity (how many of the first ``counted`` terms
        hold each word), and the terms by their rarest word (anchor)."""
        frequency = [0] * len(self.vocabulary)
        for ids in self.term_words[:counted]:
            for word in ids:
                frequency[word] += 1
        self.word_frequency = frequency
        self.soft_words = frozenset(self.vocabulary[w] for w in SOFT_WORDS if w in self.vocabulary)
        for term, ids in enumerate(self.term_required):
            by_rarity = tuple(sorted(ids, key=lambda w: frequency[w]))
            self.term_required[term] = by_rarity
            self.anchors.setdefault(by_rarity[0], []).append(term)

    def _by_category(self) -> dict[str, frozenset[int]]:
        """The words most code titles of each ICD-10-CM category hold, soft ones aside:
        what a diagnosis term found in part must keep (``TermFacts.lacks_condition``).
        Worked out with the table and cached with it: a scan of every term (about a
        second under load) that the first note after a load would otherwise pay."""
        titles: dict[str, int] = {}
        counts: dict[str, dict[int, int]] = {}
        for term, source in enumerate(self.term_source):
            target = self.targets[self.term_target[term]]
            if source is TermSource.TITLE and target.system is System.ICD10CM:
                category = target.code[:3]
                titles[category] = titles.get(category, 0) + 1
                words = counts.setdefault(category, {})
                for word in set(self.term_words[term]) - self.soft_words:
                    words[word] = words.get(word, 0) + 1
        return {
            category: frozenset(w for w, n in words.items() if 2 * n > titles[category])
            for category, words in counts.items()
        }

    def direct_target(self, system: System, code: str) -> TargetCode | None:
        """The target of ``code`` itself (not reached through a header), if it has one."""
        found = self.direct_target_id(system, code)
        return self.targets[found] if found is not None else None

    def direct_target_id(self, system: System, code: str) -> int | None:
        """Where in ``targets`` the target of ``code`` itself is, if it has one."""
        direct: dict[tuple[System, str], int] | None = getattr(self, "_direct", None)
        if direct is None:
            direct = {(t.system, t.code): i for i, t in enumerate(self.targets) if t.via is None}
            self._direct = direct
        return direct.get((system, code))

    # ----------------------------------------------------------- persistence
    def save(self, path: Path) -> None:
        """Write the table atomically."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as handle:
            kept = {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
            pickle.dump((TERM_TABLE_FORMAT, kept), handle, protocol=5)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> TermTable | None:
        """A cached table, or None when absent or from another format."""
        if not path.is_file():
            return None
        with paused_gc(), path.open("rb") as handle:
            version, state = pickle.load(handle)
        if version != TERM_TABLE_FORMAT:
            return None
        table = cls()
        table.__dict__.update(state)
        return table

    @classmethod
    def for_index(
        cls,
        index: CodeIndex,
        cache_dir: Path,
        synonyms: Synonyms,
        progress: TermProgress | None = None,
    ) -> TermTable:
        """The table of this index version and these rules files, from the cache or
        built and cached: editing a lexicon or the synonyms rebuilds it (``progress``
        hears from the build only)."""
        path = cache_dir / f"terms-{index.version}-{rules_digest()}-v{TERM_TABLE_FORMAT}.pkl"
        table = cls.load(path)
        if table is None:
            table = cls.build(index, synonyms, progress)
            table.save(path)
        return table


def rules_digest() -> str:
    """A short hash of what a term table is built by: the rules files and this module
    (its word lists and how it reads terms), so a change to either rebuilds the table."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(Path(inspect.getfile(stem)).read_bytes())  # how a term's words are folded
    for name in ("synonyms.tsv", VARIANTS_FILE, *LEXICON_FILES):
        digest.update(resources.files("suggest.rules").joinpath(name).read_bytes())
    return digest.hexdigest()[:12]


def conjunct_variants(text: str) -> list[str]:
    """A short term naming two things ("Syncope and collapse", "Disorder of kidney and
    ureter") also stands for each of them alone, as a note names only one. Longer terms
    are left whole: there "and" often joins conditions a code needs together
    ("Hypertensive heart and chronic kidney disease")."""
    head, _, rest = text.partition(",")
    words = _WORD.findall(head.lower())
    if words.count("and") != 1 or len(words) > CONJUNCT_MAX_WORDS:
        return []
    match = _CONJUNCTION.search(head)
    if match is None:
        return []
    tail = f",{rest}" if rest else ""
    start, end = match.span()
    return [
        f"{head[:start]}{match.group(1)}{head[end:]}{tail}",
        f"{head[:start]}{match.group(2)}{head[end:]}{tail}",
    ]


def term_variants() -> list[tuple[re.Pattern[str], str]]:
    """The curated note wordings of code-set phrases (``suggest/rules/term_variants.tsv``):
    a phrase no word synonym can say ("pressure injury", NPIAP's name for the pressure
    ulcer, whose "injury" is no ulcer elsewhere)."""
    text = resources.files("suggest.rules").joinpath(VARIANTS_FILE).read_text("utf-8")
    rows = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            phrase, wording = line.split("\t")[:2]
            pattern = re.compile(rf"\b{re.escape(phrase.strip())}\b", re.IGNORECASE)
            rows.append((pattern, wording.strip()))
    return rows


def note_wordings(text: str, variants: list[tuple[re.Pattern[str], str]]) -> list[str]:
    """``text`` with each curated code-set phrase it holds said as notes say it
    ("Pressure ulcer of sacral region, stage 3" -> "pressure injury of sacral region,
    stage 3"): the same code, read from the note's wording with its site and stage."""
    return [pattern.sub(wording, text) for pattern, wording in variants if pattern.search(text)]


def _named_alone(variant: str, title: str) -> bool:
    """Whether one half of an index term's "and" names something by itself: a half of
    several words does ("Disorder of kidney"), a lone word only where the code's title
    names it. "Pins and needles" is one idiom for paresthesia: "needles" alone is not."""
    words = _WORD.findall(variant.lower())
    return len(words) != 1 or words[0] in _WORD.findall(title.lower())


def curated_lexicon() -> list[tuple[str, System, str]]:
    """The curated phrases (``suggest/rules/diagnosis_lexicon.tsv`` and
    ``procedure_lexicon.tsv``): how clinicians write conditions and procedures whose
    code-set titles they never use."""
    rows: list[tuple[str, System, str]] = []
    for name in LEXICON_FILES:
        text = resources.files("suggest.rules").joinpath(name).read_text("utf-8")
        for line in text.splitlines():
            if line.strip() and not line.startswith("#"):
                phrase, system, code = line.split("\t")[:3]
                rows.append((phrase.strip(), System(system.strip()), code.strip()))
    return rows


def _reportable_target(index: CodeIndex, record: CodeRecord) -> TargetCode | None:
    """The code a term of ``record`` should suggest: the record itself when billable,
    else its default billable descendant (the ``.9``/"unspecified" one)."""
    depth = max(len(record.key) - 3, 0) if record.system is System.ICD10CM else 0
    if record.billable:
        return TargetCode(record.system, record.code, record.title, True, depth)
    default = default_descendant(index, record)
    if default is None:
        return None
    return TargetCode(
        default.system,
        default.code,
        default.title,
        True,
        max(len(default.key) - 3, 0),
        via=record.code,
    )


def default_descendant(index: CodeIndex, record: CodeRecord) -> CodeRecord | None:
    """The billable code a coder reports when a note names only the header: the child
    the tabular names as the header's condition "NOS" where a child's Excludes1 does
    (``G20`` "Parkinson's disease" → ``G20.A1``: G20.C "Parkinsonism, unspecified"
    excludes "Parkinson's disease NOS (G20.A1)"), else the unspecified child (``E11`` →
    ``E11.9``), following it down; for codes needing a 7th character, the
    initial-encounter one ("A")."""
    current = record
    while not current.billable:
        children = [c for c in index.children(current) if c.active]
        if not children:
            return None
        named = _named_nos(index, current, children)
        current = named or min(children, key=_unspecified_rank)
    return current


def _named_nos(
    index: CodeIndex, header: CodeRecord, children: list[CodeRecord]
) -> CodeRecord | None:
    """The billable code a child's Excludes1 note gives the ``header``'s own title "NOS"
    to, if any."""
    wanted = header.title.lower() + " nos ("
    for child in children:
        for note in child.excludes1:
            lowered = note.lower()
            if lowered.startswith(wanted) and lowered.endswith(")"):
                named = index.get(note[len(wanted) : -1], header.system)
                if named is not None and named.billable and named.active:
                    return named
    return None


def says_unspecified(record: CodeRecord) -> bool:
    """Whether a code's title calls it unspecified ("Chronic kidney disease, unspecified")."""
    title = record.title.lower()
    return ", unspecified" in title or title.startswith("unspecified")


def _unspecified_rank(record: CodeRecord) -> tuple[int, int, str]:
    """Order children so the one reported for an unqualified mention comes first: the
    initial encounter, then "uncomplicated" codes and ``.9`` codes that are "unspecified" or
    "without" complications."""
    title = record.title.lower()
    ends_in_9 = record.key.endswith("9")
    if len(record.key) == 7 and record.system is System.ICD10CM:
        rank = 0 if record.key.endswith("A") else 4
    elif (
        "uncomplicated" in title
        or "not specified as" in title
        or (
            ends_in_9
            and ("unspecified" in title or "without" in title)
            and "with unspecified" not in title
        )
    ):
        # "Nicotine dependence, cigarettes, uncomplicated", not "with unspecified …"; a
        # title "not specified as" what its siblings add is the plain term's (A04.72
        # "... not specified as recurrent", not A04.71 "..., recurrent")
        rank = 0
    elif says_unspecified(record):
        rank = 1
    else:
        # the Alphabetic Index's default (guideline I.A.18) names no added condition:
        # "Cholelithiasis" is K80.2- "without cholecystitis", not K80.0- "with acute"
        names_none = " without " in title and " with " not in title
        # else the residual "Other ..." code, where the Index sends the plain term
        # ("Keratosis, seborrheic" L82.1 "Other seborrheic keratosis"), before a kind
        # the note did not name (L82.0 "Inflamed seborrheic keratosis")
        residual = title.startswith("other ")
        rank = 2 if ends_in_9 or names_none else 3 if residual else 4
    return (rank, len(record.key), record.key)
