"""The projection worker SIGKILLed inside its batches, under create load: once a worker runs
again, the read model equals a full rebuild and every answered create reads back whole."""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

import psycopg
import pytest

from projections.database import PROJECTION_WRITE_LOCK
from scripts.cli import EXIT_STALLED
from service.bootstrap import bootstrap
from service.settings import Settings
from tests.support.commands import context, create_package
from tests.support.keys import issue_key_in
from tests.support.load import LOAD_ENV, CreateLoad
from tests.support.read_back import (
    account_packages,
    answered_problems,
    fresh_create,
    verify_problems,
    whole_problems,
)
from tests.support.server import (
    cli_process,
    kill_group,
    new_child,
    process_ended,
    projection_pids,
    run_module,
    server_process,
)

pytestmark = pytest.mark.slow

# The servers only append and wait; the read model is the separate worker's alone. Small
# batches put a kill inside a batch most of the time; short waits keep the load going
# while no worker runs.
PROJECTION_OFF = {
    **LOAD_ENV,
    "FAAS_PROJECTION": "off",
    "FAAS_PROJECTION_BATCH_SIZE": "4",
    "FAAS_READ_YOUR_WRITES_TIMEOUT_SECONDS": "1",
}
KILLS = 3
# The projection has a process of its own only on PostgreSQL (on SQLite it runs in the workers).
OWN_PROCESS_STORES = pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
# Answers past this wait say the read model is stale: the load does not count them as fresh.
PROJECTION_KILLED = {**LOAD_ENV, "FAAS_READ_YOUR_WRITES_TIMEOUT_SECONDS": "1"}


def test_a_projection_worker_killed_mid_batch_resumes_to_what_a_rebuild_makes(
    store_url: str, tmp_path: Path
) -> None:
    key = issue_key_in(store_url)
    log = tmp_path / "server.log"  # kept for a failing run
    with (
        server_process(store_url, env=PROJECTION_OFF, log=log) as (base, _),
        CreateLoad(base, key, clients=8) as load,
    ):
        for _ in range(KILLS):
            with cli_process(store_url, ["project"], env=PROJECTION_OFF) as worker:
                load.wait_for_answers(2, timeout=30, fresh=True)  # it is projecting
                time.sleep(random.uniform(0.05, 0.4))
                kill_group(worker)
            assert worker.returncode == -signal.SIGKILL
        # And once for certain between a batch's writes and its commit.
        load.wait_for_answers(4, timeout=30)
        killed = run_module("tests.support.die_mid_batch", store_url)
        assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
        with cli_process(store_url, ["project"], env=PROJECTION_OFF):
            load.wait_for_answers(2, timeout=30, fresh=True)
            outcomes = load.stop()
            fresh_create(base, key, outcomes.sent)

            assert outcomes.failures == []
            assert answered_problems(base, key, outcomes.answered) == []
            packages = account_packages(base, key)
            assert whole_problems(base, key, packages, outcomes.sent) == []
            assert verify_problems(store_url) == []


@OWN_PROCESS_STORES
def test_the_projection_process_of_a_server_is_restarted_when_killed(
    store_url: str, tmp_path: Path
) -> None:
    key = issue_key_in(store_url)
    with (
        server_process(store_url, workers=2, env=PROJECTION_KILLED, log=tmp_path / "log") as (
            base,
            server,
        ),
        CreateLoad(base, key, clients=4) as load,
    ):
        load.wait_for_answers(2, timeout=30, fresh=True)
        (projection,) = projection_pids(server)
        os.kill(projection, signal.SIGKILL)
        again = new_child(server, projection_pids, {projection}, timeout=15)
        # Answers wait for the read model: fresh ones again mean the new process projects.
        load.wait_for_answers(4, timeout=30, fresh=True)
        outcomes = load.stop()

        assert again != projection
        assert outcomes.failures == []
        assert answered_problems(base, key, outcomes.answered) == []
        assert verify_problems(store_url) == []


@OWN_PROCESS_STORES
def test_the_projection_process_stops_when_its_server_is_killed(
    store_url: str, tmp_path: Path
) -> None:
    with server_process(store_url, workers=2, log=tmp_path / "log") as (_, server):
        (projection,) = projection_pids(server)
        os.kill(server.pid, signal.SIGKILL)  # no chance to stop its children itself

        assert process_ended(projection, timeout=15)


@OWN_PROCESS_STORES
def test_a_projection_process_whose_step_stalls_exits_and_the_next_catches_up(
    store_url: str, tmp_path: Path
) -> None:
    """A step waiting for ever (here on the projection's write lock, held elsewhere) would
    leave the read model behind for good: past FAAS_PROJECTION_STALL_SECONDS the process
    exits, for whoever runs it (``serve``'s supervisor) to start a new one."""
    log = tmp_path / "projection.log"
    stalling = {"FAAS_PROJECTION_STALL_SECONDS": "2"}
    container = bootstrap(Settings(database_url=store_url, projection="off"))
    try:
        with psycopg.connect(store_url, autocommit=True) as holder:
            with (
                log.open("wb") as output,
                cli_process(store_url, ["project"], env=stalling, output=output) as worker,
            ):
                _wait_for_output(log, b"projecting", timeout=30)
                holder.execute("SELECT pg_advisory_lock(%s)", (PROJECTION_WRITE_LOCK,))
                container.commands.run(create_package(), context())
                worker.wait(timeout=30)

            assert worker.returncode == EXIT_STALLED, log.read_text()
            assert "FAAS_PROJECTION_STALL_SECONDS" in log.read_text()
            holder.execute("SELECT pg_advisory_unlock(%s)", (PROJECTION_WRITE_LOCK,))

        head = container.store.recorder.max_notification_id() or 0
        with cli_process(store_url, ["project"], env=stalling):
            deadline = time.monotonic() + 30
            while container.projector.position() < head and time.monotonic() < deadline:
                time.sleep(0.1)

            assert container.projector.position() >= head
    finally:
        container.close()


def _wait_for_output(log: Path, text: bytes, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_bytes():
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)
