"""What an account uses of its limits, counted in the transaction of each change."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import BaseAggregate

from commands.context import CommandContext, event_metadata
from commands.events import AccountUsageChanged, AccountUsageCreated, stable_topic

ACCOUNT_USAGE_NAMESPACE = uuid5(NAMESPACE_URL, "urn:faas-packages:account-usage")


@stable_topic
class AccountUsage(BaseAggregate[UUID]):
    """What an account uses of its limits (packages, running deployments), and how many of
    its running deployments run on each keyset. Saved in the same transaction as the change
    it counts, so two commands can never both pass a limit, and a keyset's removal (decided
    under the account's write lock) knows exactly whether any deployment runs on it."""

    account_id: int
    packages: int
    running: int
    # Keyset id (as text) → running deployments on it, for those with any.
    running_keysets: dict[str, int]

    class_version = 2

    def __init__(self) -> None:
        """State is set by ``AccountUsageCreated.apply``."""

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Version 1 did not count deployments by keyset."""
        state.setdefault("running_keysets", {})

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

    def change(
        self,
        context: CommandContext,
        *,
        packages: int = 0,
        running: int = 0,
        started: Sequence[int] = (),
        stopped: Sequence[int] = (),
    ) -> None:
        """Count ``packages`` more (or fewer), and deployments started and stopped on the
        keysets given (``running``: a change not counted by keyset)."""
        keysets = {str(keyset): self.running_on(keyset) for keyset in (*started, *stopped)}
        for keyset in started:
            keysets[str(keyset)] += 1
        for keyset in stopped:
            # Never below 0: a deployment started before keysets were counted was not counted.
            keysets[str(keyset)] = max(0, keysets[str(keyset)] - 1)
        self.trigger_event(
            AccountUsageChanged,
            packages=self.packages + packages,
            running=self.running + running + len(started) - len(stopped),
            running_keysets=keysets or None,
            **event_metadata(context),
        )

    def keysets_running(self) -> dict[str, int]:
        return self.running_keysets

    def running_on(self, keyset_id: int) -> int:
        """Deployments counted as running on the keyset."""
        return self.keysets_running().get(str(keyset_id), 0)

    def counts_every_keyset(self) -> bool:
        """Whether every running deployment is counted on its keyset. A keyset's count never
        exceeds what runs on it (a stop is never counted below 0), so when the counts add up
        to the total, each is exact; until deployments started before keysets were counted
        have stopped, they may not."""
        return sum(self.keysets_running().values()) == self.running
