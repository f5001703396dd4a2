"""The garbage collector of a long-running process (a worker, the projection)."""

from __future__ import annotations

import gc

# Container objects allocated, net, between two collections of the youngest generation
# (Python's default is 700). A command allocates hundreds that live only until its batch
# commits: with the default, collections ran every few commands, took about 2% of the
# machine's CPU under create load (perf), and moved objects still in use into the older
# generations, whose collections walk more.
YOUNG_GENERATION_THRESHOLD = 20_000


def settle_after_start_up() -> None:
    """What start-up made (modules, the app, the store's objects) lives as long as the
    process: moved out of the collector's reach, it is not walked again by every full
    collection, each a pause of the event loop (under load, this took GETs' p99 from about
    50 ms to 15-18 ms). Young objects are collected less often."""
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, oldest)
