"""The writer's queue: batches, commands taken in by a batch that waits for a lock, and how
an event loop awaits their answers."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from commands.answering import answered, answers_together
from commands.writer import Writer
from tests.support.event_loops import CountingLoop

A, B, C = 1, 2, 3


@dataclass
class Named:
    """A job that answers its name."""

    name: str
    account_id: int
    future: Future[str] = field(default_factory=Future)


def test_one_accounts_commands_are_decided_in_order_when_many_were_held_back() -> None:
    """More commands of other accounts held back than a batch takes: a later batch that
    takes in commands of its account takes the held ones before newer queued ones."""
    decided: list[str] = []
    first_batch_may_go = threading.Event()
    newer: list[Future[str]] = []

    def run_batch(jobs: list[Named]) -> None:
        accounts = {job.account_id for job in jobs}
        if accounts == {B}:
            first_batch_may_go.wait(5)
        if A in accounts and not newer:
            # A newer command of account A arrives while this batch waits for its lock.
            newer.append(writer.submit(Named("A3", A)).future)
        jobs.extend(writer.take_waiting(accounts, 10))
        for job in jobs:
            decided.append(job.name)
            job.future.set_result(decided[-1])

    writer = Writer(run_batch, max_batch=2)
    writer.submit(Named("B1", B))
    time.sleep(0.1)  # the first batch is B1 alone, waiting
    older = [
        writer.submit(Named(name, account)).future
        for name, account in (("A1", A), ("C1", C), ("A2", A))
    ]
    first_batch_may_go.set()
    for future in (*older, *newer):
        future.result(5)
    writer.stop(5)

    assert decided.index("A1") < decided.index("A2") < decided.index("A3"), decided
    assert sorted(decided) == ["A1", "A2", "A3", "B1", "C1"]


def test_the_answers_of_a_batch_wake_an_event_loop_once() -> None:
    """Six commands awaited on one event loop, answered in two batches (one command, then
    five): two wake-ups of the loop, and every command gets its own answer or error."""
    first_batch_taken, first_batch_may_go = threading.Event(), threading.Event()

    def run_batch(jobs: list[Named]) -> None:
        first_batch_taken.set()
        first_batch_may_go.wait(5)
        for job in jobs:
            name = job.name
            if name == "refused":
                job.future.set_exception(ValueError(name))
            else:
                job.future.set_result(name)

    writer = Writer(run_batch, max_batch=10)
    names = ["first", "a", "b", "refused", "c", "d"]

    async def main() -> list[Any]:
        first = asyncio.ensure_future(answered(writer.submit(Named(names[0], A)).future))
        while not first_batch_taken.is_set():  # the first command, alone
            await asyncio.sleep(0.01)
        rest = [
            asyncio.ensure_future(answered(writer.submit(Named(n, A)).future)) for n in names[1:]
        ]
        await asyncio.sleep(0)  # each awaits its answer before the writer may give it
        first_batch_may_go.set()
        return await asyncio.gather(first, *rest, return_exceptions=True)

    loop = CountingLoop()
    try:
        answers = loop.run_until_complete(main())
    finally:
        loop.close()
        writer.stop(5)

    assert [str(answer) for answer in answers] == names
    assert isinstance(answers[3], ValueError)
    assert loop.wake_ups == 2


def test_an_awaited_command_given_up_before_its_batch_is_dropped() -> None:
    """The request awaiting a command is cancelled while the writer is busy: the command is
    never decided."""
    taken, may_go = threading.Event(), threading.Event()
    decided: list[str] = []

    def run_batch(jobs: list[Named]) -> None:
        taken.set()
        may_go.wait(5)
        for job in jobs:
            decided.append(job.name)
            job.future.set_result(decided[-1])

    writer = Writer(run_batch, max_batch=10)

    async def main() -> None:
        blocker = writer.submit(Named("blocker", A)).future
        while not taken.is_set():
            await asyncio.sleep(0.01)
        waiting = asyncio.ensure_future(answered(writer.submit(Named("given up", A)).future))
        await asyncio.sleep(0)
        waiting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiting
        may_go.set()
        await answered(blocker)

    asyncio.run(main())
    writer.stop(5)
    assert decided == ["blocker"]


def test_answers_given_in_a_nested_block_leave_at_its_end() -> None:
    """A batch split into one-command transactions answers each as it commits: the answers
    of an inner ``answers_together`` block reach the loop when that block ends, not when the
    outer one does."""
    first_heard = threading.Event()
    first, second = Future[str](), Future[str]()
    heard_before_outer_end: list[bool] = []

    def writer_thread() -> None:
        with answers_together():
            with answers_together():
                first.set_result("first")
            heard_before_outer_end.append(first_heard.wait(5))
            second.set_result("second")

    async def main() -> list[str]:
        async def first_answer() -> str:
            answer = await answered(first)
            first_heard.set()
            return answer

        waiting = [asyncio.ensure_future(first_answer()), asyncio.ensure_future(answered(second))]
        await asyncio.sleep(0)  # both await their answers
        thread = threading.Thread(target=writer_thread)
        thread.start()
        answers = await asyncio.gather(*waiting)
        thread.join(5)
        return answers

    assert asyncio.run(main()) == ["first", "second"]
    assert heard_before_outer_end == [True]
