"""Child process of test_durability: records feedback in a loop and prints
``ack <decision id> <n>`` only after each commit has returned, until it is killed."""

from __future__ import annotations

import sys

from api.storage.db import make_engine, make_session_factory
from api.storage.feedback import Decision, record_feedback
from api.storage.models import Action
from code_index.records import System


def main(url: str, request_id: str) -> None:
    session = make_session_factory(make_engine(url))()
    n = 0
    while True:
        (record,) = record_feedback(
            session,
            request_id=request_id,
            coder_id="durability",
            decisions=[Decision("E11.22", System.ICD10CM, Action.ACCEPT, reason=f"n{n}")],
            key=None,
        )
        print(f"ack {record.id} {n}", flush=True)
        n += 1


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
