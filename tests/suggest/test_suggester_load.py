"""What loading a suggester leaves to the garbage collector. ``Suggester.load`` reads with
the collector held off and freezes what it read without a full collection first (that
walk cost a tenth of a cold start), so whatever cyclic garbage the load makes is kept for
the life of the process: this checks it stays small."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from suggest.suggester import Suggester

# a fresh process: the test session's own collector state (other suggesters frozen,
# garbage of earlier tests) would blur the count
LOAD_AND_COUNT = """
import gc, json, sys
from suggest.suggester import Suggester
gc.collect()
suggester = Suggester.load()  # kept: only what the load dropped is garbage
frozen = gc.get_freeze_count()
enabled = gc.isenabled()
gc.unfreeze()
gc.set_debug(gc.DEBUG_SAVEALL)
gc.collect()
kept = sum(sys.getsizeof(thing) for thing in gc.garbage)
print(json.dumps({"frozen": frozen, "enabled": enabled, "kept": kept}))
"""


def test_a_load_freezes_what_it_read_and_keeps_little_garbage(
    suggester: Suggester, data_dir: Path
) -> None:
    # the session's suggester has built the index and term table caches in data_dir
    ran = subprocess.run(
        [sys.executable, "-c", LOAD_AND_COUNT],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "CODESUGGEST_DATA_DIR": str(data_dir)},
    )
    counts = json.loads(ran.stdout.strip().splitlines()[-1])
    assert counts["enabled"]  # the collector runs again for the notes' own objects
    assert counts["frozen"] > 500_000  # the index and term table, out of its walks
    # spaCy's config parsing leaves ~0.2 MB of cycles; a load that made much more would
    # keep it for good
    assert counts["kept"] < 1_000_000
