// The coder's final codes as a FHIR R4 "collection" Bundle: each ICD-10-CM code a
// confirmed encounter-diagnosis Condition, each other code a completed Procedure, coded
// in the same system URLs as the server's FHIR output (api/fhir.py, SYSTEM_URLS).

export const SYSTEM_URLS = {
  icd10cm: "http://hl7.org/fhir/sid/icd-10-cm",
  icd10pcs: "http://www.cms.gov/Medicare/Coding/ICD10",
  cpt: "http://www.ama-assn.org/go/cpt",
  hcpcs: "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
};

/** codes: [{code, system, title}]; requestId: the suggest request they were decided on. */
export function finalCodesBundle(requestId, codes, dateOfService) {
  const patient = { resourceType: "Patient", id: uuid4() };
  const subject = { reference: `urn:uuid:${patient.id}` };
  const resources = codes.map((code) => resource(code, subject, dateOfService));
  return {
    resourceType: "Bundle",
    identifier: { system: "urn:ietf:rfc:3986", value: `urn:uuid:${requestId}` },
    type: "collection",
    timestamp: new Date().toISOString(),
    entry: [patient, ...resources].map((r) => ({ fullUrl: `urn:uuid:${r.id}`, resource: r })),
  };
}

function resource({ code, system, title }, subject, dateOfService) {
  const common = {
    id: uuid4(),
    code: { coding: [{ system: SYSTEM_URLS[system], code, display: title }], text: title },
    subject,
  };
  if (system === "icd10cm") {
    return {
      resourceType: "Condition",
      ...common,
      verificationStatus: concept(
        "http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "Confirmed",
      ),
      category: [concept(
        "http://terminology.hl7.org/CodeSystem/condition-category",
        "encounter-diagnosis",
        "Encounter Diagnosis",
      )],
    };
  }
  const procedure = { resourceType: "Procedure", ...common, status: "completed" };
  if (dateOfService) procedure.performedDateTime = dateOfService;
  return procedure;
}

function concept(system, code, display) {
  return { coding: [{ system, code, display }] };
}

/** A random UUID; crypto.randomUUID exists only on https or localhost pages. */
function uuid4() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const groups = [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20)];
  return [...groups, hex.slice(20)].join("-");
}
