"""The final layer's rows and its scorer as a suggester reads them: the features it reads
of each ranked code (``layer_matrix``), the codes the coding rules keep whatever it says
(``held_by_rules``), and its fitted arithmetic (``LayerScorer``). Apart from the
estimator (``suggest.final_layer.FinalLayer``), whose module imports scikit-learn, so that
the default model is served without it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from code_index.records import System
from suggest.candidates import FEATURE_NAMES, Candidate, feature_matrix, log1p_count
from suggest.plausibility import plausibility_rules
from suggest.scaled_logistic import ScaledLogistic, logit
from suggest.sections import title_key
from suggest.setting import Setting

# what the layer reads of a candidate besides the ranker's candidate features
LAYER_OWN_FEATURES: tuple[str, ...] = (
    "ranker_logit",  # logit of the ranker's own score
    "symptom_code",  # a sign or symptom code (chapter 18 and the symptom codes of others)
    "status_code",  # a Z code (status, history, encounter)
    "unspecified_title",  # its title says "unspecified"
    "in_statement",  # read in the diagnostic statement (assessment, impression, diagnoses)
    "only_findings",  # read only in findings (exam, vitals, results, lists, the title line)
    "in_complaint",  # read in the chief complaint or the history of present illness
    "no_section",  # read only outside any section (a narrative note's text)
    "evidence_words",  # log(1 + words of its longest evidence)
    "sectioned_symptom",  # a symptom code in a note with sections (US template notes)
    "statement_note",  # the note has a diagnostic statement (an assessment, impression ...)
    # what a code read in the statement is worth depends on how it was read there: added
    # alone, the statement's lift raised every weak statement reading, where only the
    # abbreviations the code-set ranker underrates ("HTN" I10 at ranker 0.09) earn it
    "statement_logit",  # in_statement times ranker_logit: its lift as sure as the ranker
    "statement_abbreviation",  # read in the statement from an abbreviation (HTN, T2DM, COPD)
    "statement_unspecified",  # read in the statement, its title says "unspecified"
    # codes the reading cannot tell apart: read from the same places at the same ranker
    # score ("puncture wounds, initial" as hip, thigh, knee and lower leg; "stroke" with
    # "hemiplegia" as each dominant side): the layer's rows of such codes are right 1.4% of
    # the time (US tuning; CodiEsp train 1.5%), where each alone looked as sure as a lone
    # reading (listed at 0.59 to 0.76)
    "tied_readings",  # log(1 + other codes of its system read so)
    # whether the visit addresses a condition (guideline IV.J: code the coexisting
    # conditions that require or affect care): a diagnosis (no status code) that only the
    # lists a note carries forward name (PMH, problem list, medications), at an outpatient
    # visit whose own diagnostic statement says what it addresses, is what a dermatology
    # or eye visit does not code (I10, E78.5, N18.31 of a long PMH at 0.5-0.8), where an
    # admission H&P (guideline III: conditions treated in the stay), a procedure report
    # and an ED workup code it
    "visit_history_only",  # 1 for such a diagnosis, else 0
)
# of the candidate features, those the layer reads (synthetic notes teach none of the
# section and context ones to the default model's ranker; real notes do). Not
# ``note_candidates``: the labelled notes' long ones carry many codes, so it lowered a
# short note's lone diagnosis below the floor ("Nondisplaced fracture of the lateral
# malleolus of the right fibula." alone: S82.64XA at 0.08), for a cross-fitted log loss
# of 0.3390 against 0.3405 without it.
LAYER_CANDIDATE_FEATURES: tuple[str, ...] = (
    "in_assessment",
    "in_history_section",
    "uncertain",
    "historical",
    "category_rivals",
    "mentions",
    "first_position",
    "single_word",
    "system_procedure",
    "system_hcpcs",
    "coverage",
    "partial",
    "rarity",
    "rivals",
    "best_reading",
    "depth",
    "abbreviation",
    "via_header",
    "covered",
)
LAYER_FEATURES: tuple[str, ...] = LAYER_OWN_FEATURES + LAYER_CANDIDATE_FEATURES

COMPLAINT_SECTIONS = frozenset({"chief_complaint", "history_of_present_illness"})
# the lists a note carries forward from visit to visit, whatever this visit addresses
HISTORY_LISTS = frozenset(
    {
        "past_medical_history",
        "past_surgical_history",
        "social_history",
        "problem_list",
        "medications",
    }
)
# a note with one of these is a procedure's or a report's (its indication) or an ED stay's
# (its course, its MDM), not a visit whose statement names all it addresses: a
# colonoscopy's or an ED note's PMH is coded as what affects the procedure's or the
# workup's care. A procedure done at a visit (cerumen removed at an ENT visit) does not
# make it one
NOT_A_VISIT = frozenset({"indication", "hospital_course", "medical_decision_making"})
SectionsOf = Callable[[Candidate], frozenset[str | None]]


def layer_matrix(
    candidates: Sequence[Candidate],
    ranker_scores: np.ndarray,
    note_length: int,
    sections_of: SectionsOf,
    note_sections: frozenset[str],
    names: Sequence[str] = LAYER_FEATURES,
    features: np.ndarray | None = None,
    setting: Setting | None = None,
) -> np.ndarray:
    """One row per candidate, the columns the features ``names`` (built by name);
    ``sections_of``: the section keys a candidate was read in (None: before any heading);
    ``note_sections``: the keys of the note's sections; ``features``: the candidates'
    ``feature_matrix`` of every candidate feature, where the caller built it already (as
    the suggester does for its ranker), so that it is not built twice; ``setting``: the
    note's (None: unknown, no note is read as an outpatient visit)."""
    if not candidates:
        return np.zeros((0, len(names)), dtype=np.float64)
    rules = plausibility_rules()
    # the statement's readings need the abbreviation column, whatever ``names`` asks for
    from_candidates = [
        name for name in dict.fromkeys((*names, "abbreviation")) if name in FEATURE_NAMES
    ]
    if features is None:
        base = feature_matrix(candidates, note_length, from_candidates)
        column = {name: k for k, name in enumerate(from_candidates)}
    else:
        base, column = features, {name: FEATURE_NAMES.index(name) for name in from_candidates}
    read = [sections_of(c) for c in candidates]
    sectioned = any(s is not None for sections in read for s in sections)
    statement_note = float(bool(note_sections & rules.statement_sections))
    visit = bool(
        setting is Setting.OUTPATIENT and statement_note and not note_sections & NOT_A_VISIT
    )
    title = title_key()
    own: dict[str, list[float]] = {name: [] for name in LAYER_OWN_FEATURES}
    for candidate, sections in zip(candidates, read, strict=True):
        target = candidate.target
        diagnosis = target.system is System.ICD10CM
        symptom = diagnosis and target.code.startswith(rules.symptom_prefixes)
        status = diagnosis and target.code.startswith(rules.status_prefixes)
        named = sections - {None}
        if status and title in named:
            # the title names the visit ("WELL CHILD CHECK", "ANNUAL WELLNESS VISIT"): of a
            # Z code, the reason for the contact, it states why the patient came, as a
            # chief complaint does (guideline IV.A), not a finding (guideline III.B)
            named = (named - {title}) | {"chief_complaint"}
        own["symptom_code"].append(float(symptom))
        own["status_code"].append(float(status))
        own["unspecified_title"].append(float("unspecified" in target.title.lower()))
        own["in_statement"].append(float(bool(named & rules.statement_sections)))
        own["only_findings"].append(float(bool(named) and named <= rules.findings_sections))
        own["in_complaint"].append(float(bool(named & COMPLAINT_SECTIONS)))
        own["no_section"].append(float(bool(sections) and not named))
        longest = max((len(span) for span in candidate.spans), default=0)
        own["evidence_words"].append(log1p_count(longest))
        own["sectioned_symptom"].append(float(symptom and sectioned))
        own["statement_note"].append(statement_note)
        own["visit_history_only"].append(
            float(visit and diagnosis and not status and bool(named) and named <= HISTORY_LISTS)
        )
    own["ranker_logit"] = logit(ranker_scores).tolist()
    own["tied_readings"] = _tied_readings(candidates, ranker_scores)
    statement = np.asarray(own["in_statement"])
    own["statement_logit"] = (statement * np.asarray(own["ranker_logit"])).tolist()
    own["statement_abbreviation"] = (statement * base[:, column["abbreviation"]]).tolist()
    own["statement_unspecified"] = (statement * np.asarray(own["unspecified_title"])).tolist()
    columns = [
        own[name] if name in own else base[:, column[name]].astype(np.float64) for name in names
    ]
    return np.column_stack(columns).astype(np.float64)


def _tied_readings(candidates: Sequence[Candidate], ranker_scores: np.ndarray) -> list[float]:
    """``tied_readings`` of each candidate: log(1 + the other candidates of its code system
    read from exactly its places with exactly its ranker score). The two sides' codes of a
    condition its sentences say is bilateral (``Candidate.both_sides``) are each read, not
    undecided between."""
    keys = [
        (
            c.target.system,
            frozenset((s.start, s.end) for s in c.spans),
            float(score),
            c.target.code if c.both_sides else "",
        )
        for c, score in zip(candidates, ranker_scores, strict=True)
    ]
    counts = Counter(keys)
    return [log1p_count(counts[key] - 1) for key in keys]


def ruled(rows: np.ndarray) -> np.ndarray:
    """Which of ``rows`` (all of ``LAYER_FEATURES``, as ``layer_matrix`` builds them) are
    codes the coding rules keep, whatever a learned score says: codes read in the
    diagnostic statement (the provider's statement is what is coded), and the symptoms of a
    note that has one (where it documents a diagnosis, the symptoms read outside it are set
    apart; where it documents none, they are what is coded, guideline IV.D); but not codes
    the reading cannot tell apart (``tied_readings``): "Dx: Puncture wounds" documents no
    one of the hip's, thigh's, knee's and foot's codes it was read as, and holding each
    listed kept six wrong codes at the floor."""
    statement = rows[:, LAYER_FEATURES.index("in_statement")] > 0
    symptom = rows[:, LAYER_FEATURES.index("symptom_code")] > 0
    untied = rows[:, LAYER_FEATURES.index("tied_readings")] == 0
    return untied & (statement | (symptom & (rows[:, LAYER_FEATURES.index("statement_note")] > 0)))


def held_by_rules(
    probabilities: np.ndarray, rows: np.ndarray, calibrated: np.ndarray, floor: float
) -> np.ndarray:
    """The layer's ``probabilities`` of ``rows``, except that a code the rules keep
    (``ruled``) that its ``calibrated`` ranker score lists (at ``floor`` or above) stays
    listed, at ``floor`` at least: the layer orders every code and floors those the rules
    leave open, but never drops below the floor a code they keep (on a short note it
    would undo them: "Impression: Nondisplaced fracture of the lateral malleolus of the
    right fibula." alone gave S82.64XA 0.16, under S82.64XS)."""
    held = ruled(rows) & (calibrated >= floor)
    return np.where(held, np.maximum(probabilities, floor), probabilities)


def layer_columns(rows: np.ndarray, features: Sequence[str]) -> np.ndarray:
    """The columns of ``rows`` (all of ``LAYER_FEATURES``, as ``layer_matrix`` builds
    them) of the layer ``features``, in their order."""
    return rows[:, [LAYER_FEATURES.index(name) for name in features]]


@dataclass(frozen=True)
class LayerScorer:
    """A fitted final layer's arithmetic (``FinalLayer.scorer``): the ``features`` it reads,
    in its columns' order, the code ``systems`` it scores, and its scaled logistic."""

    features: tuple[str, ...]
    systems: tuple[str, ...]
    logistic: ScaledLogistic

    def scores_system(self, system: System) -> bool:
        """Whether it scores codes of ``system``."""
        return system.value in self.systems

    def columns(self, rows: np.ndarray) -> np.ndarray:
        """The columns of ``rows`` that this layer reads (``layer_columns``)."""
        return layer_columns(rows, self.features)

    def probabilities(self, X: np.ndarray) -> np.ndarray:
        """P(right) of each row."""
        return self.logistic.probabilities(np.asarray(X, dtype=np.float64))
