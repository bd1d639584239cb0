"""Coding rules that make a suggestion plausible to a coder, read from
``rules/plausibility.json``.

Before scoring (in the candidate step training and serving share): an injury code
needs the injury's words, not only the anatomy a procedure or a normal exam names;
an E/M level is never read from words; a code that names a side needs that side in
its sentence; a drug the note only starts or gives once is no long-term use (Z79); a
sentence about a vaccine speaks of the vaccine (Z23 and its administration), not the
disease; a code another documented code makes wrong gives way (G0121 -> G0105 with a
family history of colorectal cancer).

After scoring (on the ranked list): signs and symptoms integral to a documented
diagnosis are not coded (guideline I.B.5), nor "without complications" beside a
complication of the same category; where the note has a diagnostic statement (an
assessment, impression or diagnoses section) that documents a diagnosis, neither are
the symptoms read only outside it, nor the conditions read only from the findings
(examination, results, medication list: guideline III.B). Such codes are set apart,
never ranked, each with a warning that says why; a screening or immunization
encounter code is listed first, and a manifestation code is never first (guideline
I.A.13).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from typing import Any, Generic, NamedTuple, TypeVar

from spacy.tokens import Doc, Span

from code_index.index import CodeIndex
from code_index.records import System
from code_index.validity import excludes1_conflicts
from suggest.adverse_effects import (
    CuesByFirst,
    cues_by_first_word,
    is_noncompliance,
    taken_as_prescribed_or_less,
)
from suggest.code_categories import CATEGORY_LENGTH
from suggest.doc_words import lowered_texts, note_text
from suggest.numbers import least_met
from suggest.rules import read_rules
from suggest.sentences import clause_of, sentence_of, sentence_starts

T = TypeVar("T")
Key = tuple[System, str]
_BRACKETED = re.compile(r"\[[^\]]*\]|\([^)]*\)")
_TITLE_WORD = re.compile(r"[a-z]+")
_NOT_ELSEWHERE = re.compile(r"\bnot elsewhere classified\b")
_ELSEWHERE = re.compile(r"\bin diseases classified elsewhere\b")
NEGATING = frozenset({"not", "without", "no"})
_WITH_OR_WITHOUT = re.compile(r"\b(with|without)\b")
_UNCOMPLICATED = "uncomplicated"
PLANNED_REACH = 30  # characters before a subsequent-encounter phrase a plan's "return" stands in
Phrases = tuple[frozenset[str], ...]  # each phrase as the set of its words


class InjurySite(NamedTuple):
    """The open wounds a bite of their site takes the place of (``injury_site`` of
    rules/plausibility.json)."""

    open_wounds: tuple[str, ...]  # categories whose 5th character is the wound's type
    open_bite: str  # the type of an open bite
    other_wounds: frozenset[str]  # the types a bite of the same site takes the place of


@dataclass(frozen=True)
class EndoscopyActions:
    """``rules["actions"]``: the surgical endoscopy a report's action words document."""

    rows: tuple[tuple[Key, Key], ...]  # (the diagnostic scope read, the code its action makes)
    stems: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]
    not_when: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, rules: dict[str, Any]) -> EndoscopyActions:
        return cls(
            rows=tuple(
                ((System(r["system"]), r["scope"]), (System(r["system"]), r["code"]))
                for r in rules["rows"]
            ),
            stems=tuple(rules["stems"]),
            phrases=tuple(tuple(p.split()) for p in rules["phrases"]),
            not_when=tuple(tuple(p.split()) for p in rules["not_when"]),
        )


@dataclass(frozen=True)
class DoneHere:
    """``rules["done_here"]``: the tests a note reports only where it says they were done
    at this encounter, not only ordered or resulted before."""

    system: System
    ranges: tuple[tuple[str, str], ...]  # CPT codes, low and high (five digits)
    stems: tuple[str, ...]  # a sentence's word that says the test was done here and now
    not_when: tuple[tuple[str, ...], ...]  # phrases that say it was not (yet)

    @classmethod
    def of(cls, rules: dict[str, Any]) -> DoneHere:
        return cls(
            system=System(rules["system"]),
            ranges=tuple((low, high) for low, high in rules["ranges"]),
            stems=tuple(rules["stems"]),
            not_when=tuple(tuple(p.split()) for p in rules["not_when"]),
        )

    def covers(self, system: System, code: str) -> bool:
        return (
            system is self.system
            and code.isdigit()
            and any(low <= code <= high for low, high in self.ranges)
        )


@dataclass(frozen=True)
class Dated:
    """A row of ``rules["dated"]``: codes a clause dates before this encounter."""

    system: System
    prefixes: tuple[str, ...]  # the codes it covers (all of its system where empty)
    except_ranges: tuple[tuple[str, str], ...]  # codes no date speaks of (E/M)
    date: re.Pattern[str]  # a token that is a date or a year ("1/2026", "11/28", "2021")
    unless: tuple[tuple[str, ...], ...]  # "today"

    @classmethod
    def of(cls, rules: dict[str, Any]) -> Dated:
        return cls(
            system=System(rules["system"]),
            prefixes=tuple(rules.get("prefixes", ())),
            except_ranges=tuple((low, high) for low, high in rules.get("except", ())),
            date=re.compile(rules["date"]),
            unless=tuple(tuple(p.split()) for p in rules["unless"]),
        )

    def covers(self, system: System, code: str) -> bool:
        """Whether the row speaks of ``code``."""
        return (
            system is self.system
            and code.startswith(self.prefixes or ("",))
            and not any(low <= code <= high for low, high in self.except_ranges)
        )


@dataclass(frozen=True)
class PcsDetail:
    """A row of ``rules["pcs_detail"]``: the character at ``position`` of the ICD-10-PCS
    codes of ``prefixes`` that the note's words give (a joint's bearing surface and
    fixation, a coronary dilation's drug-eluting stents by number)."""

    prefixes: tuple[str, ...]
    position: int
    values: tuple[tuple[str, tuple[tuple[tuple[str, ...], ...], ...]], ...]  # value, ways
    exclusive: bool  # words of two values decide nothing (else the first value's words win)

    @classmethod
    def of(cls, rule: dict[str, Any]) -> PcsDetail:
        return cls(
            prefixes=tuple(rule["prefixes"]),
            position=int(rule["position"]),
            values=tuple(
                (
                    value,
                    tuple(tuple(tuple(part.split()) for part in way.split(" + ")) for way in ways),
                )
                for value, ways in rule["values"]
            ),
            exclusive=bool(rule.get("exclusive", False)),
        )

    def value(self, words: Sequence[str]) -> str | None:
        """The value whose words ``words`` hold (each part of one of its ways, anywhere)."""
        held = [
            value
            for value, ways in self.values
            if any(all(holds_phrase(words, (part,)) for part in way) for way in ways)
        ]
        if not held or (self.exclusive and len(held) > 1):
            return None
        return held[0]


def pcs_details(code: str, words: Sequence[str]) -> list[tuple[int, str]]:
    """The (position, character) changes the note's lower-case ``words`` give an
    ICD-10-PCS ``code`` read from a plain phrase ("Right total hip arthroplasty" is
    0SR90JZ; the implants' "ceramic head on polyethylene liner" and "uncemented" make it
    0SR904A), in the rules' order: the coder reports the device and qualifier the
    operative note documents (ICD-10-PCS guidelines B6.1a, device as documented)."""
    return [
        (rule.position, value)
        for rule in plausibility_rules().pcs_detail
        if code.startswith(rule.prefixes)
        and (value := rule.value(words)) is not None
        and code[rule.position] != value
    ]


@dataclass(frozen=True)
class Injection:
    """``rules["injection"]``: the administration of a drug injected into a muscle or
    under the skin at this encounter (96372), read from the route written with a dose."""

    code: Key
    routes: frozenset[str]  # "im", "subcut" ...
    given: tuple[tuple[str, ...], ...]  # what says it was given now ("given", "x1", "today")
    not_when: tuple[tuple[str, ...], ...]  # a schedule, an order, before arrival ("monthly", "pta")

    @classmethod
    def of(cls, rules: dict[str, Any]) -> Injection:
        return cls(
            code=(System(rules["system"]), rules["code"]),
            routes=frozenset(rules["routes"]),
            given=tuple(tuple(p.split()) for p in rules["given"]),
            not_when=tuple(tuple(p.split()) for p in rules["not_when"]),
        )


@dataclass(frozen=True)
class VaccineAdministration:
    """Which code reports a vaccine's administration (``rules["vaccine"]["administration"]``)."""

    code: Key  # the default, 90471
    replaced: tuple[str, ...]  # the default's family of CPT codes, which the others replace
    through_age: int
    with_counseling: Key  # 90460: through ``through_age`` with a professional's counseling
    counseling: tuple[str, ...]  # stems
    not_by: tuple[tuple[str, ...], ...]  # counseling by whom does not count
    payer: frozenset[str]  # words naming a payer with its own codes
    by_payer: tuple[tuple[Key, frozenset[str]], ...]  # its code, by the vaccine's words

    @classmethod
    def of(cls, rules: dict[str, Any]) -> VaccineAdministration:
        return cls(
            code=(System.CPT, rules["code"]),
            replaced=tuple(rules["replaced"]),
            through_age=int(rules["through_age"]),
            with_counseling=(System.CPT, rules["with_counseling"]),
            counseling=tuple(rules["counseling"]),
            not_by=tuple(tuple(cue.split()) for cue in rules["not_by"]),
            payer=frozenset(rules["payer"]),
            by_payer=tuple(
                ((System(system), code), frozenset(words))
                for system, code, words in rules["by_payer"]
            ),
        )


@dataclass(frozen=True)
class PlausibilityRules:
    """The rules of ``rules/plausibility.json``, read once (see its ``_about``)."""

    # system, code prefixes, word stems, whether the stems are looked for in the whole
    # sentence (else in the words the code was read from), and the sections whose heading
    # says what the stems say ("PSH: L THA 2020": the past surgical history is past)
    needs_words: tuple[tuple[System, tuple[str, ...], tuple[str, ...], bool, frozenset[str]], ...]
    never_from_words: tuple[tuple[System, str, str], ...]
    other_type: tuple[
        tuple[tuple[str, ...], tuple[frozenset[str], ...], tuple[frozenset[str], ...]], ...
    ]
    long_term: tuple[str, ...]
    not_now: tuple[tuple[str, ...], ...]
    course: tuple[tuple[str, ...], ...]  # a drug's fixed short course ("x 5 d", "day 4 of 5")
    lasting: tuple[tuple[str, ...], ...]  # a drug's lasting use ("long-term", "since 2019")
    stopped: tuple[tuple[str, ...], ...]
    stopped_unless: tuple[tuple[str, ...], ...]
    needs_current: tuple[str, ...]
    never_first: tuple[str, ...]
    current_sections: frozenset[str]
    not_sections: frozenset[str]
    course_sections: frozenset[str]
    course_current: tuple[tuple[str, ...], ...]
    current: tuple[tuple[str, ...], ...]
    vaccine_cues: CuesByFirst
    vaccine_given: frozenset[str]
    vaccine_given_before: tuple[tuple[str, ...], ...]
    vaccine_given_now: tuple[tuple[str, ...], ...]
    vaccine_not_given: tuple[tuple[str, ...], ...]
    vaccine_sections: frozenset[str]
    vaccine_diseases: tuple[str, ...]
    vaccine_encounter: str
    vaccine_administration: VaccineAdministration
    vaccine_visit_unless: tuple[str, ...]
    sides: dict[str, frozenset[str]]
    radiation_before: frozenset[str]
    integral: tuple[tuple[str, tuple[str, ...]], ...]
    explained_symptoms: tuple[str, ...]
    explained_cues: CuesByFirst
    not_causes: tuple[str, ...]
    cause_modifiers: frozenset[str]
    cause_between: frozenset[str]
    aftercare: tuple[str, ...]
    injury_site: InjurySite
    without_complications: frozenset[str]
    organism: tuple[str, ...]
    replaced_when: tuple[tuple[System, str, str, tuple[str, ...]], ...]
    maternity_age: float  # the least age of a patient with a pregnancy or delivery code
    maternity: dict[System, tuple[str, ...]]  # those codes' prefixes, by system
    with_findings: tuple[tuple[str, str], ...]  # exam without abnormal findings, with them
    not_findings: tuple[str, ...]  # prefixes of codes that are no exam's abnormal finding
    included: tuple[tuple[System, str, System, tuple[tuple[str, str], ...]], ...]
    actions: EndoscopyActions
    done_here: DoneHere
    dated: tuple[Dated, ...]
    pcs_detail: tuple[PcsDetail, ...]
    injection: Injection
    told_apart: tuple[tuple[tuple[Key, tuple[tuple[str, ...], ...]], ...], ...]
    sized: tuple[tuple[tuple[float, Key], ...], ...]  # (least cm, code), rising
    by_site: tuple[tuple[tuple[frozenset[Key], frozenset[str]], ...], ...]  # codes, words
    first_listed: tuple[tuple[System, tuple[str, ...], tuple[str, ...]], ...]
    encounter_prefixes: tuple[str, ...]
    encounter_cause_prefixes: tuple[str, ...]
    initial_encounter: tuple[str, ...]
    planned_before: re.Pattern[str]
    planned_after: re.Pattern[str]
    encounter_characters: tuple[tuple[str, tuple[str, ...]], ...]
    statement_sections: frozenset[str]
    symptom_prefixes: tuple[str, ...]
    sign_prefixes: tuple[str, ...]
    findings_sections: frozenset[str]
    status_prefixes: tuple[str, ...]
    ended: frozenset[str]
    past_codes: tuple[str, ...]
    external_cause_prefixes: tuple[str, ...]
    external_cause_needs: tuple[str, ...]
    external_cause_follow: tuple[str, ...]
    # the status of an activity not done for pay (Y99.8), the activities it goes with, and
    # the word stems that say the note speaks of paid work
    leisure_status: str
    leisure_activities: tuple[str, ...]
    paid_stems: tuple[str, ...]
    site_subcategories: tuple[str, ...]
    # codes of no site (C80, the pressure ulcer's L89.9-) or an ill-defined one (C76), each
    # with the prefixes of the codes whose named site or kind it gives way to
    site_unknown: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    # psychoactive substance categories (F10-F19) and the 4th characters of their use,
    # abuse and dependence, lowest first
    substance_categories: tuple[str, ...]
    substance_levels: tuple[str, ...]
    # the categories whose 5th character names the product (F17.21-: cigarettes), so that
    # the 6th, not the 5th, says the remission
    substance_products: tuple[str, ...]
    # burn and corrosion categories of a site (T20-T25) and the 5th-character orders of
    # their degrees, lowest first (unspecified, first, second, third)
    burn_categories: tuple[str, ...]
    burn_degrees: tuple[str, ...]
    # statuses of a device or an operation (Z95.5, Z96.6-) and the sections that report
    # the operations of this encounter ("Procedures: PCI mid LAD (1 DES)")
    placed_now: tuple[str, ...]
    placed_now_sections: frozenset[str]
    placed_now_earlier: frozenset[str]
    # words that say the note's encounter is the delivery ("Apgars 8/9", "in active
    # labor"), those that say it is after one ("postpartum"), and those that say the
    # encounter itself is a visit after one ("6 wk PP check"): the stage of a pregnancy a
    # chapter 15 code names (obstetric_stage); the codes of a pregnancy and of the
    # delivery's own record (its weeks, its labor, its outcome), which a visit after the
    # delivery does not report
    childbirth_cues: tuple[tuple[str, ...], ...]
    puerperium_cues: tuple[tuple[str, ...], ...]
    postpartum_visit_cues: tuple[tuple[str, ...], ...]
    not_after_delivery: tuple[str, ...]
    # codes of which an encounter reports one (the weeks of gestation, Z3A)
    one_per_encounter: tuple[str, ...]

    @cached_property
    def signs_and_symptoms(self) -> tuple[str, ...]:
        """The symptoms and the signs of other chapters (a test's result) that a
        diagnosis the statement documents accounts for."""
        return self.symptom_prefixes + self.sign_prefixes

    @cached_property
    def integral_symptoms(self) -> tuple[str, ...]:
        """Every symptom prefix of ``integral``: one ``startswith`` of all of them passes
        over most codes, where each ranked code was tried against each prefix."""
        return tuple(symptom for symptom, _ in self.integral)

    @classmethod
    def load(cls, path: str | None = None) -> PlausibilityRules:
        """The packaged rules (or those at ``path``)."""
        rules: dict[str, Any] = read_rules(path, "plausibility.json")
        vaccine = rules["vaccine"]
        statement = rules["statement"]
        return cls(
            needs_words=tuple(
                (
                    System(r["system"]),
                    tuple(r["prefixes"]),
                    tuple(r["stems"]),
                    r.get("in") == "sentence",
                    frozenset(r.get("sections", ())),
                )
                for r in rules["needs_words"]
            ),
            other_type=tuple(
                (
                    tuple(r["prefixes"]),
                    tuple(frozenset(p.split()) for p in r["other"]),
                    tuple(frozenset(p.split()) for p in r["own"]),
                )
                for r in rules["other_type"]
            ),
            long_term=tuple(rules["long_term"]["prefixes"]),
            not_now=tuple(tuple(cue.split()) for cue in rules["long_term"]["not_now"]),
            course=tuple(tuple(cue.split()) for cue in rules["long_term"]["course"]),
            lasting=tuple(tuple(cue.split()) for cue in rules["long_term"]["lasting"]),
            stopped=tuple(tuple(cue.split()) for cue in rules["long_term"]["stopped"]),
            stopped_unless=tuple(
                tuple(cue.split()) for cue in rules["long_term"]["stopped_unless"]
            ),
            needs_current=tuple(rules["long_term"]["needs_current"]),
            never_first=tuple(rules["long_term"]["never_first"]),
            current_sections=frozenset(rules["long_term"]["current_sections"]),
            not_sections=frozenset(rules["long_term"]["not_sections"]),
            course_sections=frozenset(rules["long_term"]["course_sections"]),
            course_current=tuple(
                tuple(cue.split()) for cue in rules["long_term"]["course_current"]
            ),
            current=tuple(tuple(cue.split()) for cue in rules["long_term"]["current"]),
            never_from_words=tuple(
                (System(r["system"]), r["from"], r["to"]) for r in rules["never_from_words"]
            ),
            vaccine_cues=cues_by_first_word(tuple(tuple(cue.split()) for cue in vaccine["cues"])),
            vaccine_given=frozenset(vaccine["given"]),
            vaccine_given_before=tuple(tuple(cue.split()) for cue in vaccine["given_before"]),
            vaccine_given_now=tuple(tuple(cue.split()) for cue in vaccine["given_now"]),
            vaccine_not_given=tuple(tuple(cue.split()) for cue in vaccine["not_given"]),
            vaccine_sections=frozenset(vaccine["sections"]),
            vaccine_diseases=tuple(vaccine["disease_prefixes"]),
            vaccine_encounter=vaccine["encounter"],
            vaccine_administration=VaccineAdministration.of(vaccine["administration"]),
            vaccine_visit_unless=tuple(vaccine["visit_alone_unless"]),
            sides={side: frozenset(words) for side, words in rules["laterality"]["sides"].items()},
            radiation_before=frozenset(rules["laterality"]["radiation_before"]),
            integral=tuple((symptom, tuple(dx)) for symptom, dx in rules["integral"]),
            explained_symptoms=tuple(rules["explained"]["symptoms"]),
            explained_cues=cues_by_first_word(
                tuple(tuple(cue.split()) for cue in rules["explained"]["cues"])
            ),
            not_causes=tuple(rules["explained"]["not_causes"]),
            cause_modifiers=frozenset(rules["explained"]["modifiers"]),
            cause_between=frozenset(rules["explained"]["between"]),
            aftercare=tuple(rules["aftercare"]),
            injury_site=InjurySite(
                tuple(rules["injury_site"]["open_wounds"]),
                rules["injury_site"]["open_bite"],
                frozenset(rules["injury_site"]["other_wounds"]),
            ),
            without_complications=frozenset(rules["without_complications"]),
            organism=tuple(rules["organism"]),
            actions=EndoscopyActions.of(rules["actions"]),
            done_here=DoneHere.of(rules["done_here"]),
            dated=tuple(Dated.of(row) for row in rules["dated"]),
            pcs_detail=tuple(PcsDetail.of(r) for r in rules["pcs_detail"]),
            injection=Injection.of(rules["injection"]),
            by_site=tuple(
                tuple(
                    (
                        frozenset((System(r["system"]), code) for code in site["codes"]),
                        frozenset(site["words"]),
                    )
                    for site in r["by"].values()
                )
                for r in rules["by_site"]
            ),
            sized=tuple(
                tuple(
                    (float(least), (System(r["system"]), code))
                    for code, least in r["least_cm"].items()
                )
                for r in rules["sized"]
            ),
            told_apart=tuple(
                tuple(
                    ((System(r["system"]), code), tuple(tuple(cue.split()) for cue in cues))
                    for code, cues in r["by"].items()
                )
                for r in rules["told_apart"]
            ),
            included=tuple(
                (
                    System(r["system"]),
                    r["code"],
                    System(r.get("in_system", r["system"])),
                    tuple((low, high) for low, high in r["in"]),
                )
                for r in rules["included"]
            ),
            replaced_when=tuple(
                (System(r["system"]), r["code"], r["becomes"], tuple(r["when_icd10cm"]))
                for r in rules["replaced_when"]
            ),
            maternity_age=float(rules["maternity"]["least_age"]),
            maternity={
                System(system): tuple(prefixes)
                for system, prefixes in rules["maternity"]["prefixes"].items()
            },
            with_findings=tuple((r["code"], r["becomes"]) for r in rules["with_findings"]["codes"]),
            not_findings=tuple(rules["with_findings"]["not_findings"]),
            first_listed=tuple(
                (System(r["system"]), tuple(r["prefixes"]), tuple(r.get("unless", ())))
                for r in rules["first_listed"]
            ),
            encounter_prefixes=tuple(rules["encounter"]["prefixes"]),
            encounter_cause_prefixes=tuple(rules["encounter"]["cause_prefixes"]),
            initial_encounter=tuple(rules["encounter"]["initial"]),
            planned_before=re.compile(rules["encounter"]["planned_before"]),
            planned_after=re.compile(rules["encounter"]["planned_after"]),
            encounter_characters=tuple(
                (character, tuple(words))
                for character, words in rules["encounter"]["characters"].items()
            ),
            statement_sections=frozenset(statement["sections"]),
            symptom_prefixes=tuple(statement["symptom_prefixes"]),
            sign_prefixes=tuple(statement["sign_prefixes"]),
            findings_sections=frozenset(statement["findings_sections"]),
            status_prefixes=tuple(statement["status_prefixes"]),
            ended=frozenset(rules["ended"]),
            past_codes=tuple(rules["past_codes"]),
            external_cause_prefixes=tuple(rules["external_cause"]["prefixes"]),
            external_cause_needs=tuple(rules["external_cause"]["needs"]),
            external_cause_follow=tuple(rules["external_cause"]["follow"]),
            leisure_status=rules["external_cause"]["leisure"]["status"],
            leisure_activities=tuple(rules["external_cause"]["leisure"]["activities"]),
            paid_stems=tuple(rules["external_cause"]["leisure"]["paid"]),
            site_subcategories=tuple(rules["site_subcategories"]),
            site_unknown=tuple(
                (tuple(row["codes"]), tuple(row["gives_way_to"])) for row in rules["site_unknown"]
            ),
            substance_categories=tuple(rules["substance_levels"]["categories"]),
            substance_levels=tuple(rules["substance_levels"]["levels"]),
            substance_products=tuple(rules["substance_levels"]["products"]),
            burn_categories=tuple(rules["burn_degrees"]["categories"]),
            burn_degrees=tuple(rules["burn_degrees"]["orders"]),
            placed_now=tuple(rules["placed_now"]["prefixes"]),
            placed_now_sections=frozenset(rules["placed_now"]["sections"]),
            placed_now_earlier=frozenset(rules["placed_now"]["earlier"]),
            childbirth_cues=tuple(
                tuple(cue.split()) for cue in rules["obstetric_stage"]["childbirth"]
            ),
            puerperium_cues=tuple(
                tuple(cue.split()) for cue in rules["obstetric_stage"]["puerperium"]
            ),
            postpartum_visit_cues=tuple(
                tuple(cue.split()) for cue in rules["obstetric_stage"]["postpartum_visit"]
            ),
            not_after_delivery=tuple(rules["obstetric_stage"]["not_after_delivery"]),
            one_per_encounter=tuple(rules["one_per_encounter"]),
        )


class Combination(NamedTuple):
    """Codes of ``first`` documented with a code of a ``second`` prefix are reported as
    its combination code (``{category}``: the first code's category); the second is
    reported beside it where ``second_stays`` (the tabular's "use additional code for
    associated symptoms": N40.1 with nocturia), and the first where its code does not
    start with one of ``first_gives_way``. With ``first_when``, only where a sentence of
    the first holds one of those phrases (lower-case word tuples: a stroke called "old"
    with its deficit is the deficit's sequela, I69.3-); with or without it, not where the
    first's own clause holds one of ``first_unless`` ("Acute ischemic stroke, L MCA, s/p IV
    TNK": the "s/p" is the thrombolytic's, the stroke is acute; "Acute NSTEMI in a patient
    with a history of MI" is two infarctions; "prior stroke w/o residual deficits" left
    none); with ``same_sentence``, only where one sentence names both ("ureteral stone
    with hydronephrosis"); a second read only from clauses holding one of
    ``second_unless`` is no partner ("Dysphagia after the stroke resolved": no sequela);
    with ``second_other_cause``, not with a second one of whose own clauses holds one of
    those phrases (the "with" presumption holds unless the note says another cause: "CKD
    3b due to obstructive uropathy" beside a diabetes is no E11.22, guideline I.A.15); with
    ``as_second``, the combination is read as strongly and in the places of the second
    alone, not the first's (a CKD of a history list the visit does not address makes no
    E11.22 stronger than itself beside a retinopathy it does)."""

    first: tuple[str, ...]
    second: tuple[tuple[str, str], ...]
    first_gives_way: tuple[str, ...]
    second_stays: bool = False
    first_when: tuple[tuple[str, ...], ...] = ()
    same_sentence: bool = False
    first_unless: tuple[tuple[str, ...], ...] = ()
    second_unless: tuple[tuple[str, ...], ...] = ()
    second_other_cause: tuple[tuple[str, ...], ...] = ()
    as_second: bool = False
    # the categories of ``first`` (each prefix names one at least): a note with none of
    # them passes the rule over without reading its codes
    first_categories: frozenset[str] = frozenset()


@cache
def combination_rules() -> tuple[Combination, ...]:
    """The ``combinations`` of rules/plausibility.json (read once per process)."""
    rules = read_rules(None, "plausibility.json")["combinations"]
    for rule in rules:
        if any(len(prefix) < CATEGORY_LENGTH for prefix in rule["first"]):
            raise ValueError(f"a combination's first codes are categories or longer: {rule}")
    return tuple(
        Combination(
            tuple(rule["first"]),
            tuple(rule["second"].items()),
            tuple(rule["first_gives_way"]),
            rule.get("second_stays", False),
            tuple(tuple(cue.split()) for cue in rule.get("first_when", ())),
            rule.get("same_sentence", False),
            tuple(tuple(cue.split()) for cue in rule.get("first_unless", ())),
            tuple(tuple(cue.split()) for cue in rule.get("second_unless", ())),
            tuple(tuple(cue.split()) for cue in rule.get("second_other_cause", ())),
            rule.get("as_second", False),
            frozenset(prefix[:CATEGORY_LENGTH] for prefix in rule["first"]),
        )
        for rule in rules
    )


@cache
def plausibility_rules() -> PlausibilityRules:
    """The packaged plausibility rules (read once per process)."""
    return PlausibilityRules.load()


def side_tokens(tokens: Sequence[str]) -> Sequence[str]:
    """``tokens`` (lower-case) without an "RT" that names radiation therapy, not the right
    side: after a word of ``laterality.radiation_before`` ("L breast DCIS s/p lumpectomy
    + RT", "adjuvant RT", "chemo/RT"), as oncology notes write it."""
    if "rt" not in tokens:
        return tokens
    before = plausibility_rules().radiation_before
    return [
        token
        for i, token in enumerate(tokens)
        if token != "rt" or i == 0 or tokens[i - 1] not in before
    ]


# ------------------------------------------------------------ before scoring
def unsupported(
    system: System,
    code: str,
    title: str,
    words: Sequence[str],
    sentence_words: Callable[[], set[str]],
    sections: Callable[[], set[str | None]],
) -> bool:
    """Whether the note's ``words`` (the lower-cased tokens a code was read from;
    ``sentence_words`` gives those of their sentences, ``sections`` the keys of their
    sections) cannot support ``code``: the rules of ``rules/plausibility.json``
    (``never_from_words``, ``needs_words``, a side the sentences do not name, a diabetes
    type they contradict: ``other_type``)."""
    rules = plausibility_rules()
    never, needs, other_type = _rules_of(system, code)
    if never:
        return True
    for stems, in_sentence, said_by in needs:
        if said_by and not said_by.isdisjoint(sections()):
            continue  # the section's heading says it: "PSH: L THA 2020"
        if not any(word.startswith(stems) for word in (sentence_words() if in_sentence else words)):
            return True
    if system is System.ICD10PCS:
        # an operation's side: not read from sentences that name only the other side
        # (where a sentence names none, the side may be another sentence's)
        side = one_side(title)
        if side is not None:
            around = sentence_words()
            opposite = rules.sides["left" if side == "right" else "right"]
            return not rules.sides[side] & around and bool(opposite & around)
    if system is System.ICD10CM:
        side = title_side(title)
        if side is not None and not rules.sides[side] & sentence_words():
            return True
        for other, own in other_type:
            around = sentence_words()
            if any(p <= around for p in other) and not any(p <= around for p in own):
                return True
    return False


@lru_cache(maxsize=100_000)
def _rules_of(
    system: System, code: str
) -> tuple[
    bool,
    tuple[tuple[tuple[str, ...], bool, frozenset[str]], ...],
    tuple[tuple[tuple[frozenset[str], ...], tuple[frozenset[str], ...]], ...],
]:
    """Which rules of ``unsupported`` a code falls under, picked once a code (each
    candidate of each note was tried against every rule): whether ``never_from_words``
    takes it, the (stems, in_sentence, sections) of its ``needs_words`` and the (other, own) of its
    ``other_type`` rules, in the rules' order."""
    rules = plausibility_rules()
    never = any(
        system is rule_system
        and low <= code <= high
        and len(code) == len(low)
        and code[-1].isdigit() == low[-1].isdigit()  # "0001F"-"9007F" holds no "10060"
        for rule_system, low, high in rules.never_from_words
    )
    needs = tuple(
        (stems, in_sentence, sections)
        for rule_system, prefixes, stems, in_sentence, sections in rules.needs_words
        if system is rule_system and code.startswith(prefixes)
    )
    other_type = tuple(
        (other, own)
        for prefixes, other, own in rules.other_type
        if system is System.ICD10CM and code.startswith(prefixes)
    )
    return never, needs, other_type


# how many words either side of a drug's name a word that stops it must stand within
# ("aspirin - stop", "aspirin was stopped 2024"; not "tofacitinib 5 mg BID since 03/2023
# after methotrexate was stopped", nor "aspirin was stopped 2024 when apixaban started")
DRUG_NEAR = 2


class DrugPlace(NamedTuple):
    """A place a long-term drug use code was read from: its section, the lower-case words
    of its clause (its sentence between commas, semicolons and colons), those of the
    clause within ``DRUG_NEAR`` words of the drug's name, and the name as written."""

    section: str | None
    clause: Sequence[str]
    near: Sequence[str]
    drug: str


def not_taken_long_term(code: str, places: Callable[[], list[DrugPlace]]) -> bool:
    """Whether ``code`` is a long-term drug use code (Z79.-) read only from clauses
    (``places`` gives the places it was read from) that start or plan the drug, or give
    it once or for a short course ("start apixaban in 4-14 days", "ceftriaxone 1 g IV
    given once"): not a patient's continuous use of a drug (guideline I.C.21.c.3;
    ``long_term`` of the rules). A drug given as often in courses as for good
    (``needs_current``: steroids, immunosuppressants) needs a place that says the patient
    is on it, in the medication list or in so many words ("continue MMF"), where a case
    report's "treatment with cyclosporine" tells of a course; a clause that gives a course
    ("prednisone 40 mg daily x 5 days"), in the list or not, says no current use, and so
    does one clause's fixed short course ("x 5 d", "day 4 of 5") where none says the use
    lasts ("long-term", "since 2019"). Nor is it read where each drug it was read from is
    said, beside its name, to be stopped ("aspirin - stop", "clopidogrel stopped 2023"),
    not only held for a while ("stop warfarin 5 days before colonoscopy"): the drug is not
    taken, whatever a medication list carried forward still names ("stop glipizide;
    continue metformin" keeps Z79.84). A place in the allergy list (``not_sections``) is
    no use at all, nor is one in a hospital or ED course (``course_sections``) that says
    only that the drug was given there ("ED course: ASA 324 mg"), not that the patient is
    on it ("DM2 on metformin", "discharged on insulin": ``course_current``)."""
    rules = plausibility_rules()
    if not code.startswith(rules.long_term):
        return False
    read = [
        place._replace(clause=_counted_words(place.clause), near=_counted_words(place.near))
        for place in places()
        if place.section not in rules.not_sections
        and (
            place.section not in rules.course_sections
            or holds_phrase(place.clause, rules.course_current)
        )
    ]
    if not read:
        return True  # an allergy, or a dose given during the stay, is no long-term use
    if all(holds_phrase(place.clause, rules.not_now) for place in read):
        return True
    stopped = {
        place.drug
        for place in read
        if holds_phrase(place.near, rules.stopped)
        and not holds_phrase(place.clause, rules.stopped_unless)
    }
    if stopped and stopped >= {place.drug for place in read}:
        return True
    if any(holds_phrase(place.clause, rules.course) for place in read) and not any(
        holds_phrase(place.clause, rules.lasting) for place in read
    ):
        return True  # "prednisone 40 mg daily (day 4 of 5)" beside "Taking the prednisone"
    return code.startswith(rules.needs_current) and not any(
        (place.section in rules.current_sections or holds_phrase(place.clause, rules.current))
        and not holds_phrase(place.clause, rules.not_now)
        for place in read
    )


def not_done_here(system: System, code: str, sentences: Callable[[], list[Sequence[str]]]) -> bool:
    """Whether ``code`` is a test of ``done_here`` (a laboratory test) that no sentence it
    was read from (``sentences`` gives their lower-case words) says was done at this
    encounter ("POC A1c", "UA dipstick", "Labs today", "drawn in clinic") without saying
    it was only ordered or is pending: a result from an earlier draw ("Labs (09/12/2026):
    UACR 18"), an order ("CMP, lipid panel ordered for next visit") or an emergency
    physician's reading of the hospital laboratory's troponin is no service of the
    note's provider (CPT: report the services performed)."""
    rule = plausibility_rules().done_here
    if not rule.covers(system, code):
        return False
    return not any(
        any(word.startswith(rule.stems) for word in words)
        and not holds_phrase(words, rule.not_when)
        for words in sentences()
    )


def dated_before(system: System, code: str, clauses: Callable[[], list[Sequence[str]]]) -> bool:
    """Whether ``code`` is a service (``dated``: CPT, not an E/M visit) read only from
    clauses (``clauses`` gives the lower-case words of each place's clause) that date
    it, and not today: "Echo 01/2026: severe AS", "EF 60% on TTE 11/2025", "EGD 11/15:
    normal" report a study of an earlier encounter, not one of this note; or an acute
    myocardial infarction given a year alone ("inferior MI 2015"), an old one (I25.2)."""
    rule = next((row for row in plausibility_rules().dated if row.covers(system, code)), None)
    if rule is None:
        return False
    read = clauses()
    return bool(read) and all(
        any(rule.date.fullmatch(word) for word in clause) and not holds_phrase(clause, rule.unless)
        for clause in read
    )


_NUMBER = re.compile(r"\d+(?:[.,/-]\d+)*")
_TIMES = re.compile(r"x\d+")


def _counted_words(words: Sequence[str]) -> list[str]:
    """A clause's words as the ``not_now`` cues spell them: a number is "#", "x5" is
    "x#", and "$" ends the clause ("given once" at its end, not "once daily")."""
    found = [
        "#" if _NUMBER.fullmatch(word) else "x#" if _TIMES.fullmatch(word) else word
        for word in words
    ]
    found.append("$")
    return found


def says_ended(cues: Iterable[str]) -> bool:
    """Whether a mention's context cues say its condition no longer exists ("resolved",
    "2 years ago", "prior"), not only that it has a history ("history of hypertension")."""
    ended = plausibility_rules().ended
    return any(" ".join(cue.lower().split()) in ended for cue in cues)


@cache
def _ignored_title_words() -> frozenset[str]:
    return frozenset(read_rules(None, "plausibility.json")["specificity"]["ignored"])


@lru_cache(maxsize=100_000)
def title_words(title: str) -> frozenset[str]:
    """The words of a code's title that say what it is: bracketed descriptions aside, and
    the words that add nothing ("other", "unspecified": ``specificity.ignored``)."""
    ignored = _ignored_title_words()
    words = _TITLE_WORD.findall(_BRACKETED.sub(" ", title.lower()))
    return frozenset(w for w in words if w not in ignored)


@lru_cache(maxsize=100_000)
def denied_words(title: str) -> frozenset[str]:
    """The words a code's title says the condition is "without" ("Vomiting without
    nausea": nausea)."""
    return _qualifiers(title)[0]


@lru_cache(maxsize=100_000)
def claimed_words(title: str) -> frozenset[str]:
    """The words a code's title says the condition has (``title_words``), less those it
    says "without": "... peripheral angiopathy without gangrene" claims no gangrene."""
    return title_words(title) - _qualifiers(title)[0] - NEGATING


@lru_cache(maxsize=100_000)
def title_side(title: str) -> str | None:
    """The side a code's title names ("right", "left", "bilateral"), bracketed
    descriptions aside ("ascending [right] colon" names no side)."""
    words = set(_TITLE_WORD.findall(_BRACKETED.sub(" ", title.lower())))
    if "unspecified" in words and ("side" in words or "laterality" in words):
        return None
    for side in ("bilateral", "right", "left"):
        if side in words:
            return side
    return None


@lru_cache(maxsize=100_000)
def one_side(title: str) -> str | None:
    """The one side an ICD-10-PCS title names ("Reposition Left Upper Femur ..."); none
    for a title of both ("Ultrasonography of Right and Left Heart")."""
    words = _every_title_word(title)
    sides = words & _SIDES
    return next(iter(sides)) if len(sides) == 1 and "bilateral" not in words else None


def unsided_twins(codes: Iterable[tuple[str, str]]) -> set[str]:
    """Of ``(code, title)`` pairs that survived the laterality rule, the codes of an
    unspecified side whose sided sibling is among them: "right knee" is M17.11, never
    M17.10 "unspecified knee" beside it."""
    sided: set[tuple[str, str]] = set()
    unsided: list[tuple[str, tuple[str, str]]] = []
    for code, title in codes:
        key = _sibling_key(code)
        if title_side(title) is not None:
            sided.add(key)
        elif "unspecified" in title.lower():
            unsided.append((code, key))
    return {code for code, key in unsided if key in sided}


def _sibling_key(code: str) -> tuple[str, str]:
    """What siblings that differ only in side share: the code less its last character
    before any 7th character (S52.501A and S52.509A share "S52.50" and "A")."""
    if len(code) == 8 and code[3] == ".":
        return code[:6], code[7]
    return code[:-1], ""


@dataclass(frozen=True)
class VaccineReading:
    """A sentence that speaks of a vaccine: its cue words, the sentence's token range,
    whether the note says the vaccine was given now, and whether it says only that it
    was given before ("up to date", "given last month")."""

    cue: Span
    start: int
    end: int
    given: bool
    before: bool = False


def injection_places(doc: Doc, vaccines: Sequence[VaccineReading]) -> list[int]:
    """The route words ("IM", "subcut") of the drugs ``doc`` says were injected at this
    encounter (``injection``): in a clause with a dose that says the drug was given now
    ("Dexamethasone 16 mg IM x1", "cyanocobalamin 1000 mcg IM today", "epinephrine 0.3 mg
    IM given in ED"), not a schedule, an order or a dose before arrival ("156 mg IM
    monthly", "0.3 mg IM (EpiPen) 20 min PTA"), nor a vaccine's sentence, whose
    administration has its own codes (90460-90474)."""
    rule = plausibility_rules().injection
    lowered = lowered_texts(doc)
    starts = sentence_starts(doc)
    found = []
    for position, word in enumerate(lowered):
        if word not in rule.routes or any(v.start <= position < v.end for v in vaccines):
            continue
        first, end = sentence_of(starts, len(lowered), position)
        clause = clause_of(lowered, position, position + 1, first, end)
        counted = _counted_words(clause)
        if (
            "#" in counted
            and holds_phrase(clause, rule.given)
            and not holds_phrase(counted, rule.not_when)
        ):
            found.append(position)
    return found


def vaccine_readings(doc: Doc) -> list[VaccineReading]:
    """The sentences of ``doc`` that name a vaccine ("Tdap booster", "tetanus toxoid"), and
    those on a vaccine heading's line ("Vaccine: Arexvy 0.5 mL IM": the heading names it)."""
    rules = plausibility_rules()
    cues = rules.vaccine_cues
    lowered = lowered_texts(doc)
    starts = sentence_starts(doc)
    text = note_text(doc)  # ``doc.text`` would join every token's text again
    # the line of each vaccine heading: "Vaccine: Arexvy 0.5 mL IM" (a later line of its
    # section may be the note's next topic, "Personalized prevention plan given.")
    heading_lines = [
        (s[0], end if (end := text.find("\n", s[0])) >= 0 else len(text))
        for s in doc._.sections
        if s[2] in rules.vaccine_sections
    ]
    found = []
    ends = [*starts[1:], len(doc)] if starts else []  # a note without tokens has none
    for start, end in zip(starts, ends, strict=True):
        words = lowered[start:end]
        span = None
        if not cues.keys().isdisjoint(words):  # most sentences name no vaccine: one look-up
            for i, word in enumerate(words):
                cue = next(
                    (c for c in cues.get(word, ()) if tuple(words[i : i + len(c)]) == c), None
                )
                if cue is not None:
                    span = doc[start + i : start + i + len(cue)]
                    break
        if span is None and any(a <= doc[start].idx < b for a, b in heading_lines):
            span = next((doc[k : k + 1] for k in range(start, end) if doc[k].is_alpha), None)
        if span is not None:
            now = given_now(words, rules)
            given = now and not rules.vaccine_given.isdisjoint(words)
            found.append(VaccineReading(span, start, end, given, not now))
    return found


def given_now(words: Sequence[str], rules: PlausibilityRules) -> bool:
    """Whether a vaccine sentence's lower-case ``words`` may speak of this visit: "up to
    date", "given last month" report no immunization now, unless the sentence also says
    "today"; "no vaccines due today", "declined" report none at all."""
    if holds_phrase(words, rules.vaccine_not_given):
        return False
    return not holds_phrase(words, rules.vaccine_given_before) or holds_phrase(
        words, rules.vaccine_given_now
    )


def holds_phrase(words: Sequence[str], phrases: Iterable[tuple[str, ...]]) -> bool:
    """Whether ``words`` hold one of ``phrases`` (word tuples) as consecutive words: each
    is compared only where its first word stands (found by ``index``, in C), not at every
    word (a sentence is asked about a dozen phrases, most of whose words it lacks)."""
    for phrase in phrases:
        size = len(phrase)
        if any(tuple(words[i : i + size]) == phrase for i in _places(words, phrase[0])):
            return True
    return False


def _places(words: Sequence[str], word: str) -> Iterator[int]:
    """The positions of ``word`` in ``words``, rising."""
    at = -1
    while True:
        try:
            at = words.index(word, at + 1)
        except ValueError:
            return
        yield at


def said_caused_by(doc: Doc, read: Sequence[tuple[str, Sequence[Span]]]) -> list[frozenset[str]]:
    """For each (ICD-10-CM code, places) of ``read`` that is a symptom of ``explained``,
    the codes of ``read`` its sentence says cause it: read in the list of symptoms just
    before a cue ("due to", "2/2", "attributable to"), the cause named in the cue's clause
    after it by a word of a place it was read from, no modifier ("Abd pain/N/V -
    attributable to DKA, lipase nl": E10.10, read from "DKA, T1DM", causes R10.9 and
    R11.2). Empty for the rest."""
    rules = plausibility_rules()
    lowered = lowered_texts(doc)
    causes: list[frozenset[str]] = [frozenset()] * len(read)
    symptoms = [k for k, (code, _) in enumerate(read) if code.startswith(rules.explained_symptoms)]
    if not symptoms:
        return causes
    starts = sentence_starts(doc)
    by_first = rules.explained_cues
    # where each cue is: (sentence start, cue start, the words of its clause after it)
    cues = []
    for at, word in enumerate(lowered):
        for cue in by_first.get(word, ()):
            if tuple(lowered[at : at + len(cue)]) == cue:
                first, end = sentence_of(starts, len(lowered), at)
                after = at + len(cue)
                cues.append((first, at, set(clause_of(lowered, after, after, after, end))))
                break
    if not cues:
        return causes
    # the words that name each possible cause where it was read: the cause a clause names
    # may be read elsewhere, whole ("DKA, T1DM" is E10.10; "attributable to DKA" alone
    # names no type)
    named = [
        frozenset(
            word
            for span in spans
            for word in lowered[span.start : span.end]
            if word[:1].isalpha()
            and word not in rules.cause_modifiers
            and not doc.vocab[word].is_stop
        )
        if code and not code.startswith(rules.not_causes)
        else frozenset()
        for code, spans in read
    ]
    # the symptoms a cue speaks of are those just before it, in a list joined by marks
    # and the words of ``between`` ("Abd pain/N/V - attributable to", "nausea and vomiting,
    # likely due to"), not a noun between ("dexamethasone dose reduction due to")
    in_symptom = {p for k in symptoms for span in read[k][1] for p in range(span.start, span.end)}
    for first, at, said in cues:
        reached = at
        while reached > first and (
            reached - 1 in in_symptom
            or lowered[reached - 1] in rules.cause_between
            or not any(ch.isalnum() for ch in lowered[reached - 1])
        ):
            reached -= 1
        cause = frozenset(read[j][0] for j, words in enumerate(named) if words & said)
        for k in symptoms:
            if cause and any(reached <= span.start and span.end <= at for span in read[k][1]):
                causes[k] |= cause
    return causes


def vaccine_disease(code: str) -> bool:
    """Whether ``code`` is a disease a vaccine prevents (read as the vaccine near a cue)."""
    return code.startswith(plausibility_rules().vaccine_diseases)


def vaccine_codes(given: bool, administration: Sequence[Key]) -> list[Key]:
    """What a vaccine sentence reports: the encounter for immunization and the
    ``administration`` codes (``vaccine_administration``) where the vaccine was given now
    ("tetanus up to date" reports none)."""
    rules = plausibility_rules()
    if not given:
        return []
    return [(System.ICD10CM, rules.vaccine_encounter), *administration]


def vaccine_administration(
    readings: Sequence[VaccineReading], lowered: Sequence[str], age: float | None
) -> list[list[Key]]:
    """The administration codes of each vaccine sentence (``readings``; ``lowered``: the
    note's lower-case words; ``age``: the patient's stated age): 90460 for a patient
    through age 18 whom the vaccine sentences say a physician counseled, Medicare's own
    code for its vaccines where the note names Medicare, else 90471."""
    rules = plausibility_rules().vaccine_administration
    words = [lowered[reading.start : reading.end] for reading in readings]
    counseled = any(
        any(word.startswith(rules.counseling) for word in said)
        and not holds_phrase(said, rules.not_by)
        for said in words
    )
    if age is not None and age < rules.through_age + 1 and counseled:
        return [[rules.with_counseling] for _ in readings]
    if rules.payer.isdisjoint(lowered):
        return [[rules.code] for _ in readings]
    found = []
    for said in words:
        own = [code for code, cues in rules.by_payer if not cues.isdisjoint(said)]
        found.append(own or [rules.code])
    return found


def encounter_character(text: str) -> str | None:
    """The 7th character an injury code takes from the note's words ("suture removal":
    D, subsequent encounter; "sequela": S), or None when the note names none other than
    the initial encounter (whose A the code read from the words already carries)."""
    rules = plausibility_rules()
    lowered = text.lower()
    if any(words in lowered for words in rules.initial_encounter):
        return None
    for character, phrases in rules.encounter_characters:
        if any(_said_of_this_visit(lowered, phrase, rules) for phrase in phrases):
            return character
    return None


def _said_of_this_visit(lowered: str, phrase: str, rules: PlausibilityRules) -> bool:
    """Whether ``phrase`` occurs in the ``lowered`` note about this visit, not about one
    the plan sets ("wound check 48 h", "return for suture removal in 10 days" at the
    initial visit of a laceration say nothing of a subsequent encounter now)."""
    start = lowered.find(phrase)
    while start >= 0:
        end = start + len(phrase)
        planned = rules.planned_after.match(lowered, end) or rules.planned_before.search(
            lowered, max(0, start - PLANNED_REACH), start
        )
        if not planned:
            return True
        start = lowered.find(phrase, end)
    return False


def unnamed_encounter(code: str, present: Collection[str]) -> bool:
    """Whether an injury ``code`` carries a 7th character of an encounter the note does
    not name (subsequent, sequela: ``encounter.characters``) beside its initial-encounter
    twin among the ``present`` codes: read from the same words as the twin, its character
    is the term's, not the note's ("Nondisplaced fracture of the lateral malleolus ..."
    alone is S82.64XA, never S82.64XS)."""
    rules = plausibility_rules()
    return (
        len(code) == 8
        and code[3] == "."
        and code.startswith(rules.encounter_prefixes)
        and any(code[7] == character for character, _ in rules.encounter_characters)
        and code[:7] + "A" in present
    )


def with_encounter(code: str, character: str) -> str | None:
    """``code`` (an injury code, or an external cause's, with a 7th character) with
    ``character`` instead. An external cause takes the injury's encounter (guideline
    I.C.20: its 7th character is A, D or S), so a fracture's delayed healing or nonunion
    (G, K) is its subsequent encounter, D."""
    rules = plausibility_rules()
    if len(code) != 8 or code[3] != ".":
        return None
    if code.startswith(rules.encounter_prefixes):
        return code[:7] + character
    if code.startswith(rules.encounter_cause_prefixes):
        return code[:7] + (character if character in "DS" else "D")
    return None


def without_initial_injury(codes: Collection[str]) -> set[str]:
    """The external cause codes among ``codes`` (place, activity, status:
    ``external_cause.prefixes``) that no injury or poisoning at its initial encounter
    beside them explains (an ``external_cause.needs`` code with 7th character A, not a
    drug's adverse effect or underdosing): they are
    reported only with it, once, at that encounter (guideline I.C.20.b, c and k), so
    "kitchen" or "basketball" alone in a note codes nothing."""
    rules = plausibility_rules()
    causes = {code for code in codes if code.startswith(rules.external_cause_prefixes)}
    if not causes:
        return causes
    if any(
        len(code) == 8
        and code[7] == "A"
        and code.startswith(rules.external_cause_needs)
        and not taken_as_prescribed_or_less(code)
        for code in codes
    ):
        return set()
    return causes


def leisure_activity(codes: Collection[str], words: Iterable[str]) -> bool:
    """Whether the note's activity code among ``codes`` (soccer, baking, cleaning gutters)
    is one not done for pay: no status code of ``codes`` says otherwise and none of the
    note's ``words`` speaks of work, a job or pay. Its status is then Y99.8 ("leisure
    activity", "recreation or sport not for income", "student activity"), reported with
    the activity whenever an external cause is (guideline I.C.20.k); a status of work
    is never guessed, and where the note names work at all, none is read."""
    rules = plausibility_rules()
    if not any(code.startswith(rules.leisure_activities) for code in codes):
        return False
    if any(code.startswith(rules.leisure_status[:3]) for code in codes):
        return False
    return not any(word.startswith(rules.paid_stems) for word in words)


def endoscopy_actions(
    keys: Collection[Key], sentences: Iterable[tuple[int, Sequence[str]]]
) -> list[tuple[Key, int]]:
    """The surgical endoscopies (``actions``) that a report of a diagnostic one among
    ``keys`` documents by its action words, each with the position of the first word of
    ``sentences`` ((first token, lower-case words)) that says it."""
    rules = plausibility_rules().actions
    wanted = [code for scope, code in rules.rows if scope in keys and code not in keys]
    if not wanted:
        return []
    for first, words in sentences:
        if holds_phrase(words, rules.not_when):
            continue
        at = next(
            (
                i
                for i, word in enumerate(words)
                if word.startswith(rules.stems)
                or any(tuple(words[i : i + len(p)]) == p for p in rules.phrases)
            ),
            None,
        )
        if at is not None:
            return [(code, first + at) for code in wanted]
    return []


_CENTIMETRES = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,2})?) ?cm\b")


def told_apart(
    keys: Collection[Key], words_of: Callable[[list[Key]], Sequence[str]]
) -> list[tuple[Key, set[Key]]]:
    """Of each group of codes its words tell apart (``told_apart``: a chest X-ray's
    views, a CT's contrast; ``sized``: a repair's length) with a code among ``keys``, the
    code that the words of the sentences they were read from (``words_of``) name alone,
    with the group's others."""
    rules = plausibility_rules()
    found = []
    for group in rules.told_apart:
        members = [key for key, _ in group if key in keys]
        if not members:
            continue
        words = words_of(members)
        named = [key for key, cues in group if holds_phrase(words, cues)]
        if len(named) == 1:
            found.append((named[0], {key for key, _ in group} - {named[0]}))
    for sizes in rules.sized:
        members = [key for _, key in sizes if key in keys]
        if not members:
            continue
        stated = {float(m.group(1)) for m in _CENTIMETRES.finditer(" ".join(words_of(members)))}
        named = [key for key in {least_met(sizes, size) for size in stated} if key is not None]
        if len(named) == 1:
            found.append((named[0], {key for _, key in sizes} - {named[0]}))
    return found


def other_sites(keys: Collection[Key], words_of: Callable[[list[Key]], Sequence[str]]) -> set[Key]:
    """The codes among ``keys`` of a site (``by_site``: a repair of the face or of the
    body) other than the one site the words of their sentences (``words_of``) name."""
    found: set[Key] = set()
    for group in plausibility_rules().by_site:
        members = [key for codes, _ in group for key in codes if key in keys]
        if not members:
            continue
        words = set(words_of(members))
        named = [codes for codes, sites in group if not sites.isdisjoint(words)]
        if len(named) == 1:
            found |= {key for key in members if key not in named[0]}
    return found


def included_codes(keys: Collection[Key]) -> set[Key]:
    """The codes of ``keys`` that another of them includes (``included``: a diagnostic
    endoscopy beside a surgical endoscopy of its family; a screening colonoscopy's HCPCS
    code beside the colonoscopy with a polyp removed that it became, ``in_system``)."""
    found = set()
    for system, code, in_system, ranges in plausibility_rules().included:
        if (system, code) in keys and any(
            other_system is in_system and len(other) == len(code) and low <= other <= high
            for other_system, other in keys
            for low, high in ranges
        ):
            found.add((system, code))
    return found


def replacements(keys: Iterable[Key]) -> dict[Key, Key]:
    """Codes that the note's other codes make wrong, each with the right one."""
    present = [code for system, code in keys if system is System.ICD10CM]
    found = {}
    for system, code, becomes, when in plausibility_rules().replaced_when:
        if any(other.startswith(when) for other in present):
            found[(system, code)] = (system, becomes)
    return found


def maternity_conflict(system: System, code: str, age: float | None) -> bool:
    """Whether ``code`` is a pregnancy's or a delivery's (the mother's record's alone) and
    the patient's stated ``age`` is under the maternity age edit's: a baby's birth
    history names its mother's delivery."""
    rules = plausibility_rules()
    return (
        age is not None
        and age < rules.maternity_age
        and code.startswith(rules.maternity.get(system, ()))
    )


def with_findings(stated: Iterable[str]) -> dict[Key, Key]:
    """A routine examination's code "without abnormal findings" with its "with abnormal
    findings" twin, where the diagnostic statement names a condition (``stated``: the
    ICD-10-CM codes read there) other than a status, an encounter or an external cause
    (``not_findings``): the condition found or addressed at the exam is its abnormal finding."""
    rules = plausibility_rules()
    if all(code.startswith(rules.not_findings) for code in stated):
        return {}
    return {
        (System.ICD10CM, code): (System.ICD10CM, becomes) for code, becomes in rules.with_findings
    }


# ------------------------------------------------------------- after scoring
class Apart(NamedTuple):
    """Why a ranked code is not coded: ``kind`` is "integral" (a documented diagnosis
    includes it), "aftercare" (an injury's aftercare is the injury's code),
    "unspecified" (a code of its category says more, or one that names the organism or
    cause its title leaves unspecified), "contradicted" (a documented code
    of its category says "with" what it says "without"), "bite" (the open bite of the
    same site is the wound), "history" (the malignancy a status describes is
    coded as its personal history), "side" (read as surely as the other sides, from
    words that name none: the unspecified side is), "excludes1", "symptom" (a sign
    or symptom read only outside the diagnostic statement), "finding" (read only from
    the findings), "not_addressed" (a condition named at a visit for immunization
    alone) or "one_per_encounter" (a code of a kind an encounter reports once, beside
    the better-read one: the weeks of gestation) or "hierarchy" (a substance's use or
    abuse beside its abuse or dependence) or "degree" (a burn of a site beside a deeper
    burn of the same site); ``code`` is the documented code it gives way
    to."""

    kind: str
    code: str


@dataclass(frozen=True)
class Ordered(Generic[T]):
    """A ranked list in the order a coder reports it, and what is set apart, each with
    why (see ``Apart``)."""

    ranked: list[T]
    set_apart: list[tuple[T, Apart]]


def prune_and_order(
    items: list[T],
    key: Callable[[T], Key],
    listed: Callable[[T], bool],
    confident: Callable[[T], bool],
    index: CodeIndex,
    sections: Callable[[T], frozenset[str | None]] | None = None,
    title: Callable[[T], str] | None = None,
    read_at: Callable[[T], Sequence[tuple[int, int]]] | None = None,
    reading: Callable[[T], float] | None = None,
    said: Callable[[T], Sequence[frozenset[str]]] | None = None,
    loose: Callable[[T], bool] | None = None,
    caused_by: Callable[[T], frozenset[str]] | None = None,
    both_sides: Callable[[T], bool] | None = None,
) -> Ordered[T]:
    """The ranked ``items`` in reporting order: first-listed encounter codes (screening,
    immunization) that are ``listed`` (above the floor) to the front and a manifestation
    code never first. Set apart are the integral symptoms and "without complications"
    codes beside what they give way to, where that code is ``confident`` (a symptom is
    set apart only for a diagnosis the note surely documents: one the ranker reads
    surely, or, given the ``sections``, one the diagnostic statement lists), as is a code of a
    category whose confident code says "with" what its title says "without", and an
    aftercare code beside a ``listed`` injury code of a subsequent encounter; and, given the
    ``sections`` each item was read from, the symptoms and findings read only outside a
    diagnostic statement that documents a ``listed`` diagnosis (``statement_lead``), and
    the conditions of a visit for immunization alone (``_immunization_alone``);
    given each item's ``title``, an unspecified code beside a code of its category that
    is not and says more of the same condition (``_same_condition``: E87.20 "Acidosis,
    unspecified" stays beside E87.5 "Hyperkalemia"), ``confident`` or listed by the
    diagnostic statement above it (guideline I.B.18: unspecified codes are for a record
    that does not say more), and a code where
    the tabular puts a condition "NOS" that such a code documents more precisely
    (``_said_less_precisely``); given where each item was ``read_at`` (character
    offsets), a code that an Excludes1 note pairs with a confident code read from the same words
    (guideline I.A.12.a); of such a pair, the better ``reading`` (e.g. the ranker's own
    score, so that a final layer's order never changes which is set apart; default: the
    order of ``items``) is the one kept; given the words each item was ``said`` with (one
    set per place, the title line's aside), an unspecified code that an Excludes1 note
    pairs with a listed code whose words say more of it (T78.2XXA "anaphylactic
    reaction" gives way to T78.05XA "anaphylactic reaction due to tree nuts"); given
    which items were read only ``loose``ly (their words spread wider than the matcher's
    window), such a code that an Excludes1 note pairs with a confident code, wherever
    the two were read; given the codes each item's sentence says cause it (``caused_by``:
    ``said_caused_by``), a symptom beside the documented diagnosis said to cause it
    ("Abd pain/N/V - attributable to DKA"), as integral to it (guidelines I.B.4-5);
    and of a side's codes read at one score from the same words, none that is read
    ``both_sides`` (its sentence says the condition is bilateral: ``_sides_not_read``)."""
    rules = plausibility_rules()
    documented = [
        key(item)[1] for item in items if confident(item) and key(item)[0] is System.ICD10CM
    ]
    listed_codes = [
        key(item)[1] for item in items if listed(item) and key(item)[0] is System.ICD10CM
    ]

    # the provider's diagnostic statement documents the diagnoses it lists, however
    # weakly the ranker read them (a combination code such as N13.2 is read from two terms)
    def documents(item: T) -> bool:
        system, code = key(item)
        return confident(item) or (
            sections is not None
            and system is System.ICD10CM
            and listed(item)
            and not code.startswith(rules.symptom_prefixes + rules.status_prefixes)
            and bool(sections(item) & rules.statement_sections)
        )

    stated = [key(item)[1] for item in items if documents(item) and key(item)[0] is System.ICD10CM]
    lead = statement_lead(items, key, listed, sections, rules) if sections else None
    specific_items = _specific_codes(items, key, documents, title) if sections and title else {}
    specific = {category: key(item)[1] for category, item in specific_items.items()}
    # an unspecified statement diagnosis that the findings say more precisely ("Impression:
    # Diverticulosis." beside "sigmoid diverticulosis" K57.30) gives way to that code, which
    # is then the statement's own and never a finding set apart for it, whether or not the
    # statement lists it first (a colonoscopy's adenomas before its diverticulosis)
    heirs = (
        {
            specific[_site_category(code)]
            for item in items
            for system, code in (key(item),)
            if system is System.ICD10CM
            and _site_category(code) in specific
            and listed(item)
            and sections(item) & rules.statement_sections
            and _unspecified(title(item))
        }
        if lead is not None and sections is not None and title is not None
        else set()
    )
    vaccine_visit = sections is not None and _immunization_alone(
        items, key, listed, confident, sections, rules
    )
    rank = {id(item): i for i, item in enumerate(items)}
    kept: list[T] = []
    set_apart: list[tuple[T, Apart]] = []
    for item in items:
        system, code = key(item)
        because = None
        if system is System.ICD10CM:
            integral = _gives_way(code, documented, stated, rules)
            if integral is None and caused_by is not None:
                cause = caused_by(item)
                integral = next((other for other in stated if other in cause), None)
            said_with = _said_with(code, documented, index) if integral is None else None
            injury = _injury_aftercare(code, listed_codes, rules)
            bite = _bitten(code, listed_codes, rules.injury_site)
            history = _history_instead(code, listed_codes, index)
            # a guideline's rule: not for notes coded as their corpus taught (no sections)
            site = _site_named(code, listed_codes, rules) if sections is not None else None
            higher = _higher_level(code, listed_codes, rules) if sections is not None else None
            deeper = _deeper_burn(code, listed_codes, rules) if sections is not None else None
            rival = specific_items.get(_site_category(code))  # a code saying more of it
            if integral is not None:
                because = Apart("integral", integral)
            elif injury is not None:
                because = Apart("aftercare", injury)
            elif bite is not None:
                because = Apart("bite", bite)
            elif history is not None:
                because = Apart("history", history)
            elif site is not None:
                because = Apart("unspecified", site)
            elif higher is not None:
                because = Apart("hierarchy", higher)
            elif deeper is not None:
                because = Apart("degree", deeper)
            elif said_with is not None:
                because = Apart("contradicted", said_with)
            elif (
                rival is not None
                and _outranked(item, rival, confident, rank)
                and (
                    (
                        title is not None
                        and _unspecified(title(item))
                        and _same_condition(index, code, rival, key, title)
                    )
                    or (
                        read_at is not None
                        and sections is not None
                        and _said_less_precisely(
                            index,
                            _place(item, key, read_at, sections),
                            _place(rival, key, read_at, sections),
                            rules,
                        )
                    )
                )
            ):
                because = Apart("unspecified", key(rival)[1])
            elif vaccine_visit and not code.startswith(
                rules.status_prefixes + rules.external_cause_follow
            ):
                because = Apart("not_addressed", rules.vaccine_encounter)
            elif lead is not None and sections is not None and code not in heirs:
                kind = _outside_statement(code, sections(item), rules)
                because = Apart(kind, lead) if kind is not None else None
            if because is None and sections is not None:  # the guideline's, as site
                because = _reported_once(code, kept, key, listed, rules)
        if because is None:
            kept.append(item)
        else:
            set_apart.append((item, because))
    excluded = (
        _excluded_by(kept, key, confident, index, read_at, title, reading, said, listed, loose)
        if read_at
        else {}
    )
    if excluded:
        set_apart += [(item, excluded[id(item)]) for item in kept if id(item) in excluded]
        kept = [item for item in kept if id(item) not in excluded]
    unsided = (
        _sides_not_read(
            [item for item in kept if both_sides is None or not both_sides(item)],
            key,
            index,
            title,
            read_at,
            reading,
        )
        if title is not None and read_at is not None and reading is not None
        else {}
    )
    if unsided:
        set_apart += [(item, unsided[id(item)]) for item in kept if id(item) in unsided]
        kept = [item for item in kept if id(item) not in unsided]
    return Ordered(reporting_order(kept, key, listed, index), set_apart)


_SIDES = frozenset({"right", "left"})
_SIDE_WORDS = _SIDES | {"dominant", "non", "nondominant"}
_SIDE_NEUTRAL = _SIDE_WORDS | {"unspecified", "side", "bilateral"}


def _sides_not_read(
    items: Sequence[T],
    key: Callable[[T], Key],
    index: CodeIndex,
    title: Callable[[T], str],
    read_at: Callable[[T], Sequence[tuple[int, int]]],
    reading: Callable[[T], float],
) -> dict[int, Apart]:
    """By ``id``, the codes of a side read from the very words, at the very ``reading``,
    of another code of a side whose title differs from theirs by the side alone: the words
    name no side (a side the note names makes its code the better read, ``specificity``),
    so none of them is documented, and the code of the unspecified side is (guideline
    I.B.13): "stroke 2023 with residual hemiplegia" is I69.359, not I69.351-I69.354 at
    one score, whichever the final layer lifts. Only where the tabular has that code."""
    tied: dict[tuple[Any, ...], list[T]] = {}
    for item in items:
        system, code = key(item)
        words = _every_title_word(title(item))
        if system is System.ICD10CM and words & _SIDE_WORDS:
            place = frozenset(read_at(item))
            tied.setdefault((code[:3], place, reading(item), words - _SIDE_NEUTRAL), []).append(
                item
            )
    apart: dict[int, Apart] = {}
    for (category, _, _, rest), sided in tied.items():
        if len(sided) < 2:
            continue
        unspecified = next(
            (
                record.code
                for record in index.with_prefix(category, System.ICD10CM)
                if record.billable
                and "unspecified" in (words := _every_title_word(record.title))
                and not words & _SIDES
                and words - _SIDE_NEUTRAL == rest
            ),
            None,
        )
        if unspecified is not None:
            apart.update((id(item), Apart("side", unspecified)) for item in sided)
    return apart


@lru_cache(maxsize=100_000)
def _every_title_word(title: str) -> frozenset[str]:
    """Every word of a code's title, lower-case ("unspecified" and "side" too, which
    ``title_words`` leaves out)."""
    return frozenset(_TITLE_WORD.findall(title.lower()))


def reporting_order(
    kept: list[T], key: Callable[[T], Key], listed: Callable[[T], bool], index: CodeIndex
) -> list[T]:
    """The codes ``kept`` (ranked, none set apart) in the order a coder reports them:
    first-listed encounter codes that are ``listed`` to the front, the codes of causes
    after the diagnoses they may explain, and a manifestation code never first."""
    rules = plausibility_rules()
    listed_kept = [key(item)[1] for item in kept if listed(item) and key(item)[0] is System.ICD10CM]
    first_row = {
        id(item): _first_listed(key(item), rules, listed_kept) for item in kept if listed(item)
    }
    first = sorted(
        (item for item in kept if first_row.get(id(item)) is not None),
        key=lambda item: first_row[id(item)] or 0,
    )
    moved = {id(item) for item in first}
    ordered = _causes_after(first + [item for item in kept if id(item) not in moved], key, listed)
    diagnoses = [i for i, item in enumerate(ordered) if key(item)[0] is System.ICD10CM]

    # a first-listed encounter code stays first: Z23's "Code first any routine childhood
    # examination" orders it after that encounter's code, and makes it no manifestation
    # of the conditions beside it; a long-term drug use or dependence status code
    # (``never_first``) says what treats a condition, never why the patient came
    # (guideline IV.A), and gives way even to a manifestation ("ESRD on HD" is N18.6, Z99.2)
    def unfit_to_lead(code: str) -> int:
        if code.startswith(rules.never_first):
            return 2
        return 1 if is_manifestation(index, code) else 0

    if diagnoses and id(ordered[diagnoses[0]]) not in moved:
        leader = unfit_to_lead(key(ordered[diagnoses[0]])[1])
        if leader:
            fittest = min(
                ((unfit_to_lead(key(ordered[i])[1]), i) for i in diagnoses[1:]), default=None
            )
            if fittest is not None and fittest[0] < leader:
                ordered.insert(diagnoses[0], ordered.pop(fittest[1]))
    return ordered


def _causes_after(
    ordered: list[T], key: Callable[[T], Key], listed: Callable[[T], bool]
) -> list[T]:
    """``ordered`` with its listed codes of causes after the last listed diagnosis they may
    explain: external causes (chapter 20: how, where, doing what) are never first-listed
    (guideline I.C.20), a drug's adverse effect follows the effect it caused (I.C.19.e.5.a),
    its underdosing and the noncompliance that says why the condition it let relapse
    (I.C.19.e.5.c), and the extent of body surface burned (T31, T32) the burn (I.C.19.d.6);
    each only says more of a condition coded before it."""
    prefixes = plausibility_rules().external_cause_follow

    def cause(item: T) -> bool:
        system, code = key(item)
        return (
            system is System.ICD10CM
            and (
                code.startswith(prefixes)
                or taken_as_prescribed_or_less(code)
                or is_noncompliance(code)
            )
            and listed(item)
        )

    causes = [item for item in ordered if cause(item)]
    if not causes:
        return ordered
    rest = [item for item in ordered if not cause(item)]
    last = max(
        (i for i, item in enumerate(rest) if key(item)[0] is System.ICD10CM and listed(item)),
        default=-1,
    )
    return rest[: last + 1] + causes + rest[last + 1 :]


def _excluded_by(
    items: Sequence[T],
    key: Callable[[T], Key],
    confident: Callable[[T], bool],
    index: CodeIndex,
    read_at: Callable[[T], Sequence[tuple[int, int]]],
    title: Callable[[T], str] | None,
    reading: Callable[[T], float] | None = None,
    said: Callable[[T], Sequence[frozenset[str]]] | None = None,
    listed: Callable[[T], bool] | None = None,
    loose: Callable[[T], bool] | None = None,
) -> dict[int, Apart]:
    """By ``id``, the ranked items that an Excludes1 note pairs with a ``confident`` code
    ranked above them and read from the same words: the two are never reported together
    (guideline I.A.12.a), and the words are one condition, the better read one
    ("aspiration pneumonia" is J69.0, not J18.9 beside it); so is one read only
    ``loose``ly, from words spread over a sentence ("postpartum (...), referred for low
    mood" is no O90.6 beside the assessment's postpartum depression, F53.0). Conditions read from
    different words may both exist (the guideline's exception for unrelated ones), except
    where the item is "not elsewhere classified" and its Excludes1 note names the other
    code's condition as the item's own title words and more: a ``confident`` J91.0
    "malignant pleural effusion", which J90 "Pleural effusion, not elsewhere classified"
    excludes, is the note's pleural effusion, classified where the note says more
    (guideline I.A.9.a), wherever the two were read; and, given the words each was
    ``said`` with, where the item is titled "unspecified" and every place of it says
    less than a place of a ``listed`` code, whose words hold all of its own and more
    ("anaphylactic reaction" beside "anaphylactic reaction due to tree nuts"): one
    condition, named twice, and the longer name says which (guideline I.B.18). Not a
    symptom of chapter R: "pain" beside "chronic pain" may be another pain, and where a
    diagnosis includes it the integral rules decide."""
    diagnoses = [item for item in items if key(item)[0] is System.ICD10CM]
    if reading is not None:
        diagnoses.sort(key=lambda item: -reading(item))
    rank = {key(item)[1]: i for i, item in reversed(list(enumerate(diagnoses)))}
    found: dict[int, Apart] = {}
    conflicts = excludes1_conflicts(index, list(rank))
    if title is not None:
        for conflict in conflicts:
            general, named = diagnoses[rank[conflict.code]], diagnoses[rank[conflict.excluded]]
            if confident(named) and _names_more(conflict.note, title(general), title(named)):
                found.setdefault(id(general), Apart("excludes1", conflict.excluded))
    for conflict in conflicts:
        better, worse = sorted((conflict.code, conflict.excluded), key=rank.__getitem__)
        kept, dropped = diagnoses[rank[better]], diagnoses[rank[worse]]
        if (
            confident(kept)
            and id(kept) not in found
            and (_within(read_at(dropped), read_at(kept)) or (loose is not None and loose(dropped)))
        ):
            found.setdefault(id(dropped), Apart("excludes1", better))
    if said is not None and listed is not None and title is not None:
        for conflict in conflicts:
            pair = diagnoses[rank[conflict.code]], diagnoses[rank[conflict.excluded]]
            for less, more in (pair, pair[::-1]):
                if (
                    _unspecified(title(less))
                    and not key(less)[1].startswith("R")
                    and id(less) not in found
                    and id(more) not in found
                    and listed(more)
                    and _says_less(said(less), said(more))
                ):
                    found[id(less)] = Apart("excludes1", key(more)[1])
        found.update(_organism_named(diagnoses, key, said, listed, title, found))
    return found


def _organism_named(
    diagnoses: Sequence[T],
    key: Callable[[T], Key],
    said: Callable[[T], Sequence[frozenset[str]]],
    listed: Callable[[T], bool],
    title: Callable[[T], str],
    found: dict[int, Apart],
) -> dict[int, Apart]:
    """By ``id``, the ``diagnoses`` whose title leaves the organism or cause unspecified
    (``organism`` of the rules: J18.9 "Pneumonia, unspecified organism") where every
    place of it says less than a place of a ``listed`` code ("pneumonia" beside "COVID-19
    pneumonia", J12.82; beside "aspiration pneumonia", J69.0): the note documents the
    organism or cause of the one condition (guideline I.B.18), whatever the tabular's
    notes say of the pair. The listed code's title names the condition too (a pneumonia or
    pneumonitis, not Legionnaires' disease, A48.1); one "in diseases classified elsewhere"
    (J17) names no cause of its own. None of those already ``found`` is read again."""
    phrases = plausibility_rules().organism
    vague = [
        item
        for item in diagnoses
        if id(item) not in found and any(p in title(item).lower() for p in phrases)
    ]
    apart: dict[int, Apart] = {}
    for less in vague:
        words = said(less)
        condition = title_words(title(less)) - {w for p in phrases for w in p.split()}
        more = next(
            (
                other
                for other in diagnoses
                if other is not less
                and id(other) not in found
                and listed(other)
                and _ELSEWHERE.search(title(other).lower()) is None
                and _names(condition, title_words(title(other)))
                and _says_less(words, said(other))
            ),
            None,
        )
        if more is not None:
            apart[id(less)] = Apart("unspecified", key(more)[1])
    return apart


def _names(condition: frozenset[str], words: frozenset[str]) -> bool:
    """Whether ``words`` hold each word of ``condition``, or one of its stem ("pneumonitis"
    for "pneumonia": the first five letters)."""
    return all(
        word in words or (len(word) >= 5 and any(w.startswith(word[:5]) for w in words))
        for word in condition
    )


def _says_less(less: Sequence[frozenset[str]], more: Sequence[frozenset[str]]) -> bool:
    """Whether every place's words in ``less`` are fewer than, and all among, the words of
    a place in ``more``."""
    return bool(less) and all(any(words < theirs for theirs in more) for words in less)


def _names_more(note: str, general: str, named: str) -> bool:
    """Whether an Excludes1 ``note`` of a code titled ``general`` "not elsewhere
    classified" names its condition with more words, which the ``named`` code's title
    holds: "malignant pleural effusion (J91.0)" of J90 "Pleural effusion, not elsewhere
    classified". A note that says "not" or "without" names another condition. Codes not
    so titled may be coded beside the code their note names where the note reads them
    apart (CodiEsp codes N19 with N17.9, E61.1 with D50.9)."""
    lowered = general.lower()
    if _NOT_ELSEWHERE.search(lowered) is None:
        return False
    own = title_words(_NOT_ELSEWHERE.sub(" ", lowered))
    said = title_words(note)
    if not own or not own < said or said & NEGATING:
        return False
    return bool((said - own) & title_words(named))


def _within(inner: Sequence[tuple[int, int]], outer: Sequence[tuple[int, int]]) -> bool:
    """Whether every place of ``inner`` lies inside a place of ``outer`` that says more
    (is longer): the words of ``inner`` are part of the longer term."""
    return bool(inner) and all(
        any(start <= s and e <= end and end - start > e - s for start, end in outer)
        for s, e in inner
    )


def _unspecified(title: str) -> bool:
    """Whether a title leaves its condition unspecified, or "not specified as" what a
    sibling says (A04.72 "... not specified as recurrent" beside A04.71 "..., recurrent")."""
    lowered = title.lower()
    return "unspecified" in lowered or "not specified as" in lowered


def _site_category(code: str) -> str:
    """The category an unspecified code gives way within: its own, or for a category
    of many sites (``site_subcategories``: C78 "Secondary malignant neoplasm of
    respiratory and digestive organs") its subcategory, as "unspecified lung" (C78.00)
    says nothing less than "liver" (C78.7) says of another organ; its unspecified site
    (C79.9) gives way to any site."""
    if code.startswith(plausibility_rules().site_subcategories) and code[4:5] not in ("", "9"):
        return code[:5]
    return code[:3]  # "unspecified site" (C79.9) gives way to any site


def _specific_codes(
    items: Sequence[T],
    key: Callable[[T], Key],
    listed: Callable[[T], bool],
    title: Callable[[T], str],
) -> dict[str, T]:
    """By category (``_site_category``), the best-ranked ``listed`` ICD-10-CM item whose
    title is not "unspecified"."""
    found: dict[str, T] = {}
    for item in items:
        system, code = key(item)
        if system is System.ICD10CM and listed(item) and not _unspecified(title(item)):
            found.setdefault(_site_category(code), item)
            found.setdefault(code[:3], item)
    return found


def _same_condition(
    index: CodeIndex, code: str, specific: T, key: Callable[[T], Key], title: Callable[[T], str]
) -> bool:
    """Whether the ``specific`` code of an unspecified ``code``'s category says more of the
    same condition: it lies under the unspecified code's parent (R10.11 beside R10.9), or
    its title names the condition the unspecified title names before its first comma
    (L03.115 "Cellulitis of right lower limb" beside L03.90 "Cellulitis, unspecified";
    I48.21 "Permanent atrial fibrillation" beside I48.91 "Unspecified atrial
    fibrillation"). A category may hold other conditions: E87.5 "Hyperkalemia" says
    nothing of E87.20 "Acidosis, unspecified"."""
    record = index.get(code, System.ICD10CM)
    if record is None or record.parent is None:
        return True
    other = key(specific)[1].replace(".", "")
    if other.startswith(record.parent.replace(".", "")):
        return True
    head = record.title.split(",", 1)[0]
    return _names(title_words(head), title_words(title(specific)))


def _outranked(
    item: T, specific: T | None, confident: Callable[[T], bool], rank: dict[int, int]
) -> bool:
    """Whether the ``specific`` code of ``item``'s category (``_specific_codes``) is one
    it may give way to: one the ranker reads surely, or one the diagnostic statement
    lists above it (a statement's "chronic AF" may be I48.20 rather than I48.19, read
    weaker from the same words)."""
    if specific is None or specific is item:
        return False
    return confident(specific) or rank[id(specific)] < rank[id(item)]


Reading = tuple[str, Sequence[tuple[int, int]], frozenset[str | None]]


def _place(
    item: T,
    key: Callable[[T], Key],
    read_at: Callable[[T], Sequence[tuple[int, int]]],
    sections: Callable[[T], frozenset[str | None]],
) -> Reading:
    """An item's code, the places it was read at and their sections."""
    return key(item)[1], read_at(item), sections(item)


_REMISSION_STATE = re.compile(r"\b(?:in remission|in relapse)$")


def _said_less_precisely(
    index: CodeIndex, nos: Reading, specific: Reading, rules: PlausibilityRules
) -> bool:
    """Whether the code of ``nos`` (its code, places and sections) is where the tabular
    puts a condition "NOS" (not otherwise specified: the equivalent of unspecified,
    convention I.A.9.a) that the ``specific`` code of its category documents more
    precisely: read only inside the specific code's longer readings ("chronic lymphocytic
    thyroiditis", E06.3, holds E06.5's "chronic thyroiditis"), or read only outside the
    diagnostic statement that documents the specific code, whose title or inclusion terms
    name the NOS condition with more words (L82.1 "Other seborrheic keratosis", which holds
    "Seborrheic keratosis NOS", beside the assessment's L82.0 "Inflamed seborrheic
    keratosis"). A patient's leukemia, lymphoma or myeloma is in one state at a time: the
    NOS code of one whose sibling the note documents in remission or relapse gives way to it
    wherever it was read ("CLL in remission" in the assessment beside "hypogammaglobulinemia
    secondary to CLL therapy": C91.11, not C91.10 beside it)."""
    code, places, read_in = nos
    other_code, other_places, other_read_in = specific
    record, other = index.get(code, System.ICD10CM), index.get(other_code, System.ICD10CM)
    if code == other_code or record is None or other is None:
        return False
    unspecified = [title_words(t[: -len(" NOS")]) for t in record.terms if t.endswith(" NOS")]
    if not any(unspecified):
        return False
    if _within(places, other_places) or (
        record.parent == other.parent and _REMISSION_STATE.search(other.title) is not None
    ):
        return True
    statement = rules.statement_sections
    if read_in & statement or not other_read_in & statement:
        return False
    names = [title_words(name) for name in (other.title, *other.terms)]
    return any(words and words < name for words in unspecified for name in names)


def statement_lead(
    items: Sequence[T],
    key: Callable[[T], Key],
    listed: Callable[[T], bool],
    sections: Callable[[T], frozenset[str | None]],
    rules: PlausibilityRules,
) -> str | None:
    """The best-ranked diagnosis (no symptom, no status code) that the diagnostic
    statement documents and that is ``listed``: a note whose assessment names a
    diagnosis is coded from it. None where there is none (no statement, or one that
    names only symptoms or a normal result: then the symptoms are what is coded, IV.D)."""
    for item in items:
        system, code = key(item)
        if (
            system is System.ICD10CM
            and listed(item)
            and not code.startswith(rules.symptom_prefixes + rules.status_prefixes)
            and sections(item) & rules.statement_sections
        ):
            return code
    return None


def _immunization_alone(
    items: Sequence[T],
    key: Callable[[T], Key],
    listed: Callable[[T], bool],
    confident: Callable[[T], bool],
    sections: Callable[[T], frozenset[str | None]],
    rules: PlausibilityRules,
) -> bool:
    """Whether the note is a visit for immunization alone: its encounter (Z23) surely
    documented, nothing read in a diagnostic statement, and no injury the vaccine was
    given for nor a health examination listed (``vaccine.visit_alone_unless``). Such a
    visit addresses no other condition: the history names them as why a vaccine is due
    (guideline IV.J codes coexisting conditions that require or affect care)."""
    encounter = (System.ICD10CM, rules.vaccine_encounter)
    return (
        any(key(item) == encounter and confident(item) for item in items)
        and not any(
            key(item)[0] is System.ICD10CM
            and listed(item)
            and key(item)[1].startswith(rules.vaccine_visit_unless)
            for item in items
        )
        and not any(sections(item) & rules.statement_sections for item in items)
    )


def _outside_statement(
    code: str, read_in: frozenset[str | None], rules: PlausibilityRules
) -> str | None:
    """Which of "symptom" or "finding" ``code`` is, read from the sections ``read_in`` of a
    note whose statement documents a diagnosis, where it is not coded; else None."""
    if not read_in or read_in & rules.statement_sections or code.startswith(rules.status_prefixes):
        return None
    if code.startswith(rules.signs_and_symptoms):
        return "symptom"
    if read_in <= rules.findings_sections:
        return "finding"
    return None


def _gives_way(
    code: str, documented: list[str], stated: list[str], rules: PlausibilityRules
) -> str | None:
    """The documented code that ``code`` gives way to, if any: a symptom to a diagnosis
    that includes it, ``documented`` or ``stated`` in the diagnostic statement; a
    "without complications" code to a ``documented`` code of its subcategory (the code
    but its last character: E11.9 to E11.22, K50.80 to K50.811 but not to K50.011)."""
    if code.startswith(rules.integral_symptoms):
        for symptom, diagnoses in rules.integral:
            if code.startswith(symptom):
                for other in stated:
                    if other != code and other.startswith(diagnoses):
                        return other
    if code in rules.without_complications:
        for other in documented:
            if other.startswith(code[:-1]) and other not in rules.without_complications:
                return other
    return None


def _reported_once(
    code: str,
    kept: list[T],
    key: Callable[[T], Key],
    listed: Callable[[T], bool],
    rules: PlausibilityRules,
) -> Apart | None:
    """Why ``code`` is not coded where it is of a kind an encounter reports once
    (``one_per_encounter``: the weeks of gestation, Z3A, one code for the encounter, the
    admission's for a stay) and a listed code of that kind ranked above it was kept: a
    note names other weeks too ("GBS swab at 35w6d", "IOL at 39w0d" at 36w2d)."""
    once = next((prefix for prefix in rules.one_per_encounter if code.startswith(prefix)), None)
    if once is None:
        return None
    earlier = next(
        (
            other
            for item in kept
            for system, other in (key(item),)
            if system is System.ICD10CM and other.startswith(once) and listed(item)
        ),
        None,
    )
    return Apart("one_per_encounter", earlier) if earlier is not None else None


def _site_named(code: str, listed: list[str], rules: PlausibilityRules) -> str | None:
    """The listed malignancy of a named primary site or kind that a malignancy of no site
    (C80) or of an ill-defined site (C76) gives way to: C80.1 is for a record that cannot
    name the primary site, C80.0 for disseminated disease with no site known (guideline
    I.C.2.s), so a bare "carcinoma" of "basal cell carcinoma, R nasal ala" is C44.311
    alone; C76's Excludes1 sends a malignancy of the skin to C44, so the "nose NOS" of
    C76.0 is no site beside it. A secondary site names no primary: "liver metastases,
    unknown primary" keeps C80.1 beside C78.7. So, too, a pressure ulcer of no site (L89.9-)
    beside one whose site the note names, and a sepsis of no organism (A41.9, which a
    septic shock's words also read) beside one whose organism the note names (I.C.1.d.1.a:
    "Sepsis due to Streptococcus pneumoniae with septic shock" is A40.3 with R65.21)."""
    for unknown, named in rules.site_unknown:
        if code.startswith(unknown):
            return next(
                (o for o in listed if o.startswith(named) and not o.startswith(unknown)), None
            )
    return None


def _higher_level(code: str, listed: list[str], rules: PlausibilityRules) -> str | None:
    """The listed code of the same psychoactive substance at a higher level of use, abuse
    and dependence that ``code`` gives way to: where a note documents more than one, only
    the highest is coded (guideline I.C.5.b.2: "Uses cannabis ... Cannabis use disorder,
    mild" is F12.10 alone); at its own level, an uncomplicated code (F10.20) gives way to
    the remission the note documents (F10.21, guideline I.C.5.b.1: "Alcohol use disorder,
    severe - last drink 7/2026 ... AUD, severe, in early remission"; F17.210 to F17.211,
    whose product takes the 5th character)."""
    category, levels = code[:3], rules.substance_levels
    if category not in rules.substance_categories or code[4:5] not in levels:
        return None
    above = levels[levels.index(code[4:5]) + 1 :]
    uncomplicated = 7 if category in rules.substance_products else 6
    remission = code[:-1] + "1" if len(code) == uncomplicated and code[-1] == "0" else None
    return next(
        (o for o in listed if o[:3] == category and (o[4:5] in above or o == remission)),
        None,
    )


def _deeper_burn(code: str, listed: list[str], rules: PlausibilityRules) -> str | None:
    """The listed burn (or corrosion) of the same site, side and encounter at a higher
    degree that ``code`` gives way to: burns of one site in different degrees are coded
    to the highest (guideline I.C.19.d.1: a forearm's "deep partial-thickness burn with a
    central full-thickness area" is T22.311A alone, no T22.211A beside it)."""
    if code[:3] not in rules.burn_categories or len(code) < 6:
        return None
    order = next((o for o in rules.burn_degrees if code[4] in o), None)
    if order is None:
        return None
    deeper = order[order.index(code[4]) + 1 :]
    return next(
        (o for o in listed if o[:4] == code[:4] and o[5:] == code[5:] and o[4:5] in deeper),
        None,
    )


def _injury_aftercare(code: str, listed: list[str], rules: PlausibilityRules) -> str | None:
    """The listed injury code of a subsequent encounter (7th character D) that an
    aftercare code gives way to: the aftercare of an injury is its code with D (guideline
    I.C.21.c.7: "suture removal" of a forehead laceration is S01.81XD, not Z48.02)."""
    if not code.startswith(rules.aftercare):
        return None
    return next(
        (
            other
            for other in listed
            if other.startswith(("S", "T")) and len(other) == 8 and other[7] == "D"
        ),
        None,
    )


_CITED_CATEGORY = re.compile(r"\(([A-Z]\d{2})\.-\)")  # "malignant neoplasm of breast (C50.-)"


@cache
def _malignancy_histories() -> tuple[tuple[tuple[str, ...], str], ...]:
    """(code prefixes, personal-history code) of ``rules/personal_history.json``."""
    rows = read_rules(None, "personal_history.json")["by_prefix"]
    return tuple((tuple(prefixes), history) for prefixes, history in rows)


@lru_cache(maxsize=4096)
def _malignancies_coded_first(
    index: CodeIndex, code: str
) -> tuple[tuple[str, ...], frozenset[str]]:
    """The malignancies' categories ``code``'s tabular asks to be coded first ("Code first
    malignant neoplasm of breast (C50.-)", of its own or an ancestor's entry) and their
    personal-history codes (Z85), where every category it cites has one; none otherwise."""
    record = index.get(code, System.ICD10CM)
    while record is not None and not record.code_first:
        record = index.get(record.parent, System.ICD10CM) if record.parent else None
    notes = record.code_first if record is not None else ()
    cited = tuple(category for note in notes for category in _CITED_CATEGORY.findall(note))
    histories = [
        next((h for prefixes, h in _malignancy_histories() if category.startswith(prefixes)), None)
        for category in cited
    ]
    if not cited or None in histories:
        return (), frozenset()
    return cited, frozenset(h for h in histories if h is not None)


def _history_instead(code: str, listed: list[str], index: CodeIndex) -> str | None:
    """The listed personal history (Z85) of a malignancy that ``code``'s "code first" asks
    for, where no code of that malignancy is listed: the estrogen receptor status Z17.0
    describes a current breast cancer (Z17: code first C50.-, C56.-), and once the cancer
    is history (guideline I.C.2.d) its status is not coded beside Z85.3."""
    cited, histories = _malignancies_coded_first(index, code)
    if not cited or any(other.startswith(cited) for other in listed):
        return None
    return next((other for other in listed if other in histories), None)


def _bitten(code: str, listed: list[str], rules: InjurySite) -> str | None:
    """The listed open bite of the same site and side that an open wound gives way to:
    the wound a bite made is the bite ("Dog bite of L hand (puncture wounds)" is S61.452A,
    not S61.432A beside it; Index: Bite, by site, open)."""
    if code.startswith(rules.open_wounds) and len(code) > 5 and code[5] in rules.other_wounds:
        bite = code[:5] + rules.open_bite + code[6:]
        return bite if bite in listed else None
    return None


def _said_with(code: str, documented: list[str], index: CodeIndex) -> str | None:
    """The documented code of ``code``'s category whose title says "with" what its title
    says "without": K80.20 "calculus of gallbladder without cholecystitis" beside a
    documented K80.10 "... with chronic cholecystitis" is one condition read twice, and
    the note documents the cholecystitis; a title ending "uncomplicated" gives way to
    one of its condition with a complication (J45.40 beside J45.41 "... with (acute)
    exacerbation"). The titles are looked up only where the category has another
    documented code (most codes of a list have none)."""
    others = [other for other in documented if other != code and other[:3] == code[:3]]
    if not others:
        return None
    record = index.get(code, System.ICD10CM)
    if record is None:
        return None
    lacking, claimed = _qualifiers(record.title)
    # "Moderate persistent asthma, uncomplicated" lacks whatever its "with" twin adds
    # (J45.41 "... with (acute) exacerbation"): the same condition said with no
    # complication, in a title that names none
    plain = _uncomplicated_condition(record.title) if not claimed else None
    if not lacking and plain is None:
        return None
    for other in others:
        theirs = index.get(other, System.ICD10CM)
        if theirs is None:
            continue
        added = _qualifiers(theirs.title)[1]
        if lacking & added or (added and plain == _condition(theirs.title)):
            return other
    return None


def _condition(title: str) -> frozenset[str]:
    """The title words before its first "with" or "without": the condition it qualifies."""
    return title_words(_WITH_OR_WITHOUT.split(title.lower(), maxsplit=1)[0])


def _uncomplicated_condition(title: str) -> frozenset[str] | None:
    """The condition a title ending in "uncomplicated" names (J45.40 "Moderate
    persistent asthma, uncomplicated"), or None for any other title."""
    lowered = title.lower()
    if not lowered.endswith(_UNCOMPLICATED):
        return None
    return _condition(lowered.removesuffix(_UNCOMPLICATED))


@lru_cache(maxsize=10_000)
def _qualifiers(title: str) -> tuple[frozenset[str], frozenset[str]]:
    """The words a code's title says "without" and those it says "with"."""
    parts = _WITH_OR_WITHOUT.split(title.lower())
    without: set[str] = set()
    with_: set[str] = set()
    for joint, words in zip(parts[1::2], parts[2::2], strict=True):
        (without if joint == "without" else with_).update(title_words(words))
    return frozenset(without), frozenset(with_)


def _first_listed(key: Key, rules: PlausibilityRules, listed: Sequence[str]) -> int | None:
    """The place of the ``first_listed`` row that puts ``key`` first, where none of the
    ``listed`` ICD-10-CM codes is one its row yields to; None where no row does."""
    for place, (system, prefixes, unless) in enumerate(rules.first_listed):
        if key[0] is system and key[1].startswith(prefixes):
            if unless and any(code.startswith(unless) for code in listed):
                return None
            return place
    return None


def is_manifestation(index: CodeIndex, code: str) -> bool:
    """Whether ``code`` is a manifestation code, never reported first: its tabular
    entry (or an ancestor's) says "Code first" the underlying disease, or its title
    says "in diseases classified elsewhere". A "Code first, if applicable" note (J18
    pneumonia: associated influenza; R35 nocturia: a causal condition) orders the code
    after a cause the note documents, and does not make it a manifestation (guideline
    I.A.13): lobar pneumonia is first-listed where no influenza is coded."""
    record = index.get(code, System.ICD10CM)
    while record is not None:
        optional = any("if applicable" in note.lower() for note in record.code_first)
        if (record.code_first and not optional) or "classified elsewhere" in record.title.lower():
            return True
        record = index.get(record.parent, System.ICD10CM) if record.parent else None
    return False
