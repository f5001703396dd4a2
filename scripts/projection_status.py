"""``faas-packages project --status``: where the read model stands, and what stopped it."""

from __future__ import annotations

from projections.status import ReadModelStatus

LABEL_WIDTH = 12


def status_lines(status: ReadModelStatus) -> list[str]:
    """Position, head and lag; an unfinished rebuild; the event the projection cannot apply."""
    rows = [
        ("position", str(status.position)),
        ("head", str(status.head)),
        ("lag", f"{status.lag_events} events"),
    ]
    if status.rebuild_position is not None:
        rows.append(("rebuild", f"unfinished, at position {status.rebuild_position}"))
    failure = status.failure
    if failure is None:
        rows.append(("state", "applying events" if status.lag_events else "caught up"))
    else:
        rows += [
            ("state", "STOPPED before an event it cannot apply"),
            ("failing at", f"{failure.position} ({failure.topic})"),
            ("error", failure.error),
            ("since", _since(failure.first_failed_at, failure.attempts, failure.last_failed_at)),
        ]
    return [f"{label.ljust(LABEL_WIDTH)}{value}" for label, value in rows]


def _since(first: str, attempts: int, last: str) -> str:
    return f"{first} ({attempts} attempts, the last at {last})"
