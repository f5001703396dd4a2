"""The write side's door: a command in, its committed result (or a domain error) out; and
the event store it writes to."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future
from functools import partial
from typing import Any, ClassVar, TypeVar, cast
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import Transcoder
from eventsourcing.utils import Environment

from commands.command import Command
from commands.context import CommandContext
from commands.group_commit import Committed, GroupCommit
from commands.handlers import Handling
from commands.idempotency import Idempotency
from commands.kv import KvCounter, KvEntry
from commands.package import Package
from commands.package_state import SNAPSHOT_TRANSCODINGS
from commands.transcoding import FastJSONTranscoder
from commands.usage import AccountUsage

R = TypeVar("R")


class EventStore(Application[UUID]):
    """The event store as the library's application: its recorder (one of
    ``commands.persistence``'s, chosen by ``PERSISTENCE_MODULE``), its transcoder and its
    snapshots. Commands never call its ``save()``: they go through the group commit."""

    name = "Packages"
    # Streams that grow for good: loaded from a recent snapshot. A package's holds no code,
    # a KV entry's no value. A hot counter is kept in memory between batches, and a snapshot
    # is a write of its own after the batch's commit: every 1,000 changes, not every few
    # batches.
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {
        AccountUsage: 100,
        Package: 50,
        KvEntry: 100,
        KvCounter: 1000,
    }
    snapshot_class = Snapshot

    def construct_transcoder(self) -> Transcoder:
        transcoder = FastJSONTranscoder()
        self.register_transcodings(transcoder)
        for transcoding in SNAPSHOT_TRANSCODINGS:
            transcoder.register(transcoding)
        return transcoder

    def construct_env(self, name: str, env: Mapping[str, str] | None = None) -> Environment:
        # Only the settings we are given: the process environment must not
        # reconfigure the store behind the service's validated settings.
        return Environment(name, {**dict(env or {}), "IS_SNAPSHOTTING_ENABLED": "y"})


class Commands:
    """Runs each command through its handler in the group commit's next batch."""

    def __init__(
        self, group_commit: GroupCommit, handlers: Mapping[type[Any], Handling[Any, Any]]
    ) -> None:
        self.group_commit = group_commit
        self._handlers = handlers

    def submit(
        self,
        command: Command[R],
        context: CommandContext,
        idempotency: Idempotency | None = None,
    ) -> Future[Committed[R]]:
        """Start the command without waiting: its answer, or its error, comes in the future
        (for callers that must not block, such as an event loop; this does no I/O)."""
        handling = self._handlers[type(command)]
        future = self.group_commit.submit(
            partial(handling.handle, command),
            context,
            handling.reads(command, context),
            idempotency,
        )
        return cast("Future[Committed[R]]", future)

    def run(
        self,
        command: Command[R],
        context: CommandContext,
        idempotency: Idempotency | None = None,
    ) -> Committed[R]:
        """The command's committed result, waiting for it."""
        return self.submit(command, context, idempotency).result()

    def close(self) -> None:
        self.group_commit.stop()
