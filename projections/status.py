"""How far the read model has come: the live generation's position against the head of the log,
the age of the oldest event it has yet to apply, where an unfinished rebuild stands, and the
event the projection cannot apply, if it has stopped at one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from projections.failure import ProjectionFailure, failure_of
from projections.projector import Projector
from projections.schema import REBUILD, generation_for, live_generation


@dataclass(frozen=True, slots=True)
class ReadModelStatus:
    position: int
    head: int
    rebuild_position: int | None
    failure: ProjectionFailure | None = None

    @property
    def lag_events(self) -> int:
        return self.head - self.position


def read_model_status(projector: Projector) -> ReadModelStatus:
    """The positions as stored now, for readiness and metrics alike."""
    database = projector.database
    with database.read() as cursor:
        live = live_generation(database, cursor)
        rebuilding = generation_for(database, cursor, REBUILD)
        failure = None if live is None else failure_of(database, cursor, live.number)
    if failure is not None and live is not None and failure.position <= live.position:
        failure = None  # applied since, by a process that did not see it fail
    # The log is read after the read model: the projection never passes the head, so the lag
    # can only come out too large by what was written in between, never negative.
    return ReadModelStatus(
        position=0 if live is None else live.position,
        head=projector.log.head(),
        rebuild_position=None if rebuilding is None else rebuilding.position,
        failure=failure,
    )


def oldest_unprojected_age(projector: Projector, position: int, now: datetime) -> float:
    """Seconds since the first event after ``position`` was requested; 0 when there is none."""
    events = projector.log.after(position, 1)
    if not events:
        return 0.0
    requested_at: datetime = events[0][1].timestamp
    return max(0.0, (now - requested_at).total_seconds())
