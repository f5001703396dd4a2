"""A thread that leads its store: many may run on one store, the one holding the leader lock
does the work, the others try the lock again every ``retry_seconds``."""

from __future__ import annotations

import logging
import threading

from projections.database import LeaderLock


class LeaderLoop:
    """Until stopped: take the lock, then ``_lead`` (which returns once stopped or fails);
    a failure is logged as ``"<what> failed; retrying"`` and the lock taken again."""

    def __init__(
        self, lock: LeaderLock, retry_seconds: float, *, name: str, logger: logging.Logger
    ) -> None:
        self.lock = lock
        self.retry_seconds = retry_seconds
        self.is_leader = False
        self._name = name
        self._logger = logger
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name=self._name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        """Stop once the work under way ends (a batch, a schedule)."""
        self._stopped.set()
        self.wake()
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self, _position: int | None = None) -> None:
        """Look again now (new events, a changed schedule, a moved clock)."""
        self.lock.wakeup.set()

    def run(self) -> None:
        while not self._stopped.is_set():
            try:
                if self.lock.try_acquire():
                    self._lead()
            except Exception:
                self._logger.exception("%s failed; retrying", self._name)
            finally:
                self.is_leader = False
                self.lock.release()
            self._stopped.wait(self.retry_seconds)

    def _lead(self) -> None:
        raise NotImplementedError
