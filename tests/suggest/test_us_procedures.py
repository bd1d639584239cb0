"""Procedure codes (CPT/HCPCS) on US outpatient notes, by the CPT guidelines: code only
the service the note documents, in the code its words decide. Notes written for these
tests (branch procedures12); each class failed on main before its fix."""

from __future__ import annotations

import pytest

from code_index.records import System
from suggest.em_levels import counseling_services, preventive_visit
from suggest.patient_age import stated_age, title_line
from suggest.suggester import Suggester
from tests.suggest.listed_codes import anywhere

PROCEDURES = (System.CPT, System.HCPCS)


def services(suggester: Suggester, text: str) -> list[str]:
    """Every CPT/HCPCS code ranked for an outpatient ``text``, possible ones included."""
    return anywhere(suggester.suggest(text, "outpatient", systems=PROCEDURES))


_CHILD_VACCINES = (
    "NURSE VISIT - 18 MONTH VACCINES\n"
    "18-month-old F here with dad, well, afebrile. No prior vaccine reactions.\n"
    "Dad counseled by Dr. Okafor on each vaccine's risks and benefits today; VIS given.\n"
    "Given: DTaP (Daptacel) 0.5 mL IM L thigh. Lot D5512.\n"
    "Observed 15 min, no reaction.\n"
)
_ADULT_VACCINE = (
    "NURSE VISIT - VACCINE\n"
    "34 yo M, due for tetanus booster, counseled on side effects.\n"
    "Given: Tdap (Boostrix) 0.5 mL IM L deltoid. Lot B2231.\n"
)
_MEDICARE_FLU = (
    "NURSE IMMUNIZATION VISIT (Medicare)\n"
    "71 yo M here for his annual flu shot. No acute illness.\n"
    "Administered: influenza vaccine, high-dose (Fluzone High-Dose) 0.5 mL IM R deltoid.\n"
    "VIS given. Observed 15 min, no reaction.\n"
)


def test_a_counseled_child_s_vaccine_is_administered_with_counseling(
    suggester: Suggester,
) -> None:
    # 90471 came: CPT's 90460 is the administration through age 18 with a physician's
    # counseling, and 90471 is the wrong code there
    codes = services(suggester, _CHILD_VACCINES)
    assert "90460" in codes and "90700" in codes
    assert "90471" not in codes


def test_an_adult_s_vaccine_keeps_90471(suggester: Suggester) -> None:
    codes = services(suggester, _ADULT_VACCINE)
    assert "90471" in codes and "90460" not in codes


def test_medicare_s_flu_shot_is_administered_with_its_own_code(suggester: Suggester) -> None:
    codes = services(suggester, _MEDICARE_FLU)
    assert "G0008" in codes and "90471" not in codes


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("WELL CHILD CHECK - 4 YEAR\nEstablished pt.", 4.0),
        ("WCC 24 MONTHS\nDev: runs, kicks ball.", 2.0),
        ("NEWBORN VISIT (first office visit)\nMother: 27 yo G1.", 0.0),
        ("OFFICE VISIT\nHPI: 58 yo F with HTN.", 58.0),
        ("NURSE VISIT\n15-month-old M, afebrile.", 1.25),
        ("6 MONTH F/U\n72 yo M with CKD.", 72.0),  # the title's interval is no age
        ("OFFICE VISIT\nHPI: HTN follow-up.", None),
    ],
)
def test_the_patient_s_age_is_read_from_the_note_s_words(text: str, age: float | None) -> None:
    assert stated_age(text) == age


def test_the_title_is_the_first_line_that_is_not_blank() -> None:
    text = "\n  \nWELL CHILD CHECK - 4 YEAR\r\nEst pt. 4 yo M.\n"
    assert title_line(text) == (4, "WELL CHILD CHECK - 4 YEAR")
    assert title_line(" \n\t\n") == (0, "")
    found = preventive_visit(text)
    assert found is not None and text[found[1] : found[2]] == "WELL CHILD CHECK - 4 YEAR"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("WELL CHILD CHECK - 4 YEAR\nEstablished pt. No concerns.\n", "99392"),
        ("WELL ADOLESCENT VISIT - 15 YR\nEst pt. School going well.\n", "99394"),
        ("NEWBORN VISIT (first office visit)\n5-day-old M. Mother: 27 yo G1.\n", "99381"),
        ("FAMILY MEDICINE\nCC: annual physical\n45 yo F, established patient.\n", "99396"),
        ("INTERNAL MEDICINE\nCC: Annual physical. New patient, 70 yo M.\n", "99387"),
    ],
)
def test_a_preventive_visit_is_coded_by_age_band_and_kind(text: str, code: str) -> None:
    found = preventive_visit(text)
    assert found is not None and found[0] == code


@pytest.mark.parametrize(
    "text",
    [
        "WELL CHILD CHECK - 7 YEARS\nMom worried about weight.\n",  # new or established?
        "MEDICARE AWV\nCC: annual physical. Established patient, 72 yo F.\n",  # G0438/G0439
        "FOLLOW-UP\nEstablished patient, 50 yo M. Annual physical due next month.\n",
    ],
)
def test_no_preventive_code_without_the_visit_its_kind_or_a_non_medicare_visit(
    text: str,
) -> None:
    assert preventive_visit(text) is None


def test_a_well_child_visit_is_suggested_its_preventive_code(suggester: Suggester) -> None:
    # never_from_words kept 99381-99397 out, and nothing read them from age and kind
    text = (
        "WELL CHILD CHECK - 4 YEAR\nEstablished pt. Mom reports no concerns.\n"
        "Exam: well-appearing, TMs clear, heart RRR, lungs clear.\n"
        "A/P: Well child 4 yo, normal growth and development.\n"
    )
    assert "99392" in services(suggester, text)


def test_a_surgical_endoscopy_includes_the_diagnostic_one(suggester: Suggester) -> None:
    # 45378 (diagnostic) ranked above the gold 45385: "surgical endoscopy always
    # includes diagnostic endoscopy" (CPT)
    text = (
        "COLONOSCOPY REPORT\nIndication: hematochezia.\n"
        "Colonoscope advanced to the cecum. Prep good.\n"
        "Findings: 8 mm sigmoid polyp, removed with cold snare, retrieved.\n"
        "Impression: sigmoid colon polyp.\n"
    )
    codes = services(suggester, text)
    assert "45385" in codes and "45378" not in codes


def test_specimens_sent_to_pathology_are_no_pathology_exam(suggester: Suggester) -> None:
    # 88305 at 0.70 on every biopsy or polypectomy note: the pathologist's service
    text = (
        "PROCEDURE NOTE - SHAVE BIOPSY\n62 yo M with a changing pigmented lesion of the L back.\n"
        "Shave biopsy performed after lidocaine with epinephrine; hemostasis with AlCl.\n"
        "Specimen sent to pathology.\nImpression: atypical nevus of the back.\n"
    )
    codes = services(suggester, text)
    assert "11102" in codes and "88305" not in codes


def test_an_endoscopy_report_s_biopsies_make_it_the_endoscopy_with_biopsy(
    suggester: Suggester,
) -> None:
    # 43235 (diagnostic EGD, from the title) came and 43239 never: the scope is in the
    # title, the biopsy in the findings
    text = (
        "UPPER ENDOSCOPY (EGD) REPORT\nIndication: dyspepsia despite PPI.\n"
        "Findings: esophagus normal. Stomach: antral erythema; biopsies taken from the "
        "antrum and body with cold forceps. Duodenum normal.\n"
        "Impression: mild antral gastritis.\n"
    )
    codes = services(suggester, text)
    assert "43239" in codes and "43235" not in codes
    # the biopsy as notes abbreviate it; a colonoscopy sent to its own report is not this
    # note's service
    text = (
        "PROCEDURE: EGD with biopsy\nIndication: IDA, dyspepsia. Colonoscopy same session - "
        "see separate report.\nFindings:\n- Stomach: "
        "patchy antral erythema. Random D2 bx x4 to r/o celiac disease.\nImpression: "
        "Antral erythema - bx taken, f/u path.\n"
    )
    codes = services(suggester, text)
    assert "43239" in codes and not {"43235", "45378", "45380"} & set(codes)


def test_an_endoscopy_not_biopsied_stays_diagnostic(suggester: Suggester) -> None:
    text = (
        "UPPER ENDOSCOPY (EGD) REPORT\nIndication: dyspepsia despite PPI.\n"
        "Findings: normal esophagus, stomach and duodenum; not biopsied.\n"
        "Impression: normal EGD.\n"
    )
    codes = services(suggester, text)
    assert "43235" in codes and "43239" not in codes


def test_an_esophageal_balloon_dilation_is_no_d_and_c(suggester: Suggester) -> None:
    # 58120 (dilation and curettage of the uterus) came from "DILATION" in an EGD report
    text = (
        "EGD WITH DILATION\nIndication: solid-food dysphagia.\n"
        "Findings: mid-esophageal stricture; balloon dilation (TTS) to 15 mm.\n"
        "Impression: benign esophageal stricture, dilated.\n"
    )
    codes = services(suggester, text)
    assert "43249" in codes and "58120" not in codes


def test_a_high_dose_flu_vaccine_is_its_own_product(suggester: Suggester) -> None:
    text = (
        "NURSE VISIT\n70 yo F, well, afebrile.\n"
        "Given: Fluzone High-Dose 0.5 mL IM R deltoid today.\n"
    )
    assert "90662" in services(suggester, text)


@pytest.mark.parametrize(
    ("text", "code", "other"),
    [
        # 71045 (one view) ranked above the stated two views
        (
            "CHEST X-RAY\nCXR, PA and lateral: no infiltrate.\nImpression: normal chest.\n",
            "71046",
            "71045",
        ),
        (
            "ED NOTE\nCXR 1 view (portable): no infiltrate.\nImpression: normal chest.\n",
            "71045",
            "71046",
        ),
        # 74176 (without contrast) read from the title above the report's contrast
        (
            "CT ABDOMEN AND PELVIS\nTechnique: axial images of the abdomen and pelvis with "
            "IV contrast.\nImpression: acute uncomplicated appendicitis.\n",
            "74177",
            "74176",
        ),
        # 76700 (complete) read first from a limited study, a must-not of tuning notes
        (
            "US ABDOMEN LIMITED (RUQ)\nImpression: cholelithiasis without cholecystitis.\n",
            "76705",
            "76700",
        ),
        ("SCREENING MAMMOGRAM\nMammogram, bilateral: BI-RADS 1, negative.\n", "77067", "77066"),
    ],
)
def test_the_report_s_words_tell_a_study_s_codes_apart(
    suggester: Suggester, text: str, code: str, other: str
) -> None:
    codes = services(suggester, text)
    assert code in codes and other not in codes


def test_an_imaging_code_of_a_body_part_needs_the_part(suggester: Suggester) -> None:
    # "CXR" read every X-ray of the starter set (shoulder, wrist, hip, knee, ankle)
    text = "ED NOTE\nCXR: no infiltrate. CT ordered.\nImpression: viral bronchitis.\n"
    codes = services(suggester, text)
    assert not {"73030", "73110", "73502", "73562", "73610", "70450", "71250"} & set(codes)


def test_a_neb_treatment_is_coded_beside_its_drug(suggester: Suggester) -> None:
    # the drug J7620's "albuterol ipratropium neb" covered the treatment's words, and the
    # inhalation treatment 94640 never came
    text = (
        "PEDIATRIC ED NOTE\nCC: wheezing.\n9 yo M with asthma, SpO2 91% RA.\n"
        "ED course: albuterol-ipratropium neb x3 back-to-back, dexamethasone 16 mg PO.\n"
        "Dx: moderate persistent asthma with acute exacerbation.\n"
    )
    codes = services(suggester, text)
    assert "94640" in codes and "J7620" in codes


@pytest.mark.parametrize(
    "text",
    [
        # 10060 at 0.57 from "incision" alone, 0.47 from "drainage" alone
        "POST-OP VISIT\ns/p lap appendectomy. Incisions healing well, no erythema.\n"
        "Impression: aftercare following surgery.\n",
        "WOUND CHECK\nVenous ulcer of the L medial malleolus, moderate serous drainage.\n"
        "Impression: venous stasis ulcer of left ankle.\n",
    ],
)
def test_an_incision_or_a_drainage_alone_is_no_i_and_d(suggester: Suggester, text: str) -> None:
    assert "10060" not in services(suggester, text)


def test_an_i_and_d_keeps_its_code(suggester: Suggester) -> None:
    text = (
        "PROCEDURE NOTE\nI&D of L axillary abscess: incised with #11 blade, purulent "
        "drainage expressed, packed.\nImpression: abscess of left axilla.\n"
    )
    assert "10060" in services(suggester, text)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("A/P:\n3. Nicotine dependence, cigarettes - counseled 5 min, declines NRT.\n", "99406"),
        ("A/P:\n2. Tobacco use disorder - counseled 12 min on cessation; NRT.\n", "99407"),
    ],
)
def test_cessation_counseling_is_coded_by_its_stated_minutes(
    suggester: Suggester, text: str, code: str
) -> None:
    # never_from_words keeps 99406/99407 from words, and nothing read the minutes
    codes = services(suggester, "FAMILY MEDICINE VISIT\n" + text)
    assert code in codes


@pytest.mark.parametrize(
    "text",
    [
        "Former smoker. Counseled on diet. Walks 30 min daily.\n",  # three sentences
        "Tobacco: counseled 3 min.\n",  # not more than 3 minutes
        "Smoking cessation advised, 5 min.\n",  # no counseling said
    ],
)
def test_no_counseling_code_without_topic_counseling_and_minutes_together(text: str) -> None:
    assert counseling_services(text) == []


def test_an_excision_is_coded_by_its_stated_diameter_with_its_simple_closure(
    suggester: Suggester,
) -> None:
    # 11400 (0.5 cm or less) ranked first, a must-not of a tuning note, and the excision's
    # simple closure read 12001 and 12002: CPT's excision codes include a simple closure
    text = (
        "PROCEDURE NOTE\n44 yo M with an epidermoid cyst of the upper back.\n"
        "Procedure: excision of upper back cyst, elliptical; excised diameter 1.6 cm "
        "(lesion plus margins); simple closure with 4-0 nylon.\n"
        "Impression: epidermoid cyst of the back.\n"
    )
    codes = services(suggester, text)
    assert "11402" in codes
    assert not {"11400", "11401", "12001", "12002"} & set(codes)


def test_a_laceration_repair_is_coded_by_its_stated_length(suggester: Suggester) -> None:
    # 12001 (2.5 cm or less) ranked above the 4 cm repair's 12002
    text = (
        "ED NOTE\n25 yo M cut his L forearm on glass.\n"
        "Procedure: laceration repair, simple, 4 cm, L forearm: irrigated, explored, "
        "closed with 6 interrupted 4-0 nylon sutures.\n"
        "Impression: laceration of left forearm without foreign body.\nLow MDM.\n"
    )
    codes = services(suggester, text)
    assert "12002" in codes and "12001" not in codes


def test_a_face_repair_is_no_repair_of_the_body(suggester: Suggester) -> None:
    # 12001 and 12002 (scalp, neck, trunk, limbs) read for a forehead laceration's repair
    text = (
        "ED NOTE\n8 yo F fell against a table edge.\n"
        "Procedure: simple repair of 2 cm forehead laceration with 6-0 nylon sutures.\n"
        "Impression: laceration of forehead without foreign body.\nLow MDM.\n"
    )
    codes = services(suggester, text)
    assert not {"12001", "12002"} & set(codes)
