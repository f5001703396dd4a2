"""Who asks, when, and within which limits: what every command is decided with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class CommandContext:
    """Who asks, through which request, and when: becomes the metadata of every event."""

    account_id: int
    actor: str
    correlation_id: str
    requested_at: datetime


@dataclass(frozen=True, slots=True)
class Limits:
    """The limits commands are decided within (each set by configuration)."""

    functions_per_revision: int = 50
    packages_per_account: int = 1000
    deployments_per_revision: int = 30
    running_deployments_per_account: int = 100
    revisions_per_package: int = 100
    schedules_per_deployment: int = 100
    test_inputs_per_function_revision: int = 20


def event_metadata(context: CommandContext) -> dict[str, Any]:
    """The metadata every event of a command carries: account, actor, request, time."""
    return {
        "account_id": context.account_id,
        "actor": context.actor,
        "correlation_id": context.correlation_id,
        "timestamp": context.requested_at,
    }
