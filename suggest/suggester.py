"""The suggester: a note in, ranked and evidenced code suggestions out.

Loaded once (index, term table, spaCy pipeline, model) and reused for every note;
``suggest_many`` batches through ``nlp.pipe``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from spacy.language import Language
from spacy.tokens import Doc

from code_index.build import load_index
from code_index.data_dir import resolve_data_dir
from code_index.index import CodeIndex
from code_index.records import NCCI_SETTING_NAMES, SUPPLEMENT_SOURCES, System
from code_index.search import load_abbreviations
from code_index.validity import (
    NcciConflict,
    Reminder,
    excludes1_conflicts,
    ncci_conflicts,
    sequencing_reminders,
)
from suggest.candidates import (
    Candidate,
    LearnedTargets,
    add_learned_candidates,
    collect_candidates,
    excluded_codes,
    feature_matrix,
)
from suggest.extensions import CONTEXT_FLAGS, MENTIONS_KEY, section_key
from suggest.mentions import MentionMatcher
from suggest.model import SuggestModel, load_model
from suggest.results import Evidence, Mention, Suggestion, SuggestionResult, SuggestionWarning
from suggest.terms import (
    Synonyms,
    TargetCode,
    TermTable,
    default_descendant,
    says_unspecified,
)
from suggest.text_pipeline import build_text_pipeline

Setting = Literal["outpatient", "inpatient"]
SETTINGS: tuple[str, ...] = ("outpatient", "inpatient")
DEFAULT_SYSTEMS: dict[str, tuple[System, ...]] = {
    # professional / outpatient claims report procedures in CPT, facility inpatient in PCS
    "outpatient": (System.ICD10CM, System.CPT, System.HCPCS),
    "inpatient": (System.ICD10CM, System.ICD10PCS, System.HCPCS),
}
DEFAULT_MAX_CHARS = 200_000
NOTE_MODEL_CANDIDATES = 60  # codes the note model may add beyond the matched ones
PROFILE_EVIDENCE = 3  # evidence words shown for a code suggested by the note model alone
_BETWEEN_TERM_WORDS = r"(?:[^a-z]|\b[a-z]\b)+"

# How the documentation a header lacks is named in a specificity warning.
_MISSING_DETAIL = (
    ("laterality (right/left)", ("right", "left")),
    ("the encounter (7th character)", ("initial encounter", "subsequent encounter")),
    ("the stage", ("stage",)),
    ("the type", ("type 1", "type 2")),
    ("acuity (acute/chronic)", ("acute", "chronic")),
)


_REMINDER_LABELS = {
    "code_first": "Code first",
    "use_additional": "Use additional code",
    "code_also": "Code also",
}


class NoteError(ValueError):
    """A note the suggester cannot take (too long, not text); the message says why."""


@dataclass(frozen=True, slots=True)
class _Ranked:
    candidate: Candidate
    score: float


@dataclass(frozen=True)
class NotePipeline:
    """The model-independent part: the spaCy pipeline with its term table and the index."""

    nlp: Language
    index: CodeIndex
    table: TermTable

    @classmethod
    def load(
        cls, data_dir: Path | str | None = None, index: CodeIndex | None = None
    ) -> NotePipeline:
        """Index and term table from the data directory (built and cached there on first
        use), and the spaCy pipeline with the mention matcher configured."""
        folder = resolve_data_dir(data_dir)
        index = index or load_index(folder)
        synonyms = Synonyms.load()
        table = TermTable.for_index(index, folder / "cache", synonyms)
        nlp = build_text_pipeline()
        matcher = cast(
            MentionMatcher, nlp.add_pipe("codesuggest_mentions", before="codesuggest_context")
        )
        matcher.configure(table, synonyms, load_abbreviations())
        return cls(nlp, index, table)


class Suggester:
    """Turns notes into suggestions with one note pipeline and one model."""

    def __init__(
        self, pipeline: NotePipeline, model: SuggestModel, max_chars: int = DEFAULT_MAX_CHARS
    ) -> None:
        self.pipeline = pipeline
        self.nlp = pipeline.nlp
        self.index = pipeline.index
        self.table = pipeline.table
        self.model = model
        self.max_chars = max_chars
        self._learned_targets = LearnedTargets(self.index)
        self._details: dict[tuple[System, str], str] = {}  # see _missing_detail
        self._unspecified: dict[str, TargetCode | None] = {}  # see _category_unspecified

    @classmethod
    def load(
        cls,
        data_dir: Path | str | None = None,
        model: str | None = None,
        index: CodeIndex | None = None,
        max_chars: int = DEFAULT_MAX_CHARS,
    ) -> Suggester:
        """A suggester with the named model (default: the one in use) from the data directory."""
        pipeline = NotePipeline.load(data_dir, index)
        return cls(pipeline, load_model(model, data_dir), max_chars)

    # ---------------------------------------------------------------- public
    def suggest(
        self,
        text: str,
        setting: Setting = "outpatient",
        systems: Sequence[System] | None = None,
        top_k: int = 20,
    ) -> SuggestionResult:
        """Ranked suggestions for one note."""
        self._check(text, setting)
        return self._result(self.nlp(text), text, setting, systems, top_k)

    def suggest_many(
        self,
        texts: Iterable[str],
        setting: Setting = "outpatient",
        systems: Sequence[System] | None = None,
        top_k: int = 20,
        batch_size: int = 32,
    ) -> Iterator[SuggestionResult]:
        """Suggestions for many notes, batched through the spaCy pipeline."""

        def checked() -> Iterator[tuple[str, str]]:
            for text in texts:
                self._check(text, setting)
                yield text, text

        for doc, text in self.nlp.pipe(checked(), batch_size=batch_size, as_tuples=True):
            yield self._result(doc, text, setting, systems, top_k)

    # -------------------------------------------------------------- internals
    def _check(self, text: str, setting: str) -> None:
        if not isinstance(text, str):
            raise NoteError("the note must be text")
        if len(text) > self.max_chars:
            raise NoteError(
                f"the note has {len(text):,} characters; the limit is {self.max_chars:,}"
            )
        if setting not in SETTINGS:
            raise NoteError(f"setting must be one of {', '.join(SETTINGS)}, not {setting!r}")

    def _result(
        self, doc: Doc, text: str, setting: str, systems: Sequence[System] | None, top_k: int
    ) -> SuggestionResult:
        """Rank one processed note (``text`` is ``doc.text``, which spaCy rebuilds per call)."""
        wanted = set(systems or DEFAULT_SYSTEMS[setting])
        candidates = collect_candidates(doc, self.table, self.model.keeps_covered)
        denied: set[tuple[System, str]] | None = None  # read only where needed: it costs
        if self.model.note_model is not None:
            denied = excluded_codes(doc, self.table)
            note_model = self.model.note_model
            associations = self.model.associations
            add_learned_candidates(
                candidates,
                note_model.scores(text),
                associations.scores(text) if associations is not None else {},
                note_model.prior_,
                self.model.match_precision,
                denied,
                self._learned_targets,
                NOTE_MODEL_CANDIDATES,
            )
        candidates = [
            c for c in candidates if c.target.system in wanted and self._reportable(c, setting)
        ]
        scores = self.model.probabilities(feature_matrix(candidates, len(text)))
        ranked = sorted(
            (_Ranked(c, float(s)) for c, s in zip(candidates, scores, strict=True)),
            key=lambda r: (-r.score, r.candidate.target.code),
        )[: max(top_k, 0)]
        room = max(top_k, 0) - len(ranked)  # alternatives only ever fill what is left
        if room > 0:
            if denied is None:
                denied = excluded_codes(doc, self.table)
            ranked += self._alternatives(ranked, denied, room)
        suggestions = self._suggestions(doc, text, ranked)
        return SuggestionResult(
            suggestions=suggestions,
            mentions=self._mentions(doc),
            setting=setting,
            model_version=self.model.version,
            index_version=self.index.version,
            code_set_versions={
                v.system.value: v.version
                for v in self.index.manifest.versions
                if v.source not in SUPPLEMENT_SOURCES
            },
        )

    def _learned_evidence(
        self, doc: Doc, text: str, lowered: str, candidate: Candidate
    ) -> tuple[Evidence, ...]:
        """For a code no term matched: where the note says the term associated with it in
        training notes, then the words that set its training notes apart."""
        if self.model.note_model is None:
            return ()
        phrases = [candidate.association_term] if candidate.association_term else []
        phrases += self.model.note_model.profiles_.get(candidate.key, ())
        found: list[Evidence] = []
        for phrase in dict.fromkeys(phrases):
            words = phrase.split()
            if words[0] not in lowered:
                continue
            # analyzer terms are letter runs of two or more; anything else may lie between
            pattern = r"\b" + _BETWEEN_TERM_WORDS.join(map(re.escape, words)) + r"\b"
            match = re.search(pattern, lowered)
            if match is None:
                continue
            span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
            section = span[0]._.section if span is not None and len(span) else None
            found.append(
                Evidence(match.start(), match.end(), text[match.start() : match.end()], section)
            )
            if len(found) >= PROFILE_EVIDENCE:
                break
        return tuple(sorted(found, key=lambda e: e.start))

    def _alternatives(
        self, ranked: list[_Ranked], denied: set[tuple[System, str]], limit: int
    ) -> list[_Ranked]:
        """After every ranked code, the unspecified code of each suggested ICD-10-CM code's
        category ("N50.9" for "N50.811"), on the same words: what a coder reports when the
        note lacks the detail the specific code needs. An alternative has no probability of
        its own (score 0), so it never displaces a code the model ranked; at most ``limit``."""
        present = {item.candidate.key for item in ranked} | denied
        found: list[_Ranked] = []
        for item in ranked:
            source = item.candidate
            if source.target.system is not System.ICD10CM or not source.spans:
                continue
            target = self._category_unspecified(source.target.code)
            if target is None or (target.system, target.code) in present:
                continue
            present.add((target.system, target.code))
            found.append(
                _Ranked(
                    Candidate(target, spans=source.spans, alternative_to=source.target.code), 0.0
                )
            )
            if len(found) == limit:
                break
        return found

    def _category_unspecified(self, code: str) -> TargetCode | None:
        """The billable code reported for a bare mention of ``code``'s category (cached)."""
        category = code[:3]
        if category not in self._unspecified:
            record = self.index.get(category, System.ICD10CM)
            unspecified = default_descendant(self.index, record) if record is not None else None
            # only the category's own unspecified code (its ".9" subcategory, saying so):
            # not "Central pain syndrome" for G89, not "Nausea with vomiting, unspecified"
            # for R11.0, not "without complications" when the note names a complication
            self._unspecified[category] = (
                self._learned_targets((System.ICD10CM, unspecified.code))
                if unspecified is not None
                and unspecified.key[3:4] == "9"
                and says_unspecified(unspecified)
                else None
            )
        return self._unspecified[category]

    @staticmethod
    def _reportable(candidate: Candidate, setting: str) -> bool:
        """What this encounter reports. A procedure or supply the note names only as past
        ("history of appendectomy", "s/p cholecystectomy") was not done now. Outpatient, an
        uncertain diagnosis ("probable", "rule out") is not coded, the symptoms documented
        with it are; inpatient, it may be coded at discharge. A code suggested from similar
        notes alone has no words of its own for these rules to read."""
        spans = candidate.spans
        if not spans:
            return True
        if candidate.target.system is not System.ICD10CM:
            return not all(span._.historical for span in spans)
        return setting == "inpatient" or not all(span._.uncertain for span in spans)

    def _suggestions(self, doc: Doc, text: str, ranked: list[_Ranked]) -> list[Suggestion]:
        codes = [
            r.candidate.target.code for r in ranked if r.candidate.target.system is System.ICD10CM
        ]
        procedures = [
            r.candidate.target.code
            for r in ranked
            if r.candidate.target.system in (System.CPT, System.HCPCS)
        ]
        shared = self._list_warnings(codes, procedures)
        lowered = text.lower()
        sections = doc._.sections
        suggestions = []
        for item in ranked:
            target = item.candidate.target
            spans = sorted(item.candidate.spans, key=lambda s: s.start_char)
            underscores = [span._ for span in spans]
            warnings = [
                *self._code_warnings(target),
                *self._covered_warnings(item.candidate),
                *self._alternative_warnings(item.candidate),
                *shared.get(target.code, []),
            ]
            suggestions.append(
                Suggestion(
                    system=target.system.value,
                    code=target.code,
                    title=target.title,
                    score=round(item.score, 4),
                    evidence=tuple(
                        Evidence(
                            s.start_char, s.end_char, s.text, section_key(sections, s.start_char)
                        )
                        for s in spans
                    )
                    or self._learned_evidence(doc, text, lowered, item.candidate),
                    context={
                        flag: any(getattr(u, flag) for u in underscores) for flag in CONTEXT_FLAGS
                    },
                    warnings=tuple(warnings),
                )
            )
        return suggestions

    def _code_warnings(self, target: TargetCode) -> list[SuggestionWarning]:
        if target.via is None:
            return []
        detail = self._missing_detail(target.system, target.via)
        return [
            SuggestionWarning(
                "specificity",
                f"The note names {target.via} without {detail}; {target.code} is the "
                f"unspecified code. Check the note for detail that supports a more specific code.",
                (target.via,),
            )
        ]

    def _missing_detail(self, system: System, header_code: str) -> str:
        """What a header's children tell apart (laterality, stage…), named once per header:
        reading a header's children costs more than ranking a note."""
        key = (system, header_code)
        if key not in self._details:
            header = self.index.get(header_code, system)
            detail = "more specific documentation"
            if header is not None:
                titles = " ".join(c.title.lower() for c in self.index.children(header))
                for name, words in _MISSING_DETAIL:
                    if any(word in titles for word in words):
                        detail = name
                        break
            self._details[key] = detail
        return self._details[key]

    @staticmethod
    def _covered_warnings(candidate: Candidate) -> list[SuggestionWarning]:
        """A code a more specific one takes the place of (a longer term over its words, or
        the hypertensive combination code): reported beside it only when the note
        documents it on its own."""
        if not candidate.covered_by:
            return []
        wider = sorted(candidate.covered_by)
        return [
            SuggestionWarning(
                "covered",
                f"The more specific {', '.join(wider)} covers what supports this code; report "
                f"{candidate.target.code} as well only if the note documents it separately.",
                (candidate.target.code, *wider),
            )
        ]

    @staticmethod
    def _alternative_warnings(candidate: Candidate) -> list[SuggestionWarning]:
        """An unspecified code offered after the ranked ones (see ``_alternatives``)."""
        if not candidate.alternative_to:
            return []
        return [
            SuggestionWarning(
                "alternative",
                f"Less specific than {candidate.alternative_to}, on the same words: report "
                f"{candidate.target.code} instead only if the note lacks the detail "
                f"{candidate.alternative_to} needs.",
                (candidate.target.code, candidate.alternative_to),
            )
        ]

    def _list_warnings(
        self, codes: list[str], procedures: list[str]
    ) -> dict[str, list[SuggestionWarning]]:
        """Warnings that come from the list as a whole, by the code they are shown on:
        ICD-10-CM instructions among ``codes``, NCCI edits among the CPT/HCPCS
        ``procedures``."""
        by_code: dict[str, list[SuggestionWarning]] = {}
        for conflict in excludes1_conflicts(self.index, codes):
            by_code.setdefault(conflict.code, []).append(
                SuggestionWarning(
                    "excludes1",
                    f"Excludes1: {conflict.code} and {conflict.excluded} are not reported together "
                    f"({conflict.note}).",
                    (conflict.code, conflict.excluded),
                )
            )
        grouped: dict[tuple[str, str], list[Reminder]] = {}
        for reminder in sequencing_reminders(self.index, codes):
            # an unmet code-first matters, and a met one still fixes the order to report in
            if reminder.satisfied_by and reminder.kind != "code_first":
                continue
            grouped.setdefault((reminder.code, reminder.kind), []).append(reminder)
        for (code, kind), reminders in grouped.items():
            satisfied = tuple(dict.fromkeys(c for r in reminders for c in r.satisfied_by))
            notes = "; ".join(r.note for r in reminders)
            done = f" (suggested: {', '.join(satisfied)})" if satisfied else ""
            by_code.setdefault(code, []).append(
                SuggestionWarning(
                    kind, f"{_REMINDER_LABELS[kind]}: {notes}{done}", (code, *satisfied)
                )
            )
        for bundled in ncci_conflicts(self.index, procedures):
            by_code.setdefault(bundled.column2, []).append(
                SuggestionWarning(
                    "ncci",
                    _ncci_message(bundled),
                    (bundled.column2, bundled.column1),
                )
            )
        return by_code

    def _mentions(self, doc: Doc) -> list[Mention]:
        mentions = []
        sections = doc._.sections
        for span in doc.spans.get(MENTIONS_KEY, ()):
            underscore = span._  # each ``span._`` builds a new accessor: take it once
            codes = tuple(
                dict.fromkeys(self.table.targets[m.target].code for m in underscore.matches)
            )
            mentions.append(
                Mention(
                    start=span.start_char,
                    end=span.end_char,
                    text=span.text,
                    kind=underscore.kind,
                    section=section_key(sections, span.start_char),
                    negated=underscore.negated,
                    uncertain=underscore.uncertain,
                    hypothetical=underscore.hypothetical,
                    historical=underscore.historical,
                    family=underscore.family,
                    codes=codes,
                    cues=tuple(underscore.context_cues),
                )
            )
        return mentions


def _ncci_message(conflict: NcciConflict) -> str:
    """What a coder reads on the column 2 code of an NCCI edit the list holds."""
    settings = " and ".join(NCCI_SETTING_NAMES.get(s, s) for s in conflict.settings)
    reason = f"{conflict.rationale}; " if conflict.rationale else ""
    how = (
        "report both only with a modifier that the edit allows (such as 59, XE, XS, XP "
        "or XU) when the note documents a distinct service"
        if conflict.modifier_allowed
        else "a modifier does not bypass this edit"
    )
    return (
        f"NCCI: {conflict.column2} is bundled into {conflict.column1} "
        f"({reason}{settings} edit); {how}."
    )
