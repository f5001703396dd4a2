"""The event log as the read side sees it: positions and decoded events, in order."""

from __future__ import annotations

from typing import Any

from eventsourcing.application import Application


class EventLog:
    """Reads the application's notification log; the only way the read side sees events."""

    def __init__(self, application: Application[Any]) -> None:
        self.recorder = application.recorder
        self.mapper = application.mapper

    def after(self, position: int, limit: int, stop: int | None = None) -> list[tuple[int, Any]]:
        """Up to ``limit`` events after ``position`` (and not after ``stop``), decoded."""
        notifications = self.recorder.select_notifications(
            position + 1, limit, stop=stop, inclusive_of_start=True
        )
        return [(n.id, self.mapper.to_domain_event(n)) for n in notifications]

    def head(self) -> int:
        """The position of the newest event (0 for an empty log)."""
        return self.recorder.max_notification_id() or 0
