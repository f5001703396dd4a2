"""The rebuild and replay benchmarks size their logs by the events one seeded package makes."""

from __future__ import annotations

from scripts.bench_rebuild import EVENTS_PER_PACKAGE, seed
from service.bootstrap import Container


def test_a_seeded_package_makes_the_events_the_benchmarks_count_on(container: Container) -> None:
    before = container.projector.log.head()
    seed(container, 5)
    # One AccountUsageCreated for the account's first package, then EVENTS_PER_PACKAGE each.
    assert container.projector.log.head() - before == 5 * EVENTS_PER_PACKAGE + 1
