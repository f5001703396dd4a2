"""Runs the live projection: elects one leader per store, then applies batches as events land."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from projections.database import Database
from projections.failure import EventNotAppliedError, clear_failures, record_failure
from projections.leading import LeaderLoop
from projections.notary import Notary
from projections.projector import Projector
from projections.rows import iso_millis
from projections.schema import live_generation_now
from projections.watch import PositionWatch

logger = logging.getLogger("faas.projections")

# An event that cannot be applied is tried again after 1 s, then 2, 4 ... up to this: a fix
# deployed is picked up within that time (at once by a restarted process), and a failure
# that never ends costs a transaction a minute.
MAX_RETRY_SECONDS = 60.0
# How often the leader does its upkeep of the live read model.
UPKEEP_SECONDS = 1.0


def retry_pause(attempts: int, first: float, most: float = MAX_RETRY_SECONDS) -> float:
    """The pause before the next try after ``attempts`` failed ones: doubling, capped."""
    return float(min(first * 2 ** min(max(attempts - 1, 0), 30), most))


class ProjectionRunner(LeaderLoop):
    """Keeps the live read model up to date. Many runners may start on one store; the one
    holding the leader lock projects, the others retry the lock every ``retry_seconds``."""

    def __init__(
        self,
        projector: Projector,
        database: Database,
        watch: PositionWatch,
        channel: str,
        *,
        idle_seconds: float,
        retry_seconds: float = 1.0,
        max_retry_seconds: float = MAX_RETRY_SECONDS,
        notary: Notary | None = None,
        upkeep: Callable[[], object] | None = None,
        upkeep_seconds: float = UPKEEP_SECONDS,
    ) -> None:
        super().__init__(
            database.leader_lock(channel), retry_seconds, name="projection", logger=logger
        )
        self.projector = projector
        # The leader also keeps the log's notary up to date, after each step of the read
        # model (which commands wait for).
        self.notary = notary
        self.database = database
        self.watch = watch
        self.idle_seconds = idle_seconds
        self.max_retry_seconds = max_retry_seconds
        # Work on the live read model that only its leader does (purging what expired),
        # between steps, at most every ``upkeep_seconds``.
        self.upkeep = upkeep
        self.upkeep_seconds = upkeep_seconds
        self._upkeep_due = 0.0
        # The event this runner could not apply, and how often it failed in a row.
        self._failure: EventNotAppliedError | None = None
        self._attempts = 0
        # When the step under way began (``time.monotonic()``), or None between steps.
        self._step_began: float | None = None

    def step_seconds(self) -> float:
        """How long the step under way has run (0 between steps): a step that never ends
        (a lock that is never granted, a call that never returns) shows here."""
        began = self._step_began
        return 0.0 if began is None else time.monotonic() - began

    def _lead(self) -> None:
        self.is_leader = True
        logger.info("projecting the read model from this process")
        position = None
        while not self._stopped.is_set():
            self._upkeep_if_due()
            self._step_began = time.monotonic()
            try:
                stepped = self.projector.step(after=position)
            except EventNotAppliedError as failure:
                position = None  # some events before it may have been applied: read it again
                self.watch.advance(self.projector.position())
                self._notarize()  # the notary reads no event's fields: it goes on
                self._stopped.wait(self._failed(failure))
                continue
            finally:
                self._step_began = None
            if self._failure is not None:
                self._resumed()
            if stepped is not None:
                position = stepped
                self.watch.advance(position)
            notarized = self._notarize()
            if stepped is None and notarized is None:
                self.lock.wait_for_events(self.idle_seconds)

    def _notarize(self) -> int | None:
        if self.notary is None:
            return None
        self._step_began = time.monotonic()
        try:
            return self.notary.step()
        finally:
            self._step_began = None

    def _upkeep_if_due(self) -> None:
        now = time.monotonic()
        if self.upkeep is None or now < self._upkeep_due:
            return
        self._upkeep_due = now + self.upkeep_seconds
        try:
            self.upkeep()
        except Exception:  # the projection goes on; the upkeep is tried again later
            logger.exception(
                "read-model upkeep failed; trying again in %.0f s", self.upkeep_seconds
            )

    def _failed(self, failure: EventNotAppliedError) -> float:
        """Record the failure where every process sees it, say so loudly, and return how long
        to wait before trying that event again. Nothing is skipped: the read model stays
        before the event until code that can apply it runs."""
        same = self._failure is not None and self._failure.position == failure.position
        self._attempts = self._attempts + 1 if same else 1
        self._failure = failure
        pause = retry_pause(self._attempts, self.retry_seconds, self.max_retry_seconds)
        logger.error(
            "projection stopped: the event at position %d (%s) cannot be applied: %s; "
            "attempt %d, trying again in %.0f s (faas-packages project --status)",
            failure.position,
            failure.topic,
            failure.reason,
            self._attempts,
            pause,
            exc_info=failure.__cause__,
        )
        live = live_generation_now(self.database)
        if live is not None:
            record_failure(self.database, live.number, failure, iso_millis(datetime.now(UTC)))
        return pause

    def _resumed(self) -> None:
        assert self._failure is not None
        clear_failures(self.database)
        logger.warning(
            "projection resumed: the event at position %d (%s) was applied after %d failed "
            "attempts",
            self._failure.position,
            self._failure.topic,
            self._attempts,
        )
        self._failure, self._attempts = None, 0
