"""``GET /metrics``: requests by route template, events by topic, the read model's progress from
the store, no key needed and none shown; with several workers, counts summed across them."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from uuid import uuid4

import httpx2 as httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from projections.rebuild import rebuild
from service.bootstrap import Container
from service.metrics import MULTIPROCESS_DIR_VARIABLE
from tests.support.builders import package_body
from tests.support.keys import IssuedKey, issue_key, issue_key_in
from tests.support.server import server_process

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]

PACKAGES = "/v2/faas/packages"
BASE = "/v2/faas"
CREATE = {"method": "POST", "route": PACKAGES, "status": "201"}
# What Prometheus itself sends when it scrapes.
PROMETHEUS_ACCEPT = (
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
    "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
)


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client: TestClient) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    return parse(response.text)


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def grown(before: Samples, after: Samples) -> Callable[..., float]:
    """How much one series grew between two scrapes (counts of other tests stay out)."""

    def by(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    return by


def container_of(client: TestClient) -> Container:
    container: Container = client.app.state.container  # type: ignore[attr-defined]
    return container


def test_requests_are_counted_by_route_template_and_status_with_their_durations(
    client: TestClient,
) -> None:
    before = scrape(client)

    created = client.post(PACKAGES, json=package_body())
    package_id = created.json()["data"]["id"]
    client.get(f"{PACKAGES}/{package_id}")
    client.get(f"{PACKAGES}/{uuid4()}")
    client.get("/v2/faas/nowhere")
    response = client.get("/metrics")

    by = grown(before, parse(response.text))
    template = f"{PACKAGES}/{{package_id}}"
    assert by("faas_http_requests_total", **CREATE) == 1
    assert by("faas_http_requests_total", method="GET", route=template, status="200") == 1
    assert by("faas_http_requests_total", method="GET", route=template, status="404") == 1
    assert by("faas_http_requests_total", method="GET", route="unmatched", status="404") == 1
    duration = {"method": "POST", "route": PACKAGES}
    assert by("faas_http_request_duration_seconds_count", **duration) == 1
    assert by("faas_http_request_duration_seconds_bucket", **duration, le="+Inf") == 1
    assert by("faas_http_request_duration_seconds_sum", **duration) > 0
    assert package_id not in response.text
    assert "nowhere" not in response.text


def test_events_appended_are_counted_by_topic(client: TestClient) -> None:
    before = scrape(client)

    client.post(PACKAGES, json=package_body())
    client.post(PACKAGES, json=package_body())
    issue_key(container_of(client))

    by = grown(before, scrape(client))
    assert by("faas_events_appended_total", topic="faas.PackageCreated") == 2
    assert by("faas_events_appended_total", topic="faas.RevisionAdded") == 2
    assert by("faas_events_appended_total", topic="faas.FunctionsRegistered") == 2
    assert by("faas_events_appended_total", topic="faas.ApiKeyIssued") == 1


def test_the_projection_reports_its_position_the_head_and_no_lag_when_caught_up(
    client: TestClient,
) -> None:
    client.post(PACKAGES, json=package_body())

    samples = scrape(client)

    head = value(samples, "faas_event_log_head_position")
    assert head > 0
    assert value(samples, "faas_store_up") == 1
    assert value(samples, "faas_projection_position") == head
    assert value(samples, "faas_projection_lag_events") == 0
    assert value(samples, "faas_projection_lag_seconds") == 0


def test_the_projection_lag_counts_unprojected_events_and_the_oldest_ones_age(
    client: TestClient,
) -> None:
    container = container_of(client)
    container.runner.stop()
    position = container.projector.position()
    issue_key(container)

    samples = scrape(client)

    head = value(samples, "faas_event_log_head_position")
    assert head > position
    assert value(samples, "faas_projection_position") == position
    assert value(samples, "faas_projection_lag_events") == head - position
    assert 0 < value(samples, "faas_projection_lag_seconds") < 60


class Interrupted(Exception):
    """Stops a rebuild after its first page, as a killed process would."""


def test_an_unfinished_rebuild_reports_its_position_and_what_remains(client: TestClient) -> None:
    container = container_of(client)
    client.post(PACKAGES, json=package_body())

    def interrupt(position: int, head: int) -> None:
        raise Interrupted(position)

    with pytest.raises(Interrupted) as stopped:
        rebuild(container.projector, interrupt, page_size=1)
    try:
        during = scrape(client)
    finally:
        rebuild(container.projector)
    after = scrape(client)

    reached = stopped.value.args[0]
    head = value(during, "faas_event_log_head_position")
    assert value(during, "faas_rebuild_in_progress") == 1
    assert value(during, "faas_rebuild_position") == reached
    assert value(during, "faas_rebuild_remaining_events") == head - reached > 0
    assert value(after, "faas_rebuild_in_progress") == 0
    assert ("faas_rebuild_position", frozenset()) not in after


def test_metrics_need_no_key_and_show_no_key_body_or_query(
    keyed: tuple[TestClient, IssuedKey],
) -> None:
    client, key = keyed
    secret = f"secret-{uuid4().hex}"
    created = client.post(PACKAGES, json=package_body(description=secret, tags=[secret]))
    client.get(PACKAGES, params={"search": secret})
    client.headers.pop("Authorization")

    response = client.get("/metrics", headers={"Accept": PROMETHEUS_ACCEPT})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "faas_http_requests_total" in response.text
    for leak in (key.plain, key.key_id, secret, created.json()["data"]["id"], "Bearer"):
        assert leak not in response.text


def test_several_workers_report_requests_and_events_summed_across_them(store_url: str) -> None:
    key = issue_key_in(store_url)
    with server_process(store_url, workers=2) as (base, process):
        folder = _metrics_folder(process.pid)
        sent = 0
        # The sum proves something only if both workers answered some of the creates.
        while sent < 200 and sum(count > 0 for count in _creates_by_worker(folder)) < 2:
            sent += _create_packages(base, key, 8)
        assert sum(count > 0 for count in _creates_by_worker(folder)) == 2
        _wait_until(lambda: sum(_creates_by_worker(folder)) == sent)
        scrapes = [parse(httpx.get(f"{base}/metrics", timeout=10).text) for _ in range(6)]

    for samples in scrapes:
        assert value(samples, "faas_http_requests_total", **CREATE) == sent
        assert value(samples, "faas_events_appended_total", topic="faas.PackageCreated") == sent


def _create_packages(base: str, key: IssuedKey, count: int) -> int:
    """``count`` creates at once, each on a connection of its own."""

    def create(_: int) -> int:
        url = f"{base}{PACKAGES}"
        return httpx.post(url, json=package_body(), headers=key.headers, timeout=10).status_code

    with ThreadPoolExecutor(count) as pool:
        statuses = list(pool.map(create, range(count)))
    assert statuses == [201] * count
    return count


def _metrics_folder(server_pid: int) -> Path:
    """The folder the server gave its workers (they are its children) for their counts."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            environ = (entry / "environ").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        prefix = f"{MULTIPROCESS_DIR_VARIABLE}=".encode()
        for variable in environ:
            if parent == server_pid and variable.startswith(prefix):
                return Path(os.fsdecode(variable.removeprefix(prefix)))
    raise AssertionError(f"no worker of {server_pid} has {MULTIPROCESS_DIR_VARIABLE}")


def _creates_by_worker(folder: Path) -> list[float]:
    """Answered creates each worker has counted, from its own file."""
    counts = []
    for file in sorted(folder.glob("counter_*.db")):
        families = MultiProcessCollector.merge([str(file)])  # type: ignore[no-untyped-call]
        counts.append(
            sum(
                sample.value
                for family in families
                for sample in family.samples
                if sample.name == "faas_http_requests_total" and sample.labels == CREATE
            )
        )
    return counts


def _wait_until(condition: Callable[[], bool], timeout: float = 5) -> None:
    """A worker counts a request just after answering it, so the last count may trail."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_catalog_requests_are_counted_by_route_template(client: TestClient) -> None:
    before = scrape(client)

    client.get(f"{BASE}/package-blueprints")
    client.get(f"{BASE}/package-blueprints/{uuid4()}")
    client.get(f"{BASE}/function-blueprint-params/not-a-uuid")

    by = grown(before, parse(client.get("/metrics").text))
    blueprint = f"{BASE}/package-blueprints/{{package_blueprint_id}}"
    param = f"{BASE}/function-blueprint-params/{{function_blueprint_param_id}}"
    assert (
        by(
            "faas_http_requests_total",
            method="GET",
            route=f"{BASE}/package-blueprints",
            status="200",
        )
        == 1
    )
    assert by("faas_http_requests_total", method="GET", route=blueprint, status="404") == 1
    assert by("faas_http_requests_total", method="GET", route=param, status="400") == 1
