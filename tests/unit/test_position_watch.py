"""The read-model position a process has heard of, and the requests that wait for it."""

from __future__ import annotations

import asyncio
import threading
import time

from projections.watch import PositionWatch
from tests.support.event_loops import CountingLoop


def test_waiters_of_one_loop_are_woken_together_when_the_position_is_reached() -> None:
    """Five requests wait for positions 3 to 7; the projection reports 5, then 7, from
    another thread: one wake-up of the loop each time, and each waiter returns when its
    position is in."""
    watch = PositionWatch(lambda: 0, poll_seconds=30)
    returned: list[int] = []

    async def wait(target: int) -> None:
        assert await watch.wait_for(target, timeout=30)
        returned.append(target)

    def project() -> None:
        time.sleep(0.1)
        watch.advance(5)
        time.sleep(0.1)
        watch.advance(7)

    async def main() -> None:
        waiters = [asyncio.ensure_future(wait(target)) for target in range(3, 8)]
        await asyncio.sleep(0)
        threading.Thread(target=project).start()
        await asyncio.gather(*waiters)

    loop = CountingLoop()
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()
    assert sorted(returned[:3]) == [3, 4, 5]
    assert sorted(returned[3:]) == [6, 7]
    assert loop.wake_ups == 2


def test_a_waiter_that_hears_nothing_reads_the_position_and_gives_up_at_its_timeout() -> None:
    """No notification comes: the waiter reads the position itself after each poll
    interval, returns True once that read shows its position, or False at its timeout."""
    position = 0
    reads: list[float] = []

    def read_position() -> int:
        reads.append(time.monotonic())
        return position

    async def main() -> tuple[bool, bool]:
        nonlocal position
        watch = PositionWatch(read_position, poll_seconds=0.05)
        started = time.monotonic()
        timed_out = await watch.wait_for(1, timeout=0.3)
        waited = time.monotonic() - started
        assert 0.3 <= waited < 5, waited
        position = 1
        return timed_out, await watch.wait_for(1, timeout=5)

    timed_out, reached = asyncio.run(main())
    assert (timed_out, reached) == (False, True)
    assert len(reads) >= 3
