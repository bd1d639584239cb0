"""Which ICD-10-PCS codes are not UHDDS significant procedures, from the code's structure:
routine imaging, nuclear medicine, external measurement and monitoring, administration.
The codes are real codes of the default index (checked), as US inpatient notes read them."""

from __future__ import annotations

import pytest

from code_index.index import CodeIndex
from code_index.records import System
from code_index.uhdds import not_significant


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("BW03ZZZ", "routine imaging"),  # chest X-ray
        ("B246ZZZ", "routine imaging"),  # transthoracic echo
        ("B020ZZZ", "routine imaging"),  # CT of the brain
        ("B030ZZZ", "routine imaging"),  # MRI of the brain
        ("BF42ZZZ", "routine imaging"),  # RUQ ultrasound
        ("C21GYZZ", "nuclear medicine"),  # myocardial perfusion
        ("4A02X4Z", "external measurement or monitoring"),  # ECG
        ("4A12X4Z", "external measurement or monitoring"),  # telemetry
        ("3E03329", "administration of a substance"),  # IV antibiotic
        ("3E0R3BZ", "administration of a substance"),  # spinal anesthetic
        # significant: operations, cardiac catheterization, angiography, TEE, intravascular
        # studies, transfusion, thrombolysis, chemotherapy, ventilation
        ("0FT44ZZ", None),
        ("4A023N6", None),
        ("4A023N7", None),
        ("B2111ZZ", None),
        ("B246ZZ4", None),
        ("B246ZZ3", None),
        ("B325Z2Z", None),
        ("30233N1", None),
        ("3E03317", None),
        ("3E04305", None),
        ("5A1955Z", None),
    ],
)
def test_a_code_is_significant_by_its_section_and_characters(
    default_index: CodeIndex, code: str, why: str | None
) -> None:
    assert default_index.get(code, System.ICD10PCS) is not None  # a real code
    assert not_significant(code) == why
