"""Rebuild the read model and SIGKILL this process after its first committed page.

Usage: python -m tests.support.die_mid_rebuild DATABASE_URL
"""

from __future__ import annotations

import os
import signal
import sys

from projections.rebuild import rebuild
from service.bootstrap import bootstrap
from service.settings import Settings


def main(database_url: str) -> None:
    container = bootstrap(Settings(database_url=database_url))

    def die(position: int, head: int) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    rebuild(container.projector, progress=die, page_size=5)
    print("finished: the process was not killed", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
