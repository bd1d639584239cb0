"""What this encounter reports of a candidate, by the coding guidelines' rules on time
and certainty (ICD-10-CM Official Guidelines II.H, IV.H and IV.J)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from spacy.tokens import Span

from code_index.records import System
from suggest.candidates import Candidate, personal_history_code
from suggest.doc_words import note_text
from suggest.extensions import doc_sections, section_key, span_values
from suggest.plausibility import plausibility_rules, says_ended
from suggest.sections import title_key
from suggest.sentences import sentence_of, sentence_starts
from suggest.setting import Setting

_HISTORICAL = ("historical",)
_UNCERTAIN = ("uncertain",)
_HISTORY_CUES_DOUBT = ("historical", "context_cues", "uncertain")

Key = tuple[System, str]


def reportable(
    candidate: Candidate,
    setting: Setting,
    denied: Callable[[], Mapping[Key, set[int]]] | None = None,
) -> bool:
    """A procedure or supply the note names only as past ("history of appendectomy", "s/p
    cholecystectomy") was not done now. A diagnosis is coded from what the note documents,
    not from its title line, which names the visit or the exam ("CTA CHEST (PULMONARY
    EMBOLISM PROTOCOL)", "ALLERGY INJECTION VISIT"): one named only there is not coded,
    unless the note is its title alone; an encounter code of chapter 21 ("Encounter for
    routine child health examination ...") is what the title names, and is read there.
    Outpatient, an uncertain diagnosis ("probable", "rule out") is not coded, the symptoms
    documented with it are; inpatient, it may be coded at discharge, unless each sentence
    that doubts it (or the next, after a question mark) denies it (``denied``: by code, the
    sentence starts of its negated, family or hypothetical mentions): "CHF? - echo normal
    EF, no heart failure" was ruled out. Outpatient, a condition the note names only as
    ended ("acute bronchitis, resolved", "prior stroke"; not "history of hypertension",
    which may be a condition the patient still has) no longer exists and is not coded
    (IV.J), its history code (Z86-Z87) is, as is a code whose condition is itself past
    ("remote MI": I25.2; a stroke's sequela, I69); nor is a primary malignancy it names only as
    past, whatever the cue ("history of colon cancer"), whose code is Z85.- (I.C.2.d);
    inpatient, a condition treated during the stay is coded though it resolved before
    discharge. The status of a device or an operation the note reports placing in this
    encounter ("Procedures: PCI mid LAD (1 DES)") is for later encounters, not this one.
    A code suggested from similar notes alone has no words of its own for these rules to
    read."""
    spans = candidate.spans
    if not spans:
        return True
    code = candidate.target.code
    if candidate.target.system is not System.ICD10CM:
        return not all(span_values(span, _HISTORICAL)[0] for span in spans)
    title = title_key()
    sections = doc_sections(spans[0].doc)
    # a Z code's encounter; not O82 "Encounter for cesarean delivery without indication",
    # which claims what an operative title does not say
    names_the_visit = code.startswith("Z") and candidate.target.title.lower().startswith(
        "encounter for"
    )
    if title is not None and sections and sections[0][2] == title and not names_the_visit:
        body = [span for span in spans if section_key(sections, span.start_char) != title]
        if not body and sections[0][1] < len(note_text(spans[0].doc).rstrip()):
            return False  # a note that is all title is its own documentation
        spans = body or spans
    if _placed_now(code, spans, sections):
        return False
    if all(span_values(span, _UNCERTAIN)[0] for span in spans):
        if setting is Setting.OUTPATIENT:
            return False
        if denied is not None and _denied_where_doubted(candidate.key, spans, denied()):
            return False
    if setting is Setting.INPATIENT:
        return True
    # a primary malignancy named only in the past ("history of sigmoid colon cancer, s/p
    # resection, NED") was excised or eradicated: its history code (Z85.-) is coded, not
    # the neoplasm (guideline I.C.2.d), whatever the cue; one whose every other place only
    # doubts it ("h/o BCC of the cheek, excised 2019" beside "r/o BCC" of a new lesion) is
    # no current one either (IV.H)
    past_malignancy = personal_history_code(code) is not None
    return code.startswith(("Z", *plausibility_rules().past_codes)) or not all(
        (doubted and past_malignancy) or (historical and (past_malignancy or says_ended(cues)))
        for historical, cues, doubted in (span_values(span, _HISTORY_CUES_DOUBT) for span in spans)
    )


def _placed_now(code: str, spans: Sequence[Span], sections: Sequence[Any]) -> bool:
    """Whether ``code`` is the status of a device or an operation (``placed_now`` of
    ``rules/plausibility.json``) that a procedure section of the note reports, without a
    past cue, as done in this encounter."""
    rules = plausibility_rules()
    return code.startswith(rules.placed_now) and any(
        section_key(sections, span.start_char) in rules.placed_now_sections
        and not span_values(span, _HISTORICAL)[0]
        for span in spans
    )


def _denied_where_doubted(key: Key, spans: Sequence[Span], denied: Mapping[Key, set[int]]) -> bool:
    """Whether each sentence of ``spans`` names the code ``key`` as denied too, or, for a
    sentence that a question mark ends, the next one ("CHF?" ends a sentence; "- echo
    normal EF, no heart failure" is the next)."""
    sentences = denied.get(key)
    if not sentences:
        return False
    doc = spans[0].doc
    starts = sentence_starts(doc)
    for span in spans:
        first, end = sentence_of(starts, len(doc), span.start)
        last = next((doc[k].text for k in range(end - 1, first - 1, -1) if not doc[k].is_space), "")
        # the next sentence opens where this one ends (none after the note's last)
        doubted = {first, end} if last == "?" and end < len(doc) else {first}
        if sentences.isdisjoint(doubted):
            return False
    return True
