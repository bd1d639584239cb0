"""Validity checks against the real FY2026 tabular instructions."""

from __future__ import annotations

from code_index.index import CodeIndex
from code_index.records import System
from code_index.validity import (
    _instruction_notes,
    check_code,
    code_refs,
    excludes1_conflicts,
    sequencing_reminders,
)


def test_category_is_not_billable_and_needs_more_characters(default_index: CodeIndex) -> None:
    check = check_code(default_index, "E11")
    assert check.found and not check.billable
    assert check.missing == "more characters"
    assert ("E11.9", "Type 2 diabetes mellitus without complications") in check.options


def test_billable_code_written_any_way(default_index: CodeIndex) -> None:
    for written in ("E11.22", "e1122", " e11.22 "):
        check = check_code(default_index, written)
        assert check.billable and check.code == "E11.22"


def test_fracture_needs_a_seventh_character(default_index: CodeIndex) -> None:
    check = check_code(default_index, "S72.001")
    assert check.missing == "7th character"
    assert ("A", "initial encounter for closed fracture") in check.options
    assert check_code(default_index, "S72.001A").billable


def test_unknown_code(default_index: CodeIndex) -> None:
    check = check_code(default_index, "Z99.999")
    assert not check.found and "not a code" in check.message


def test_excludes1_pair_is_flagged(default_index: CodeIndex) -> None:
    # E11 (type 2 diabetes) has Excludes1: type 1 diabetes mellitus (E10.-)
    conflicts = excludes1_conflicts(default_index, ["E11.9", "E10.9"])
    pairs = {(c.code, c.excluded) for c in conflicts}
    assert ("E11.9", "E10.9") in pairs
    assert any("E10.-" in c.note for c in conflicts)


def test_no_conflict_between_unrelated_codes(default_index: CodeIndex) -> None:
    assert excludes1_conflicts(default_index, ["E11.9", "I10", "N39.0"]) == []


def test_use_additional_reminder_for_diabetic_ckd(default_index: CodeIndex) -> None:
    reminders = sequencing_reminders(default_index, ["E11.22"])
    ckd = [r for r in reminders if r.kind == "use_additional" and "N181-N186" in r.refs]
    assert ckd and ckd[0].satisfied_by == ()
    satisfied = sequencing_reminders(default_index, ["E11.22", "N18.31"])
    assert any(r.satisfied_by == ("N18.31",) for r in satisfied if "N181-N186" in r.refs)


def test_code_refs_parse_ranges_and_dashes() -> None:
    refs = code_refs("diabetes (E08-E13), gestational (O24.4-), stage (N18.1-N18.6) and P70.2")
    assert [(r.low, r.high) for r in refs] == [
        ("E08", "E13"),
        ("O244", "O244"),
        ("N181", "N186"),
        ("P702", "P702"),
    ]
    assert refs[0].matches("E1122") and not refs[0].matches("E141")
    assert refs[2].matches("N1831") and not refs[2].matches("N189")


def test_lookup_is_system_aware(default_index: CodeIndex) -> None:
    assert default_index.get("99213", System.CPT) is not None
    assert default_index.get("99213", System.ICD10CM) is None


def test_block_and_chapter_instructions_apply_to_every_code_in_them(
    default_index: CodeIndex,
) -> None:
    """The tabular states some instructions once for a whole block or chapter:
    "Hypertensive diseases (I10-I1A)" excludes neonatal hypertension, chapter 15
    (pregnancy) excludes supervision of normal pregnancy."""
    block = default_index.group_notes["I10-I1A"]
    assert "neonatal hypertension (P29.2)" in block["excludes1"]
    assert [(c.code, c.excluded) for c in excludes1_conflicts(default_index, ["I10", "P29.2"])] == [
        ("I10", "P29.2")
    ]
    assert excludes1_conflicts(default_index, ["O24.410", "Z34.00"])
    # the block's "use additional code" for tobacco exposure is a reminder on I10 ...
    reminders = sequencing_reminders(default_index, ["I10", "Z77.22"])
    tobacco = [r for r in reminders if r.code == "I10" and r.kind == "use_additional"]
    assert any("Z77.22" in r.satisfied_by for r in tobacco)
    # ... while a chapter-wide one ("where applicable", every respiratory code) is not
    chapter_10 = default_index.group_notes["10"]["use_additional"]
    assert any("Z77.22" in note for note in chapter_10)
    j189 = sequencing_reminders(default_index, ["J18.9"])
    assert not any("Z77.22" in r.note for r in j189)


def test_conflicts_found_through_prefixes_are_those_of_every_pair(
    default_index: CodeIndex,
) -> None:
    """The prefix look-up finds what checking each reference against each listed code
    finds, ranges ("E08-E13") and dashes ("E10.-") included, in the list's order."""
    codes = ["E11.9", "E10.9", "I10", "P29.2", "O24.410", "Z34.00", "I12.9", "N18.31", "E08.9"]
    keyed = [(r, r.key) for c in codes if (r := default_index.get(c, System.ICD10CM))]
    expected = [
        (record.code, other.code, note)
        for record, key in keyed
        for note in _instruction_notes(default_index, record, "excludes1")
        for other, other_key in keyed
        if not other_key.startswith(key) and any(ref.matches(other_key) for ref in code_refs(note))
    ]
    found = excludes1_conflicts(default_index, codes)
    assert [(c.code, c.excluded, c.note) for c in found] == expected
    assert any(ref.low != ref.high for _, _, note in expected for ref in code_refs(note))
