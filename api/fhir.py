"""Suggestions and coded encounters as FHIR R4.

Suggestions are guesses until a coder decides, and say so: a diagnosis becomes a
``Condition`` whose ``verificationStatus`` is ``unconfirmed`` (``provisional`` where the
note itself is uncertain: "probable", "rule out"), any other code a ``Procedure`` in
``preparation``. Each carries its score, model and evidence (and a CPT/HCPCS service its
units, which a Procedure has no element for) as our extensions, whose
StructureDefinitions ship in ``api/fhir_definitions/`` and are served at their canonical
URLs (``{public_url}/fhir/StructureDefinition/{name}``).

After the coder's decisions, :func:`coded_bundle` gives the final list: ``confirmed``
Conditions and ``completed`` Procedures, with an ``Encounter`` that ranks the diagnoses
(rank 1: the principal or first-listed diagnosis), as a claim is sequenced.

Used for ``POST /v1/suggest?format=fhir`` (a ``collection`` Bundle), the resources CDS
Hooks cards offer to create, and ``GET /v1/requests/{id}/fhir``. Negated mentions never
become suggestions, so no resource here ever asserts that something is absent.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from typing import Any

from api.storage.feedback import FeedbackRecord
from api.storage.models import Action
from code_index.records import System
from suggest.results import Evidence, Suggestion, SuggestionResult

SYSTEM_URLS: Mapping[str, str] = {
    System.ICD10CM.value: "http://hl7.org/fhir/sid/icd-10-cm",
    System.ICD10PCS.value: "http://www.cms.gov/Medicare/Coding/ICD10",
    System.CPT.value: "http://www.ama-assn.org/go/cpt",
    System.HCPCS.value: "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
}
FHIR_JSON = "application/fhir+json"
# our definitions, by resource type and id (api/fhir_definitions/<type>-<id>.json)
DEFINITIONS: Mapping[str, tuple[str, ...]] = {
    "StructureDefinition": (
        "suggestion-score",
        "suggestion-evidence",
        "suggestion-model",
        "suggestion-units",
    ),
    "CodeSystem": ("override-reason",),
}
_CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/condition-category"
_VERIFICATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_DIAGNOSIS_ROLE_SYSTEM = "http://terminology.hl7.org/CodeSystem/diagnosis-role"
_BILLING = ("billing", "Billing")
_COMORBIDITY = ("CM", "Comorbidity diagnosis")
_ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_ENCOUNTER_CLASS = {
    "inpatient": ("IMP", "inpatient encounter"),
    "outpatient": ("AMB", "ambulatory"),
}


@dataclass(frozen=True, slots=True)
class Canonical:
    """Where our FHIR definitions live: ``{public_url}/fhir``, a path on this service
    (the ``public_url`` setting), so every canonical URL we emit resolves."""

    base: str

    def url(self, resource_type: str, ident: str) -> str:
        """The canonical URL of one of our definitions."""
        return f"{self.base}/{resource_type}/{ident}"

    @property
    def score(self) -> str:
        return self.url("StructureDefinition", "suggestion-score")

    @property
    def evidence(self) -> str:
        return self.url("StructureDefinition", "suggestion-evidence")

    @property
    def model(self) -> str:
        return self.url("StructureDefinition", "suggestion-model")

    @property
    def units(self) -> str:
        return self.url("StructureDefinition", "suggestion-units")

    @property
    def override_reason(self) -> str:
        return self.url("CodeSystem", "override-reason")


def definition(canonical: Canonical, resource_type: str, ident: str) -> dict[str, Any]:
    """One of our definitions as served: the shipped JSON (everything but the canonical
    URL, which depends on where the service runs) with its ``url`` filled in. Raises
    ``KeyError`` for a definition we do not have."""
    if ident not in DEFINITIONS.get(resource_type, ()):
        raise KeyError(f"{resource_type}/{ident}")
    resource = json.loads(_shipped(resource_type, ident))
    url = canonical.url(resource_type, ident)
    resource["url"] = url
    for element in resource.get("differential", {}).get("element", []):
        if element["id"] == "Extension.url":
            element["fixedUri"] = url
    return dict(resource)


@cache
def _shipped(resource_type: str, ident: str) -> str:
    folder = resources.files("api.fhir_definitions")
    return folder.joinpath(f"{resource_type}-{ident}.json").read_text(encoding="utf-8")


def suggestion_uuid(request_id: str, system: str, code: str) -> str:
    """A stable id for one suggestion of one request: the resource's id in a Bundle and
    the suggestion's uuid on a CDS Hooks card, so feedback can name it."""
    return str(uuid.uuid5(uuid.UUID(request_id), f"{system}|{code}"))


def reference(resource_type: str, ident: str) -> dict[str, str]:
    """A literal reference, e.g. ``Patient/123``."""
    return {"reference": f"{resource_type}/{ident}"}


def suggestion_resource(
    suggestion: Suggestion,
    request_id: str,
    model_version: str,
    canonical: Canonical,
    *,
    subject: Mapping[str, str],
    encounter: Mapping[str, str] | None = None,
    date_of_service: date | None = None,
) -> dict[str, Any]:
    """The unconfirmed Condition (ICD-10-CM) or Procedure in preparation (any other
    system) for a suggestion, with its score, model and evidence as extensions."""
    resource = _coded_resource(
        suggestion.system,
        suggestion.code,
        suggestion.title,
        ident=suggestion_uuid(request_id, suggestion.system, suggestion.code),
        subject=subject,
        encounter=encounter,
        date_of_service=date_of_service,
        final=False,
        uncertain=bool(suggestion.context.get("uncertain")),
    )
    resource["extension"] = [
        {"url": canonical.score, "valueDecimal": suggestion.score},
        {"url": canonical.model, "valueString": model_version},
        *(_evidence_extension(canonical, evidence) for evidence in suggestion.evidence),
    ]
    if suggestion.units is not None:  # a CPT/HCPCS service: what Claim.item.quantity reports
        resource["extension"].append({"url": canonical.units, "valuePositiveInt": suggestion.units})
    notes = [_evidence_note(evidence) for evidence in suggestion.evidence]
    notes += [{"text": warning.message} for warning in suggestion.warnings]
    if notes:
        resource["note"] = notes
    return resource


def suggestion_bundle(
    result: SuggestionResult,
    request_id: str,
    canonical: Canonical,
    *,
    sex: str | None = None,
    date_of_service: date | None = None,
) -> dict[str, Any]:
    """A ``collection`` Bundle: the patient the note is about (known only by sex, if
    given) and one resource per suggestion, in rank order. The Bundle's identifier is
    the request_id to give feedback on."""
    patient = _patient(request_id, sex)
    subject = {"reference": f"urn:uuid:{patient['id']}"}
    resources = [
        suggestion_resource(
            suggestion,
            request_id,
            result.model_version,
            canonical,
            subject=subject,
            date_of_service=date_of_service,
        )
        for suggestion in result.suggestions
    ]
    encounter = _encounter_resource(result, request_id, subject)
    if encounter is not None:
        resources.append(encounter)
    return _collection(request_id, [patient, *resources])


@dataclass(frozen=True, slots=True)
class FinalCode:
    """A code on the coder's final list."""

    system: str
    code: str


def final_codes(
    suggested: Sequence[FinalCode], decisions: Iterable[FeedbackRecord]
) -> list[FinalCode]:
    """The codes a coder's decisions leave, in order: the accepted suggestions in rank
    order, then codes added or put in place of a suggestion, in the order decided. A
    later decision on a code replaces an earlier one; a suggestion nobody decided on is
    not on the list (it was never confirmed)."""
    kept: dict[FinalCode, bool] = {}
    for decision in decisions:
        system = System(decision.system).value
        code = FinalCode(system, decision.code)
        kept.pop(code, None)  # a decision moves the code to where it was last decided
        kept[code] = decision.action != Action.REJECT
        if decision.action == Action.EDIT and decision.replaced_code:
            kept[FinalCode(system, decision.replaced_code)] = False
    ranked = [code for code in suggested if kept.get(code)]
    rest = [code for code, keep in kept.items() if keep and code not in suggested]
    return ranked + rest


def coded_bundle(
    request_id: str,
    setting: str,
    codes: Sequence[FinalCode],
    title: Callable[[FinalCode], str],
) -> dict[str, Any]:
    """The coder's final list as a ``collection`` Bundle: a finished Encounter whose
    ``diagnosis`` ranks the confirmed Conditions in list order (rank 1 is the principal
    or first-listed diagnosis), and the completed Procedures, all on that encounter."""
    patient = _patient(request_id, None)
    subject = {"reference": f"urn:uuid:{patient['id']}"}
    encounter_id = str(uuid.uuid5(uuid.UUID(request_id), "encounter"))
    encounter_ref = {"reference": f"urn:uuid:{encounter_id}"}
    coded = [
        _coded_resource(
            code.system,
            code.code,
            title(code),
            ident=str(uuid.uuid5(uuid.UUID(request_id), f"final|{code.system}|{code.code}")),
            subject=subject,
            encounter=encounter_ref,
            final=True,
        )
        for code in codes
    ]
    class_code, class_display = _ENCOUNTER_CLASS[setting]
    encounter: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": encounter_id,
        "status": "finished",
        "class": {
            "system": _ACT_CODE_SYSTEM,
            "code": class_code,
            "display": class_display,
        },
        "subject": subject,
    }
    diagnoses = [
        {
            "condition": {"reference": f"urn:uuid:{resource['id']}"},
            "use": _concept(_DIAGNOSIS_ROLE_SYSTEM, *_BILLING),
            "rank": rank,
        }
        for rank, resource in enumerate(
            (r for r in coded if r["resourceType"] == "Condition"), start=1
        )
    ]
    if diagnoses:
        encounter["diagnosis"] = diagnoses
    return _collection(request_id, [patient, encounter, *coded])


def _coded_resource(
    system: str,
    code: str,
    title: str,
    *,
    ident: str,
    subject: Mapping[str, str],
    encounter: Mapping[str, str] | None,
    final: bool,
    uncertain: bool = False,
    date_of_service: date | None = None,
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "id": ident,
        "code": {
            "coding": [{"system": SYSTEM_URLS[system], "code": code, "display": title}],
            "text": title,
        },
        "subject": dict(subject),
    }
    if encounter is not None:
        resource["encounter"] = dict(encounter)
    if system == System.ICD10CM.value:
        status = "confirmed" if final else "provisional" if uncertain else "unconfirmed"
        return {
            "resourceType": "Condition",
            **resource,
            "verificationStatus": _concept(_VERIFICATION_SYSTEM, status, status.capitalize()),
            "category": [_concept(_CATEGORY_SYSTEM, "encounter-diagnosis", "Encounter Diagnosis")],
        }
    procedure = {
        "resourceType": "Procedure",
        **resource,
        "status": "completed" if final else "preparation",
    }
    if date_of_service is not None:
        procedure["performedDateTime"] = date_of_service.isoformat()
    return procedure


def _patient(request_id: str, sex: str | None) -> dict[str, Any]:
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(uuid.uuid5(uuid.UUID(request_id), "patient")),
    }
    if sex is not None:
        patient["gender"] = sex
    return patient


def _collection(request_id: str, entries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "id": request_id,
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{request_id}"},
        "type": "collection",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "entry": [
            {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource} for resource in entries
        ],
    }


def _encounter_resource(
    result: SuggestionResult, request_id: str, subject: Mapping[str, str]
) -> dict[str, Any] | None:
    """An inpatient stay's diagnoses in the order the DRG was grouped: the principal
    ranked 1 as the billing diagnosis, the secondaries after it as comorbidities, each
    referring to its Condition in the Bundle."""
    revenue = result.revenue
    if revenue is None or revenue.drg is None:
        return None
    system = System.ICD10CM.value
    diagnoses = [
        {
            "condition": {"reference": f"urn:uuid:{suggestion_uuid(request_id, system, d.code)}"},
            "use": _concept(
                _DIAGNOSIS_ROLE_SYSTEM, *(_BILLING if d.role == "principal" else _COMORBIDITY)
            ),
            "rank": rank,
        }
        for rank, d in enumerate(revenue.drg.diagnoses, start=1)
        if any(s.code == d.code and s.system == system for s in result.suggestions)
    ]
    return {
        "resourceType": "Encounter",
        "id": str(uuid.uuid5(uuid.UUID(request_id), "encounter")),
        "status": "finished",
        "class": {"system": _ACT_CODE_SYSTEM, "code": "IMP", "display": "inpatient encounter"},
        "subject": dict(subject),
        "diagnosis": diagnoses,
    }


def _concept(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}]}


def _evidence_extension(canonical: Canonical, evidence: Evidence) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [
        {"url": "start", "valueInteger": evidence.start},
        {"url": "end", "valueInteger": evidence.end},
        {"url": "text", "valueString": evidence.text},
    ]
    if evidence.section:
        parts.append({"url": "section", "valueString": evidence.section})
    return {"url": canonical.evidence, "extension": parts}


def _evidence_note(evidence: Evidence) -> dict[str, str]:
    where = f" ({evidence.section})" if evidence.section else ""
    return {"text": f'Evidence: "{evidence.text}"{where}'}
