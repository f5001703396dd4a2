"""Packages read by id, kept in memory and still read-your-writes across processes.

A GET by id answers from this process's copy of the package when the read model has not
changed it since the copy was read. To know that without reading the row, each GET waits for
a *check* that began after the GET arrived: it reads where the live read model stands, and
drops the copies of the packages whose streams have events between the last check and that
point (``projections/changes.py``: one statement on PostgreSQL). One check serves every GET
that arrived before it began, so under load a process makes one small query per round of GETs
rather than one per GET; and whatever any process's answer had waited for (a command waits
until the read model has its change) is in the read model before the check, so no GET
answers older than an answer already given.

A rebuild switches to a new generation: the next check drops every copy.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID

import msgspec
from starlette.concurrency import run_in_threadpool

from projections.changes import Changes
from projections.queries import ReadModel
from projections.rows import PackageRow
from projections.schema import Generation
from service import responses

_encoder = msgspec.json.Encoder()
# Copies kept per process, the least recently read dropped first.
CACHED_PACKAGES = 10_000


@dataclass(frozen=True, slots=True)
class Copy:
    """A package as kept: only what its GET answers with, the ``data`` encoded once and the
    version (its ETag). Keeping the row too would double the memory a copy takes."""

    account_id: int
    package_id: str
    version: int
    data: msgspec.Raw

    @classmethod
    def of(cls, account_id: int, row: PackageRow) -> Copy:
        data = msgspec.Raw(_encoder.encode(responses.package(row)))
        return cls(account_id, row.id, row.version, data)


class PackageCache:
    """The packages this process read by id, valid as of ``checked``."""

    def __init__(
        self, read_model: ReadModel, changes: Changes, size: int = CACHED_PACKAGES
    ) -> None:
        self._read_model = read_model
        self._changes = changes
        self._size = size
        self._copies: OrderedDict[str, Copy] = OrderedDict()
        self._checked: Generation | None = None
        self._lock = threading.Lock()
        self._barrier = Barrier(self._check)

    async def package(self, account_id: int, package_id: UUID) -> Copy | None:
        """The account's package as the read model has it now (``None``: not found)."""
        await self._barrier.wait()
        key = str(package_id)
        with self._lock:
            kept = self._copies.get(key)
            if kept is not None and kept.account_id == account_id:
                self._copies.move_to_end(key)
                return kept
        row, point = await run_in_threadpool(
            self._read_model.package_at_point, account_id, package_id
        )
        if row is None or point is None:
            return None
        read = Copy.of(account_id, row)
        self._keep(read, point)
        return read

    def _keep(self, read: Copy, point: Generation) -> None:
        """Keep a copy read at ``point``, unless a check has passed that point since: the
        changes it dropped copies for may include this package's."""
        with self._lock:
            checked = self._checked
            if checked is None or point.number != checked.number:
                return
            if point.position < checked.position:
                return
            package_id = read.package_id
            self._copies[package_id] = read
            self._copies.move_to_end(package_id)
            while len(self._copies) > self._size:
                self._copies.popitem(last=False)

    async def _check(self) -> None:
        """Bring the copies up to where the live read model stands now."""
        with self._lock:
            checked = self._checked
        point, changed = await self._changes.since(checked)
        if point is None:
            return
        with self._lock:
            if self._checked != checked:
                # Another event loop of this process checked meanwhile: keep no copy, and
                # stand at the newer point of the two.
                self._copies.clear()
                newer = self._checked
                if newer is None or newer.number != point.number or newer.position < point.position:
                    self._checked = point
                return
            if changed is None:
                self._copies.clear()
            else:
                for stream_id in changed:
                    self._copies.pop(stream_id, None)
            self._checked = point

    async def close(self) -> None:
        """Let go of what the running event loop holds (its connection for checks)."""
        await self._changes.close()


class Barrier:
    """Awaiting ``wait`` returns once a run of ``check`` that began after the call has
    ended; the callers that arrive while a run is in flight share the next one."""

    def __init__(self, check: Callable[[], Awaitable[None]]) -> None:
        self._check = check
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Round] = (
            weakref.WeakKeyDictionary()
        )

    async def wait(self) -> None:
        loop = asyncio.get_running_loop()
        state = self._loops.get(loop)
        if state is None:
            state = self._loops[loop] = _Round()
        if state.next is None:
            state.next = loop.create_future()
            state.next.add_done_callback(_retrieved)
            if not state.running:
                state.running = True
                state.task = loop.create_task(self._run(state))
        await asyncio.shield(state.next)

    async def _run(self, state: _Round) -> None:
        done: asyncio.Future[None] | None = None
        try:
            while state.next is not None:
                done, state.next = state.next, None
                try:
                    await self._check()
                except Exception as error:  # every waiter of this round gets it (503)
                    done.set_exception(error)
                else:
                    done.set_result(None)
        finally:
            state.running = False
            # Cancelled (the loop is closing): nobody is left waiting for a round forever.
            for left in (done, state.next):
                if left is not None and not left.done():
                    left.cancel()
            state.next = None


class _Round:
    """A loop's next run of the check, and whether one is in flight."""

    def __init__(self) -> None:
        self.next: asyncio.Future[None] | None = None
        self.running = False
        self.task: asyncio.Task[None] | None = None


def _retrieved(future: asyncio.Future[None]) -> None:
    """An error nobody waits for any more is not worth a warning."""
    if not future.cancelled():
        future.exception()
