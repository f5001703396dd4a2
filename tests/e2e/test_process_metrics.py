"""``/metrics`` carries CPU, memory, open files and the garbage collector: of the process in a
one-process server, and of each process of a server with several workers (supervisor, workers,
the projection process), labelled by pid, whichever worker answers. The exposition parses."""

from __future__ import annotations

import gc
import os
from collections import defaultdict
from pathlib import Path

import httpx2 as httpx
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from service.process_metrics import GcCounts, ServerProcessesCollector
from service.store import is_embedded
from tests.support.server import projection_pids, server_process, worker_pids

PROCESS = ("process_cpu_seconds", "process_resident_memory_bytes", "process_open_fds")
GC = ("python_gc_collections", "python_gc_objects_collected")


def families(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = defaultdict(list)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[family.name].append((sample.labels, sample.value))
    return found


def test_one_process_reports_its_own_process_gc_and_platform(client: TestClient) -> None:
    found = families(client.get("/metrics").text)

    for name in PROCESS:
        assert [value > 0 for _, value in found[name]] == [True], name
    for name in GC:
        assert {labels["generation"] for labels, _ in found[name]} == {"0", "1", "2"}, name
    assert found["python_info"], "no platform metrics"


def test_each_process_of_a_server_with_workers_is_reported_by_pid(
    store_url: str, tmp_path: Path
) -> None:
    with server_process(store_url, workers=2, log=tmp_path / "server.log") as (base, server):
        workers = set(worker_pids(server))
        projection = set(projection_pids(server))
        scrapes = [families(httpx.get(f"{base}/metrics", timeout=10).text) for _ in range(4)]
        children = set(children_of(server.pid))

    expected = {server.pid} | workers | projection
    assert len(workers) == 2
    assert len(projection) == (0 if is_embedded(store_url) else 1)
    for found in scrapes:  # whichever worker answered
        for name in PROCESS:
            by_pid = {int(labels["pid"]): value for labels, value in found[name]}
            # Every process of the server (multiprocessing's helper too), and no other.
            assert expected <= set(by_pid) <= {server.pid} | children, name
            assert all(value > 0 for value in by_pid.values()), name
        for name in GC:
            pids = {int(labels["pid"]) for labels, _ in found[name]}
            assert pids == workers | projection, name
        assert found["python_info"]


def children_of(pid: int) -> list[int]:
    tasks = Path(f"/proc/{pid}/task").iterdir()
    return [int(child) for task in tasks for child in (task / "children").read_text().split()]


def test_a_process_keeps_its_gc_counts_where_the_scrape_reads_them(tmp_path: Path) -> None:
    counts = GcCounts(str(tmp_path))
    gc.callbacks.append(counts)
    try:
        before = ServerProcessesCollector(str(tmp_path)).gc_counts(os.getpid())
        gc.collect()
        after = ServerProcessesCollector(str(tmp_path)).gc_counts(os.getpid())
    finally:
        gc.callbacks.remove(counts)

    assert before[2][0] == gc.get_stats()[2]["collections"] - 1
    assert after[2][0] == before[2][0] + 1
    assert after[2][1] >= before[2][1]
