"""The projection worker SIGKILLed inside its batches, under create load: once a worker runs
again, the read model equals a full rebuild and every answered create reads back whole."""

from __future__ import annotations

import random
import signal
import time
from pathlib import Path

import pytest

from tests.support.keys import issue_key_in
from tests.support.load import LOAD_ENV, CreateLoad
from tests.support.read_back import (
    account_packages,
    answered_problems,
    fresh_create,
    verify_problems,
    whole_problems,
)
from tests.support.server import cli_process, kill_group, run_module, server_process

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
