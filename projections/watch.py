"""How far the read model has come: what a command waits on before it answers."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import weakref
from collections.abc import Callable

import psycopg

from commands.answering import answers_together, call_soon_in
from projections.database import DatabaseUnavailableError
from projections.projection import READ_MODEL_CHANNEL

logger = logging.getLogger("faas.projections")

# Between wake-ups, the position is also read from the database, once per interval for all
# waiters of a process: the way to learn of a projection running in another process on
# SQLite (on PostgreSQL, notifications come first and this is only a fallback).
POLL_SECONDS = {"sqlite": 0.01, "postgres": 0.1}


class PositionWatch:
    """The newest read-model position this process has heard of, with async waiters."""

    def __init__(self, read_position: Callable[[], int], poll_seconds: float = 0.01) -> None:
        self._read_position = read_position
        self._poll_seconds = poll_seconds
        self._position = 0
        self._lock = threading.Lock()
        self._waiters: list[tuple[int, asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        # The read in flight (per event loop), and when the last one started: however many
        # requests wait, a process reads the position at most once per interval.
        self._polls: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Future[None]] = (
            weakref.WeakKeyDictionary()
        )
        self._last_poll = 0.0

    @property
    def position(self) -> int:
        return self._position

    def advance(self, position: int) -> None:
        """Record that the read model has reached ``position``; wake whoever waited for it."""
        with self._lock:
            if position <= self._position:
                return
            self._position = position
            ready = [waiter for waiter in self._waiters if waiter[0] <= position]
            self._waiters = [waiter for waiter in self._waiters if waiter[0] > position]
        # One wake-up per event loop, however many of its requests waited for this.
        with answers_together():
            for _, loop, future in ready:
                call_soon_in(loop, _resolve, future)

    async def wait_for(self, target: int, timeout: float) -> bool:
        """Whether the read model reached ``target`` within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        loop = asyncio.get_running_loop()
        while self._position < target:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            future: asyncio.Future[None] = loop.create_future()
            with self._lock:
                if self._position >= target:
                    return True
                self._waiters.append((target, loop, future))
            # A timer rather than ``asyncio.wait_for``, which costs a request several
            # objects and callbacks more.
            timer = loop.call_later(min(self._poll_seconds, remaining), _resolve, future)
            try:
                await future
            finally:
                timer.cancel()
            if self._position < target:  # the timer went off: not heard of yet
                self._forget(future)
                await self._poll(loop)
        return True

    async def _poll(self, loop: asyncio.AbstractEventLoop) -> None:
        """Join the read in flight, or start one if the last began an interval ago."""
        poll = self._polls.get(loop)
        if poll is None or poll.done():
            if time.monotonic() - self._last_poll < self._poll_seconds:
                return
            self._last_poll = time.monotonic()
            poll = self._polls[loop] = asyncio.ensure_future(self._read())
        await asyncio.shield(poll)

    async def _read(self) -> None:
        try:
            self.advance(await asyncio.to_thread(self._read_position))
        except DatabaseUnavailableError as error:
            logger.debug("read-model position not readable now: %s", error)

    def _forget(self, future: asyncio.Future[None]) -> None:
        with self._lock:
            self._waiters = [waiter for waiter in self._waiters if waiter[2] is not future]


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class PositionListener:
    """Hears the projection's commits from other processes (PostgreSQL ``LISTEN``)."""

    def __init__(self, conninfo: str, watch: PositionWatch) -> None:
        self.conninfo = conninfo
        self.watch = watch
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="read-model-listener", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {READ_MODEL_CHANNEL}")
                    while not self._stopped.is_set():
                        for notify in conn.notifies(timeout=0.1):
                            self.watch.advance(int(notify.payload))
            except (psycopg.Error, ValueError) as error:
                logger.warning("read-model listener reconnecting after: %s", error)
                self._stopped.wait(1)
