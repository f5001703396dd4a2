"""Run one create and SIGKILL this process after its rows are written, before the commit.

Usage: python -m tests.support.die_mid_save DATABASE_URL PACKAGE_ID NAME
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any
from uuid import UUID

from service.bootstrap import bootstrap
from service.settings import Settings
from tests.support.commands import context, create_package


def kill_before_the_commit(connection: Any) -> None:
    """The rows are written; on PostgreSQL a query whose answer follows the insert's makes
    sure they reached the server (in pipeline mode statements wait for a result)."""
    if hasattr(connection, "pipeline"):
        connection.execute("SELECT 1").fetchall()
    os.kill(os.getpid(), signal.SIGKILL)


def main(database_url: str, package_id: str, name: str) -> None:
    container = bootstrap(Settings(database_url=database_url))
    container.commands.group_commit.streams.recorder.rows_written = kill_before_the_commit
    command = create_package(name=name, package_id=UUID(package_id))
    container.commands.run(command, context(account_id=1))
    print("committed: the process was not killed", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
