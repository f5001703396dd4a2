"""The scheduler: carries out scheduled events when they are due, each exactly once.

One process per store leads, like the projection: it holds a PostgreSQL session advisory
lock, or an ``flock`` on a file beside the SQLite read model; the others try again every
second. The leader reads from the read model when it must next act, and sleeps until then:
at most a minute on PostgreSQL, where a change to any schedule wakes it at once (the
projection batch that applies it sends ``NOTIFY faas_schedules``), and a quarter of a second
on SQLite, where it looks again. When a time is due it sends ``RunSchedule``, an ordinary
command whose events name the actor ``scheduler`` and the correlation id ``schedule-<id>``.
That command moves the schedule's state in the same transaction as the start or stop, so it
may be sent again after any crash (or by two leaders at once) and never acts twice; a time
that passed while no scheduler ran is carried out by the next one to lead.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

from commands.application import Commands
from commands.context import CommandContext
from commands.errors import (
    CommitFailedError,
    ConcurrentChangeError,
    NotFoundError,
    StoreUnavailableError,
)
from commands.handlers.schedules import RunSchedule
from commands.schedules import instant, moment_of, to_the_millisecond
from projections.database import (
    PROJECTION_WRITE_LOCK,
    AdvisoryLeaderLock,
    Database,
    FileLeaderLock,
    LeaderLock,
    PostgresDatabase,
    SQLiteDatabase,
)
from projections.leading import LeaderLoop
from projections.parts.schedules import SCHEDULES_CHANNEL
from projections.schedules import DueSchedule, ScheduleReads

logger = logging.getLogger("faas.scheduler")

ACTOR = "scheduler"
# The longest the leader sleeps without looking at the read model again.
CHECK_SECONDS = {"postgres": 60.0, "sqlite": 0.25}
# Schedules read per look: the soonest; more are read once these are done.
UPCOMING = 200
# How long to wait for the read model to show what the leader just did, before looking again.
SETTLE_SECONDS = 5.0
SCHEDULER_LOCK_KEY = PROJECTION_WRITE_LOCK + 2
# Failures of the store: the schedule is tried again after this pause.
TRY_AGAIN = (StoreUnavailableError, ConcurrentChangeError, CommitFailedError)

Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    return datetime.now(UTC)


def scheduler_lock(database: Database) -> LeaderLock:
    """The lock that elects the one scheduler of a store (not the projection's: either may
    run without the other)."""
    if isinstance(database, PostgresDatabase):
        return AdvisoryLeaderLock(
            database.conninfo, SCHEDULES_CHANNEL, database.timeout_seconds, SCHEDULER_LOCK_KEY
        )
    assert isinstance(database, SQLiteDatabase)
    return FileLeaderLock(f"{database.path}.scheduler.lock")


class Scheduler(LeaderLoop):
    """Carries out due schedules while it leads; ``tick`` is one look at the read model."""

    def __init__(
        self,
        commands: Commands,
        reads: ScheduleReads,
        read_position: Callable[[], int],
        lock: LeaderLock,
        *,
        check_seconds: float,
        clock: Clock = wall_clock,
        retry_seconds: float = 1.0,
    ) -> None:
        super().__init__(lock, retry_seconds, name="scheduler", logger=logger)
        self.commands = commands
        self.reads = reads
        self.read_position = read_position
        self.check_seconds = check_seconds
        self.clock = clock
        # The version of each schedule last acted on, until the read model shows its next.
        self._acted: dict[str, int] = {}

    def _lead(self) -> None:
        self.is_leader = True
        self._acted.clear()
        logger.info("carrying out scheduled events from this process")
        while not self._stopped.is_set():
            self.lock.wait_for_events(self.tick())

    def tick(self) -> float:
        """Carry out whatever is due now; the seconds until the leader should look again."""
        now = self.clock()
        upcoming = self.reads.upcoming(UPCOMING)
        listed = {due.id for due in upcoming}
        self._acted = {key: version for key, version in self._acted.items() if key in listed}
        pending = [due for due in upcoming if self._acted.get(due.id) != due.version]
        due_now = [due for due in pending if due.due_dttm <= instant(now)]
        if due_now:
            # Look again at once: more may be due (the end of an overdue one just begun).
            return 0.0 if self._carry_out(due_now, now) else self.retry_seconds
        if not pending:
            return self.check_seconds
        wait = (moment_of(pending[0].due_dttm) - now).total_seconds()
        return min(max(wait, 0.0), self.check_seconds)

    def _carry_out(self, due: list[DueSchedule], now: datetime) -> bool:
        """Send a ``RunSchedule`` for each (together: they share transactions), then wait for
        the read model to show what they did. ``False`` if the store failed some of them."""
        submit = self.commands.submit
        sent = [
            (schedule, submit(RunSchedule(UUID(schedule.id)), _context(schedule, now)))
            for schedule in due
        ]
        done, highest = True, 0
        for schedule, future in sent:
            try:
                committed = future.result()
            except NotFoundError:
                pass  # deleted meanwhile, with its deployment or package: nothing to do
            except TRY_AGAIN as error:
                logger.warning("scheduled event %s: %s; trying again", schedule.id, error)
                done = False
                continue
            except Exception:
                logger.exception("scheduled event %s could not be carried out", schedule.id)
            else:
                highest = max(highest, committed.position)
                for step in committed.value.done:
                    logger.info("scheduled event %s %s", schedule.id, step)
            self._acted[schedule.id] = schedule.version
        self._settle(highest)
        return done

    def _settle(self, position: int) -> None:
        deadline = time.monotonic() + SETTLE_SECONDS
        while not self._stopped.is_set() and time.monotonic() < deadline:
            if self.read_position() >= position:
                return
            self._stopped.wait(0.01)


def _context(schedule: DueSchedule, now: datetime) -> CommandContext:
    return CommandContext(
        account_id=schedule.account_id,
        actor=ACTOR,
        correlation_id=f"schedule-{schedule.id}",
        requested_at=to_the_millisecond(now.astimezone(UTC)),
    )
