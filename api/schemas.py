"""Request and response bodies of the HTTP API.

Where the suggest pipeline or the storage layer already has a dataclass for something
(a suggestion, a stored decision, a batch item), the bodies use it as is: pydantic
validates and documents dataclasses, and the API cannot drift from what they hold.
Requests refuse unknown fields, so a misspelt option is a 422, not silently ignored.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from api.errors import printable
from api.service import SuggestOptions
from api.storage.feedback import Decision, FeedbackRecord, SuggestionRequestRecord
from api.storage.jobs import ItemResult, JobState
from api.storage.models import CODE_LEN, CODER_ID_LEN, Action, Role
from code_index.records import System
from code_index.revenue.encounter import Encounter
from code_index.revenue.versions import FIRST_ICD10_DAY, LAST_REVIEW_DAY
from suggest.results import Mention, Revenue, Suggestion
from suggest.setting import (
    DEFAULT_PROCEDURE_REPORTING,
    DEFAULT_SETTING,
    ProcedureReporting,
    Setting,
)

MAX_DECISIONS = 1000  # decisions in one POST /v1/feedback
MAX_TOP_K = 100  # suggestions per note, so also per CDS card
MAX_CDS_FEEDBACK = 100  # cards one CDS feedback request reports on
MAX_REASON_CHARS = 2000
# how codes are written in every system ("E11.22", "0DTJ4ZZ", "99213", "J1100")
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9.]*$"
# text that is stored holds no NUL, which PostgreSQL refuses
STORABLE = r"^[^\x00]*$"
# ... and an identifier is not blank
NAMED = r"^[^\x00]*[^\s\x00][^\x00]*$"


class _Body(BaseModel):
    """Refuses text that is not valid Unicode anywhere in a body: JSON can carry an
    unpaired surrogate ("\\ud800"), as a value or as a key, that no database and no JSON
    response can encode. (Fields that are stored refuse NUL by their ``pattern``.)"""

    @model_validator(mode="before")
    @classmethod
    def _valid_unicode(cls, data: Any) -> Any:
        where = _unencodable(data)
        if where is not None:
            raise ValueError(f"{where or 'body'}: not valid Unicode (an unpaired surrogate)")
        return data


def _unencodable(value: Any, path: str = "") -> str | None:
    """The path of the first string (key or value) in ``value`` that UTF-8 cannot encode,
    or None. The path is written with escapes, so it can be echoed back."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path
        return None
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, item in items:
        inner = f"{path}.{printable(str(key))}" if path else printable(str(key))
        found = _unencodable(key, inner) if isinstance(key, str) else None
        found = found if found is not None else _unencodable(item, inner)
        if found is not None:
            return found
    return None


def _written_date(value: Any) -> Any:
    """A date is written (ISO 8601); pydantic would read a number as seconds since 1970."""
    if value is not None and not isinstance(value, str):
        raise ValueError("a date written as YYYY-MM-DD")
    return value


class _Request(_Body):
    model_config = ConfigDict(extra="forbid")


# ------------------------------------------------------------------ suggest
class Patient(_Request):
    """Who the note is about (FHIR ``Patient.gender`` values)."""

    age: int | None = Field(default=None, ge=0, le=130, strict=True)
    sex: Literal["female", "male", "other", "unknown"] | None = None


class _Options(_Request):
    setting: Setting = DEFAULT_SETTING
    systems: list[System] | None = Field(
        default=None, min_length=1, description="Code systems to suggest; default per setting."
    )
    top_k: int = Field(default=20, ge=1, le=MAX_TOP_K, strict=True)
    procedures: ProcedureReporting = Field(
        default=DEFAULT_PROCEDURE_REPORTING,
        description="Which ICD-10-PCS procedures the facility reports (inpatient): "
        "'significant', the UHDDS significant procedures US facilities report, or 'all' "
        "(some hospitals; CodiEsp's annotators). Under 'significant', routine imaging (PCS "
        "section B but fluoroscopy and intravascular or transesophageal studies), nuclear "
        "medicine, external measurement and monitoring (4A/4B, e.g. an ECG) and "
        "administration (3E0 but thrombolytics and chemotherapy) are never ranked: they "
        "are listed in not_coded with a 'not_significant' warning.",
    )

    def options(self) -> SuggestOptions:
        """The suggester's options for this request."""
        systems = tuple(dict.fromkeys(self.systems)) if self.systems else None
        return SuggestOptions(
            setting=self.setting,
            systems=systems,
            top_k=self.top_k,
            procedures=self.procedures,
        )


ICD10CM_CODE = r"^[A-Za-z][0-9][0-9A-Za-z](\.?[0-9A-Za-z]{1,4})?$"


class _Encounter(_Request):
    """What the revenue review reads besides the codes (defaults are stated in the
    response's ``revenue.assumed``)."""

    date_of_service: Annotated[date | None, BeforeValidator(_written_date)] = Field(
        default=None,
        ge=FIRST_ICD10_DAY,
        le=LAST_REVIEW_DAY,
        description="Selects the code sets and MS-DRG version in force (ICD-10 era).",
    )
    patient: Patient | None = None
    discharge_status: int | None = Field(
        default=None, ge=1, le=99, description="UB-04 patient status; default 01 (home)."
    )
    principal: str | None = Field(
        default=None,
        pattern=ICD10CM_CODE,
        description="The principal diagnosis (ICD-10-CM) the coder chose; default: the "
        "first listed code the Medicare Code Editor accepts as principal.",
    )

    def encounter(self) -> Encounter:
        """The revenue review's view of this request."""
        patient = self.patient or Patient()
        return Encounter(
            sex=patient.sex,
            age=patient.age,
            discharge_status=self.discharge_status,
            date_of_service=self.date_of_service,
            principal=self.principal,
        )


class SuggestRequest(_Options, _Encounter):
    """One note to code."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "text": "Assessment: type 2 diabetes with diabetic chronic kidney disease, "
                    "CKD stage 3a. Possible pneumonia. Denies chest pain.",
                    "setting": "outpatient",
                    "date_of_service": "2026-03-02",
                    "patient": {"age": 67, "sex": "male"},
                    "top_k": 10,
                }
            ]
        }
    )

    text: str = Field(
        pattern=STORABLE, description="The note; at most the configured maximum (413 beyond)."
    )

    def options(self) -> SuggestOptions:
        """The suggester's options for this request, the encounter included."""
        return replace(super().options(), encounter=self.encounter())


class Utf16Offsets(BaseModel):
    """The response's spans again, in UTF-16 code units (JavaScript, Java and .NET string
    indices), in response order: ``evidence[i][j]`` is ``[start, end]`` of
    ``suggestions[i].evidence[j]``, ``mentions[k]`` of ``mentions[k]``."""

    evidence: list[list[tuple[int, int]]]
    mentions: list[tuple[int, int]]


class SuggestResponse(BaseModel):
    """What the suggest pipeline produced for a note, and the request_id to give feedback on."""

    request_id: str
    offset_unit: Literal["codepoint"] = Field(
        default="codepoint",
        description="What start and end count: Unicode code points (Python string indices); "
        "?offsets=utf16 adds utf16_offsets for JavaScript, Java and .NET clients.",
    )
    setting: Setting
    model_version: str
    index_version: str
    code_set_versions: dict[str, str]
    suggestions: list[Suggestion]
    mentions: list[Mention]
    utf16_offsets: Utf16Offsets | None = None
    revenue: Revenue | None = None
    possible: list[Suggestion] = Field(
        default_factory=list,
        description="Codes below the suggester's floor (calibrated probability), ranked "
        "apart: shown collapsed, never as suggestions.",
    )
    not_coded: list[Suggestion] = Field(
        default_factory=list,
        description="Codes the note names that a coding rule says are not reported (a "
        "symptom integral to a documented diagnosis, a finding beside the assessment's "
        "diagnosis, an ICD-10-PCS procedure the facility does not report under procedures "
        "'significant'), each with a warning that says why; never ranked.",
    )


# ------------------------------------------------------------------ revenue
class ListedCode(_Request):
    """A code on the coder's list, with the units reported (CPT/HCPCS)."""

    system: System
    code: str = Field(min_length=1, max_length=CODE_LEN, pattern=r"^[A-Za-z0-9][A-Za-z0-9.]*$")
    units: int = Field(default=1, ge=1, le=100_000)


class RevenueRequest(_Encounter):
    """The coder's current code list, ICD-10-CM diagnoses in reporting order."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "setting": "inpatient",
                    "date_of_service": "2026-02-02",
                    "patient": {"age": 70, "sex": "male"},
                    "codes": [
                        {"system": "icd10cm", "code": "J18.9"},
                        {"system": "icd10cm", "code": "N17.9"},
                    ],
                }
            ]
        }
    )

    setting: Setting = Setting.INPATIENT
    codes: list[ListedCode] = Field(max_length=500)


# -------------------------------------------------------------------- codes
class CodeStatus(BaseModel):
    """Whether a code may be reported as written."""

    billable: bool
    active: bool
    missing: str | None
    message: str


class CodeLink(BaseModel):
    """A parent or child of a code."""

    code: str
    title: str


class CodeDetail(BaseModel):
    """A code with its tabular instructions, validity and place in the hierarchy."""

    code: str
    system: System
    title: str
    source: str
    short_title: str | None
    terms: list[str]
    billable: bool
    parent: str | None
    chapter: str | None
    block: str | None
    excludes1: list[str]
    excludes2: list[str]
    code_first: list[str]
    use_additional: list[str]
    code_also: list[str]
    seventh_characters: dict[str, str]
    active: bool
    terminated_on: str | None
    status: CodeStatus
    parents: list[CodeLink]
    children: list[CodeLink]
    groups: dict[str, str]
    group_instructions: dict[str, dict[str, list[str]]] = Field(
        default_factory=dict,
        description="Instructions the tabular states for the code's whole block or chapter, "
        "by group id and kind (excludes1, excludes2, code_first, use_additional, code_also).",
    )


class CodeHit(BaseModel):
    """A search result."""

    code: str
    system: System
    title: str
    billable: bool
    score: float


# ----------------------------------------------------------------- feedback
class DecisionIn(_Request):
    """A coder's decision on one code."""

    code: str = Field(min_length=1, max_length=CODE_LEN, pattern=CODE_PATTERN)
    system: System
    action: Action
    replaced_code: str | None = Field(
        default=None,
        max_length=CODE_LEN,
        pattern=CODE_PATTERN,
        description="For edit: the suggested code replaced.",
    )
    reason: str | None = Field(default=None, max_length=MAX_REASON_CHARS, pattern=STORABLE)
    newer_code_set: bool = Field(
        default=False,
        description="The code is from a code set newer than the server's index: stored "
        "flagged, and kept out of training until the index has it. Without this, a code "
        "the index does not have is a 422.",
    )

    @model_validator(mode="after")
    def _storable(self) -> Self:
        self.to_decision()  # the storage layer's own rules, reported as a 422 on this field
        return self

    def to_decision(self) -> Decision:
        """The decision as the store takes it."""
        return Decision(
            self.code,
            self.system,
            self.action,
            self.replaced_code,
            self.reason,
            self.newer_code_set,
        )


class FeedbackRequest(_Request):
    """A coder's decisions on the suggestions of one request."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "request_id": "0b6f6a3e-5d0c-4a8e-9c55-2f1d3c4b5a69",
                    "coder_id": "coder-7",
                    "decisions": [
                        {"code": "E11.22", "system": "icd10cm", "action": "accept"},
                        {
                            "code": "J18.9",
                            "system": "icd10cm",
                            "action": "reject",
                            "reason": "pneumonia only suspected",
                        },
                        {
                            "code": "N18.31",
                            "system": "icd10cm",
                            "action": "edit",
                            "replaced_code": "N18.30",
                        },
                        {"code": "I10", "system": "icd10cm", "action": "add"},
                    ],
                }
            ]
        }
    )

    request_id: str = Field(min_length=1, max_length=36, pattern=NAMED)
    coder_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=CODER_ID_LEN,
        pattern=NAMED,
        description="Who decided. With a coder key: the key's coder (may be left out); "
        "with an integrator or admin key: required, the coder the calling system signed in.",
    )
    decisions: list[DecisionIn] = Field(min_length=1, max_length=MAX_DECISIONS)


class FeedbackStored(BaseModel):
    """The decisions as stored (committed before this is sent)."""

    request_id: str
    decisions: list[FeedbackRecord]


class FeedbackExport(BaseModel):
    """A page of decisions, the requests they refer to (with note text where the
    deployment stores it), and the ``after_id`` of the next page (null on the last)."""

    decisions: list[FeedbackRecord]
    requests: dict[str, SuggestionRequestRecord]
    next_after_id: int | None


# -------------------------------------------------------------- batch, jobs
class BatchRequest(_Options):
    """Many notes coded with the same options; results come back in the same order."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "notes": [
                        "Acute exacerbation of COPD. Nebulizer treatment given.",
                        "Essential hypertension, well controlled. Follow up in 3 months.",
                    ],
                    "setting": "outpatient",
                }
            ]
        }
    )

    notes: list[Annotated[str, Field(pattern=STORABLE)]] = Field(
        min_length=1, description="At most the configured number (413)."
    )


class JobAccepted(BaseModel):
    """A stored batch job, and where to follow it."""

    job_id: str
    status_url: str


class JobOut(BaseModel):
    """A job's progress and the results of its finished items, in submission order."""

    job_id: str
    state: JobState
    progress: float
    total: int
    pending: int
    running: int
    done: int
    failed: int
    created_at: datetime
    finished_at: datetime | None
    results: list[ItemResult]


# --------------------------------------------------------------- CDS Hooks
class _Cds(_Body):
    """CDS Hooks bodies: camelCase on the wire, extensions allowed as the spec requires."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")


class CdsService(_Cds):
    """One service in the discovery response."""

    hook: str
    id: str
    title: str
    description: str
    prefetch: dict[str, str]
    usage_requirements: str


class CdsDiscovery(_Cds):
    """GET /cds-services."""

    services: list[CdsService]


class CdsContext(_Cds):
    """The ``encounter-discharge`` context. ``note`` is ours, not the hook's: the note as
    plain text for clients that cannot prefetch a DocumentReference."""

    user_id: str
    patient_id: str = Field(min_length=1, max_length=64)
    encounter_id: str = Field(min_length=1, max_length=64)
    note: str | None = Field(default=None, pattern=STORABLE)


class CdsRequest(_Cds):
    """A hook call (``fhirServer`` and ``fhirAuthorization`` are accepted and unused:
    the service never calls the FHIR server)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "hook": "encounter-discharge",
                    "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
                    "context": {
                        "userId": "Practitioner/123",
                        "patientId": "1288992",
                        "encounterId": "89284",
                        "note": "Discharge diagnoses: acute exacerbation of COPD. "
                        "Type 2 diabetes with diabetic chronic kidney disease, CKD stage 3a.",
                    },
                }
            ]
        }
    )

    hook: str
    hook_instance: str
    context: CdsContext
    prefetch: dict[str, Any] | None = None


class CdsCoding(_Cds):
    """A coding in a card (an override reason)."""

    code: str = Field(pattern=STORABLE)
    system: str | None = Field(default=None, pattern=STORABLE)
    display: str | None = Field(default=None, pattern=STORABLE)


class CdsAction(_Cds):
    """What accepting a suggestion does: create the Condition or Procedure."""

    type: Literal["create", "update", "delete"]
    description: str
    resource: dict[str, Any]


class CdsSuggestion(_Cds):
    """One code the clinician or coder can accept."""

    label: str
    uuid: str
    actions: list[CdsAction]


class CdsSource(_Cds):
    """Who made a card."""

    label: str


class CdsCard(_Cds):
    """A card; its ``uuid`` is the request_id its suggestions were stored under."""

    uuid: str
    summary: str = Field(max_length=140)
    detail: str
    indicator: Literal["info", "warning", "critical"]
    source: CdsSource
    suggestions: list[CdsSuggestion]
    selection_behavior: Literal["at-most-one", "any"]
    override_reasons: list[CdsCoding]


class CdsResponse(_Cds):
    """The cards a hook call returns."""

    cards: list[CdsCard]


class CdsAccepted(_Cds):
    """A suggestion the user accepted."""

    id: str


class CdsOverrideReason(_Cds):
    """Why the user overrode a card."""

    reason: CdsCoding | None = None
    user_comment: str | None = Field(default=None, max_length=MAX_REASON_CHARS, pattern=STORABLE)


class CdsFeedback(_Cds):
    """What the user did with one card."""

    card: str = Field(max_length=64, pattern=NAMED)
    outcome: Literal["accepted", "overridden"]
    accepted_suggestions: list[CdsAccepted] = Field(default_factory=list, max_length=MAX_TOP_K)
    override_reason: CdsOverrideReason | None = None
    outcome_timestamp: datetime


class CdsFeedbackRequest(_Cds):
    """POST /cds-services/{id}/feedback."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "feedback": [
                        {
                            "card": "0b6f6a3e-5d0c-4a8e-9c55-2f1d3c4b5a69",
                            "outcome": "accepted",
                            "acceptedSuggestions": [{"id": "e56e1945-20b3-4393-8503-a1a20fd73152"}],
                            "outcomeTimestamp": "2026-03-02T10:00:00Z",
                        }
                    ]
                }
            ]
        }
    )

    feedback: list[CdsFeedback] = Field(min_length=1, max_length=MAX_CDS_FEEDBACK)


class Caller(BaseModel):
    """The key a request presents, without its secret."""

    name: str
    role: Role
    organization: str | None
    coder_id: str | None = Field(
        description="The coder a coder key names; feedback it posts is recorded under it."
    )


# ------------------------------------------- Comprehend Medical compatibility
class InferICD10CMRequest(_Request):
    """AWS Comprehend Medical's InferICD10CM request: the note as ``Text``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"Text": "Type 2 diabetes with diabetic CKD stage 3a. No chest pain. Cough."}
            ]
        }
    )

    Text: str = Field(description="The note; at most the configured maximum (413 beyond).")


TraitName = Literal[
    "NEGATION",
    "DIAGNOSIS",
    "SIGN",
    "SYMPTOM",
    "PERTAINS_TO_FAMILY",
    "HYPOTHETICAL",
    "LOW_CONFIDENCE",
]


class ComprehendTrait(BaseModel):
    """Context of an entity; ours are categorical (score 1.0)."""

    Name: TraitName
    Score: float


class ComprehendConcept(BaseModel):
    """An ICD-10-CM code the entity may be coded as; Score: our suggestion's confidence
    (0 for a code the words name that we do not suggest)."""

    Description: str
    Code: str
    Score: float


class ComprehendEntity(BaseModel):
    """A diagnosis mention of the note (offsets in Unicode code points)."""

    Id: int
    Text: str
    Category: Literal["MEDICAL_CONDITION"] = "MEDICAL_CONDITION"
    Type: Literal["DX_NAME"] = "DX_NAME"
    Score: float
    BeginOffset: int
    EndOffset: int
    Attributes: list[dict[str, Any]] = Field(
        default_factory=list, description="Never detected here: always empty."
    )
    Traits: list[ComprehendTrait]
    ICD10CMConcepts: list[ComprehendConcept]


class InferICD10CMResponse(BaseModel):
    """AWS Comprehend Medical's InferICD10CM response shape."""

    Entities: list[ComprehendEntity]
    ModelVersion: str


class Health(BaseModel):
    """GET /health: the process is up, with what it loaded."""

    status: Literal["ok"]
    model_version: str
    index_version: str


class CdsFeedbackStored(BaseModel):
    """How many decisions the feedback became (committed before this is sent)."""

    decisions: int
