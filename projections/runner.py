"""Runs the live projection: elects one leader per store, then applies batches as events land."""

from __future__ import annotations

import logging
import threading
import time

from projections.database import Database, LeaderLock
from projections.projector import Projector
from projections.watch import PositionWatch

logger = logging.getLogger("faas.projections")


class ProjectionRunner:
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
    ) -> None:
        self.projector = projector
        self.watch = watch
        self.lock: LeaderLock = database.leader_lock(channel)
        self.idle_seconds = idle_seconds
        self.retry_seconds = retry_seconds
        self.is_leader = False
        # When the step under way began (``time.monotonic()``), or None between steps.
        self._step_began: float | None = None
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def step_seconds(self) -> float:
        """How long the step under way has run (0 between steps): a step that never ends
        (a lock that is never granted, a call that never returns) shows here."""
        began = self._step_began
        return 0.0 if began is None else time.monotonic() - began

    def wake(self, _position: int | None = None) -> None:
        """New events were saved by this process."""
        self.lock.wakeup.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="projection", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        """Stop at a batch boundary."""
        self._stopped.set()
        self.wake()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        """Until stopped: become the leader, then project."""
        while not self._stopped.is_set():
            try:
                if self.lock.try_acquire():
                    self._lead()
            except Exception:
                logger.exception("projection failed; retrying")
            finally:
                self.is_leader = False
                self.lock.release()
            self._stopped.wait(self.retry_seconds)

    def _lead(self) -> None:
        self.is_leader = True
        logger.info("projecting the read model from this process")
        position = None
        while not self._stopped.is_set():
            self._step_began = time.monotonic()
            try:
                stepped = self.projector.step(after=position)
            finally:
                self._step_began = None
            if stepped is not None:
                position = stepped
                self.watch.advance(position)
            else:
                self.lock.wait_for_events(self.idle_seconds)
