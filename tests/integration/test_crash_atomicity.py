"""A process killed in the middle of a save leaves nothing of the command in the store."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from uuid import uuid4

from service.bootstrap import Container
from tests.support.builders import unique_name
from tests.support.commands import context, create_package

ROOT = Path(__file__).resolve().parents[2]


def test_a_process_killed_mid_save_leaves_no_partial_package(
    container: Container, store_url: str
) -> None:
    package_id, name = uuid4(), unique_name()

    finished = subprocess.run(
        [sys.executable, "-m", "tests.support.die_mid_save", store_url, str(package_id), name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert finished.returncode == -signal.SIGKILL, finished.stdout + finished.stderr
    assert list(container.store.events.get(package_id)) == []
    # The name was not claimed either: the same create now succeeds.
    again = container.commands.run(
        create_package(name=name, package_id=package_id), context(account_id=1)
    )
    assert again.value.id == package_id
