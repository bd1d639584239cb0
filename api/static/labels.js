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
  excludes1: { label: "Excludes1 conflict", prefix: "Excludes1: " },
  code_first: { label: "Code first", prefix: "Code first: " },
  use_additional: { label: "Use additional code", prefix: "Use additional code: " },
  code_also: { label: "Code also", prefix: "Code also: " },
  ncci: { label: "NCCI edit (bundled)", prefix: "NCCI: " },
};
