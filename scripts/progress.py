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
        left = (head - position) / rate if rate > 0 else float("nan")
        self.stream.write(
            f"\r  position {position:,}/{head:,}  {rate:,.0f} events/s  ETA {left:,.1f} s   "
        )
        self.stream.flush()

    def done(self) -> None:
        self.stream.write("\n")
        self.stream.flush()
