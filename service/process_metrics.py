"""CPU, memory, open files and the garbage collector of each process of a server with several
workers, labelled by ``pid``. prometheus-client's process and GC collectors report only the
process that answers a scrape, so in multiprocess mode it leaves them out. Here the process
metrics of the server's processes (the supervisor, its workers, the projection process) are
read from ``/proc`` at each scrape, and each process keeps its GC counts in a small file of
the metrics folder, which the scrape reads."""

from __future__ import annotations

import gc
import mmap
import os
import struct
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from prometheus_client import ProcessCollector
from prometheus_client.metrics_core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

# Per generation: collections, objects collected, objects uncollectable.
GC_RECORD = struct.Struct("<3q")
GC_GENERATIONS = 3
GC_FILE = "gc_{pid}.bin"
GC_METRICS = (
    ("python_gc_collections", "Number of times this generation was collected"),
    ("python_gc_objects_collected", "Objects collected during gc"),
    ("python_gc_objects_uncollectable", "Uncollectable objects found during GC"),
)


class GcCounts:
    """This process's GC counts, in a file others read. Written by a ``gc.callbacks`` hook
    after each collection: no lock (one writer, running with the interpreter's lock held),
    so a collection that starts inside a metrics call cannot wait on that call's lock."""

    def __init__(self, folder: str) -> None:
        size = GC_RECORD.size * GC_GENERATIONS
        with open(Path(folder) / GC_FILE.format(pid=os.getpid()), "w+b") as handle:
            handle.truncate(size)
            self.counts = mmap.mmap(handle.fileno(), size)
        for generation, stats in enumerate(gc.get_stats()[:GC_GENERATIONS]):
            values = (stats["collections"], stats["collected"], stats["uncollectable"])
            GC_RECORD.pack_into(self.counts, generation * GC_RECORD.size, *values)

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase != "stop":
            return
        offset = info["generation"] * GC_RECORD.size
        collections, collected, uncollectable = GC_RECORD.unpack_from(self.counts, offset)
        GC_RECORD.pack_into(
            self.counts,
            offset,
            collections + 1,
            collected + info["collected"],
            uncollectable + info["uncollectable"],
        )


_recorded: list[GcCounts] = []  # this process's, once recording


def record_gc_counts(folder: str | None) -> None:
    """In a process of a multi-worker server (``folder``: its metrics folder), keep the GC
    counts where a scrape by any worker reads them; once per process."""
    if folder is None or _recorded:
        return
    counts = GcCounts(folder)
    _recorded.append(counts)
    gc.callbacks.append(counts)


class ServerProcessesCollector(Collector):
    """Process and GC metrics of every live process of the server, labelled by ``pid``."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)

    def collect(self) -> Iterator[Metric]:
        families: dict[str, Metric] = {}
        gc_families = {
            name: CounterMetricFamily(name, text, labels=("generation", "pid"))
            for name, text in GC_METRICS
        }
        for pid in server_pids():
            for metric in ProcessCollector(pid=partial(int, pid), registry=None).collect():
                family = families.setdefault(
                    metric.name, Metric(metric.name, metric.documentation, metric.type)
                )
                for sample in metric.samples:
                    family.add_sample(sample.name, {**sample.labels, "pid": str(pid)}, sample.value)
            for generation, values in enumerate(self.gc_counts(pid)):
                for (name, _), value in zip(GC_METRICS, values, strict=True):
                    gc_families[name].add_metric((str(generation), str(pid)), value)
        yield from families.values()
        yield from gc_families.values()

    def gc_counts(self, pid: int) -> list[tuple[int, ...]]:
        try:
            data = (self.folder / GC_FILE.format(pid=pid)).read_bytes()
        except OSError:  # a process that keeps none (the supervisor)
            return []
        return [
            GC_RECORD.unpack_from(data, generation * GC_RECORD.size)
            for generation in range(len(data) // GC_RECORD.size)
        ]


def server_pids() -> list[int]:
    """The server's processes: the supervisor that started this worker, and its children
    (every worker, the projection process). Just this process where they cannot be read."""
    parent = os.getppid()
    found = {os.getpid(), parent}
    try:
        for task in Path(f"/proc/{parent}/task").iterdir():
            found.update(int(child) for child in (task / "children").read_text().split())
    except OSError:
        return [os.getpid()]
    return sorted(found)
