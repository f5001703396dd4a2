"""Answers handed from a worker thread to the event loops awaiting them, a loop woken once
for all the answers a thread gives together (each wake-up is a write to the loop's self-pipe
and a turn of the loop)."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from typing import TypeVar

T = TypeVar("T")

logger = logging.getLogger("faas.commands")

# Calls into event loops made inside ``answers_together``, kept per loop until the block ends.
_gathered = threading.local()
Call = tuple[Callable[..., object], tuple[object, ...]]


async def answered(answer: Future[T]) -> T:
    """Await a command's answer on the running event loop (``asyncio.wrap_future``, with the
    loop's wake-up shared by the answers of a batch)."""
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[T] = loop.create_future()
    answer.add_done_callback(lambda done: call_soon_in(loop, _settle, waiter, done))
    try:
        return await waiter
    except asyncio.CancelledError:
        answer.cancel()  # dropped by the writer unless a batch has taken it already
        raise


def _settle(waiter: asyncio.Future[T], answer: Future[T]) -> None:
    if waiter.done():
        return
    if answer.cancelled():
        waiter.cancel()
    elif (error := answer.exception()) is not None:
        waiter.set_exception(error)
    else:
        waiter.set_result(answer.result())


def call_soon_in(
    loop: asyncio.AbstractEventLoop, callback: Callable[..., object], *args: object
) -> None:
    """``loop.call_soon_threadsafe(callback, *args)``, or, inside ``answers_together``,
    together with the block's other calls into ``loop``. A closed loop (its server gone) is
    not called."""
    gathered: dict[asyncio.AbstractEventLoop, list[Call]] | None = getattr(_gathered, "calls", None)
    if gathered is not None:
        gathered.setdefault(loop, []).append((callback, args))
    else:
        _call_soon(loop, callback, *args)


@contextmanager
def answers_together() -> Iterator[None]:
    """Calls into event loops that this thread makes meanwhile (answers to commands) leave
    together at the end: one wake-up per loop. Nested, the inner block's calls leave at its
    own end (a batch split into transactions of one command answers each as it commits)."""
    outer = getattr(_gathered, "calls", None)
    gathered: dict[asyncio.AbstractEventLoop, list[Call]] = {}
    _gathered.calls = gathered
    try:
        yield
    finally:
        _gathered.calls = outer
        for loop, calls in gathered.items():
            _call_soon(loop, _call_each, calls)


def _call_soon(
    loop: asyncio.AbstractEventLoop, callback: Callable[..., object], *args: object
) -> None:
    # A loop closes when its server stops: its requests are gone, and nothing waits.
    with suppress(RuntimeError):
        loop.call_soon_threadsafe(callback, *args)


def _call_each(calls: list[Call]) -> None:
    for callback, args in calls:
        try:
            callback(*args)
        except Exception:  # one caller's failure must not keep the others waiting
            logger.exception("answering a waiter")
