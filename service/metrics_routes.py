"""``GET /metrics``: this process's counts (or every worker's, summed), the process metrics
(CPU, memory, open files, the garbage collector: this process's, or with several workers each
process's, labelled by pid), and the read model's progress, read from the store at scrape
time."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client import (
    CollectorRegistry,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from projections.failure import ProjectionFailure
from projections.projector import Projector
from projections.status import oldest_unprojected_age, read_model_status
from service.calls import opened_container
from service.metrics import COUNTED_HERE
from service.process_metrics import ServerProcessesCollector

logger = logging.getLogger("faas.service")


class ReadModelCollector(Collector):
    """The read model's progress as stored at scrape time, so every process and every worker
    tells the same truth, whichever of them projects or rebuilds."""

    def __init__(self, projector: Projector) -> None:
        self.projector = projector

    def collect(self) -> Iterator[Metric]:
        try:
            status = read_model_status(self.projector)
            age = 0.0
            if status.lag_events > 0:
                age = oldest_unprojected_age(self.projector, status.position, datetime.now(UTC))
        except Exception as error:
            # Whatever keeps us from reading the store: the request and event counts matter
            # most when the store is in trouble, so the scrape succeeds and says it did not.
            logger.warning("metrics: cannot read the read model's progress: %s", error)
            yield _gauge("faas_store_up", "1 when the store answered this scrape, else 0.", 0)
            return
        yield _gauge("faas_store_up", "1 when the store answered this scrape, else 0.", 1)
        yield _gauge("faas_event_log_head_position", "Position of the newest event.", status.head)
        yield _gauge(
            "faas_projection_position", "Last log position in the read model.", status.position
        )
        yield _gauge(
            "faas_projection_lag_events", "Events not yet in the read model.", status.lag_events
        )
        yield _gauge(
            "faas_projection_lag_seconds",
            "Age of the oldest event not yet in the read model (0 when caught up).",
            age,
        )
        yield from _rebuild_metrics(status.rebuild_position, status.head)
        yield from _failure_metrics(status.failure)


def _failure_metrics(failure: ProjectionFailure | None) -> Iterator[Metric]:
    yield _gauge(
        "faas_projection_failed",
        "1 while the projection has stopped before an event it cannot apply, else 0.",
        0 if failure is None else 1,
    )
    if failure is None:
        return
    position = GaugeMetricFamily(
        "faas_projection_failed_position",
        "Log position of the event the projection cannot apply, labelled by its topic.",
        labels=("topic",),
    )
    position.add_metric((failure.topic,), failure.position)
    yield position
    yield _gauge(
        "faas_projection_failed_attempts",
        "How many times the projection has tried that event.",
        failure.attempts,
    )


def _rebuild_metrics(position: int | None, head: int) -> Iterator[Metric]:
    yield _gauge(
        "faas_rebuild_in_progress",
        "1 while a rebuild's new generation exists (one running, or one a killed rebuild "
        "left for the next to resume), else 0.",
        0 if position is None else 1,
    )
    if position is None:
        return
    yield _gauge(
        "faas_rebuild_position", "Last log position in the rebuild's generation.", position
    )
    yield _gauge(
        "faas_rebuild_remaining_events", "Events the rebuild has yet to replay.", head - position
    )


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def exposition(projector: Projector | None, multiprocess_dir: str | None) -> bytes:
    """Every metric in the text format: this process's counts, or every worker's summed."""
    registry = CollectorRegistry()
    if multiprocess_dir is None:
        for metric in COUNTED_HERE:
            registry.register(metric)
        ProcessCollector(registry=registry)
        GCCollector(registry=registry)
    else:
        MultiProcessCollector(registry, path=multiprocess_dir)  # type: ignore[no-untyped-call]
        registry.register(ServerProcessesCollector(multiprocess_dir))
    PlatformCollector(registry=registry)
    if projector is not None:  # None while the store has not been reached yet
        registry.register(ReadModelCollector(projector))
    return generate_latest(registry)


async def metrics(request: Request) -> Response:
    """``GET /metrics``: no key, like the health endpoints; it shows no key, body or path."""
    container = opened_container(request)
    projector = None if container is None else container.projector
    multiprocess_dir = getattr(request.app.state, "metrics_multiprocess_dir", None)
    body = await run_in_threadpool(exposition, projector, multiprocess_dir)
    return Response(body, media_type=CONTENT_TYPE_PLAIN_0_0_4)
