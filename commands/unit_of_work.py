"""The unit of work a command handler decides with: ``handle(command, uow) -> result``.

A handler reads aggregates through it, as the store holds them and as the commands decided
before it in the same batch left them, and stages the aggregates it changed; their events
are saved together, in one transaction, or not at all, and with them the side writes it
staged (rows of a side table, such as a secret's wrapped data key). A handler never saves,
commits or retries: the group commit (``commands/group_commit.py``) does, and tests use an
in-memory unit of work with no store at all.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar
from uuid import UUID

from commands.context import CommandContext

A = TypeVar("A")


class UnitOfWork(Protocol):
    @property
    def context(self) -> CommandContext:
        """Who asks, through which request, and when."""
        ...

    def get(self, kind: type[A], aggregate_id: UUID, *, owner: int | None = None) -> A | None:
        """The aggregate, if ``aggregate_id`` is one of ``kind``; with ``owner``, only if
        that account made it, which is found out before the rest of its stream is read."""
        ...

    def exists(self, stream_id: UUID) -> bool:
        """Whether any stream, of any kind, has this id."""
        ...

    def first_event(self, stream_id: UUID) -> object | None:
        """The stream's first event as stored (``None``: no such stream)."""
        ...

    def stage(self, *aggregates: object | None) -> None:
        """Save these aggregates' new events with the command (``None`` is skipped)."""
        ...

    def stage_side_write(self, write: Any) -> None:
        """Apply ``write`` (a ``commands.persistence.SideWrite``) in the transaction that
        saves the command's events, after them; dropped with them if the command fails."""
        ...
