"""Prometheus instruments: requests and appended events, counted where they happen (served by
``service/metrics_routes.py``)."""

from __future__ import annotations

import collections
import os
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from prometheus_client import Counter, Histogram

# Named by the library: read when it is first imported, so it must be in the environment of a
# worker process before the worker starts (``faas-packages serve`` sees to it).
MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED_ROUTE = "unmatched"
# Anything else a client sends as a method is counted as one label value, so a client cannot
# make the metrics grow without bound.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "other"

# One set per process, made here rather than per app: with several workers each value lives in
# a file keyed by process and metric name, and a second set in one process would overwrite the
# first's counts. Registered with no registry; each scrape collects them into a fresh one.
REQUESTS = Counter(
    "faas_http_requests_total",
    "HTTP requests answered, by method, route template and status.",
    ("method", "route", "status"),
    registry=None,
)
REQUEST_SECONDS = Histogram(
    "faas_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ("method", "route"),
    registry=None,
)
EVENTS_APPENDED = Counter(
    "faas_events_appended_total",
    "Events appended to the log by this service, by topic.",
    ("topic",),
    registry=None,
)
COUNTED_HERE = (REQUESTS, REQUEST_SECONDS, EVENTS_APPENDED)


def observe_request(method: str | None, route: str | None, status: int, seconds: float) -> None:
    """Count one answered request under its route template (never its path)."""
    count, timing = _request_instruments(method, route, status)
    count.inc()
    timing.observe(seconds)


@lru_cache(maxsize=1024)
def _request_instruments(method: str | None, route: str | None, status: int) -> tuple[Any, Any]:
    """The labelled counter and histogram of a method, route template and status (few:
    methods are a closed set, routes are templates)."""
    method_label = method if method is not None and method in METHODS else OTHER_METHOD
    route_label = route or UNMATCHED_ROUTE
    return (
        REQUESTS.labels(method_label, route_label, str(status)),
        REQUEST_SECONDS.labels(method_label, route_label),
    )


def count_appended(topics: Iterable[str]) -> None:
    """Count the events of one committed store transaction."""
    for topic, count in collections.Counter(topics).items():
        EVENTS_APPENDED.labels(topic).inc(count)


def multiprocess_dir() -> str | None:
    """The folder where the workers of a multi-worker server keep their counts (set by
    ``serve`` for the library, which reads it from the environment), or ``None``."""
    return os.environ.get(MULTIPROCESS_DIR_VARIABLE) or None
