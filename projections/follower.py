"""Records kept in memory from rare events of the log (API keys, keysets), fresh from any
process: refreshed in the background every ``refresh_seconds``, and at once, at most every
so often, when a request finds nothing."""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod

from projections.source import EventLog

logger = logging.getLogger("faas.projections")

REFRESH_SECONDS = 0.5
PAGE_SIZE = 1000


class TopicFollower(ABC):
    """Applies the events of ``topics`` in log order; ``refresh()`` reads only those after
    the last one applied."""

    topics: tuple[str, ...]
    name: str

    def __init__(self, log: EventLog, refresh_seconds: float = REFRESH_SECONDS) -> None:
        self.log = log
        self.refresh_seconds = refresh_seconds
        self._position = 0
        self._refreshed_at = 0.0
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    @abstractmethod
    def _apply(self, event: object) -> None:
        """Apply one event of ``topics``."""

    def refresh(self) -> None:
        """Apply the events written since the last refresh (by any process). Positions
        commit in order (the store's table lock), so none can appear later behind the last
        one read: reading on from it is enough."""
        with self._lock:
            while page := self.log.of_topics_after(self._position, self.topics, PAGE_SIZE):
                for position, event in page:
                    self._apply(event)
                    self._position = position
                if len(page) < PAGE_SIZE:
                    break
            self._refreshed_at = time.monotonic()

    def older_than(self, seconds: float) -> bool:
        """Whether the last refresh was more than ``seconds`` ago."""
        return time.monotonic() - self._refreshed_at > seconds

    def refresh_if_older_than(self, seconds: float) -> None:
        """Refresh now unless that was done within ``seconds``: a record made a moment ago by
        another process is then found at once, while lookups of unknown ones cannot make us
        hammer the store."""
        if self.older_than(seconds):
            self.refresh()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopped.wait(self.refresh_seconds):
            try:
                self.refresh()
            except Exception:
                logger.exception("could not refresh %s; retrying", self.name)
