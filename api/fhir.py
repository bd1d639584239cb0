"""Suggestions as FHIR R4: a diagnosis becomes a ``Condition`` (an encounter diagnosis),
a procedure, service or supply code a ``Procedure``, each coded in the standard
code-system URL, with its evidence and score as extensions and, for people reading the
resource, as notes.

Used for ``POST /v1/suggest?format=fhir`` (a ``collection`` Bundle) and for the
resources CDS Hooks cards offer to create. Negated mentions never become suggestions,
so no resource here ever asserts that something is absent.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from code_index.records import System
from suggest.results import Evidence, Suggestion, SuggestionResult

SYSTEM_URLS: Mapping[str, str] = {
    System.ICD10CM.value: "http://hl7.org/fhir/sid/icd-10-cm",
    System.ICD10PCS.value: "http://www.cms.gov/Medicare/Coding/ICD10",
    System.CPT.value: "http://www.ama-assn.org/go/cpt",
    System.HCPCS.value: "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
}
# Canonical base of our extensions. No StructureDefinitions are published for them yet;
# the URLs only have to be stable and absolute.
EXTENSION_BASE = "https://codesuggest.example.org/fhir/StructureDefinition"
SCORE_EXTENSION = f"{EXTENSION_BASE}/suggestion-score"
EVIDENCE_EXTENSION = f"{EXTENSION_BASE}/suggestion-evidence"
MODEL_EXTENSION = f"{EXTENSION_BASE}/suggestion-model"
_CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/condition-category"
_VERIFICATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_DIAGNOSIS_ROLE_SYSTEM = "http://terminology.hl7.org/CodeSystem/diagnosis-role"
_BILLING = ("billing", "Billing")
_COMORBIDITY = ("CM", "Comorbidity diagnosis")
_ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"


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
    *,
    subject: Mapping[str, str],
    encounter: Mapping[str, str] | None = None,
    date_of_service: date | None = None,
) -> dict[str, Any]:
    """The Condition (ICD-10-CM) or Procedure (any other system) for a suggestion.

    A diagnosis documented as uncertain ("probable", "rule out") is ``provisional``,
    any other ``confirmed``. A procedure documented as planned is in ``preparation``,
    any other ``completed``.
    """
    resource: dict[str, Any] = {
        "id": suggestion_uuid(request_id, suggestion.system, suggestion.code),
        "extension": [
            {"url": SCORE_EXTENSION, "valueDecimal": suggestion.score},
            {"url": MODEL_EXTENSION, "valueString": model_version},
            *(_evidence_extension(evidence) for evidence in suggestion.evidence),
        ],
        "code": {
            "coding": [
                {
                    "system": SYSTEM_URLS[suggestion.system],
                    "code": suggestion.code,
                    "display": suggestion.title,
                }
            ],
            "text": suggestion.title,
        },
        "subject": dict(subject),
    }
    if encounter is not None:
        resource["encounter"] = dict(encounter)
    notes = [_evidence_note(evidence) for evidence in suggestion.evidence]
    notes += [{"text": warning.message} for warning in suggestion.warnings]
    if notes:
        resource["note"] = notes
    if suggestion.system == System.ICD10CM.value:
        status = "provisional" if suggestion.context.get("uncertain") else "confirmed"
        return {
            "resourceType": "Condition",
            **resource,
            "verificationStatus": _concept(_VERIFICATION_SYSTEM, status, status.capitalize()),
            "category": [_concept(_CATEGORY_SYSTEM, "encounter-diagnosis", "Encounter Diagnosis")],
        }
    procedure = {
        "resourceType": "Procedure",
        **resource,
        "status": "preparation" if suggestion.context.get("hypothetical") else "completed",
    }
    if date_of_service is not None:
        procedure["performedDateTime"] = date_of_service.isoformat()
    return procedure


def suggestion_bundle(
    result: SuggestionResult,
    request_id: str,
    *,
    sex: str | None = None,
    date_of_service: date | None = None,
) -> dict[str, Any]:
    """A ``collection`` Bundle: the patient the note is about (known only by sex, if
    given) and one resource per suggestion, in rank order. The Bundle's identifier is
    the request_id to give feedback on."""
    patient_id = str(uuid.uuid5(uuid.UUID(request_id), "patient"))
    patient: dict[str, Any] = {"resourceType": "Patient", "id": patient_id}
    if sex is not None:
        patient["gender"] = sex
    subject = {"reference": f"urn:uuid:{patient_id}"}
    resources = [
        suggestion_resource(
            suggestion,
            request_id,
            result.model_version,
            subject=subject,
            date_of_service=date_of_service,
        )
        for suggestion in result.suggestions
    ]
    encounter = _encounter_resource(result, request_id, subject)
    if encounter is not None:
        resources.append(encounter)
    return {
        "resourceType": "Bundle",
        "id": request_id,
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{request_id}"},
        "type": "collection",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "entry": [
            {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}
            for resource in (patient, *resources)
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


def _evidence_extension(evidence: Evidence) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [
        {"url": "start", "valueInteger": evidence.start},
        {"url": "end", "valueInteger": evidence.end},
        {"url": "text", "valueString": evidence.text},
    ]
    if evidence.section:
        parts.append({"url": "section", "valueString": evidence.section})
    return {"url": EVIDENCE_EXTENSION, "extension": parts}


def _evidence_note(evidence: Evidence) -> dict[str, str]:
    where = f" ({evidence.section})" if evidence.section else ""
    return {"text": f'Evidence: "{evidence.text}"{where}'}
