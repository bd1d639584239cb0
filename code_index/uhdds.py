"""Which ICD-10-PCS procedures are not UHDDS significant procedures, read from the code's
own structure (its section and the characters that section's tables give meaning to).

The Uniform Hospital Discharge Data Set asks an inpatient facility to report the
significant procedures: those surgical in nature, or carrying a procedural or an
anesthetic risk, or needing specialized training. Routine imaging, external measurement
and monitoring and most administration of substances are none of these, and facilities
that report significant procedures do not code them (some report every procedure). A
code-set fact, kept apart from notes: ``suggest`` decides what a note reports of it.
"""

from __future__ import annotations

# ICD-10-PCS section B (imaging), 3rd character the type: 0 plain radiography, 2 CT,
# 3 MRI, 4 ultrasonography are routine studies; 1 fluoroscopy is catheter angiography or
# the guidance of a procedure (B2111ZZ beside a PCI), 5 other imaging is intraoperative
_ROUTINE_IMAGING_TYPES = frozenset("0234")
# a study made from inside a vessel or the esophagus is an invasive one: ultrasonography's
# 7th character 3 intravascular, 4 transesophageal (TEE: sedation, specialized training),
# CT's 6th character 2 intravascular optical coherence
_INVASIVE_ULTRASOUND = frozenset("34")
_INTRAVASCULAR_CT = "2"
# section 3, table 3E0 (introduction), 6th character the substance: 0 antineoplastic
# (chemotherapy), 1 thrombolytic (IV alteplase, which the MS-DRG grouper reads for a
# stroke's DRGs) carry a procedural risk and are reported
_SIGNIFICANT_SUBSTANCES = frozenset("01")


def not_significant(code: str) -> str | None:
    """Why an ICD-10-PCS ``code`` is not a UHDDS significant procedure ("routine imaging",
    "nuclear medicine", "external measurement or monitoring", "administration of a
    substance"), or None where it may be one (every other code: surgical sections, cardiac
    catheterization's percutaneous measurement 4A023N7, fluoroscopy, transfusion 30233N1,
    thrombolytics and chemotherapy)."""
    code = code.upper()
    if len(code) != 7:
        return None
    section = code[0]
    if section == "B":
        kind = code[2]
        if kind not in _ROUTINE_IMAGING_TYPES:
            return None
        if kind == "4" and code[6] in _INVASIVE_ULTRASOUND:
            return None
        if kind == "2" and code[5] == _INTRAVASCULAR_CT:
            return None
        return "routine imaging"
    if section == "C":
        return "nuclear medicine"
    if section == "4" and code[4] == "X":  # the 5th character of sections 4A/4B: approach
        return "external measurement or monitoring"
    if code.startswith("3E0") and code[5] not in _SIGNIFICANT_SUBSTANCES:
        return "administration of a substance"
    return None
