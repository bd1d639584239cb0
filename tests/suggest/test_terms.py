"""The cached term table: what is saved loads back the same, and a stale cache is rebuilt."""

from __future__ import annotations

import pickle
from pathlib import Path

from code_index.records import System
from suggest.suggester import Suggester
from suggest.terms import TERM_TABLE_FORMAT, TargetCode, TermTable


def test_cached_table_round_trip(suggester: Suggester, tmp_path: Path) -> None:
    table = suggester.table
    path = tmp_path / "terms.pkl"
    table.save(path)
    loaded = TermTable.load(path)
    assert loaded is not None
    saved = {k: v for k, v in table.__dict__.items() if not k.startswith("_")}  # not caches
    assert loaded.__dict__ == saved
    assert loaded.direct_target(System.ICD10CM, "I10") == table.direct_target(System.ICD10CM, "I10")
    assert all(type(target) is TargetCode for target in loaded.targets)


def test_table_of_another_format_is_not_loaded(tmp_path: Path) -> None:
    path = tmp_path / "terms.pkl"
    path.write_bytes(pickle.dumps((TERM_TABLE_FORMAT - 1, {}), protocol=5))
    assert TermTable.load(path) is None
    assert TermTable.load(tmp_path / "absent.pkl") is None


def test_a_type_letter_a_is_a_required_word() -> None:
    from suggest.terms import LETTER_A, Synonyms, term_words

    synonyms = Synonyms(())
    assert LETTER_A in term_words("Hepatitis A without hepatic coma", synonyms)
    assert LETTER_A in term_words("Vitamin A deficiency, unspecified", synonyms)
    assert LETTER_A not in term_words("A disorder of the liver", synonyms)
