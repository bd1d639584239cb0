"""The CMS Alpha-Numeric HCPCS loader: the real 2020 file and small records built to CMS's
320-character layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from code_index.loaders import LoadedCodeSet, SourceFileError
from code_index.loaders.hcpcs import load_hcpcs
from code_index.records import CodeRecord, System

REAL_FILE = "hcpcs/HCPC2020_ANWEB_w_disclaimer.txt"


def record_line(
    code: str,
    record_id: str,
    long_part: str,
    short: str = "",
    *,
    sequence: int = 100,
    action_effective: str = "20200101",
    termination: str = "",
    action: str = "N",
) -> str:
    """One 320-character record laid out as CMS writes them (continuations carry text only)."""
    head = f"{code:>5}{sequence:05d}{record_id}{long_part:<80}"
    if record_id in "48":
        return head
    line = f"{head}{short:<28}".ljust(268)
    line += f"{'20000101':8}{action_effective:8}{termination:8}{action}"
    return line.ljust(320)


@pytest.fixture(scope="module")
def real(shared_data: Path) -> LoadedCodeSet:
    return load_hcpcs(shared_data / REAL_FILE)


@pytest.fixture(scope="module")
def by_code(real: LoadedCodeSet) -> dict[str, CodeRecord]:
    return {record.code: record for record in real.records}


def test_real_file_counts_codes_modifiers_and_terminations(real: LoadedCodeSet) -> None:
    assert real.version.system is System.HCPCS
    assert real.version.version == "2020"
    assert real.version.effective == "2020-01-01"
    assert real.version.source == "cms-hcpcs"
    assert real.version.file == "HCPC2020_ANWEB_w_disclaimer.txt"
    # 6,710 procedure records and 369 modifiers in the file; 10 modifiers ended before 2020
    assert len(real.records) == 6710
    assert len(real.modifiers) == 359
    assert sum(not record.active for record in real.records) == 605
    assert all(
        record.system is System.HCPCS and record.source == "cms-hcpcs" for record in real.records
    )


def test_continuation_records_join_into_the_long_description(
    by_code: dict[str, CodeRecord],
) -> None:
    # checked against the same rows of CMS's .xls, which holds each description in one cell
    assert by_code["A4253"].title == (
        "Blood glucose test or reagent strips for home blood glucose monitor, per 50 strips"
    )
    assert by_code["A4253"].short_title == "Blood glucose/reagent strips"
    assert by_code["G0438"].title == (
        "Annual wellness visit; includes a personalized prevention plan of service (pps), "
        "initial visit"
    )
    assert by_code["J0153"].title == (
        "Injection, adenosine, 1 mg (not to be used to report any adenosine phosphate compounds)"
    )


def test_dexamethasone_j1100_is_an_active_code(by_code: dict[str, CodeRecord]) -> None:
    j1100 = by_code["J1100"]
    assert "dexamethasone" in j1100.title.lower()
    assert j1100.active and j1100.billable and j1100.terminated_on is None


def test_code_terminated_before_the_release_is_kept_inactive(
    by_code: dict[str, CodeRecord],
) -> None:
    j0150 = by_code["J0150"]  # adenosine 6 mg, last usable December 31, 2014
    assert not j0150.active
    assert j0150.terminated_on == "2014-12-31"


def test_modifiers_are_kept_apart_from_codes(
    real: LoadedCodeSet, by_code: dict[str, CodeRecord]
) -> None:
    assert real.modifiers["LT"].startswith("Left side")
    assert real.modifiers["RT"].startswith("Right side")
    assert real.modifiers["AD"] == (
        "Medical supervision by a physician: more than four concurrent anesthesia procedures"
    )
    assert "GD" not in real.modifiers  # terminated December 31, 2019
    assert not {"LT", "RT", "AD"} & by_code.keys()


def test_same_records_without_the_disclaimer_load_the_same(
    shared_data: Path, real: LoadedCodeSet, tmp_path: Path
) -> None:
    lines = (shared_data / REAL_FILE).read_bytes().split(b"\r\n")
    first = next(i for i, line in enumerate(lines) if line.startswith(b"   A1"))
    bare = tmp_path / "HCPC2020_JAN_ANWEB.txt"
    bare.write_bytes(b"\n".join(lines[first:]))  # LF line ends, no disclaimer
    loaded = load_hcpcs(bare)
    assert [r.code for r in loaded.records] == [r.code for r in real.records]
    assert loaded.modifiers == real.modifiers
    assert loaded.version.version == "2020 January update"


def test_quarterly_file_decides_termination_by_its_own_effective_date(tmp_path: Path) -> None:
    path = tmp_path / "HCPC2024_JUL_ANWEB_v2.txt"
    lines = [
        record_line("J9999", "3", "Old drug", "Old drug", termination="20240630", action="D"),
        record_line("J9998", "3", "Ending drug", "Ending drug", termination="20241231"),
        record_line("J9997", "3", "Current drug", "Current drug"),
    ]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="latin-1")
    loaded = load_hcpcs(path)
    assert loaded.version.version == "2024 July update"
    assert loaded.version.effective == "2024-07-01"
    state = {r.code: (r.active, r.terminated_on) for r in loaded.records}
    assert state == {
        "J9999": (False, "2024-06-30"),  # last usable the day before the release
        "J9998": (True, "2024-12-31"),  # still valid when the release takes effect
        "J9997": (True, None),
    }


def test_renamed_file_takes_its_date_from_the_latest_action(tmp_path: Path) -> None:
    path = tmp_path / "hcpcs.txt"
    lines = [
        record_line("A0001", "3", "First", action_effective="20230101"),
        record_line("A0002", "3", "Second", action_effective="20230401"),
        record_line("A0003", "3", "Ended", termination="20230331"),
    ]
    path.write_text("\n".join(lines), encoding="ascii")
    loaded = load_hcpcs(path)
    assert loaded.version.effective == "2023-04-01"
    assert [r.active for r in loaded.records] == [True, True, False]


def test_windows_1252_and_latin_1_bytes_are_read(tmp_path: Path) -> None:
    path = tmp_path / "HCPC2025_JAN_ANWEB.txt"
    text = "Note regarding CMS\u2019 files\r\n\r\n" + record_line("E0001", "3", "Caf\xe9 chair")
    path.write_bytes(text.encode("cp1252"))
    assert load_hcpcs(path).records[0].title == "Café chair"
    # 0x81 is undefined in Windows-1252, so this file can only be read as Latin-1
    path.write_bytes(
        b"Note \x81\r\n" + record_line("E0001", "3", "Caf\xe9 chair").encode("latin-1")
    )
    assert load_hcpcs(path).records[0].title == "Café chair"


def test_file_that_is_not_hcpcs_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "codes.csv"
    path.write_text("code,description\nJ1100,dexamethasone\n", encoding="utf-8")
    with pytest.raises(SourceFileError, match="no HCPCS records found"):
        load_hcpcs(path)


def test_damaged_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "HCPC2025_JAN_ANWEB.txt"
    orphan = record_line("J0002", "4", "continued text", sequence=200)
    path.write_text(record_line("J0001", "3", "Drug") + "\n" + orphan + "\n", encoding="ascii")
    with pytest.raises(SourceFileError, match=r"line 2: continuation of J0002"):
        load_hcpcs(path)
    path.write_text(record_line("J0001", "3", "Drug") + "\nstray text\n", encoding="ascii")
    with pytest.raises(SourceFileError, match="line 2: not a 320-character HCPCS record"):
        load_hcpcs(path)


def test_missing_file_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match="cannot read"):
        load_hcpcs(tmp_path / "absent.txt")
