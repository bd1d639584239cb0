"""CDS Hooks: the discharge-coding service, where it finds the note, the card it returns,
and how the card's feedback becomes coders' decisions.

The note. The service asks the client to prefetch ``note``: the encounter's discharge
summary as a ``DocumentReference`` (or a search Bundle of them); the text is every
``text/plain`` attachment carried inline (``attachment.data``, base64), in order. A
client that cannot prefetch may send the note as plain text in ``context.note`` (our
extension of the hook's context). With neither, the service answers 412, as CDS Hooks
prescribes when the data it needs cannot be had: it never calls the FHIR server itself.

The card. One card per hook call, whose ``uuid`` is the request_id the suggestions were
stored under; each suggestion on it (one per code, selectable in any combination) has
the uuid of the resource it creates (``fhir.suggestion_uuid``). Feedback: suggestions
accepted become ``accept`` decisions; an overridden card rejects every code on it, with
the override reason as the decisions' reason.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from typing import Any

from api.fhir import Canonical, definition, reference, suggestion_resource, suggestion_uuid
from api.schemas import (
    CdsAction,
    CdsCard,
    CdsCoding,
    CdsDiscovery,
    CdsFeedback,
    CdsRequest,
    CdsService,
    CdsSource,
    CdsSuggestion,
)
from api.storage.feedback import Decision, SuggestionRequestRecord
from api.storage.models import Action
from code_index.records import System
from suggest.results import Suggestion, SuggestionResult
from suggest.setting import Setting
from suggest.suggester import NoteError

SERVICE_ID = "codesuggest-discharge-coding"
HOOK = "encounter-discharge"
SETTING = Setting.INPATIENT  # a discharge is the end of an inpatient stay
DISCHARGE_SUMMARY = "http://loinc.org|18842-5"
# the spec asks for a summary "less than 140 characters"
_SUMMARY_MAX = 139
# a card whose best suggestion scores at least this is "info" (read and confirm);
# one whose suggestions all score lower is a "warning" (check each against the note)
CONFIDENT_SCORE = 0.5


class NoteUnavailableError(LookupError):
    """The hook call carries no note: neither a prefetched DocumentReference nor
    ``context.note`` (answered with 412)."""


def discovery() -> CdsDiscovery:
    """What GET /cds-services lists."""
    return CdsDiscovery(
        services=[
            CdsService(
                hook=HOOK,
                id=SERVICE_ID,
                title="Discharge coding suggestions",
                description=(
                    "Suggests ICD-10-CM diagnoses and ICD-10-PCS / HCPCS procedure codes for "
                    "the encounter's discharge summary, each with the words that support it. "
                    "The note is read from the prefetched DocumentReference (inline text/plain "
                    "attachments) or, failing that, from context.note as plain text."
                ),
                prefetch={
                    "note": "DocumentReference?patient={{context.patientId}}"
                    "&encounter={{context.encounterId}}&type=" + DISCHARGE_SUMMARY
                },
                usage_requirements="Sign each call with a JWT (ES384 or RS384) whose iss is the "
                "EHR this deployment trusts and whose aud is this service's URL; the service "
                "does not call the FHIR server.",
            )
        ]
    )


def note_text(request: CdsRequest) -> str:
    """The note of a hook call: prefetched DocumentReference text, else ``context.note``."""
    prefetched = (request.prefetch or {}).get("note")
    if isinstance(prefetched, Mapping):
        texts = [_attachment_text(attachment) for attachment in _attachments(prefetched)]
        if texts:
            return "\n\n".join(texts)
    if request.context.note:
        return request.context.note
    raise NoteUnavailableError(
        "no note: prefetch 'note' has no inline text/plain DocumentReference attachment "
        "and context.note is empty"
    )


def card(
    result: SuggestionResult, request_id: str, request: CdsRequest, canonical: Canonical
) -> CdsCard | None:
    """The card for a hook call's suggestions, or None when there are none. Its
    indicator says how sure the suggestions are (``CONFIDENT_SCORE``); it is never
    ``critical``: a code to review is not a patient-safety alert."""
    if not result.suggestions:
        return None
    subject = reference("Patient", request.context.patient_id)
    encounter = reference("Encounter", request.context.encounter_id)
    count = len(result.suggestions)
    summary = f"{count} suggested code{'s' if count > 1 else ''} for this encounter: " + ", ".join(
        suggestion.code for suggestion in result.suggestions
    )
    return CdsCard(
        uuid=request_id,
        summary=summary if len(summary) <= _SUMMARY_MAX else summary[: _SUMMARY_MAX - 1] + "…",
        detail="\n".join(_detail_lines(result.suggestions)),
        indicator="info" if _top_score(result.suggestions) >= CONFIDENT_SCORE else "warning",
        source=CdsSource(label="codesuggest"),
        suggestions=[
            CdsSuggestion(
                label=f"{suggestion.code} {suggestion.title}",
                uuid=suggestion_uuid(request_id, suggestion.system, suggestion.code),
                actions=[
                    CdsAction(
                        type="create",
                        description=f"Add {suggestion.code} to the encounter's codes",
                        resource=suggestion_resource(
                            suggestion,
                            request_id,
                            result.model_version,
                            canonical,
                            subject=subject,
                            encounter=encounter,
                        ),
                    )
                ],
            )
            for suggestion in result.suggestions
        ],
        selection_behavior="any",
        override_reasons=override_reasons(canonical),
    )


def override_reasons(canonical: Canonical) -> list[CdsCoding]:
    """The reasons a card offers for overriding it: the concepts of our published
    override-reason CodeSystem."""
    code_system = definition(canonical, "CodeSystem", "override-reason")
    return [
        CdsCoding(code=concept["code"], system=code_system["url"], display=concept["display"])
        for concept in code_system["concept"]
    ]


def decisions(feedback: CdsFeedback, stored: SuggestionRequestRecord) -> list[Decision]:
    """The coders' decisions one card's feedback stands for. Raises ``ValueError`` for
    accepted feedback naming no suggestion, or a suggestion not on the card."""
    by_uuid = {
        suggestion_uuid(stored.request_id, s["system"], s["code"]): (s["code"], System(s["system"]))
        for s in stored.suggestions
    }
    if feedback.outcome == "overridden":
        reason = _override_text(feedback)
        return [
            Decision(code, system, Action.REJECT, reason=reason)
            for code, system in by_uuid.values()
        ]
    if not feedback.accepted_suggestions:
        raise ValueError(f"accepted feedback on card {feedback.card} lists no acceptedSuggestions")
    accepted = []
    for suggestion in feedback.accepted_suggestions:
        if suggestion.id not in by_uuid:
            raise ValueError(f"suggestion {suggestion.id} is not on card {feedback.card}")
        code, system = by_uuid[suggestion.id]
        accepted.append(Decision(code, system, Action.ACCEPT))
    return accepted


def _attachments(resource: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Inline text/plain attachments of a DocumentReference or of a Bundle's entries."""
    if resource.get("resourceType") == "Bundle":
        for entry in resource.get("entry") or []:
            if isinstance(entry, Mapping) and isinstance(entry.get("resource"), Mapping):
                yield from _attachments(entry["resource"])
        return
    if resource.get("resourceType") != "DocumentReference":
        return
    for content in resource.get("content") or []:
        attachment = content.get("attachment") if isinstance(content, Mapping) else None
        if (
            isinstance(attachment, Mapping)
            and str(attachment.get("contentType", "")).startswith("text/plain")
            and attachment.get("data")
        ):
            yield attachment


def _attachment_text(attachment: Mapping[str, Any]) -> str:
    try:
        return base64.b64decode(str(attachment["data"]), validate=True).decode("utf-8")
    except ValueError as exc:  # not base64 (binascii.Error), not ASCII, not UTF-8
        raise NoteError("a prefetched note attachment is not base64-encoded UTF-8 text") from exc


def _top_score(suggestions: list[Suggestion]) -> float:
    return max(suggestion.score for suggestion in suggestions)


def _detail_lines(suggestions: list[Suggestion]) -> Iterator[str]:
    for suggestion in suggestions:
        quotes = "; ".join(f'"{evidence.text}"' for evidence in suggestion.evidence)
        yield f"- **{suggestion.code}** {suggestion.title} ({suggestion.score:.0%}): {quotes}"
        for warning in suggestion.warnings:
            yield f"  - ⚠ {warning.message}"


def _override_text(feedback: CdsFeedback) -> str | None:
    override = feedback.override_reason
    if override is None:
        return None
    parts = []
    if override.reason is not None:
        parts.append(override.reason.display or override.reason.code)
    if override.user_comment:
        parts.append(override.user_comment)
    return ": ".join(parts) or None
