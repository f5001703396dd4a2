"""Deciding commands in memory, with no store: the handlers as the writer runs them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

from commands.command import Command
from commands.context import CommandContext, Limits
from commands.handlers import handlers
from commands.memory import InMemoryUnitOfWork
from commands.vault import Vault

R = TypeVar("R")
REQUEST_TIME = datetime(2026, 1, 15, 10, 30, tzinfo=UTC)
# The master key of secrets decided in memory.
TEST_VAULT = Vault(bytes(range(32)))


def memory(account_id: int = 7, at: datetime = REQUEST_TIME) -> InMemoryUnitOfWork:
    """An empty in-memory unit of work for one account, its requests at ``at``."""
    return InMemoryUnitOfWork(CommandContext(account_id, "key-1", "req-42", at))


def decide(uow: InMemoryUnitOfWork, command: Command[R], limits: Limits | None = None) -> R:
    """Run ``command`` through its handler, as the writer would, keeping what it stages."""
    handling = handlers(limits or Limits(), TEST_VAULT)[type(command)]
    result: R = uow.run(handling.handle, command)
    return result


def topics(events: list[Any]) -> list[str]:
    return [type(event).__name__ for event in events]
