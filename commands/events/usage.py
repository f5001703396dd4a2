"""An account's usage: its counts of packages and running deployments, which its limits are
checked against."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import AggregateCreated

from commands.events.base import AuditedEvent, stable_topic

if TYPE_CHECKING:
    from commands.usage import AccountUsage


@stable_topic
class AccountUsageCreated(AuditedEvent, AggregateCreated):
    """The first counted use of an account's limits."""

    class_version = 1

    def apply(self, aggregate: AccountUsage) -> None:
        aggregate.account_id = self.account_id
        aggregate.packages = 0
        aggregate.running = 0
        aggregate.running_keysets = {}


@stable_topic
class AccountUsageChanged(AuditedEvent):
    """How many packages and running deployments the account has now; and, for each keyset
    whose count the change moved, how many of those run on it (keyset id as text: a JSON
    object's key). Events written before keysets were counted have none."""

    class_version = 2

    packages: int
    running: int
    running_keysets: dict[str, int] | None = None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Written before running deployments were counted by keyset: none counted."""
        state["running_keysets"] = None

    def apply(self, aggregate: AccountUsage) -> None:
        aggregate.packages = self.packages
        aggregate.running = self.running
        if self.running_keysets:
            # Replaced, never changed in place (``AccountUsage.__deepcopy__``).
            counts = {**aggregate.keysets_running(), **self.running_keysets}
            aggregate.running_keysets = {k: count for k, count in counts.items() if count}
