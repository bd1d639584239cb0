"""Specificity from the note's own words (ICD-10-CM guideline I.B.13 for laterality,
and the tabular's default codes for the rest).

A term often names only a header or an unspecified code: "sprain of the anterior
talofibular ligament" is S93.49- (the default S93.499A, unspecified ankle), "acute on
chronic respiratory failure" is J96.20 (unspecified whether with hypoxia). Where the
sentence it was read from names what one of the sibling codes adds ("left ankle",
"hypoxic", "nondisplaced", "medial"), a coder reports that code. The code chosen is the
one whose added title words the sentence holds all of, and the most of them; where two
codes tie, the note does not decide and the default stays. A title's "not" and "without"
words are the Index's defaults ("not intractable", "without status migrainosus"): met
where the sentence does not affirm them, said where it denies them. The words of
``rules/plausibility.json`` (``specificity``) say which title words add nothing (``other``,
``unspecified``) and which note words stand for a title's (``hypoxic`` for ``hypoxia``;
the sides of ``laterality``). The other way round, of two codes of a category read from
the same words, the one whose title claims what the sentence lacks ("acute" for
"chronic respiratory failure with hypoxia", "with gangrene") is not those words' code
(``says_more``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache, lru_cache
from itertools import pairwise, repeat

from code_index.index import CodeIndex
from code_index.records import CodeRecord, System
from code_index.search import stem
from suggest.plausibility import (
    NEGATING,
    claimed_words,
    denied_words,
    plausibility_rules,
    side_tokens,
    title_side,
    title_words,
)
from suggest.rules import read_rules
from suggest.terms import TargetCode, default_descendant

IMPLIED = "~"  # marks an organ a side's abbreviation names ("OS": the eye), not written
DENIED = "!"  # marks a word the sentence says "not", "no" or "without" of ("not intractable")
_DENIAL_REACH = 3  # words a "not" / "no" / "without" reaches ("without status migrainosus")
_DENIERS = NEGATING | {"w/o"}
_DENIAL_ENDS = frozenset({"with", "but", "of", "on", "at", "to", "due"})
# a title's "not X" names a default, as its "without X" does ("not intractable"), each to
# the end of its clause or its site ("without foreign body of left forearm"); not "not
# elsewhere classified" nor "not specified as ..." (ranked as unspecified)
_TITLE_DENIAL = re.compile(
    r"\b(?:without|not(?! elsewhere\b| specified\b))\b(.*?)(?=,| of | in | due | with |$)"
)
_VAGUE = re.compile(r"\b(other|unspecified)\b")
_STAGE = re.compile(r"\bstage (\d+[a-z]?|iv|iii|ii|i)\b")
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}


@cache
def _same_words() -> dict[str, str]:
    """Note words that stand for a title word."""
    same = dict(read_rules(None, "plausibility.json")["specificity"]["same"])
    for side, words in plausibility_rules().sides.items():
        same.update((word, side) for word in words)
    return same


@cache
def _same_pairs() -> dict[str, dict[str, tuple[str, ...]]]:
    """Two note words that stand for title words, by their first word ("lower
    extremities": leg, legs)."""
    pairs: dict[str, dict[str, tuple[str, ...]]] = {}
    for pair, words in read_rules(None, "plausibility.json")["specificity"]["same_pairs"].items():
        first, second = pair.split()
        pairs.setdefault(first, {})[second] = tuple(words)
    return pairs


def note_words(tokens: Sequence[str]) -> frozenset[str]:
    """The words of a sentence (lower-case tokens) as titles spell them: "non - displaced"
    is "nondisplaced", "R" is "right", "hypoxic" is "hypoxia", "lower extremities" legs; an
    "RT" that is radiation therapy ("s/p lumpectomy + RT") is no side (``side_tokens``)."""
    same = _same_words()
    tokens = side_tokens(tokens)
    raw = frozenset(tokens)
    # a side's letter that ends a sentence keeps its period ("R>L.")
    found = {
        same.get(token[0] if len(token) == 2 and token[1] == "." else token, token) for token in raw
    }
    pairs = _same_pairs()
    if not pairs.keys().isdisjoint(found):
        for first, second in pairwise(tokens):
            found.update(pairs.get(first, {}).get(second, ()))
    # an eye's or an ear's side names the organ too ("PVD OS" is the left eye's), marked
    # as implied where the sentence does not write it (``NamedSiblings.refine``)
    for side, organ in _organ_words().items():
        if side in raw:
            found.add(organ)
            if organ not in raw:
                found.add(IMPLIED + organ)
    if not _DENIERS.isdisjoint(raw):
        found.update(_denied(tokens, same))
    if "non" in tokens and "-" in tokens:  # scans in C; the pair is rare
        found.update(
            "non" + tokens[i]
            for i in range(2, len(tokens))
            if tokens[i - 1] == "-" and tokens[i - 2] == "non"
        )
    return frozenset(found)


def _denied(tokens: Sequence[str], same: dict[str, str]) -> set[str]:
    """The words a "not", "no" or "without" of the sentence reaches, each marked
    ``DENIED`` ("no status epilepticus": status, epilepticus), up to a "with", a site's
    preposition ("of", "on") or a punctuation mark."""
    found = set()
    for i, token in enumerate(tokens):
        if token in _DENIERS:
            for word in tokens[i + 1 : i + 1 + _DENIAL_REACH]:
                if word in _DENIAL_ENDS or not word.isalpha():
                    break
                found.add(DENIED + same.get(word, word))
    return found


@lru_cache(maxsize=100_000)
def _defaults(title: str) -> frozenset[str]:
    """The words a code's title says it is "without" or "not" ("Migraine with aura, not
    intractable, without status migrainosus": intractable, status, migrainosus): the
    Index's defaults, what a term that does not say them is coded as."""
    return frozenset(
        word for clause in _TITLE_DENIAL.findall(title.lower()) for word in title_words(clause)
    )


def _affirms(words: frozenset[str], word: str) -> bool:
    """Whether the sentence ``words`` hold ``word`` and no denial of it."""
    return word in words and DENIED + word not in words


def stage_words(text: str) -> frozenset[str]:
    """The stages ``text`` names in their own phrase, each one word ("stage 2" of "stage
    2" or "Stage II"): a title's digits are no title words (``title_words``), and a
    number is code detail only where its phrase says what it is ("pressure injury L heel
    stage 2" is L89.622; a dose or a list marker names no stage)."""
    return frozenset(f"stage {_ROMAN.get(n, n)}" for n in _STAGE.findall(text.lower()))


@cache
def _implied_sites() -> tuple[tuple[str, frozenset[str]], ...]:
    """The site every code of a block or category is of (``specificity.implied_sites``:
    the eye of H00-H59, the ear of H60-H95, the upper limb of G56's mononeuropathies, the
    lower limb of G57's), by code prefix."""
    rows = read_rules(None, "plausibility.json")["specificity"]["implied_sites"]
    return tuple((prefix, frozenset(site.split())) for prefix, site in rows.items())


def _with_implied_site(code: str, words: frozenset[str]) -> frozenset[str]:
    """``words`` with the site ``code``'s block is of, as implied, where they name a side
    and not the site: "Acute otitis media, right" is the right ear's (H66.91), as an
    otitis is of no other organ, and "Right carpal tunnel syndrome" the right upper limb's
    (G56.01); the side of a sentence names the ear's as "AU" does."""
    if words.isdisjoint(plausibility_rules().sides):
        return words
    for prefix, site in _implied_sites():
        if code.startswith(prefix):
            return words if site <= words else words | site | {IMPLIED + w for w in site}
    return words


@cache
def _organ_words() -> dict[str, str]:
    """Note words for a side that name its organ as well (``specificity.organs``: "OD",
    "OS", "OU" the eyes; "AU" the ears)."""
    return dict(read_rules(None, "plausibility.json")["specificity"]["organs"])


@cache
def _sided_headers() -> tuple[str, ...]:
    """Unspecified headers whose codes are their sides (``specificity.sided_headers``)."""
    return tuple(read_rules(None, "plausibility.json")["specificity"]["sided_headers"])


@cache
def _dominance() -> tuple[dict[str, str], frozenset[str]]:
    """The dominance each side defaults to, and the words naming a patient's hand."""
    rules = dict(read_rules(None, "plausibility.json")["specificity"]["dominance"])
    handedness = frozenset(rules.pop("handedness"))
    return rules, handedness


def with_dominance(words: frozenset[str]) -> frozenset[str]:
    """The sentence ``words`` with the dominance of the one side they name, where they
    do not say it (guideline I.C.6.a: dominant on the right, nondominant on the left;
    dominant where the patient's hand is named on that side, "R hemiparesis (R-handed)",
    or the patient is ambidextrous)."""
    defaults, handedness = _dominance()
    named = words & defaults.keys()
    if len(named) != 1 or not words.isdisjoint(defaults.values()):
        return words
    side = next(iter(named))
    dominant = defaults["right"]
    return words | {dominant if handedness & words else defaults[side]}


def both_sides(places: Sequence[frozenset[str]]) -> frozenset[str]:
    """The words of the sentences a condition was read from (``note_words``), where one
    names the right side and not the left and another the left and not the right: the
    condition is on both sides, so they say "bilateral" and neither side alone. A
    sentence that names both sides (of two things: "gout (R 1st MTP), c/o L ankle pain")
    does not decide the side where the others name one: "Acute gout flare, L ankle" is
    the left ankle's."""
    around = frozenset().union(*places)
    sides = {"right", "left"}
    if len(places) > 1 and sides <= around:
        alone = {next(iter(sides & place)) for place in places if len(sides & place) == 1}
        if alone == sides:
            return (around - sides) | {"bilateral"}
        if alone:
            return around - (sides - alone)
    return around


def _unspecified(record: CodeRecord) -> int:
    return record.title.lower().count("unspecified")


def contradicted(title: str, words: frozenset[str]) -> bool:
    """Whether the sentence ``words`` deny a word of the code's ``title`` by its prefix
    ("nondisplaced" for a "Displaced fracture", "nonbleeding" for "bleeding")."""
    return any("non" + word in words and word not in words for word in title_words(title))


def says_more(title: str, rival: str, words: frozenset[str]) -> bool:
    """Whether a code titled ``title`` claims a word the sentence ``words`` lack where a
    rival code of its category read from the same words, titled ``rival``, claims none
    they lack: "chronic respiratory failure with hypoxia" is J96.11, not J96.21 "Acute
    and chronic ..."; "diabetic peripheral angiopathy" is E11.51 "... without gangrene",
    not E11.52 "... with gangrene"; "stable angina pectoris" is no I20.2 "Refractory angina
    pectoris" beside I20.9 "Angina pectoris, unspecified". A title that says "other" or
    "unspecified" claims nothing of its own, and a rival so titled stands for the words
    only where they say all its title claims: "metastases" (of a forehead tumour) does
    not make C79.2 wrong beside C79.9 "Secondary malignant neoplasm of unspecified site",
    nor "tobacco dependence" F17.210 "... cigarettes" beside F17.200."""
    if _vague(title):
        return False  # "other sites", "unspecified as acute or chronic" claim nothing
    own, theirs = claimed_words(title), claimed_words(rival)
    if not _vague(rival):
        return not _said(own - theirs, words) and _said(theirs - own, words)
    # a vague rival stands for these words only where they say all it claims; beside
    # it, a title's "without" is a claim too: "vomiting" is R11.10 "Vomiting,
    # unspecified", not R11.11 "Vomiting without nausea" where nausea goes unmentioned
    absent = denied_words(title)
    unsaid = not _said(own - theirs, words) or bool(absent and absent.isdisjoint(words))
    return unsaid and _said(theirs, words)


@lru_cache(maxsize=100_000)
def _vague(title: str) -> bool:
    """Whether a code title says "other" or "unspecified" (read once a title: a note's
    diagnoses are compared pairwise within their categories)."""
    return _VAGUE.search(title.lower()) is not None


def _said(claimed: frozenset[str], words: frozenset[str]) -> bool:
    """Whether ``words`` hold every ``claimed`` title word, or a word of its stem
    ("gangrenous" for "gangrene"). The words the sentence holds as they are are set
    aside first (in C), and a stem is looked for among the sentence's words by a
    ``startswith`` mapped over them, not a generator: a note with many diagnoses of one
    category compares each pair of them."""
    return all(
        len(word) >= 5 and any(map(str.startswith, words, repeat(word[:5])))
        for word in claimed - words
    )


_STAGES = frozenset({"pregnancy", "childbirth", "puerperium"})
_STAGE_WORDS = _STAGES | {"complicating", "first", "second", "third", "trimester"}
# the stages a code of the note's stage stands in for: at a delivery, a condition of the
# pregnancy is coded "in childbirth" (its puerperium codes are what followed the delivery);
# before one, a condition is the pregnancy's
_STANDS_IN_FOR = {"childbirth": ("pregnancy",), "pregnancy": ("childbirth", "puerperium")}


def obstetric_stage(title: str) -> str | None:
    """The stage of a pregnancy a chapter 15 title names ("in pregnancy" or a trimester,
    "complicating childbirth", "in the puerperium"), or None where it names none or more
    than one ("... in pregnancy, childbirth and the puerperium")."""
    words = title_words(title)
    named = (words & _STAGES) | ({"pregnancy"} if "trimester" in words else set())
    return next(iter(named)) if len(named) == 1 else None


class NamedSiblings:
    """For an ICD-10-CM target read from a header, an unspecified code or a header's
    default code, the sibling code the sentence's words name (see the module's
    docstring)."""

    def __init__(self, index: CodeIndex) -> None:
        self.index = index
        self._choices: dict[str, tuple[tuple[CodeRecord, frozenset[str]], ...]] = {}
        self._categories: dict[str, tuple[CodeRecord, ...]] = {}

    def refine(self, target: TargetCode, words: frozenset[str]) -> TargetCode | None:
        """The more specific target ``words`` name, or None where they name none."""
        if target.system is not System.ICD10CM:
            return None
        best: list[CodeRecord] = []
        most = 0
        siblings = self._siblings(target)
        if any(not added.isdisjoint(_dominance()[0].values()) for _, added in siblings):
            words = with_dominance(words)
        words = _with_implied_site(target.code, words)
        implied = frozenset(w[len(IMPLIED) :] for w in words if w.startswith(IMPLIED))
        for record, added in siblings:
            # a title's "not" and "without" words are its defaults: a sentence that does
            # not affirm them names it ("migraine with aura with status migrainosus" is
            # G43.101 "..., not intractable, with status migrainosus"; not G43.001
            # "Migraine without aura, ..."), and one that denies them says them
            # ("vomiting without nausea" is R11.11)
            defaults = _defaults(record.title)
            claimed = added - defaults - NEGATING
            if not all(_affirms(words, word) for word in claimed) or any(
                _affirms(words, word) for word in defaults
            ):
                continue
            # the organ an eye's or ear's side implies is no more said than its side
            denied = sum(DENIED + word in words for word in defaults & added)
            said = len(claimed - implied) + denied
            if said >= most:
                best = [record] if said > most else [*best, record]
                most = said
        if most == 0:
            return None
        # of codes the words name equally, the bilateral one where they say both sides
        # by the eyes' or ears' abbreviations ("Age-related nuclear cataract OU, visually
        # significant OD" is H25.13)
        if implied and len(best) > 1 and "bilateral" in words:
            both = [record for record in best if "bilateral" in title_words(record.title)]
            best = both if len(both) == 1 else best
        # of codes the words name equally, the one that leaves the rest unspecified
        vaguest = max(_unspecified(record) for record in best)
        best = [record for record in best if _unspecified(record) == vaguest]
        if len(best) > 2 and "bilateral" in words:
            # "bilateral lower extremities ..., R>L": the right, the left and both sides
            # named equally, each side because both are
            sides = {title_side(r.title): r for r in best}
            if {"right", "left", "bilateral"} <= sides.keys():
                best = [sides["bilateral"]]
        if len(best) != 1 or best[0].code == target.code:
            return None
        record = best[0]
        return target._replace(code=record.code, title=record.title)

    def on_both_sides(self, target: TargetCode, words: frozenset[str]) -> tuple[TargetCode, ...]:
        """The codes of ``target``'s condition on both sides where its sentence ``words``
        say "bilateral" and its codes have no bilateral one (guideline I.B.13): the
        bilateral code of the category beside a unilateral header ("OA of both knees" is
        M17.0 "Bilateral primary osteoarthritis of knee", not M17.10 under "Unilateral
        ..."), else the right and the left code, each reported ("Bilateral knee pain" is
        M25.561 and M25.562, "Blepharitis OU, upper and lower lids" H01.00A and H01.00B).
        None where they do not say it, or its codes have a bilateral one."""
        if "bilateral" not in words or any(
            "bilateral" in added for _, added in self._siblings(target)
        ):
            return ()
        bilateral = self._bilateral_code(target)
        if bilateral is not None:
            return (target._replace(code=bilateral.code, title=bilateral.title, via=None),)
        rest = words - {"bilateral", "right", "left"}
        right = self.refine(target, rest | {"right"})
        left = self.refine(target, rest | {"left"})
        if right is None or left is None:
            return ()
        if "right" not in title_words(right.title) or "left" not in title_words(left.title):
            return ()
        return right, left

    def _bilateral_code(self, target: TargetCode) -> CodeRecord | None:
        """The code of ``target``'s category whose title is its unilateral header's with
        "bilateral" for "unilateral" (M17.0 beside M17.1-, M16.0 beside M16.1-)."""
        index = self.index
        anchor = index.get(target.via or target.code, System.ICD10CM)
        if anchor is not None and target.via is None and anchor.parent:
            anchor = index.get(anchor.parent, System.ICD10CM)
        if anchor is None or "unilateral" not in title_words(anchor.title):
            return None
        wanted = title_words(anchor.title) - {"unilateral"}
        found = [
            record
            for record in self._category_codes(target.code[:3])
            if "bilateral" in (named := title_words(record.title))
            and named - {"bilateral"} == wanted
        ]
        return found[0] if len(found) == 1 else None

    def at_stage(self, target: TargetCode, stage: str) -> TargetCode | None:
        """The code of ``target``'s obstetric condition at the note's ``stage`` where its
        title names another: at a delivery the condition's "in childbirth" code ("GBS
        positive" at a delivery is O99.824, not O99.820), before one its pregnancy code
        (O24.410, not O24.430 "in the puerperium"; guideline I.C.15.a.3: the trimester
        and the stage are the encounter's); of several trimesters the unspecified
        trimester's, which the note's weeks then name. None where the category has no such
        code."""
        own = obstetric_stage(target.title)
        if (
            target.system is not System.ICD10CM
            or not target.code.startswith("O")
            or own not in _STANDS_IN_FOR.get(stage, ())
        ):
            return None
        core = title_words(target.title) - _STAGE_WORDS
        found = [
            record
            for record in self._category_codes(target.code[:3])
            if obstetric_stage(record.title) == stage
            and title_words(record.title) - _STAGE_WORDS == core
        ]
        if len(found) > 1:
            found = [r for r in found if "unspecified trimester" in r.title.lower()]
        if len(found) != 1:
            return None
        return target._replace(code=found[0].code, title=found[0].title, via=None)

    def _category_codes(self, category: str) -> tuple[CodeRecord, ...]:
        """The active billable codes of a category."""
        if category not in self._categories:
            self._categories[category] = tuple(
                record
                for record in self.index.with_prefix(category, System.ICD10CM)
                if record.billable and record.active and record.code != category
            )
        return self._categories[category]

    def _siblings(self, target: TargetCode) -> tuple[tuple[CodeRecord, frozenset[str]], ...]:
        """The billable codes that could stand for ``target`` (the header's descendants,
        or an unspecified code's siblings), each with the title words it adds."""
        anchor = target.via or target.code
        if anchor not in self._choices:
            self._choices[anchor] = self._find(target)
        return self._choices[anchor]

    def _sides_of(self, header: CodeRecord) -> bool:
        """Whether ``header`` is one of ``specificity.sided_headers`` and the billable codes
        under it differ from it by their side alone."""
        if not header.code.startswith(_sided_headers()):
            return False
        base = frozenset(map(stem, title_words(header.title)))
        sides = frozenset(plausibility_rules().sides)
        children = [child for child in self.index.children(header) if child.billable]
        return bool(children) and all(
            {w for w in title_words(child.title) if stem(w) not in base} <= sides
            for child in children
        )

    def _find(self, target: TargetCode) -> tuple[tuple[CodeRecord, frozenset[str]], ...]:
        index = self.index
        trimester = False
        if target.via is not None:
            header = index.get(target.via, System.ICD10CM)
        else:
            record = index.get(target.code, System.ICD10CM)
            if record is None or not record.parent:
                return ()
            if "unspecified" not in record.title.lower():
                # a header's default code read as a term of its own ("Migraine with aura
                # NOS" is G43.109 "..., not intractable, without status migrainosus")
                # stands for its header: "with status migrainosus" names G43.101
                header = self._defaulted(record)
                return () if header is None else self._descendants(header, target)
            header = index.get(record.parent, System.ICD10CM)
            trimester = "unspecified trimester" in record.title.lower()
            # a parent that is itself unspecified ("... of unspecified heel and midfoot")
            # holds only the code's variants: the sites are beside it, under the nearest
            # header above that is not (never a category, whose codes are other conditions);
            # not one whose codes are its sides ("... due to unspecified occlusion or
            # stenosis of middle cerebral artery": right, left, bilateral, unspecified)
            while (
                header is not None
                and header.parent
                and len(header.parent) > 3
                and "unspecified" in header.title.lower()
                and not self._sides_of(header)
            ):
                header = index.get(header.parent, System.ICD10CM)
        # a category's codes are other conditions, not qualifiers of one, except the
        # trimesters of an obstetric condition (guideline I.C.15.a.3: the trimester the
        # note documents is coded)
        if header is None or (len(header.code) <= 3 and not trimester):
            return ()
        return self._descendants(header, target)

    def _defaulted(self, record: CodeRecord) -> CodeRecord | None:
        """The widest header below its category whose default code (``default_descendant``)
        ``record`` is, if any."""
        found = None
        parent = record.parent
        while parent and len(parent) > 3:
            header = self.index.get(parent, System.ICD10CM)
            default = None if header is None else default_descendant(self.index, header)
            if header is None or default is None or default.code != record.code:
                break
            found, parent = header, header.parent
        return found

    def _descendants(
        self, header: CodeRecord, target: TargetCode
    ) -> tuple[tuple[CodeRecord, frozenset[str]], ...]:
        """The billable codes under ``header`` of ``target``'s length and 7th character,
        each with the title words it adds to the header's."""
        index = self.index
        base = title_words(header.title)
        base_stems = base | frozenset(map(stem, base))
        seventh = target.code[7:] if len(target.code) == 8 else ""
        found = []
        stack = [header]
        while stack:
            for child in index.children(stack.pop()):
                if not child.active:
                    continue
                if not child.billable:
                    stack.append(child)
                elif len(child.code) == len(target.code) and child.code[7:] == seventh:
                    # a word the header has in the plural or the singular adds nothing
                    # ("bilateral carotid arteries" under "carotid artery", "left lower
                    # extremity" under "lower extremities")
                    added = title_words(child.title) - base
                    staged = stage_words(child.title) - stage_words(header.title)
                    found.append(
                        (child, frozenset(w for w in added if stem(w) not in base_stems) | staged)
                    )
        # siblings that differ only by side, with a site every title repeats ("Dry eye
        # syndrome of right / bilateral / unspecified lacrimal gland(s)"): the bilateral
        # code needs only "bilateral", which a note says of the eyes or ears ("OU"), never
        # with the tabular's site (a side's code still needs its site: CodiEsp dev's
        # annotators keep the unspecified side where the sentence names a side in passing)
        if len(found) > 1:
            shared = frozenset.intersection(*(frozenset(map(stem, a)) for _, a in found))
            trimmed = [frozenset(w for w in a if stem(w) not in shared) for _, a in found]
            sides = frozenset(plausibility_rules().sides)
            if shared and all(a <= sides for a in trimmed):
                found = [
                    (c, rest if rest == {"bilateral"} else a)
                    for (c, a), rest in zip(found, trimmed, strict=True)
                ]
        return tuple(found)
