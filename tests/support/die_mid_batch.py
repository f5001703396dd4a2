"""Project the log and SIGKILL this process inside a batch: rows written, not committed.

Usage: python -m tests.support.die_mid_batch DATABASE_URL
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from projections.parts import PARTS
from projections.parts.packages import PackagesPart
from service.bootstrap import bootstrap
from service.settings import Settings


def main(database_url: str) -> None:
    container = bootstrap(Settings(database_url=database_url, projection_batch_size=7))
    batches = 0
    packages = next(part for part in PARTS if isinstance(part, PackagesPart))
    apply = packages.apply

    def apply_then_die_in_the_second_batch(*args: Any) -> None:
        nonlocal batches
        apply(*args)
        batches += 1
        if batches == 2:  # its rows are written, its position and commit not yet
            os.kill(os.getpid(), signal.SIGKILL)

    packages.apply = apply_then_die_in_the_second_batch  # type: ignore[method-assign]
    container.projector.catch_up()
    print("finished: the process was not killed", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
