"""From mentions to candidate codes: one candidate per code the note's mentions lead to,
with the evidence and the features the ranker scores it on.

The rules a coder applies before weighing anything live here: a condition that is
negated, only in the family, or hypothetical is never a candidate; a term whose words
all sit inside a longer, more specific match of another code gives way to it
("chronic kidney disease" inside "chronic kidney disease, stage 3a"), and hypertension
gives way to the combination code the guideline presumes when CKD or heart failure is
documented beside it. Coders whose convention reports both (some corpora code "nausea"
beside "nausea and vomiting") teach a trained model to keep such covered codes as
candidates, flagged, ranked by what it learned.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache, partial
from operator import attrgetter
from typing import NamedTuple

import numpy as np
from spacy.tokens import Doc, Span

from code_index.index import CodeIndex
from code_index.records import System
from suggest.adverse_effects import (
    adverse_effect_readings,
    drug_induced_code,
    drug_intent_readings,
)
from suggest.code_categories import CATEGORY_LENGTH, SUBCATEGORY_LENGTH, code_category
from suggest.control import control_readings
from suggest.doc_words import lowered_texts, note_text
from suggest.em_levels import counseling_services, critical_care, em_level, preventive_visit
from suggest.extensions import MENTIONS_KEY, section_key, set_span_values, span_values
from suggest.mentions import TermMatch
from suggest.numbers import read_from_value, read_values
from suggest.patient_age import stated_age
from suggest.plausibility import (
    DRUG_NEAR,
    DrugPlace,
    combination_rules,
    dated_before,
    encounter_character,
    endoscopy_actions,
    holds_phrase,
    included_codes,
    injection_places,
    leisure_activity,
    maternity_conflict,
    not_done_here,
    not_taken_long_term,
    other_sites,
    pcs_details,
    plausibility_rules,
    replacements,
    side_tokens,
    told_apart,
    unnamed_encounter,
    unsided_twins,
    unsupported,
    vaccine_administration,
    vaccine_codes,
    vaccine_disease,
    vaccine_readings,
    with_encounter,
    with_findings,
    without_initial_injury,
)
from suggest.rules import read_rules
from suggest.sections import title_key
from suggest.sentences import clause_of, sentence_of, sentence_starts
from suggest.served_learners import NoteReading
from suggest.specificity import (
    NamedSiblings,
    both_sides,
    contradicted,
    note_words,
    obstetric_stage,
    says_more,
    stage_words,
)
from suggest.terms import TargetCode, TermSource, TermTable
from suggest.treatment_encounters import (
    eradicated_mentions,
    follow_up_readings,
    past_treatment_readings,
    treatment_encounter_readings,
    treatment_encounter_rules,
)

# Sections whose conditions a coder reports with most confidence, and the opposite.
ASSESSMENT_SECTIONS = frozenset(
    {"assessment", "assessment_and_plan", "impression", "diagnoses", "plan", "procedure"}
)
HISTORY_SECTIONS = frozenset({"past_medical_history", "past_surgical_history", "social_history"})
# codes that name no effect of a drug: injuries and poisonings, external causes, statuses;
# but the adverse effects of chapter 19 that name the effect ("angioedema" T78.3,
# "anaphylaxis due to" the correct drug T88.6), which take the drug's code after them
_NOT_EFFECTS = ("S", "T", "V", "W", "X", "Y", "Z")
_EFFECTS_OF_CHAPTER_19 = ("T78", "T88.6", "T88.7")
EXCLUDED_FLAGS = ("negated", "family", "hypothetical")
_NEGATED_CUES = ("negated", "context_cues")
# a denial titles say too ("Vomiting without nausea"): its words are the code's to read
_TITLE_NEGATIONS = frozenset({"without", "w/o"})
_MATCHES_AND_EXCLUDED = ("matches", *EXCLUDED_FLAGS)
# what collect_candidates reads of each mention, once (the flags of a span are read for
# its every match otherwise)
_READ_FLAGS = (*_MATCHES_AND_EXCLUDED, "historical", "uncertain")
_MATCHES_HISTORICAL = ("matches", "historical")

FEATURE_NAMES: tuple[str, ...] = (
    "coverage",  # best share of a term's words found
    "words",  # words in the best match
    "partial",  # the best match lacks one of its term's required words
    "loose",  # the best match's words are spread wider than the matching window
    "across_sentences",  # the best match joins words of two neighbouring sentences
    "rarity",  # how specific the matched words are across the code sets
    "rivals",  # log(1 + other codes read from the same words)
    "best_reading",  # it is the best reading of those words
    "single_word",
    "from_title",
    "from_term",
    "from_lexicon",
    "abbreviation",
    "via_header",  # the code is the default descendant of a matched header
    "depth",  # characters beyond the category
    "mentions",  # log(1 + number of places)
    "first_position",  # where in the note it is first mentioned (0..1)
    "category_rivals",  # log(1 + other candidates of the same system in its category)
    "note_candidates",  # log(1 + candidates in the note)
    "in_assessment",
    "in_history_section",
    "uncertain",
    "historical",
    "covered",  # a more specific code takes its place (see Candidate.covered_by)
    "system_icd10cm",
    "system_procedure",
    "system_hcpcs",
    # what labeled notes taught (zero for the code-set-only default model)
    "neighbor_score",  # how strongly similar training notes carry the code
    "prior",  # share of training notes that carry it
    "seen_in_training",
    "no_mention",  # suggested by the note model alone, no term matched
    "match_precision",  # how often the code was right in training, matched or not as here
    "association",  # how reliably a term in the note marked the code in training notes
    "label_score",  # the label model's score of the code for the whole note
    "label_rank",  # log(1 + its place among the label model's codes for the note)
    "denied",  # read only from negated, family or hypothetical mentions (suggest.denied)
    "coded_when_denied",  # how often coders coded the code when the note denied it
    # its category's evidence, for codes no training note carried (a third of CodiEsp
    # dev's codes): what the code's siblings have in training and in this note
    "category_prior",  # share of training notes that carry a code of its category
    "subcategory_prior",  # the same for its first four characters
    "category_neighbor",  # the neighbour scores of its category's codes, summed
    "category_label",  # the label model's best score of a code of its category
)
LEARNED_FEATURES: tuple[str, ...] = FEATURE_NAMES[FEATURE_NAMES.index("neighbor_score") :]
"""The features only labeled notes teach (zero for a model fitted on code sets alone)."""
UNRANKED_LABEL = 100  # the label_rank of a code beyond the label model's top ones


@dataclass
class Candidate:
    """One code the note may support, with every place that supports it."""

    target: TargetCode
    matches: list[TermMatch] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    rivals: int = 1_000  # fewest other codes read from the same words, over its matches
    best_reading: bool = False  # some match of it is the best reading of its words
    # the more specific codes that take its place (read from the same words, or the
    # hypertensive combination code the guideline presumes)
    covered_by: frozenset[str] = frozenset()
    neighbor_score: float = 0.0
    prior: float = 0.0
    seen_in_training: bool = False
    match_precision: float = 0.0
    association: float = 0.0
    association_term: str = ""  # the note's words that the association comes from
    label_score: float = 0.0
    label_rank: int = UNRANKED_LABEL
    # a code the note names only as negated, family or hypothetical (see suggest.denied):
    # which of those, the cues that say so, and how often coders code it all the same
    denied: str = ""
    denied_cues: tuple[str, ...] = ()
    coded_when_denied: float = 0.0
    category_prior: float = 0.0
    subcategory_prior: float = 0.0
    category_neighbor: float = 0.0
    category_label: float = 0.0
    # the more specific suggested code this unspecified one is offered after (see
    # Suggester._alternatives); such a candidate is never ranked
    alternative_to: str = ""
    # one of the two sides' codes of a condition its sentences say is bilateral, where
    # the category has no bilateral code (``NamedSiblings.on_both_sides``)
    both_sides: bool = False

    @property
    def key(self) -> tuple[System, str]:
        """Identity of the code across targets (a code reached directly and via a header)."""
        return (self.target.system, self.target.code)


def collect_candidates(
    doc: Doc,
    table: TermTable,
    keep_covered: bool = False,
    siblings: NamedSiblings | None = None,
) -> list[Candidate]:
    """Candidates from the mentions that are not negated, family or hypothetical. A match
    covered by a more specific match of another code is dropped, or with ``keep_covered``
    kept as a flagged candidate when no uncovered match supports its code; so is I10 when
    a hypertensive combination code takes its place. With ``siblings``, a header's or
    unspecified code gives way to the sibling its sentence names (suggest.specificity)."""
    found: list[tuple[Span, TermMatch]] = []
    in_family: list[tuple[Span, TermMatch]] = []
    in_history: list[tuple[Span, TermMatch]] = []
    now: list[TermMatch] = []  # the matches neither historical nor uncertain
    mark_eradicated(doc, table)
    title = title_key()
    sections = doc._.sections
    placed = _placed_here(doc, table)
    for span in doc.spans.get(MENTIONS_KEY, ()):
        matches, negated, family, hypothetical, historical, uncertain = span_values(
            span, _READ_FLAGS
        )
        if placed and not (historical and _says_earlier(span)):
            matches = [m for m in matches if table.targets[m.target].code not in placed]
        if family and not (negated or hypothetical):
            in_family.extend((span, match) for match in matches)
        if negated or family or hypothetical:
            continue
        found.extend((span, match) for match in matches)
        if historical:
            in_history.extend((span, match) for match in matches)
        elif not uncertain and section_key(sections, span.start_char) != title:
            # the title line names the visit ("thyroid cancer surveillance"), not a
            # condition present (suggest.reportable)
            now.extend(matches)
    # complete matches by first token they cover: a match can only lie inside one that
    # covers its own first token
    covering: dict[int, list[tuple[frozenset[int], str, int, bool, System]]] = {}
    named: set[str] = set()  # codes read whole that name their condition's kind
    for _, match in found:
        if match.complete and not match.loose:
            target = table.targets[match.target]
            diagnosis = target.system is System.ICD10CM
            # a diagnosis term's words, soft ones too, where it found all of them
            found_all = (
                len(table.term_words[match.term]) if diagnosis and match.coverage >= 1 else 0
            )
            entry = (frozenset(match.positions), target.code, found_all, diagnosis, target.system)
            for position in match.positions:
                covering.setdefault(position, []).append(entry)
            if "unspecified" not in target.title.lower():
                named.add(target.code)
    kept: list[tuple[Span, TermMatch]] = []
    covered: list[tuple[Span, TermMatch, frozenset[str]]] = []
    for span, match in found:
        own = table.targets[match.target].code
        mine = frozenset(match.positions)
        # a status after a procedure is what the procedure's words name ("s/p left total
        # knee arthroplasty" is Z96.652): no procedure term covers it; nor does a
        # pregnancy's code of the condition cover the condition (``_IN_PREGNANCY``)
        status = own.startswith(_PROCEDURE_STATUS)
        # a term found in part also gives way to a code of its category whose term the
        # same words hold whole, where that code names a kind (not an unspecified one,
        # which only says the part is missing): "seborrheic keratoses" is L82.1 "Other
        # seborrheic keratosis", not L82.0 "Inflamed seborrheic keratosis" lacking "inflamed";
        # and a diagnosis term gives way to one of more words that finds them all in the
        # same note words (an abbreviation's expansion: "AKI" is "acute kidney failure", N17.9,
        # not N19 "Unspecified kidney failure" read from two of its three words)
        wider = frozenset(
            code
            for theirs, code, words, diagnosis, system in covering.get(match.positions[0], ())
            if code != own
            and (diagnosis or not status)
            and not (code.startswith(_IN_PREGNANCY) and not own.startswith("O"))
            and (
                mine < theirs
                or (
                    mine == theirs
                    and (
                        (not match.complete and code[:3] == own[:3] and code in named)
                        or (
                            match.complete
                            and not match.loose
                            and table.targets[match.target].system is System.ICD10CM
                            and words > len(table.term_words[match.term])
                        )
                    )
                )
            )
            and not _service_and_drug(table.targets[match.target], system, code)
        )
        if not wider:
            kept.append((span, match))
        elif keep_covered:
            covered.append((span, match, wider))
    kept.extend(history_matches(in_family, table, family_history_code))
    if in_history:
        # a neoplasm the note also names as present is no history ("history of breast
        # cancer, now with a recurrence in the right breast"); one it only doubts is not
        # present ("r/o BCC" of a new lesion beside "h/o BCC")
        current = {table.targets[match.target].code[:3] for match in now}
        kept.extend(
            history_matches(
                in_history,
                table,
                lambda code: None if code[:3] in current else personal_history_code(code),
            )
        )
    readings = _readings([*kept, *((span, match) for span, match, _ in covered)], table)
    candidates = _candidates_from(kept, table, readings)
    if covered:
        present = {c.key for c in candidates}
        wider_of: dict[str, frozenset[str]] = {}
        for _, match, wider in covered:
            own = table.targets[match.target].code
            wider_of[own] = wider_of.get(own, frozenset()) | wider
        for candidate in _candidates_from([(s, m) for s, m, _ in covered], table, readings):
            if candidate.key not in present:
                candidate.covered_by = wider_of[candidate.target.code]
                candidates.append(candidate)
    add_value_candidates(candidates, doc, table)
    add_adverse_effects(candidates, doc, table)
    add_drug_intents(candidates, doc, table)
    add_treatment_encounters(candidates, doc, table)
    add_control_readings(candidates, doc, table)
    drop_borrowed_secondaries(candidates, doc)
    # a sentence's words as titles spell them (``note_words``), by its start: read
    # once a note for both steps
    words: dict[int, frozenset[str]] = {}
    affirmed = affirmed_texts(doc)  # both steps read it; the mentions' flags are set
    if siblings is not None:
        candidates = named_siblings(candidates, doc, siblings, words, affirmed)
    candidates = plausible_candidates(candidates, doc, table, words, affirmed)
    add_em_level(candidates, doc, table)
    add_leisure_status(candidates, doc, table)
    unexplained = without_initial_injury(
        [c.target.code for c in candidates if c.target.system is System.ICD10CM]
    )
    if unexplained:
        candidates = [c for c in candidates if c.target.code not in unexplained]
    link_hypertension(candidates, table)
    link_combinations(candidates, table)
    if not keep_covered:
        candidates = [c for c in candidates if not c.covered_by]
    return candidates


# a service (CPT) and the drug given with it (HCPCS Level II J codes) are two codes of
# the same words: "albuterol-ipratropium neb" is the inhalation treatment 94640 and the
# drug J7620, neither covering the other (HCPCS G codes are services: G0008 is the
# administration 90471 is, and covers it)
_DRUGS = "J"


def _service_and_drug(own: TargetCode, system: System, code: str) -> bool:
    """Whether ``own`` and the code ``code`` of ``system`` are a service and a drug."""
    pair = {(own.system, own.code[:1]), (system, code[:1])}
    return (System.HCPCS, _DRUGS) in pair and any(s is System.CPT for s, _ in pair)


# statuses after a procedure (ICD-10-CM Z95-Z98: presence of implants and grafts,
# postprocedural states)
_PROCEDURE_STATUS = ("Z90", "Z95", "Z96", "Z97", "Z98")


def _placed_here(doc: Doc, table: TermTable) -> frozenset[str]:
    """The status codes (``placed_now`` of the plausibility rules) whose operation a
    procedure section of the note reports, without a past cue, as this encounter's: of
    those, only a place that says an earlier operation ("Hx L TKA 2020" in the note of
    today's right TKA) is read, alone and with its own side; "s/p PCI w/ DES 11/28" in the
    diagnoses of the stay that placed the stent names the same operation (suggest.reportable
    sets the status apart where a place of this encounter's operation is left)."""
    rules = plausibility_rules()
    sections = doc._.sections
    placed: set[str] = set()
    for span in doc.spans.get(MENTIONS_KEY, ()):
        if section_key(sections, span.start_char) not in rules.placed_now_sections:
            continue
        matches, historical = span_values(span, _MATCHES_HISTORICAL)
        if not historical:
            placed.update(
                code
                for match in matches
                if (code := table.targets[match.target].code).startswith(rules.placed_now)
            )
    return frozenset(placed)


def _says_earlier(span: Span) -> bool:
    """Whether a historical mention's cues say an earlier encounter's operation
    (``placed_now.earlier``: "hx", "prior"), not the state after one ("s/p")."""
    earlier = plausibility_rules().placed_now_earlier
    (cues,) = span_values(span, ("context_cues",))
    return any(" ".join(cue.lower().split()) in earlier for cue in cues)


# chapter 15's "complicating pregnancy" categories of conditions classified elsewhere,
# whose "use additional code to identify" keeps the condition's own code beside them
# ("hypothyroidism complicating pregnancy" is O99.28- and E03.9; guideline I.C.15.a.1)
_IN_PREGNANCY = ("O98", "O99", "O9A")
_SIDES = frozenset({"right", "left"})  # the sides ``note_words`` spells out


@cache
def _history_rows(name: str) -> tuple[tuple[tuple[str, ...], str], ...]:
    """``rules/<name>``: (code prefixes, history code), narrowest first."""
    rows = read_rules(None, name)["by_prefix"]
    return tuple((tuple(prefixes), code) for prefixes, code in rows)


@lru_cache(maxsize=32_768)  # asked for every outpatient diagnosis candidate of every note
def _history_code(name: str, code: str) -> str | None:
    for prefixes, history in _history_rows(name):
        if code.startswith(prefixes):
            return history
    return None


def family_history_code(code: str) -> str | None:
    """The Z80-Z84 code of a condition named only in a relative (``rules/family_history.json``)."""
    return _history_code("family_history.json", code)


def mark_eradicated(doc: Doc, table: TermTable) -> None:
    """Mark historical the mentions of a primary malignancy that the note says was
    eradicated (``eradicated_mentions``: "Papillary thyroid ca, thyroidectomy + RAI 2019.
    Tx completed."), with the words that say so as their cue: its code is its personal
    history, Z85.- (guideline I.C.2.d)."""

    def malignancies(span: Span) -> tuple[str, ...]:
        return tuple(
            target.code
            for match in span_values(span, ("matches",))[0]
            for target in (table.targets[match.target],)
            if target.system is System.ICD10CM and personal_history_code(target.code)
        )

    for span, cue in eradicated_mentions(doc, malignancies):
        cues = span_values(span, ("context_cues",))[0]
        set_span_values(
            span,
            {"historical": True, "context_cues": cues if cue in cues else (*cues, cue)},
        )


def personal_history_code(code: str) -> str | None:
    """The Z85 code of a malignant neoplasm named only as past
    (``rules/personal_history.json``)."""
    return _history_code("personal_history.json", code)


def history_matches(
    read: Sequence[tuple[Span, TermMatch]],
    table: TermTable,
    history_code: Callable[[str], str | None],
) -> list[tuple[Span, TermMatch]]:
    """Conditions read in a relative ("Family history: sister with breast cancer") or in
    the patient's past ("h/o BCC, excised 2019") read also as their history code (Z80.3,
    Z85.828; ``history_code`` gives it, or None) from the same words: the relative's
    condition is never the patient's, but the history it documents is coded."""
    whole = [frozenset(m.positions) for _, m in read if m.complete and not m.loose]
    found = []
    for span, match in read:
        target = table.targets[match.target]
        mine = frozenset(match.positions)
        if target.system is not System.ICD10CM or any(mine < other for other in whole):
            continue  # "cancer" inside "breast cancer" is no history of its own
        history = history_code(target.code)
        reached = table.direct_target_id(System.ICD10CM, history) if history else None
        if reached is not None:
            found.append((span, match._replace(target=reached)))
    return found


def named_siblings(
    candidates: list[Candidate],
    doc: Doc,
    siblings: NamedSiblings,
    words: dict[int, frozenset[str]],
    affirmed: list[str],
) -> list[Candidate]:
    """Each candidate read from a header or an unspecified code as the sibling code its
    sentences name ("left ankle", "hypoxic"), where they name one, and none whose title
    its sentences deny ("nondisplaced" for a displaced fracture), nor one that claims more
    than they say where a code of its category read from the same places does not
    ("chronic respiratory failure" is no "acute and chronic" one); a code reached twice
    so is one candidate with the places of both. ``words``: sentence words by sentence
    start, as read (see ``_words_around``); ``affirmed``: ``affirmed_texts``."""
    found: dict[tuple[System, str], Candidate] = {}
    starts = sentence_starts(doc)
    trimester = _trimester_of(candidates)
    stage = _obstetric_stage(affirmed, trimester)
    for candidate in candidates:
        if stage == "puerperium" and _before_the_visit(candidate.target):
            continue  # the pregnancy's or the delivery's, not this visit's (I.C.15)
        if candidate.target.system is System.ICD10CM and candidate.spans:
            staged = siblings.at_stage(candidate.target, stage) if stage else None
            if staged is not None:
                candidate.target = staged  # its sentences do not say it; the note does
            around = _words_around(candidate, starts, affirmed, words)
            if trimester and "unspecified trimester" in candidate.target.title.lower():
                around |= trimester  # its sentences do not say it; the weeks do
            better = siblings.refine(candidate.target, around)
            sides = () if better is not None else siblings.on_both_sides(candidate.target, around)
            if better is not None:
                candidate.target = better
            elif len(sides) == 1:
                candidate.target = sides[0]  # the category's bilateral code
            elif sides:
                candidate.target, left = sides
                candidate.both_sides = True
                _merge(
                    found,
                    replace(
                        candidate,
                        target=left,
                        matches=list(candidate.matches),
                        spans=list(candidate.spans),
                    ),
                )
            elif contradicted(candidate.target.title, around):
                continue
        _merge(found, candidate)
    return _said_no_more(list(found.values()), doc, words, affirmed)


def _merge(found: dict[tuple[System, str], Candidate], candidate: Candidate) -> None:
    """Add ``candidate`` to ``found``, or its matches and places to the candidate of its
    code there (a code reached twice is one candidate with the places of both)."""
    same = found.get(candidate.key)
    if same is None:
        found[candidate.key] = candidate
        return
    same.matches.extend(candidate.matches)
    places = {(s.start, s.end) for s in same.spans}
    same.spans.extend(s for s in candidate.spans if (s.start, s.end) not in places)
    same.rivals = min(same.rivals, candidate.rivals)
    same.best_reading = same.best_reading or candidate.best_reading
    same.covered_by = same.covered_by & candidate.covered_by
    same.both_sides = same.both_sides or candidate.both_sides


def _trimester_of(candidates: Sequence[Candidate]) -> frozenset[str]:
    """The trimester the note's weeks of gestation (Z3A.-) fall in, as a title says it
    ("first trimester"), by chapter 15's note: the first is less than 14 weeks 0 days,
    the second 14 weeks 0 days to less than 28 weeks 0 days, the third from 28 weeks;
    none where the note gives no weeks, or weeks of two trimesters."""
    found = set()
    for candidate in candidates:
        code = candidate.target.code
        if code.startswith("Z3A.") and code[4:].isdigit() and code != "Z3A.00":
            weeks = int(code[4:])
            found.add("first" if weeks < 14 else "second" if weeks < 28 else "third")
    return frozenset({found.pop(), "trimester"}) if len(found) == 1 else frozenset()


def _obstetric_stage(affirmed: Sequence[str], trimester: frozenset[str]) -> str | None:
    """The stage of the pregnancy the note's encounter is at: "childbirth" where its
    words say the delivery ("Apgars 8/9", "in active labor": ``obstetric_stage`` of
    rules/plausibility.json), "puerperium" where they say the visit is one after it ("6
    wk PP check", "5 weeks postpartum"), "pregnancy" where it gives weeks of gestation
    and says no delivery and nothing after one ("postpartum"), None elsewhere (guideline
    I.C.15: a condition of a delivery's admission is coded "in childbirth")."""
    rules = plausibility_rules()
    if holds_phrase(affirmed, rules.childbirth_cues):
        return "childbirth"
    if holds_phrase(affirmed, rules.postpartum_visit_cues):
        return "puerperium"
    if trimester and not holds_phrase(affirmed, rules.puerperium_cues):
        return "pregnancy"
    return None


def _before_the_visit(target: TargetCode) -> bool:
    """Whether a code read at a visit after the delivery is the pregnancy's (its title
    names the pregnancy or a trimester: "Pregnancy c/b GDM" is no O24.410 at the
    postpartum visit; ``not_after_delivery``: the pregnant state, its supervision and
    its weeks, Z3A, are for pregnancy encounters) or the delivery record's (the labor,
    the laceration "repaired" at the delivery, its outcome Z37: guideline I.C.15.b.5)."""
    return target.system is System.ICD10CM and (
        target.code.startswith(plausibility_rules().not_after_delivery)
        or (target.code.startswith("O") and obstetric_stage(target.title) == "pregnancy")
    )


def affirmed_texts(doc: Doc) -> list[str]:
    """Each token's lower-case text (``lowered_texts``), less the words that only negated
    mentions hold: what a sentence says of a condition, not what it denies ("Raynaud's
    phenomenon, no digital ulcers/gangrene" says no "gangrene" of the Raynaud's, which
    is I73.00, not I73.01 "with gangrene"); not those a "without" denies, as titles do
    ("vomiting without nausea" is R11.11 "Vomiting without nausea")."""
    lowered = lowered_texts(doc)
    mentions = doc.spans.get(MENTIONS_KEY, ())
    affirmed: set[int] = set()
    negated = []
    for span in mentions:
        is_negated, cues = span_values(span, _NEGATED_CUES)
        if not is_negated:
            affirmed.update(range(span.start, span.end))
        elif not _TITLE_NEGATIONS.issuperset(cue.lower() for cue in cues):
            negated.append(range(span.start, span.end))
    # a negated mention that holds an affirmed one ("M1 AML, without differentiation, in
    # complete remission") is a term read across the affirmed words, not a denial of them
    denied = {i for words in negated if affirmed.isdisjoint(words) for i in words}
    if not denied:
        return lowered
    return ["" if i in denied else word for i, word in enumerate(lowered)]


def _words_around(
    candidate: Candidate,
    starts: list[int],
    lowered: Sequence[str],
    words: dict[int, frozenset[str]],
) -> frozenset[str]:
    """The words of the sentences ``candidate`` was read from; ``words`` keeps each
    sentence's words by its start, so a sentence is read once a note, and the stage the
    mention itself names ("pressure injury L heel stage 2": not a stage of another
    condition of its sentence); where the mention's clause (``clause_of``: a list item)
    names one side and its sentence both, the clause's side, for a code read whole ("PSH:
    R AVF creation 2023, L THA 2020": the hip is the left; a term read in part is a
    guess that a side would only sharpen).
    Read in one sentence of the right side and another of the left, the condition is
    bilateral (guideline I.B.13; "Left ICA stenosis 70-99%. Right ICA stenosis <50%.")."""
    places = []
    whole = any(match.complete for match in candidate.matches)
    for span in candidate.spans:
        first, end = sentence_of(starts, len(lowered), span.start)
        own = " ".join(lowered[span.start : span.end])
        place = _sentence_words(first, end, lowered, words) | stage_words(own)
        if whole and place >= _SIDES:
            side = _SIDES & note_words(clause_of(lowered, span.start, span.end, first, end))
            place = place - (_SIDES - side) if len(side) == 1 else place
        places.append(place)
    return both_sides(places)


def _sentence_words(
    first: int, end: int, lowered: Sequence[str], words: dict[int, frozenset[str]]
) -> frozenset[str]:
    """The ``note_words`` of the sentence ``lowered[first:end]``, kept in ``words``."""
    found = words.get(first)
    if found is None:
        found = words[first] = note_words(lowered[first:end])
    return found


def _said_no_more(
    candidates: list[Candidate],
    doc: Doc,
    words: dict[int, frozenset[str]],
    affirmed: list[str],
) -> list[Candidate]:
    """The candidates less each diagnosis that claims a word its sentences lack where a
    code of its category read from the same places claims none they lack (see
    ``specificity.says_more``); ``words``: sentence words by sentence start, as read."""
    by_category: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        if candidate.target.system is System.ICD10CM and candidate.spans:
            by_category.setdefault(candidate.target.code[:3], []).append(candidate)
    starts = sentence_starts(doc)
    dropped: set[int] = set()
    for rivals in by_category.values():
        if len(rivals) < 2:
            continue  # most categories are read once: nothing to compare
        places = {id(c): {(s.start, s.end) for s in c.spans} for c in rivals}
        for candidate in rivals:
            own = places[id(candidate)]
            wider = [o for o in rivals if o is not candidate and own <= places[id(o)]]
            if not wider:
                continue  # its sentences' words are read only where a rival holds its places
            around = _words_around(candidate, starts, affirmed, words)
            if any(says_more(candidate.target.title, o.target.title, around) for o in wider):
                dropped.add(id(candidate))
    return [c for c in candidates if id(c) not in dropped]


def plausible_candidates(
    candidates: list[Candidate],
    doc: Doc,
    table: TermTable,
    noted: dict[int, frozenset[str]],
    affirmed: list[str],
) -> list[Candidate]:
    """The candidates a coder would read from their words (see suggest/plausibility.py):
    no injury from anatomy alone, no side the sentence does not name, no E/M level from
    words, no long-term drug use from a drug only started or given once, the vaccine and
    not its disease (and no vaccine service where it was given at an earlier visit; its
    administration by the patient's age and payer), a service in the code its words
    decide (``_services_as_documented``), the code another code makes right, and an
    injury's 7th character from the note's words (no sequela beside the initial encounter
    the term also names). ``noted``: sentence words by sentence start, as
    ``named_siblings`` read them (see ``_words_around``); ``affirmed``:
    ``affirmed_texts``."""
    vaccines = vaccine_readings(doc)
    lowered = lowered_texts(doc)
    starts = sentence_starts(doc)
    sentence_words: dict[int, set[str]] = {}

    def words_around(spans: list[Span], bilateral: bool) -> set[str]:
        # a condition its sentences say is bilateral names each side (``both_sides``)
        found: set[str] = {"right", "left"} if bilateral else set()
        places: dict[int, int] = {}  # sentence start: end
        for span in spans:
            first, end = sentence_of(starts, len(doc), span.start)
            if first not in sentence_words:
                sentence_words[first] = set(side_tokens(lowered[first:end]))
            found |= sentence_words[first]
            places[first] = end
        if len(places) > 1 and "bilateral" in both_sides(
            [_sentence_words(first, end, affirmed, noted) for first, end in places.items()]
        ):
            found.add("bilateral")  # one sentence names the right side, another the left
        return found

    def sections_of(spans: list[Span]) -> set[str | None]:
        return {section_key(doc._.sections, span.start_char) for span in spans}

    def drug_places(spans: list[Span]) -> list[DrugPlace]:
        places = []
        for span in spans:
            first, end = sentence_of(starts, len(lowered), span.start)
            near = clause_of(
                lowered,
                span.start,
                span.end,
                max(first, span.start - DRUG_NEAR),
                min(end, span.end + DRUG_NEAR),
            )
            places.append(
                DrugPlace(
                    section_key(doc._.sections, span.start_char),
                    clause_of(lowered, span.start, span.end, first, end),
                    near,
                    " ".join(lowered[span.start : span.end]),
                )
            )
        return places

    def clause_words(spans: list[Span]) -> list[Sequence[str]]:
        return [_clause(lowered, starts, span) for span in spans]

    def sentences(spans: list[Span]) -> list[Sequence[str]]:
        """The words of each sentence of ``spans``, after those of a heading that opens
        it ("Labs today: TSH 1.9" split at the heading's colon speaks of today's labs)."""
        read: list[Sequence[str]] = []
        for first, end in {sentence_of(starts, len(doc), span.start) for span in spans}:
            opened = first > 0 and lowered[first - 1] == ":"
            heading = sentence_of(starts, len(doc), first - 1)[0] if opened else first
            read.append(lowered[heading:end])
        return read

    age = stated_age(note_text(doc))
    kept = []
    for candidate in candidates:
        target = candidate.target
        if maternity_conflict(target.system, target.code, age):
            continue
        if candidate.matches:
            words = [lowered[p] for m in candidate.matches for p in m.positions]
            if unsupported(
                target.system,
                target.code,
                target.title,
                words,
                partial(words_around, candidate.spans, candidate.both_sides),
                partial(sections_of, candidate.spans),
            ) or not_taken_long_term(target.code, partial(drug_places, candidate.spans)):
                continue
            if not_done_here(
                target.system, target.code, partial(sentences, candidate.spans)
            ) or dated_before(target.system, target.code, partial(clause_words, candidate.spans)):
                continue
            if (
                vaccines
                and vaccine_disease(target.code)
                and all(
                    any(v.start <= span.start < v.end for v in vaccines) for span in candidate.spans
                )
            ):
                continue
            if target.system in (System.CPT, System.HCPCS) and all(
                any(v.before and v.start <= span.start < v.end for v in vaccines)
                for span in candidate.spans
            ):
                continue  # a vaccine given at an earlier visit is no service of this one
        kept.append(candidate)
    twins = unsided_twins(
        (c.target.code, c.target.title) for c in kept if c.target.system is System.ICD10CM
    )
    if twins:
        kept = [
            c for c in kept if c.target.system is not System.ICD10CM or c.target.code not in twins
        ]
    administration = vaccine_administration(vaccines, lowered, age) if vaccines else []
    administering = plausibility_rules().vaccine_administration
    if any(
        r.given and administering.code not in a
        for r, a in zip(vaccines, administration, strict=True)
    ):
        # a child's counseled administration or Medicare's own: no 90471-90474 from words
        kept = [
            c
            for c in kept
            if c.target.system is not System.CPT or c.target.code not in administering.replaced
        ]
    present = {c.key for c in kept}
    for reading, administered in zip(vaccines, administration, strict=True):
        for key in vaccine_codes(reading.given, administered):
            if key not in present:
                present.add(key)
                kept.extend(_read_candidate(table, key, reading.cue))
    injected = plausibility_rules().injection.code
    places = injection_places(doc, vaccines)
    if places and injected not in present:
        present.add(injected)
        kept.extend(_read_candidate(table, injected, doc[places[0] : places[0] + 1]))
    kept = _services_as_documented(kept, present, doc, table, starts, lowered)
    _pcs_as_documented(kept, present, table, lowered)
    replaced = replacements(present)
    rules = plausibility_rules()
    # the statement's codes are read only where a routine exam's code is there to change
    if any((System.ICD10CM, code) in present for code, _ in rules.with_findings):
        replaced.update(
            with_findings(
                c.target.code
                for c in kept
                if c.target.system is System.ICD10CM
                and not c.denied
                and not sections_of(c.spans).isdisjoint(rules.statement_sections)
            )
        )
    character = encounter_character(note_text(doc))
    if character is None:
        codes = {code for system, code in present if system is System.ICD10CM}
        kept = [
            c
            for c in kept
            if c.target.system is not System.ICD10CM or not unnamed_encounter(c.target.code, codes)
        ]
    # a code of another encounter than the note's gives way to its twin of the note's
    # encounter where the words read that one too ("Colles fracture ..., subsequent
    # encounter with delayed healing": S52.532G, and no S52.532A beside it)
    other_encounter: set[int] = set()
    for candidate in kept:
        better = replaced.get(candidate.key)
        if better is None and character is not None and candidate.target.system is System.ICD10CM:
            code = with_encounter(candidate.target.code, character)
            if code is not None and code != candidate.target.code:
                better = (System.ICD10CM, code)
                if better in present:
                    other_encounter.add(id(candidate))
        if better is None or better in present:
            continue
        found = table.direct_target(*better)
        if found is not None:
            present.add(better)
            candidate.target = found
    return [c for c in kept if id(c) not in other_encounter]


def _services_as_documented(
    kept: list[Candidate],
    present: set[tuple[System, str]],
    doc: Doc,
    table: TermTable,
    starts: list[int],
    lowered: Sequence[str],
) -> list[Candidate]:
    """The CPT services of ``kept`` in the code the note's words decide (suggest/
    plausibility.py): the endoscopy with biopsy a report's biopsies document
    (``endoscopy_actions``), the site, the views, the contrast or the size the sentences
    a service was read from name (``other_sites``, ``told_apart``), and no code another
    includes (``included_codes``: a diagnostic endoscopy beside a surgical one, a simple
    repair beside an excision). ``present`` (the keys of ``kept``) is kept up to date."""
    ends = [*starts[1:], len(doc)]
    for key, at in endoscopy_actions(
        present, ((first, lowered[first:end]) for first, end in zip(starts, ends, strict=True))
    ):
        present.add(key)
        kept.extend(_read_candidate(table, key, doc[at : at + 1]))

    def said_with(keys: list[tuple[System, str]]) -> list[str]:
        places = {
            sentence_of(starts, len(doc), span.start)
            for c in kept
            if c.key in keys
            for span in c.spans
        }
        return [word for first, end in sorted(places) for word in lowered[first:end]]

    elsewhere = other_sites(present, said_with)
    kept = [c for c in kept if c.key not in elsewhere]
    present -= elsewhere
    for chosen, others in told_apart(present, said_with):
        read = next((c for c in kept if c.key in others), None)
        if chosen not in present and read is not None:
            present.add(chosen)
            kept.extend(_read_candidate(table, chosen, read.spans[0]))
        kept = [c for c in kept if c.key not in others]
        present -= others
    included = included_codes(present)
    present -= included
    return [c for c in kept if c.key not in included]


def _pcs_as_documented(
    kept: list[Candidate],
    present: set[tuple[System, str]],
    table: TermTable,
    lowered: Sequence[str],
) -> None:
    """Each ICD-10-PCS code of ``kept`` with the device and qualifier the note's words
    give (``pcs_details``: a hip's bearing surface and cement, a coronary dilation's
    drug-eluting stents by number), each change kept only where the code it makes exists;
    where that code is already a candidate the plain one gives way. ``present`` (the keys
    of ``kept``) is kept up to date."""
    dropped: set[int] = set()
    for candidate in kept:
        if candidate.target.system is not System.ICD10PCS:
            continue
        code = candidate.target.code
        for position, value in pcs_details(code, lowered):
            changed = code[:position] + value + code[position + 1 :]
            if table.direct_target_id(System.ICD10PCS, changed) is not None:
                code = changed
        if code == candidate.target.code:
            continue
        found = table.direct_target(System.ICD10PCS, code)
        if found is None:
            continue
        if (found.system, found.code) in present:
            dropped.add(id(candidate))
        else:
            present.discard(candidate.key)
            present.add((found.system, found.code))
            candidate.target = found
    kept[:] = [c for c in kept if id(c) not in dropped]


def _clause(lowered: Sequence[str], starts: list[int], span: Span) -> Sequence[str]:
    """The lower-case words of ``span``'s clause in its sentence (``clause_of``)."""
    first, end = sentence_of(starts, len(lowered), span.start)
    return clause_of(lowered, span.start, span.end, first, end)


def _read_candidate(table: TermTable, key: tuple[System, str], span: Span) -> list[Candidate]:
    """A candidate read by a coding rule from ``span`` (a value, a vaccine), as one
    complete term of its words; none where the term table lacks the code."""
    target_id = table.direct_target_id(*key)
    if target_id is None:
        return []
    positions = tuple(range(span.start, span.end))
    match = TermMatch(
        target=target_id,
        term=-1,
        coverage=1.0,
        words=len(positions),
        rarity=1.0,
        positions=positions,
        complete=True,
        source=TermSource.LEXICON,
        abbreviation=False,
    )
    return [Candidate(table.targets[target_id], [match], [span], rivals=0, best_reading=True)]


def add_value_candidates(candidates: list[Candidate], doc: Doc, table: TermTable) -> None:
    """Codes whose detail is a value ("BMI 34.2" -> Z68.34) come from the value alone:
    any such code read from words ("BMI" matching a band's title) is dropped, and the
    value's band is added, read as one complete term of its words at every place that
    states it (the examination's "TBSA <1%" and the diagnosis's "<1% TBSA" are one code
    with two places: the statement documents it, guideline III.B)."""
    candidates[:] = [c for c in candidates if not read_from_value(c.target.system, c.target.code)]
    present = {c.key for c in candidates}
    documented = [code for system, code in present if system is System.ICD10CM]
    added: dict[tuple[System, str], Candidate] = {}
    for span, rule, code in read_values(doc, documented):
        key = (rule.system, code)
        if key in added:
            added[key].matches.extend(_read_candidate(table, key, span)[0].matches)
            added[key].spans.append(span)
        elif key not in present:
            present.add(key)
            for candidate in _read_candidate(table, key, span):
                added[key] = candidate
                candidates.append(candidate)


def add_adverse_effects(candidates: list[Candidate], doc: Doc, table: TermTable) -> None:
    """The adverse-effect code (T36-T50, 5th or 6th character 5) of each drug a sentence
    says caused the condition it names (suggest.adverse_effects): read from the drug's
    word, where a diagnosis of that sentence is a candidate, for it is coded after the
    effect it explains (guideline I.C.19.e.5.a)."""
    readings = adverse_effect_readings(doc)
    if not readings:
        return
    starts = sentence_starts(doc)
    _as_drug_induced(candidates, doc, table, readings, starts)
    effects = {
        sentence_of(starts, len(doc), span.start)[0]
        for c in candidates
        if c.target.system is System.ICD10CM
        and (
            not c.target.code.startswith(_NOT_EFFECTS)
            or c.target.code.startswith(_EFFECTS_OF_CHAPTER_19)
        )
        for span in c.spans
    }
    present = {c.key for c in candidates}
    for position, code in readings:
        key = (System.ICD10CM, code)
        if key in present or sentence_of(starts, len(doc), position)[0] not in effects:
            continue
        present.add(key)
        candidates.extend(_read_candidate(table, key, doc[position : position + 1]))


def _as_drug_induced(
    candidates: list[Candidate],
    doc: Doc,
    table: TermTable,
    readings: Sequence[tuple[int, str]],
    starts: list[int],
) -> None:
    """A condition a sentence says a drug caused, read as its unspecified code, is its
    drug-induced code (suggest.adverse_effects.drug_induced_code: E03.9 -> E03.2 for
    "hypothyroidism due to pembrolizumab"); where that code is already a candidate the
    unspecified one gives way to it."""
    lowered = lowered_texts(doc)
    drugs: dict[int, set[tuple[str, str]]] = {}  # by sentence start
    for position, code in readings:
        drugs.setdefault(sentence_of(starts, len(doc), position)[0], set()).add(
            (lowered[position], code)
        )
    present = {c.key for c in candidates}
    dropped: set[int] = set()
    for candidate in candidates:
        if candidate.target.system is not System.ICD10CM:
            continue
        said = {
            drug
            for span in candidate.spans
            for drug in drugs.get(sentence_of(starts, len(doc), span.start)[0], ())
        }
        becomes = drug_induced_code(candidate.target.code, said) if said else None
        found = table.direct_target(System.ICD10CM, becomes) if becomes else None
        if found is None:
            continue
        key = (found.system, found.code)
        if key in present:
            dropped.add(id(candidate))
        else:
            present.add(key)
            candidate.target = found
    candidates[:] = [c for c in candidates if id(c) not in dropped]


def add_leisure_status(candidates: list[Candidate], doc: Doc, table: TermTable) -> None:
    """The external cause status Y99.8 of an activity not done for pay
    (suggest.plausibility.leisure_activity: "playing pickup basketball", "baking cookies
    at home" in a note that speaks of no work), read from the activity's own words and
    places, so that it is listed only as surely as the activity it goes with wherever an
    external cause is reported (guideline I.C.20.k), and gives way with it where no
    injury at its initial encounter explains them."""
    codes = [c.target.code for c in candidates if c.target.system is System.ICD10CM]
    if not leisure_activity(codes, lowered_texts(doc)):
        return
    rules = plausibility_rules()
    target_id = table.direct_target_id(System.ICD10CM, rules.leisure_status)
    if target_id is None:
        return
    activity = next(
        c
        for c in candidates
        if c.target.system is System.ICD10CM and c.target.code.startswith(rules.leisure_activities)
    )
    candidates.append(
        Candidate(
            table.targets[target_id],
            [match._replace(target=target_id) for match in activity.matches],
            list(activity.spans),
            rivals=activity.rivals,
            best_reading=activity.best_reading,
        )
    )


def add_drug_intents(candidates: list[Candidate], doc: Doc, table: TermTable) -> None:
    """The underdosing code (T36-T50, character 6) of each drug a sentence says was
    taken less than prescribed, with the noncompliance code (Z91.12-, Z91.13-) of the
    reason it gives, and the poisoning code of each drug taken in overdose or by
    mistake (suggest.adverse_effects): read from the drug's and the reason's words,
    wherever the condition they explain is written (guideline I.C.19.e.5.b, c)."""
    _add_readings(candidates, doc, table, drug_intent_readings(doc))


def add_treatment_encounters(candidates: list[Candidate], doc: Doc, table: TermTable) -> None:
    """The encounter for antineoplastic radiation, chemotherapy or immunotherapy (Z51.0,
    Z51.11, Z51.12) of each therapy a sentence says is given now (suggest.treatment_encounters;
    guideline I.C.2.e.2), read from the therapy's words; and, where the provider's
    diagnostic statement or the visit's reason (title, chief complaint, indication) names
    a malignancy as past (Z85.-: a survivor's visit), the
    history of a chemotherapy or radiation the note says is past (Z92.21, Z92.3) and,
    with no therapy now, the follow-up examination its surveillance is (Z08). A
    narrative without a statement (a case report telling the course that led to this
    illness) codes no such history."""
    _add_readings(candidates, doc, table, treatment_encounter_readings(doc))
    sections = doc._.sections
    # the visit's reason states the history as the statement does: a procedure's or an
    # exam's "Indication: Surveillance - hx sigmoid colon adenocarcinoma s/p colectomy"
    stated = (
        plausibility_rules().statement_sections | treatment_encounter_rules().follow_up_sections
    )
    if any(
        c.target.code.startswith(_MALIGNANCY_HISTORY)
        and any(section_key(sections, span.start_char) in stated for span in c.spans)
        for c in candidates
    ):
        _add_readings(candidates, doc, table, past_treatment_readings(doc))
        # a survivor's surveillance visit, no therapy given now, is the follow-up
        # examination after completed treatment, listed first (I.C.21.c.8)
        if not any(c.target.code.startswith(_THERAPY_NOW) for c in candidates):
            _add_readings(candidates, doc, table, follow_up_readings(doc))


def _add_readings(
    candidates: list[Candidate],
    doc: Doc,
    table: TermTable,
    readings: Sequence[tuple[int, int, str]],
) -> None:
    """Each (first token, end token, ICD-10-CM code) of ``readings`` not yet a
    candidate, read from its tokens (the first place read is its evidence)."""
    present = {c.key for c in candidates}
    for start, end, code in readings:
        key = (System.ICD10CM, code)
        if key not in present:
            present.add(key)
            candidates.extend(_read_candidate(table, key, doc[start:end]))


def add_em_level(candidates: list[Candidate], doc: Doc, table: TermTable) -> None:
    """The E/M level the note's stated MDM level or total time gives for its kind of visit,
    the preventive visit its title or chief complaint names for the patient's stated age,
    critical care and the counseling billed by their stated minutes (suggest.em_levels),
    each read from the words it rests on. Added after the plausibility rules, whose
    ``never_from_words`` keeps any word from naming a level: these rules read the level's
    basis, not a word."""
    text = note_text(doc)
    present = {c.key for c in candidates}
    readings = (em_level(text), preventive_visit(text), critical_care(text))
    found = [(System.CPT, *reading) for reading in readings if reading is not None]
    for system, code, start, end in (*found, *counseling_services(text)):
        span = doc.char_span(start, end, alignment_mode="expand")
        key = (system, code)
        if span is not None and key not in present:
            present.add(key)
            candidates.extend(_read_candidate(table, key, span))


def add_control_readings(candidates: list[Candidate], doc: Doc, table: TermTable) -> None:
    """The code of how well a condition is controlled, read from the phrase said of it
    (suggest.control): "DM2, uncontrolled" reads hyperglycemia, which the diabetes's
    combination makes E11.65."""
    present = {c.key for c in candidates}
    for candidate in list(candidates):
        if candidate.target.system is not System.ICD10CM:
            continue
        for span, code in control_readings(doc, candidate.target.code, candidate.spans):
            key = (System.ICD10CM, code)
            if key not in present:
                present.add(key)
                candidates.extend(_read_candidate(table, key, span))


_MALIGNANCY_HISTORY = "Z85"  # personal history of a malignant neoplasm
_THERAPY_NOW = "Z51"  # encounters for antineoplastic therapy (and other aftercare)
_SECONDARY = ("C77", "C78", "C79")  # secondary malignant neoplasms, by site
_JOINING = frozenset({"and", "or", ",", "/", "&"})  # words that join two sites


def drop_borrowed_secondaries(candidates: list[Candidate], doc: Doc) -> None:
    """A secondary neoplasm (C77-C79) read from a metastasis word that a closer whole
    reading of another site's secondary neoplasm holds names no site of its own: in
    "adenocarcinoma of RUL lung, brain metastases" the metastases are the brain's
    (C79.31), and the lung is the primary's (no C78.01); in "breast cancer with bone
    metastases" the bone's (no C79.81); sites joined by "and" share it ("liver and lung
    metastases": C78.7 and C78.00). Guideline I.C.2: the primary and each secondary site
    by what the note says of it."""
    # position: the secondary codes read whole there with a site word, and where
    whole: dict[int, list[tuple[str, tuple[int, ...]]]] = {}
    for candidate in candidates:
        if candidate.target.code.startswith(_SECONDARY):
            for match in candidate.matches:
                if match.complete and not match.loose and len(match.positions) > 1:
                    for position in match.positions:
                        whole.setdefault(position, []).append(
                            (candidate.target.code, match.positions)
                        )
    if not whole:
        return
    lowered = lowered_texts(doc)

    def borrowed(code: str, match: TermMatch) -> bool:
        mine = match.positions
        for shared in mine:
            closer = {
                p
                for other, theirs in whole.get(shared, ())
                if other != code and theirs[-1] - theirs[0] < mine[-1] - mine[0]
                for p in theirs
            }
            own = [p for p in mine if p not in closer]
            if not closer or not own:
                continue
            # the words between the shared word and its own nearest, but the closer
            # reading's and those that join sites, tell the two apart
            nearest = min(own, key=lambda p: abs(p - shared))
            between = range(min(nearest, shared) + 1, max(nearest, shared))
            if any(lowered[p] not in _JOINING for p in between if p not in closer):
                return True
        return False

    candidates[:] = [
        c
        for c in candidates
        if c.target.system is not System.ICD10CM
        or not c.target.code.startswith(_SECONDARY)
        or not c.matches
        or not all(borrowed(c.target.code, match) for match in c.matches)
    ]


def link_hypertension(candidates: list[Candidate], table: TermTable) -> None:
    """ICD-10-CM presumes hypertension causes the chronic kidney disease and the heart
    failure documented with it (guideline I.C.9.a): hypertension beside CKD is I12.-,
    beside heart failure I11.0, beside both I13.-, by the CKD stage. That one code is
    reported; I10 and any other hypertensive combination read from the words give way."""
    by_code = {c.target.code: c for c in candidates if c.target.system is System.ICD10CM}
    hypertensive = [
        c for code, c in by_code.items() if code == "I10" or code[:3] in ("I11", "I12", "I13")
    ]
    kidney = [c for code, c in by_code.items() if code.startswith("N18") and not c.covered_by]
    heart = [c for code, c in by_code.items() if code.startswith("I50") and not c.covered_by]
    if not hypertensive or not (kidney or heart):
        return
    end_stage = any(c.target.code in ("N18.5", "N18.6") for c in kidney)
    if kidney and heart:
        code = "I13.2" if end_stage else "I13.0"
    elif kidney:
        code = "I12.0" if end_stage else "I12.9"
    else:
        code = "I11.0"
    linked = _combined(candidates, table, code, (*kidney, *heart), (*hypertensive, *kidney, *heart))
    if linked is None:
        return
    for other in hypertensive:
        if other is not linked:
            other.covered_by = other.covered_by | {code}


def link_combinations(candidates: list[Candidate], table: TermTable) -> None:
    """Conditions the classification joins in one code when documented together
    (``combinations`` of rules/plausibility.json): diabetes with hypoglycemia is
    E11.649, coronary atherosclerosis with angina I25.11- (guidelines I.A.15, I.C.4.a,
    I.C.9.b), a deficit after a stroke the note calls old I69.3- (I.C.9.d). The
    combination is reported; the second condition gives way unless the rule keeps it,
    and the first where it is a "without" code (I25.10 "without angina pectoris") or
    the rule says so (the old stroke)."""
    by_code = {c.target.code: c for c in candidates if c.target.system is System.ICD10CM}
    categories = {code[:CATEGORY_LENGTH] for code in by_code}
    for rule in combination_rules():
        if categories.isdisjoint(rule.first_categories):
            continue  # no code of the rule's first categories (most rules, most notes)
        firsts = [c for code, c in by_code.items() if code.startswith(rule.first)]
        if rule.first_when or rule.first_unless:
            firsts = [
                c
                for c in firsts
                if (not rule.first_when or _sentence_says(c, rule.first_when))
                and not _clause_says(c, rule.first_unless)
            ]
        if len({c.target.code[:3] for c in firsts}) != 1:
            continue  # none, or types that disagree (E10 and E11 read from one note)
        category = firsts[0].target.code[:3]
        for second, template in rule.second:
            partners = [c for code, c in by_code.items() if code.startswith(second)]
            if rule.same_sentence:
                partners = [c for c in partners if _said_together(c, firsts)]
            if rule.second_unless:
                partners = [c for c in partners if not _clauses_all_say(c, rule.second_unless)]
            if rule.second_other_cause:
                partners = [c for c in partners if not _clause_says(c, rule.second_other_cause)]
            if not partners:
                continue
            code = template.format(category=category)
            both = (*firsts, *partners)
            read = tuple(partners) if rule.as_second else both
            linked = _combined(candidates, table, code, read, read)
            if linked is None:
                continue
            for other in (*partners, *firsts):
                if other is not linked and (
                    (other in partners and not rule.second_stays)
                    or other.target.code.startswith(rule.first_gives_way)
                ):
                    other.covered_by = other.covered_by | {code}


def _said_together(candidate: Candidate, others: Sequence[Candidate]) -> bool:
    """Whether a sentence ``candidate`` was read from also names one of ``others``."""
    doc = candidate.spans[0].doc if candidate.spans else None
    if doc is None:
        return False
    starts = sentence_starts(doc)

    def sentences(c: Candidate) -> set[int]:
        return {sentence_of(starts, len(doc), span.start)[0] for span in c.spans}

    own = sentences(candidate)
    return any(not own.isdisjoint(sentences(other)) for other in others)


def _sentence_says(candidate: Candidate, phrases: Sequence[tuple[str, ...]]) -> bool:
    """Whether a sentence the ``candidate`` was read from holds one of the ``phrases``
    (lower-case word tuples)."""
    for span in candidate.spans:
        doc = span.doc
        first, end = sentence_of(sentence_starts(doc), len(doc), span.start)
        if holds_phrase(lowered_texts(doc)[first:end], phrases):
            return True
    return False


def _clause_says(candidate: Candidate, phrases: Sequence[tuple[str, ...]]) -> bool:
    """Whether a clause the ``candidate`` was read from (``sentences.clause_of``) holds
    one of the ``phrases``."""
    return bool(phrases) and any(holds_phrase(clause, phrases) for clause in _clauses(candidate))


def _clauses_all_say(candidate: Candidate, phrases: Sequence[tuple[str, ...]]) -> bool:
    """Whether every clause the ``candidate`` was read from holds one of the ``phrases``
    ("Dysphagia after the stroke resolved": the deficit is over)."""
    return bool(candidate.spans) and all(
        holds_phrase(clause, phrases) for clause in _clauses(candidate)
    )


def _clauses(candidate: Candidate) -> Iterator[Sequence[str]]:
    """The lower-case words of the clause of each place ``candidate`` was read from."""
    for span in candidate.spans:
        doc = span.doc
        first, end = sentence_of(sentence_starts(doc), len(doc), span.start)
        yield clause_of(lowered_texts(doc), span.start, span.end, first, end)


def _combined(
    candidates: list[Candidate],
    table: TermTable,
    code: str,
    partners: Sequence[Candidate],
    sources: Sequence[Candidate],
) -> Candidate | None:
    """The candidate of combination ``code`` (added where missing), read as strongly as
    the ``partners`` documented with it, shown at every place of the ``sources``."""
    target = table.direct_target(System.ICD10CM, code)
    if target is None:
        return None
    linked = next((c for c in candidates if c.key == (System.ICD10CM, code)), None)
    if linked is None:
        linked = Candidate(target)
        candidates.append(linked)
    for partner in partners:
        linked.matches.extend(partner.matches)
        linked.rivals = min(linked.rivals, partner.rivals)
        linked.best_reading = linked.best_reading or partner.best_reading
    places = {(s.start, s.end) for s in linked.spans}
    for source in sources:
        for span in source.spans:
            if (span.start, span.end) not in places:
                places.add((span.start, span.end))
                linked.spans.append(span)
    linked.covered_by = frozenset()
    return linked


Readings = tuple[dict[tuple[int, ...], set[str]], dict[tuple[int, ...], tuple[float, ...]]]


def _readings(found: Sequence[tuple[Span, TermMatch]], table: TermTable) -> Readings:
    """Per set of words, the codes read from them and the best match quality among them."""
    rivals: dict[tuple[int, ...], set[str]] = {}
    best_quality: dict[tuple[int, ...], tuple[float, ...]] = {}
    for _, match in found:
        rivals.setdefault(match.positions, set()).add(table.targets[match.target].code)
        quality = match_quality(match)
        if quality > best_quality.get(match.positions, ()):
            best_quality[match.positions] = quality
    return rivals, best_quality


def _candidates_from(
    found: Sequence[tuple[Span, TermMatch]], table: TermTable, readings: Readings
) -> list[Candidate]:
    """One candidate per code, with its places, rivals and whether it is the best reading."""
    rivals, best_quality = readings
    candidates: dict[tuple[System, str], Candidate] = {}
    # the places each candidate has (a mention span is one per place): a set, since a
    # word repeated through a note is one candidate with thousands of places
    places: dict[tuple[System, str], set[tuple[int, int]]] = {}
    for span, match in found:
        target = table.targets[match.target]
        key = (target.system, target.code)
        candidate = candidates.get(key)
        if candidate is None:  # a Candidate built only where the code is new, not per match
            candidate = candidates[key] = Candidate(target)
            places[key] = set()
        elif target.via is None and candidate.target.via is not None:
            candidate.target = target  # reached directly beats reached through a header
        candidate.matches.append(match)
        candidate.rivals = min(candidate.rivals, len(rivals[match.positions]) - 1)
        if match_quality(match) == best_quality[match.positions]:
            candidate.best_reading = True
        place = (span.start, span.end)
        if place not in places[key]:
            places[key].add(place)
            candidate.spans.append(span)
    return list(candidates.values())


def candidates_from_matches(
    found: Sequence[tuple[Span, TermMatch]], table: TermTable
) -> list[Candidate]:
    """One candidate per code read from these places, rivals counted among them alone."""
    return _candidates_from(found, table, _readings(found, table))


def match_quality(match: TermMatch) -> tuple[float, ...]:
    """How well a match reads its words: complete first, then in one sentence, close
    together, coverage, length, rarity."""
    return (
        float(match.complete),
        float(not match.across_sentences),
        float(not match.loose),
        match.coverage,
        float(match.words),
        match.rarity,
    )


def excluded_codes(doc: Doc, table: TermTable) -> set[tuple[System, str]]:
    """Codes the note names only as negated, family or hypothetical: a code the note model
    proposes must not come back through the side door when the note denies it."""
    return set(denied_sentences(doc, table))


def denied_sentences(doc: Doc, table: TermTable) -> dict[tuple[System, str], set[int]]:
    """By code, the starts of the sentences in which the note names it as negated, family
    or hypothetical: a doubt and a denial in one sentence ("CHF? - echo normal EF, no
    heart failure") rule the condition out."""
    starts = sentence_starts(doc)
    found: dict[tuple[System, str], set[int]] = {}
    for span in doc.spans.get(MENTIONS_KEY, ()):
        # one read of the span's values, not an accessor and a lookup per flag
        matches, *flags = span_values(span, _MATCHES_AND_EXCLUDED)
        if any(flags):
            first = sentence_of(starts, len(doc), span.start)[0]
            for match in matches:
                target = table.targets[match.target]
                found.setdefault((target.system, target.code), set()).add(first)
    return found


@dataclass(frozen=True)
class MatchPrecision:
    """How often each code was a right suggestion in labeled notes, apart for when a term
    of it matched the note and when only similar notes proposed it ("pain" makes R52 right;
    R52 proposed for a note that never mentions pain rarely is), smoothed toward the
    overall rate of each case so rarely seen codes are not trusted blindly."""

    hits: Mapping[tuple[tuple[System, str], bool], tuple[int, int]]  # -> (right, proposed)
    overall: Mapping[bool, float]  # by matched
    strength: float = 2.0

    def of(self, key: tuple[System, str], matched: bool) -> float:
        """Smoothed precision of ``key`` when proposed with (or without) a term match."""
        right, seen = self.hits.get((key, matched), (0, 0))
        return (right + self.strength * self.overall.get(matched, 0.0)) / (seen + self.strength)


class LearnedTargets:
    """The reportable target of each code learned from labeled notes, looked up in the
    index once: the same few hundred training codes come back for every note."""

    def __init__(self, index: CodeIndex) -> None:
        self.index = index
        self._found: dict[tuple[System, str], TargetCode | None] = {}

    def __call__(self, key: tuple[System, str]) -> TargetCode | None:
        if key not in self._found:
            record = self.index.get(key[1], key[0])
            target = None
            if record is not None and record.billable:
                depth = max(len(record.key) - 3, 0) if record.system is System.ICD10CM else 0
                target = TargetCode(record.system, record.code, record.title, True, depth)
            self._found[key] = target
        return self._found[key]


@dataclass(frozen=True)
class LearnedSignals:
    """What labeled notes say about one note's codes: how strongly similar notes carry
    each (``neighbor_scores``), which learned term marks it (``associations``: score and
    the note's words), how common it is (``prior``) and how often it was right when
    proposed (``precision``; absent while training, which cross-fits it afterwards), and
    which codes the label model reads in the whole note (``label``)."""

    neighbor_scores: Mapping[tuple[System, str], float]
    associations: Mapping[tuple[System, str], tuple[float, str]]
    prior: Mapping[tuple[System, str], float]
    precision: MatchPrecision | None
    label: NoteReading | None = None  # what the label model read (suggest.label_model)
    # share of training notes carrying a code of each category and subcategory (its
    # first three and four characters; suggest.note_model)
    category_prior: Mapping[tuple[System, str], float] = field(default_factory=dict)
    subcategory_prior: Mapping[tuple[System, str], float] = field(default_factory=dict)
    # by category, the ICD-10-CM codes training notes carried, most carried first
    # (``category_codes``): the siblings a named code may give way to
    category_codes: Mapping[tuple[System, str], tuple[tuple[System, str], ...]] = field(
        default_factory=dict
    )
    # the category (``code_category``) of each code the learners know, worked out once
    categories: Mapping[tuple[System, str], tuple[System, str]] = field(default_factory=dict)


def category_codes(
    prior: Mapping[tuple[System, str], float],
) -> dict[tuple[System, str], tuple[tuple[System, str], ...]]:
    """By category, the ICD-10-CM codes of ``prior`` (the codes training notes carried),
    the most carried first (ties by code)."""
    found: dict[tuple[System, str], list[tuple[System, str]]] = {}
    for key in sorted(prior, key=lambda k: (-prior[k], k[1])):
        if key[0] is System.ICD10CM:
            found.setdefault(code_category(key), []).append(key)
    return {category: tuple(keys) for category, keys in found.items()}


def add_learned_candidates(
    candidates: list[Candidate],
    learned: LearnedSignals,
    denied: set[tuple[System, str]],
    targets: LearnedTargets,
    limit: int,
) -> None:
    """Add what labeled notes taught: each candidate's neighbour score, term association,
    prior and match precision; then the codes that a learned term association marks and
    up to ``limit`` codes that similar notes carry, where no term of theirs matched (never
    a denied one)."""
    scores, associations, prior, precision = (
        learned.neighbor_scores,
        learned.associations,
        learned.prior,
        learned.precision,
    )
    for candidate in candidates:
        candidate.neighbor_score = scores.get(candidate.key, 0.0)
        candidate.association, candidate.association_term = associations.get(
            candidate.key, (0.0, "")
        )
        candidate.prior = prior.get(candidate.key, 0.0)
        candidate.seen_in_training = candidate.key in prior
        if precision is not None:
            candidate.match_precision = precision.of(candidate.key, matched=True)
    present = {c.key for c in candidates} | denied
    by_neighbors = sorted(scores.items(), key=lambda item: (-item[1], item[0][1]))[:limit]
    for key in dict.fromkeys([*associations, *(key for key, _ in by_neighbors)]):
        if key in present:
            continue
        target = targets(key)
        if target is not None:
            candidates.append(_learned_candidate(target, key, learned))


def add_sibling_candidates(
    candidates: list[Candidate],
    learned: LearnedSignals,
    denied: set[tuple[System, str]],
    targets: LearnedTargets,
    per_category: int,
) -> None:
    """Add, for each category of a diagnosis the note's words name (not deny), up to
    ``per_category`` codes of it that training notes carried (the most carried first;
    never a denied one): coders often report a sibling of the code the words read (a
    more specific or another laterality), and a third of the diagnoses missing from
    CodiEsp train's out-of-fold lists have a sibling there. Train, 5-fold CV of the
    ranker over its out-of-fold lists: MAP-D 0.5926 -> 0.5991 at 5 a category (0.5961
    at 2; from the categories of every candidate, not only the named ones, 0.5968 at 3;
    those lists took denied mentions' categories too, which training kept where serving
    ranks no denied mention). Trained models take 2 (``SIBLING_CANDIDATES``): on CodiEsp
    dev, trained on train after the sixth session's rules, 5 gave MAP-D 0.5836 against 2's
    0.5847 at 46.1 against 56.8 notes/s."""
    present = {c.key for c in candidates} | denied
    # a denied mention names no diagnosis the note documents; nor is it always ranked
    named = sorted({code_category(c.key) for c in candidates if c.matches and not c.denied})
    for category in named:
        for key in learned.category_codes.get(category, ())[:per_category]:
            if key in present:
                continue
            target = targets(key)
            if target is not None:
                present.add(key)
                candidates.append(_learned_candidate(target, key, learned))


def _learned_candidate(
    target: TargetCode, key: tuple[System, str], learned: LearnedSignals
) -> Candidate:
    """A candidate only labeled notes propose (``key``: the code they know it by), with
    what they say of it."""
    association, term = learned.associations.get(key, (0.0, ""))
    precision = learned.precision
    return Candidate(
        target,
        neighbor_score=learned.neighbor_scores.get(key, 0.0),
        prior=learned.prior.get(key, 0.0),
        seen_in_training=key in learned.prior,
        match_precision=precision.of(key, matched=False) if precision else 0.0,
        association=association,
        association_term=term,
    )


def add_label_candidates(
    candidates: list[Candidate],
    label_scores: Mapping[tuple[System, str], float],
    denied: set[tuple[System, str]],
    targets: LearnedTargets,
    limit: int,
) -> None:
    """Give every candidate its label-model score and place, then add the ``limit``
    best-scoring codes of the label model that are not candidates yet (never a denied
    one). ``label_scores`` holds the note's codes best first."""
    rank = {key: i for i, key in enumerate(label_scores)}
    for candidate in candidates:
        candidate.label_score = label_scores.get(candidate.key, 0.0)
        candidate.label_rank = rank.get(candidate.key, UNRANKED_LABEL)
    present = {c.key for c in candidates} | denied
    for key in list(label_scores)[:limit]:
        if key in present:
            continue
        target = targets(key)
        if target is not None:
            candidates.append(
                Candidate(
                    target, label_score=label_scores[key], label_rank=min(rank[key], UNRANKED_LABEL)
                )
            )


def add_category_evidence(candidates: Sequence[Candidate], learned: LearnedSignals) -> None:
    """Give every candidate its category's evidence: the training notes' share carrying a
    code of it (and of its subcategory), the note's neighbour scores of its codes summed,
    and the label model's best score among them. A code no training note carried has no
    prior, neighbour or label score of its own; its siblings' tell the ranker whether such
    a code is likely (train, 5-fold CV of the ranker over its out-of-fold lists: MAP-D
    0.6289 -> 0.6401, MAP-P 0.6722 -> 0.7019)."""
    # the categories of the codes the learners know are worked out once per model (a
    # note reads ~280 neighbour scores and 100 label scores); any other code's here
    known = learned.categories
    neighbors: dict[tuple[System, str], float] = {}
    for key, score in learned.neighbor_scores.items():
        category = known.get(key) or code_category(key)
        neighbors[category] = neighbors.get(category, 0.0) + score
    labels: dict[tuple[System, str], float] = {}
    if learned.label is not None:
        for key, score in learned.label.scores.items():
            category = known.get(key) or code_category(key)
            labels[category] = max(labels.get(category, score), score)
    category_prior, subcategory_prior = learned.category_prior, learned.subcategory_prior
    for candidate in candidates:
        key = candidate.key  # a property: read once
        category = known.get(key) or code_category(key)
        candidate.category_prior = category_prior.get(category, 0.0)
        candidate.subcategory_prior = subcategory_prior.get(
            code_category(key, SUBCATEGORY_LENGTH), 0.0
        )
        candidate.category_neighbor = neighbors.get(category, 0.0)
        candidate.category_label = labels.get(category, 0.0)


class SpanContext(NamedTuple):
    """What the ranker reads of one place in the note, read once per place: spaCy builds
    a new extension accessor on every ``span._``, and many candidates share a place."""

    section: str | None
    uncertain: bool
    historical: bool


def span_contexts(candidates: Sequence[Candidate]) -> dict[tuple[int, int], SpanContext]:
    """The context of every place the candidates were read from, by token offsets."""
    found: dict[tuple[int, int], SpanContext] = {}
    sections = None
    for candidate in candidates:
        for span in candidate.spans:
            key = (span.start, span.end)
            if key not in found:
                if sections is None:
                    sections = span.doc._.sections
                uncertain, historical = span_values(span, ("uncertain", "historical"))
                found[key] = SpanContext(
                    section_key(sections, span.start_char), uncertain, historical
                )
    return found


def feature_columns(candidates: Sequence[Candidate], note_length: int) -> dict[str, list[float]]:
    """The ranker's view of a note's candidates, by feature name (every name in
    ``FEATURE_NAMES``): each feature a column of values in candidate order, built a column
    at a time (a trained note has ~110 candidates, most of them learned ones without a
    match, whose matched words' features are all zero)."""
    count = len(candidates)
    category = [_category(c) for c in candidates]
    categories = Counter(category)
    systems = [c.target.system for c in candidates]
    columns: dict[str, list[float]] = {
        "depth": [float(c.target.depth) for c in candidates],
        # the note's other candidates of the same system in the same category (first three
        # characters), where a coder reports one of several readings
        "category_rivals": [log1p_count(categories[own] - 1) for own in category],
        # all of the note's candidates, as a long note raises many that are each less likely
        "note_candidates": [log1p_count(count)] * count,
        "system_icd10cm": [float(system is System.ICD10CM) for system in systems],
        "system_procedure": [float(system in (System.CPT, System.ICD10PCS)) for system in systems],
        "system_hcpcs": [float(system is System.HCPCS) for system in systems],
        "neighbor_score": [c.neighbor_score for c in candidates],
        "prior": [c.prior for c in candidates],
        "seen_in_training": [float(c.seen_in_training) for c in candidates],
        "no_mention": [float(not c.matches) for c in candidates],
        "match_precision": [c.match_precision for c in candidates],
        "association": [c.association for c in candidates],
        "label_score": [c.label_score for c in candidates],
        "label_rank": [log1p_count(c.label_rank) for c in candidates],
        "denied": [float(bool(c.denied)) for c in candidates],
        "coded_when_denied": [c.coded_when_denied for c in candidates],
        "category_prior": [c.category_prior for c in candidates],
        "subcategory_prior": [c.subcategory_prior for c in candidates],
        "category_neighbor": [c.category_neighbor for c in candidates],
        "category_label": [c.category_label for c in candidates],
    }
    # what the matched words say: zero for a candidate no term matched, which is read as
    # first mentioned at the note's end
    for name in _MATCH_FEATURES:
        columns[name] = [0.0] * count
    columns["first_position"] = [1.0] * count
    matched = [k for k, candidate in enumerate(candidates) if candidate.matches]
    if matched:
        contexts = span_contexts(candidates)
        rows = [_match_features(candidates[k], note_length, contexts) for k in matched]
        # feature by feature into the columns: no dict of the 21 names per candidate
        for name, values in zip(_MATCH_FEATURES, zip(*rows, strict=True), strict=True):
            column = columns[name]
            for k, value in zip(matched, values, strict=True):
                column[k] = value
    return columns


def _match_features(
    candidate: Candidate, note_length: int, contexts: Mapping[tuple[int, int], SpanContext]
) -> tuple[float, ...]:
    """The features of a matched candidate's matches and places, in ``_MATCH_FEATURES``'
    order; ``contexts``: the note's places (``span_contexts``)."""
    matches = candidate.matches
    best = max(matches, key=match_quality)
    sources = set(map(_SOURCE, matches))
    spans = candidate.spans
    places = [contexts[(span.start, span.end)] for span in spans]
    sections = [place.section for place in places]
    return (
        best.coverage,
        float(best.words),
        float(not best.complete),  # partial
        float(best.loose),
        float(best.across_sentences),
        best.rarity,
        log1p_count(candidate.rivals),
        float(candidate.best_reading),
        float(best.words == 1),  # single_word
        float(TermSource.TITLE in sources),
        float(TermSource.TERM in sources),
        float(TermSource.LEXICON in sources),
        float(all(map(_ABBREVIATION, matches))),
        float(candidate.target.via is not None),  # via_header
        log1p_count(len(spans)),  # mentions
        min(map(_START_CHAR, spans)) / max(note_length, 1),  # first_position
        float(not ASSESSMENT_SECTIONS.isdisjoint(sections)),  # in_assessment
        float(HISTORY_SECTIONS.issuperset(sections)),  # in_history_section
        float(all(map(_UNCERTAIN, places))),
        float(all(map(_HISTORICAL, places))),
        float(bool(candidate.covered_by)),  # covered
    )


# what ``_match_features`` reads of each match, place and span, in C: a generator
# expression per feature cost more than the feature (7.5k candidates a CodiEsp dev pass)
_SOURCE = attrgetter("source")
_ABBREVIATION = attrgetter("abbreviation")
_START_CHAR = attrgetter("start_char")
_UNCERTAIN = attrgetter("uncertain")
_HISTORICAL = attrgetter("historical")

_MATCH_FEATURES: tuple[str, ...] = (
    "coverage",
    "words",
    "partial",
    "loose",
    "across_sentences",
    "rarity",
    "rivals",
    "best_reading",
    "single_word",
    "from_title",
    "from_term",
    "from_lexicon",
    "abbreviation",
    "via_header",
    "mentions",
    "first_position",
    "in_assessment",
    "in_history_section",
    "uncertain",
    "historical",
    "covered",
)
"""The features read from a candidate's matches and places (``_match_features``)."""


def feature_matrix(
    candidates: Sequence[Candidate], note_length: int, names: Sequence[str] = FEATURE_NAMES
) -> np.ndarray:
    """Features of all candidates of a note as one array: rows in candidate order,
    columns the features ``names`` (a model's own list), built by name."""
    if not candidates:
        return np.zeros((0, len(names)), dtype=np.float32)
    columns = feature_columns(candidates, note_length)
    return np.ascontiguousarray(np.array([columns[name] for name in names], dtype=np.float32).T)


@lru_cache(maxsize=4096)
def log1p_count(count: int) -> float:
    """``np.log1p`` of a count, worked out once per count: a NumPy call on one Python
    number costs more than the feature it gives, and counts repeat (kept NumPy's, not
    ``math.log1p``'s, so a feature never moves by an ulp)."""
    return float(np.log1p(count))


def _category(candidate: Candidate) -> tuple[System, str]:
    return (candidate.target.system, candidate.target.code[:3])
