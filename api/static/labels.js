// How the page names code systems and warnings.

/** Code systems in the order the page groups suggestions. */
export const SYSTEM_NAMES = {
  icd10cm: "ICD-10-CM",
  cpt: "CPT",
  hcpcs: "HCPCS",
  icd10pcs: "ICD-10-PCS",
};

/** Contexts of a mention (and of a suggestion's evidence), in words. */
export const CONTEXTS = {
  negated: "negated",
  historical: "history only",
  hypothetical: "hypothetical",
  family: "family history",
  uncertain: "uncertain",
};

/** Suggestion warnings by kind: a short label, and the prefix the message already says. */
export const WARNINGS = {
  specificity: { label: "Needs more detail", prefix: "" },
  covered: { label: "Covered by a more specific code", prefix: "" },
  alternative: { label: "Less specific alternative", prefix: "" },
  integral: { label: "Integral to a documented diagnosis", prefix: "" },
  excludes1: { label: "Excludes1 conflict", prefix: "Excludes1: " },
  code_first: { label: "Code first", prefix: "Code first: " },
  use_additional: { label: "Use additional code", prefix: "Use additional code: " },
  code_also: { label: "Code also", prefix: "Code also: " },
  ncci: { label: "NCCI edit (bundled)", prefix: "NCCI: " },
  mce_sex: { label: "Conflicts with the patient's sex", prefix: "" },
  mce_age: { label: "Conflicts with the patient's age", prefix: "" },
  mce_manifestation: { label: "Cannot be principal", prefix: "" },
  mce_unacceptable_principal: { label: "Cannot be principal", prefix: "" },
  mce_external_cause_principal: { label: "Cannot be principal", prefix: "" },
  mce_questionable_admission: { label: "Questionable admission", prefix: "" },
  code_date: { label: "Not valid on the date of service", prefix: "" },
  mue: { label: "Units over the MUE", prefix: "MUE: " },
  drg_query: { label: "DRG query opportunity", prefix: "Query opportunity: " },
  negated: { label: "Negated in the note", prefix: "" },
  family: { label: "Family history only", prefix: "" },
  hypothetical: { label: "Hypothetical in the note", prefix: "" },
};

/** Warning kinds of a code the note denies (negated, family, hypothetical): shown apart. */
export const DENIED_KINDS = new Set(["negated", "family", "hypothetical"]);
