"""Corpus readers on the real CodiEsp splits and on good and bad JSONL rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from code_index.records import System
from suggest.setting import Setting
from training.corpora import (
    CODIESP_SETTING,
    CorpusError,
    GoldCode,
    LabeledNote,
    Patient,
    parse_corpus_spec,
    read_codiesp,
    read_jsonl,
)


def _tsv_rows(path: Path) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


@pytest.mark.parametrize(
    ("split", "notes", "diagnoses", "procedures"),
    [("train", 500, 5639, 1550), ("dev", 250, 2677, 817)],
)
def test_codiesp_split_reads_every_note_and_code(
    shared_data: Path, split: str, notes: int, diagnoses: int, procedures: int
) -> None:
    split_dir = shared_data / "codiesp" / split
    read = read_codiesp(split_dir)
    assert read.problems == []
    assert len(read.notes) == notes
    assert read.code_counts == {System.ICD10CM: diagnoses, System.ICD10PCS: procedures}
    # the counts are the TSV line counts: no line dropped, none repeated within a note
    assert diagnoses == _tsv_rows(split_dir / f"{split}D.tsv")
    assert procedures == _tsv_rows(split_dir / f"{split}P.tsv")
    assert read.duplicate_codes == 0
    assert read.notes_without_codes == 0  # every CodiEsp note has diagnoses
    assert {note.setting for note in read.notes} == {CODIESP_SETTING}
    assert len({note.id for note in read.notes}) == notes
    assert f"{notes} notes" in read.summary()


def test_codiesp_codes_are_normalised_to_display_form(shared_data: Path) -> None:
    read = read_codiesp(shared_data / "codiesp" / "dev")
    notes = {note.id: note for note in read.notes}
    note = notes["S0004-06142005000900016-1"]  # devD.tsv lines 1-12, devP.tsv lines 1-2
    assert note.text.startswith("A 29-year-old woman")
    assert note.codes_for(System.ICD10CM)[:3] == ("Q62.11", "N28.89", "N39.0")  # q62.11 ...
    assert "N23" in note.codes_for(System.ICD10CM)  # n23
    assert note.codes_for(System.ICD10PCS) == ("BT41ZZZ", "CT13")  # bt41zzz, ct13
    injury = notes["S1130-05582008000400008-3"]
    assert "S09.93X" in injury.codes_for(System.ICD10CM)  # s09.93x: no 7th character


def test_codiesp_problems_are_counted_with_file_and_line(tmp_path: Path) -> None:
    split = tmp_path / "dev"
    (split / "text_files_en").mkdir(parents=True)
    (split / "text_files_en" / "a.txt").write_text("Chest pain.\n", encoding="utf-8")
    (split / "text_files_en" / "b.txt").write_text("No findings.\n", encoding="utf-8")
    (split / "devD.tsv").write_text(
        "a\tr07.9\nghost\tn23\na\tnot a code\nbroken line\na\tR07.9\n", encoding="utf-8"
    )
    (split / "devP.tsv").write_text("a\tbw03zzz\n\n", encoding="utf-8")

    read = read_codiesp(split)
    notes = {note.id: note for note in read.notes}
    assert notes["a"].codes == (
        GoldCode(System.ICD10CM, "R07.9"),
        GoldCode(System.ICD10PCS, "BW03ZZZ"),
    )
    assert notes["b"].codes == ()  # kept, counted
    assert read.notes_without_codes == 1
    assert read.duplicate_codes == 1  # r07.9 and R07.9
    assert [problem.split(": ", 1)[0] for problem in read.problems] == [
        f"{split / 'devD.tsv'}:2",  # ghost has no text
        f"{split / 'devD.tsv'}:3",  # not shaped like a code
        f"{split / 'devD.tsv'}:4",  # one column
    ]
    assert "no text" in read.problems[0]
    with pytest.raises(CorpusError, match=r"devD\.tsv:2: .*'ghost'"):
        read_codiesp(split, strict=True)


def test_codiesp_missing_files_are_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="CodiEsp split folder"):
        read_codiesp(tmp_path)


def test_gold_code_normalisation() -> None:
    assert GoldCode(System.ICD10CM, "q62.11").code == "Q62.11"
    assert GoldCode(System.ICD10CM, "n23").code == "N23"
    assert GoldCode(System.ICD10CM, "s09.93x").code == "S09.93X"
    assert GoldCode(System.ICD10CM, "E1122").code == "E11.22"
    assert GoldCode(System.ICD10PCS, "bt41zzz").code == "BT41ZZZ"
    assert GoldCode(System.ICD10PCS, "ct13").code == "CT13"
    assert GoldCode(System.CPT, "99213").code == "99213"
    assert GoldCode(System.HCPCS, "j1100").code == "J1100"
    with pytest.raises(ValueError, match="icd10cm"):
        GoldCode(System.ICD10CM, "99213")


def _write_jsonl(path: Path, rows: list[object]) -> Path:
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD_TEXT = "Type 2 diabetes with CKD stage 3."
GOOD = {
    "id": "n1",
    "text": GOOD_TEXT,
    "codes": [
        {"system": "icd10cm", "code": "e11.22"},
        {"system": "icd10cm", "code": "N18.30"},
        {"system": "icd10cm", "code": "E11.22"},
    ],
    "setting": "outpatient",
}


def test_jsonl_good_rows(tmp_path: Path) -> None:
    path = _write_jsonl(
        tmp_path / "notes.jsonl",
        [GOOD, "", {"id": "n2", "text": "Well visit.", "codes": []}],
    )
    read = read_jsonl(path)
    assert read.problems == []
    assert read.notes == [
        LabeledNote(
            "n1",
            GOOD_TEXT,
            (GoldCode(System.ICD10CM, "E11.22"), GoldCode(System.ICD10CM, "N18.30")),
            Setting.OUTPATIENT,
            corpus=f"jsonl:{path}",
        ),
        LabeledNote("n2", "Well visit.", (), Setting.OUTPATIENT, corpus=f"jsonl:{path}"),
    ]
    assert read.duplicate_codes == 1
    assert read.notes_without_codes == 1


def test_jsonl_reads_must_not_codes_reasons_patient_and_kind(tmp_path: Path) -> None:
    row = {
        "id": "us-1",
        "kind": "office_visit",
        "specialty": "endocrinology",
        "patient": {"sex": "female", "age": 58},
        "text": "A&P: 1. DM2 without complications.",
        "codes": [{"system": "icd10cm", "code": "e11.9", "reason": "type 2, I.A.15 'without'"}],
        "must_not": [{"system": "icd10cm", "code": "E10.9", "reason": "type 2 documented"}],
    }
    (note,) = read_jsonl(_write_jsonl(tmp_path / "notes.jsonl", [row])).notes
    assert note.kind == "office_visit" and note.patient == Patient("female", 58)
    assert note.codes[0].reason == "type 2, I.A.15 'without'"
    assert note.codes == (GoldCode(System.ICD10CM, "E11.9"),)  # a reason does not change equality
    assert note.rejected_for(System.ICD10CM) == ("E10.9",) and note.rejected_for(System.CPT) == ()
    assert note.rejected[0].reason == "type 2 documented"


BAD_ROWS: list[tuple[object, str]] = [
    ("{not json", "invalid JSON"),
    (["a list"], "expected a JSON object"),
    ({"text": "x", "codes": []}, "missing or empty 'id'"),
    ({"id": "n3", "codes": []}, "missing or empty 'text'"),
    ({"id": "n3", "text": "  ", "codes": []}, "missing or empty 'text'"),
    ({"id": "n3", "text": "x"}, "'codes' must be a list"),
    ({"id": "n3", "text": "x", "codes": [{"system": "icd9", "code": "250.00"}]}, "unknown system"),
    ({"id": "n3", "text": "x", "codes": [{"system": "icd10cm", "code": 25000}]}, "not a string"),
    ({"id": "n3", "text": "x", "codes": [{"system": "cpt", "code": "E11.9"}]}, "cpt code"),
    ({"id": "n3", "text": "x", "codes": ["E11.9"]}, "must be an object"),
    ({"id": "n3", "text": "x", "codes": [], "setting": 3}, "'setting'"),
    ({"id": "n3", "text": "x", "codes": [], "kind": ""}, "'kind'"),
    ({"id": "n3", "text": "x", "codes": [], "must_not": "E10.9"}, "'must_not' must be a list"),
    ({"id": "n3", "text": "x", "codes": [], "must_not": [{"system": "icd10cm"}]}, "not a string"),
    (
        {"id": "n3", "text": "x", "codes": [{"system": "icd10cm", "code": "I10", "reason": 1}]},
        "reason",
    ),
    ({"id": "n3", "text": "x", "codes": [], "patient": "58F"}, "'patient' must be an object"),
    ({"id": "n3", "text": "x", "codes": [], "patient": {"sex": "F"}}, "sex 'F'"),
    ({"id": "n3", "text": "x", "codes": [], "patient": {"age": "58"}}, "age '58'"),
    (GOOD, "id 'n1' already used on line 1"),
]


@pytest.mark.parametrize(("row", "message"), BAD_ROWS)
def test_jsonl_bad_row_is_counted_or_raised(tmp_path: Path, row: object, message: str) -> None:
    path = _write_jsonl(tmp_path / "notes.jsonl", [GOOD, row])
    read = read_jsonl(path)
    assert [note.id for note in read.notes] == ["n1"]  # the bad row is skipped whole
    assert len(read.problems) == 1
    assert read.problems[0].startswith(f"{path}:2: ")
    assert message in read.problems[0]
    with pytest.raises(CorpusError, match=r"notes\.jsonl:2: "):
        read_jsonl(path, strict=True)


def test_jsonl_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not found"):
        read_jsonl(tmp_path / "absent.jsonl")


def test_parse_corpus_spec(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "notes.jsonl", [GOOD])
    read = parse_corpus_spec(f"jsonl:{path}")
    assert [note.id for note in read.notes] == ["n1"]
    assert read.source == f"jsonl:{path}"
    with pytest.raises(CorpusError, match="codiesp:PATH"):
        parse_corpus_spec(f"csv:{path}")
    with pytest.raises(CorpusError, match="codiesp:PATH"):
        parse_corpus_spec(str(path))
    with pytest.raises(CorpusError, match="does not exist"):
        parse_corpus_spec(f"codiesp:{tmp_path / 'nowhere'}")
    with pytest.raises(CorpusError, match="does not exist"):
        parse_corpus_spec("jsonl:")


def test_parse_corpus_spec_codiesp(shared_data: Path) -> None:
    read = parse_corpus_spec(f"codiesp:{shared_data / 'codiesp' / 'dev'}")
    assert len(read.notes) == 250
