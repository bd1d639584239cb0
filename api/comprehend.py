"""The shape of AWS Comprehend Medical's ``InferICD10CM``, for clients built on it: a
note's diagnosis mentions as ``Entities`` (``MEDICAL_CONDITION`` / ``DX_NAME``), each
with its ``Traits`` and its ``ICD10CMConcepts`` ranked by score.

What differs from AWS (README, "Comprehend Medical compatibility"): scores are ours
(a concept's is the suggestion's confidence, 0 for a code the note names but we do not
suggest, e.g. under a negation; an entity's is its best concept's); traits are
categorical (score 1.0), with SYMPTOM for codes of ICD-10-CM chapter 18 ("R" codes) and
DIAGNOSIS for others; ``Attributes`` (acuity, site, ...) are not detected and always
empty; offsets count Unicode code points, as AWS documents its own.
"""

from __future__ import annotations

from api.schemas import (
    ComprehendConcept,
    ComprehendEntity,
    ComprehendTrait,
    InferICD10CMResponse,
    TraitName,
)
from code_index.index import CodeIndex
from code_index.records import System
from suggest.results import Mention, SuggestionResult

_MAX_CONCEPTS = 5  # as many as InferICD10CM lists per entity
_SYMPTOM_CHAPTER = "R"  # R00-R99: symptoms, signs and abnormal findings


def infer_icd10cm(result: SuggestionResult, index: CodeIndex) -> InferICD10CMResponse:
    """The InferICD10CM response for a note's suggestion result."""
    scores = {s.code: s.score for s in result.suggestions if s.system == System.ICD10CM}
    diagnoses = [mention for mention in result.mentions if mention.kind == "diagnosis"]
    return InferICD10CMResponse(
        Entities=[
            _entity(number, mention, result, scores, index)
            for number, mention in enumerate(diagnoses)
        ],
        ModelVersion=result.model_version,
    )


def _entity(
    number: int,
    mention: Mention,
    result: SuggestionResult,
    scores: dict[str, float],
    index: CodeIndex,
) -> ComprehendEntity:
    """One diagnosis mention: the codes it names and the suggested codes whose evidence
    overlaps it, best first."""
    overlapping = [
        s.code
        for s in result.suggestions
        if s.system == System.ICD10CM
        and any(e.start < mention.end and mention.start < e.end for e in s.evidence)
    ]
    concepts = [
        ComprehendConcept(Description=record.title, Code=code, Score=scores.get(code, 0.0))
        for code in dict.fromkeys([*overlapping, *mention.codes])
        if (record := index.get(code, System.ICD10CM)) is not None
    ]
    concepts = sorted(concepts, key=lambda concept: -concept.Score)[:_MAX_CONCEPTS]
    flags: tuple[tuple[TraitName, bool], ...] = (
        ("NEGATION", mention.negated),
        ("PERTAINS_TO_FAMILY", mention.family),
        ("HYPOTHETICAL", mention.hypothetical),
        ("LOW_CONFIDENCE", mention.uncertain),
    )
    traits = [name for name, present in flags if present]
    if concepts:
        traits.append("SYMPTOM" if concepts[0].Code.startswith(_SYMPTOM_CHAPTER) else "DIAGNOSIS")
    return ComprehendEntity(
        Id=number,
        Text=mention.text,
        Score=concepts[0].Score if concepts else 0.0,
        BeginOffset=mention.start,
        EndOffset=mention.end,
        Traits=[ComprehendTrait(Name=name, Score=1.0) for name in traits],
        ICD10CMConcepts=concepts,
    )
