"""SIGKILL of the whole server (every process of it) under create load: nothing answered is
lost, nothing is half-made, and the read model agrees with a replay of the log."""

from __future__ import annotations

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
from tests.support.server import kill_group, server_process

pytestmark = pytest.mark.slow

LOAD_SECONDS = 2.0


def test_sigkill_under_create_load_keeps_every_answered_create_whole(
    store_url: str, tmp_path: Path
) -> None:
    key = issue_key_in(store_url)
    log = tmp_path / "server.log"  # kept for a failing run
    with (
        server_process(store_url, workers=2, env=LOAD_ENV, log=log) as (base, server),
        CreateLoad(base, key, clients=8) as load,
    ):
        load.wait_for_answers(8, timeout=30)
        time.sleep(LOAD_SECONDS)
        kill_group(server)
    outcomes = load.outcomes

    assert server.returncode == -signal.SIGKILL
    assert outcomes.failures == []
    assert outcomes.answered
    with server_process(store_url, env=LOAD_ENV, log=log) as (base, _):
        # Answered as in the read model: readable at once, before any new write.
        fresh = [answer for answer in outcomes.answered if not answer.stale]
        assert answered_problems(base, key, fresh) == []
        fresh_create(base, key, outcomes.sent)
        assert answered_problems(base, key, outcomes.answered) == []
        # Creates in flight at the kill may be there or not, but never in part.
        assert whole_problems(base, key, account_packages(base, key), outcomes.sent) == []
        assert verify_problems(store_url) == []
