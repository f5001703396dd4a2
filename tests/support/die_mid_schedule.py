"""Carry out the schedules due at a moment and SIGKILL this process in the middle: with
``written``, once the start's events are written but not committed; with ``committed``, once
they are committed but before anything else (the read model, the answer) has heard of them.

Usage: python -m tests.support.die_mid_schedule DATABASE_URL MOMENT written|committed
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import datetime
from typing import Any

from service.bootstrap import bootstrap
from service.settings import Settings
from tests.support.die_mid_save import kill_before_the_commit


def die(*_: Any) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main(database_url: str, moment: str, when: str) -> None:
    container = bootstrap(Settings(database_url=database_url))
    container.projector.catch_up()  # so the scheduler sees the schedule
    group_commit = container.commands.group_commit
    if when == "written":
        group_commit.streams.recorder.rows_written = kill_before_the_commit
    else:
        group_commit.on_saved = die
    container.scheduler.clock = lambda: datetime.fromisoformat(moment)
    container.scheduler.tick()
    print("carried out: the process was not killed", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
