"""Run one create and SIGKILL this process after its rows are written, before the commit.

Usage: python -m tests.support.die_mid_save DATABASE_URL PACKAGE_ID NAME
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any
from uuid import UUID

from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

from service.bootstrap import bootstrap
from service.settings import Settings
from tests.support.commands import context, create_package


def die_after(original: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)
        return result

    return wrapper


def inserted_at_the_server(insert: Any) -> Any:
    """The insert, then a query whose answer comes after the insert's: in pipeline mode
    the statements are queued until a result is needed, and the COMMIT is not sent yet."""

    def wrapper(cursor: Any, *args: Any, **kwargs: Any) -> None:
        insert(cursor, *args, **kwargs)
        cursor.connection.execute("SELECT 1").fetchall()

    return wrapper


def main(database_url: str, package_id: str, name: str) -> None:
    container = bootstrap(Settings(database_url=database_url))
    recorder = container.store.recorder
    # The last step before the commit in each recorder: the rows are in the open transaction.
    if isinstance(recorder, SQLiteApplicationRecorder):
        recorder._insert_events = die_after(recorder._insert_events)  # type: ignore[method-assign]
    elif isinstance(recorder, PostgresApplicationRecorder):
        recorder._insert_stored_events = die_after(  # type: ignore[method-assign]
            inserted_at_the_server(recorder._insert_stored_events)
        )
    command = create_package(name=name, package_id=UUID(package_id))
    container.commands.run(command, context(account_id=1))
    print("committed: the process was not killed", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
