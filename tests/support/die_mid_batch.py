"""Project the log and SIGKILL this process inside a batch: rows written, not committed.

Usage: python -m tests.support.die_mid_batch DATABASE_URL
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

import projections.projection as projection
from service.bootstrap import bootstrap
from service.settings import Settings


def main(database_url: str) -> None:
    container = bootstrap(Settings(database_url=database_url, projection_batch_size=7))
    batches = 0
    write = projection._write

    def write_then_die_in_the_second_batch(*args: Any) -> None:
        nonlocal batches
        write(*args)
        batches += 1
        if batches == 2:
            os.kill(os.getpid(), signal.SIGKILL)

    projection._write = write_then_die_in_the_second_batch  # type: ignore[assignment]
    container.projector.catch_up()
    print("finished: the process was not killed", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
