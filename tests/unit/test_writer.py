"""The writer's queue: batches, and commands taken in by a batch that waits for a lock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from commands.group_commit import Job, Writer

A, B, C = 1, 2, 3


def named(name: str) -> Callable[[], Callable[[int], str]]:
    return lambda: lambda _position: name


def test_one_accounts_commands_are_decided_in_order_when_many_were_held_back() -> None:
    """More commands of other accounts held back than a batch takes: a later batch that
    takes in commands of its account takes the held ones before newer queued ones."""
    decided: list[str] = []
    first_batch_may_go = threading.Event()
    newer: list[Future[str]] = []

    def run_batch(jobs: list[Job[Any]]) -> None:
        accounts = {job.account_id for job in jobs}
        if accounts == {B}:
            first_batch_may_go.wait(5)
        if A in accounts and not newer:
            # A newer command of account A arrives while this batch waits for its lock.
            newer.append(writer.submit(named("A3"), A))
        jobs.extend(writer.take_waiting(accounts, 10))
        for job in jobs:
            decided.append(job.decide()(0))
            job.future.set_result(decided[-1])

    writer = Writer(run_batch, max_batch=2)
    writer.submit(named("B1"), B)
    time.sleep(0.1)  # the first batch is B1 alone, waiting
    older = [
        writer.submit(named(name), account) for name, account in (("A1", A), ("C1", C), ("A2", A))
    ]
    first_batch_may_go.set()
    for future in (*older, *newer):
        future.result(5)
    writer.stop(5)

    assert decided.index("A1") < decided.index("A2") < decided.index("A3"), decided
    assert sorted(decided) == ["A1", "A2", "A3", "B1", "C1"]
