"""Progress bars for the long steps (first-use index and term-table builds, training,
evaluation), on stderr and only where a person watches it: tqdm leaves them out when
stderr is not a terminal, and ``codesuggest --quiet`` leaves them out everywhere.

Bars open when their work starts, so a second run, which finds the index and term
table built, shows nothing."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from tqdm import tqdm

from suggest.suggester import FirstUseProgress

# stages of an index build from the embedded defaults (code_index.build.build_index)
DEFAULT_INDEX_STAGES = 5
_quiet = False


def set_quiet(quiet: bool) -> None:
    """``--quiet``: no progress bars whatever stderr is."""
    global _quiet
    _quiet = quiet


def bar(desc: str, total: int | None, unit: str) -> tqdm:
    """A bar on stderr, shown only to a terminal and never with --quiet (close it)."""
    return tqdm(
        total=total, desc=desc, unit=unit, file=sys.stderr, disable=True if _quiet else None
    )


@contextmanager
def first_use() -> Iterator[FirstUseProgress]:
    """Bars for the builds a first use may run: the index's stages, then the term
    table's records. Nothing is shown where nothing is built."""
    with ExitStack() as stack:
        bars: dict[str, tqdm] = {}

        def opened(name: str, total: int, unit: str) -> tqdm:
            if name not in bars:
                bars[name] = stack.enter_context(bar(name, total, unit))
            return bars[name]

        def index_step(stage: str) -> None:
            shown = opened("building the code index (first use)", DEFAULT_INDEX_STAGES, "step")
            shown.set_postfix_str(stage)
            shown.update(1)

        def term_table(done: int, total: int) -> None:
            shown = opened("building the term table (first use)", total, "code")
            shown.update(done - shown.n)

        yield FirstUseProgress(index_step=index_step, term_table=term_table)
