"""A one-line progress display for a terminal: position, events/s and time left."""

from __future__ import annotations

import time
from typing import TextIO


class ProgressLine:
    """Redraws one line at most ten times a second."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.first: int | None = None
        self.drawn_at = 0.0

    def __call__(self, position: int, head: int) -> None:
        now = time.monotonic()
        if self.first is None:
            self.first = position
        if now - self.drawn_at < 0.1 and position < head:
            return
        self.drawn_at = now
        elapsed = max(now - self.started, 1e-9)
        rate = (position - self.first) / elapsed
        self.stream.write(
            f"\r  position {position:,}/{head:,}  {rate:,.0f} events/s  "
            f"ETA {time_left(head - position, rate)}   "
        )
        self.stream.flush()

    def done(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def time_left(remaining: int, rate: float) -> str:
    """``12.5 s``; ``0.0 s`` when nothing remains; ``- s`` while no rate is known yet (the
    first page, whose events are not timed: a rebuild done in one page has no rate)."""
    if remaining <= 0:
        return "0.0 s"
    if rate <= 0:
        return "- s"
    return f"{remaining / rate:,.1f} s"
