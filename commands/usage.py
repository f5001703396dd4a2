"""What an account uses of its limits, counted in the transaction of each change."""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import BaseAggregate

from commands.context import CommandContext, event_metadata
from commands.events import AccountUsageChanged, AccountUsageCreated, stable_topic

ACCOUNT_USAGE_NAMESPACE = uuid5(NAMESPACE_URL, "urn:faas-packages:account-usage")


@stable_topic
class AccountUsage(BaseAggregate[UUID]):
    """What an account uses of its limits (packages, running deployments). Saved in the same
    transaction as the change it counts, so two commands can never both pass a limit."""

    account_id: int
    packages: int
    running: int

    def __init__(self) -> None:
        """State is set by ``AccountUsageCreated.apply``."""

    def __deepcopy__(self, memo: dict[int, Any]) -> AccountUsage:
        # Every attribute is a number or a string (events replace them, never change them
        # in place): a shallow copy with its own pending events is a deep one. It is copied
        # for every command of a batch, so this matters.
        clone = copy.copy(self)
        clone._pending_events = list(self._pending_events)
        return clone

    @staticmethod
    @lru_cache(maxsize=4096)  # every command of an account asks, often several times
    def id_for(account_id: int) -> UUID:
        return uuid5(ACCOUNT_USAGE_NAMESPACE, str(account_id))

    @classmethod
    def open(cls, existing: AccountUsage | None, context: CommandContext) -> AccountUsage:
        if existing is not None:
            return existing
        return cls._create(
            AccountUsageCreated, id=cls.id_for(context.account_id), **event_metadata(context)
        )

    def change(self, context: CommandContext, *, packages: int = 0, running: int = 0) -> None:
        self.trigger_event(
            AccountUsageChanged,
            packages=self.packages + packages,
            running=self.running + running,
            **event_metadata(context),
        )
