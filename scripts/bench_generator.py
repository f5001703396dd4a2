"""Load generators for ``scripts.bench_load``: ``wrk`` with a Lua script, or a bounded asyncio
client (httpx) when wrk is not installed.

Both send the same requests: creates with one body whose ``name`` is unique per request (run tag,
worker, random number, counter), or GETs over a list of (key, package id) targets, each with an
``Authorization`` header chosen in turn from the keys given. Any status but the expected one is
counted as an error, with the first such body kept as a sample.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.bench_servers import BenchError, fetch

WRK_THREADS = 2  # the machine has two cores, shared with the servers
REQUEST_TIMEOUT_SECONDS = 10
NAME_SLOT = "@@NAME@@"


@dataclass(frozen=True)
class LoadSpec:
    """One phase: where to send what, with how many connections, for how long."""

    base_url: str
    path: str
    expected_status: int
    authorizations: tuple[str, ...]
    connections: int
    duration: int
    run_tag: str = "x"
    body_template: str = ""  # creates: the JSON body, ``NAME_SLOT`` where the name goes
    targets: tuple[tuple[int, str], ...] = ()  # GETs: (index into authorizations, id)

    @property
    def is_create(self) -> bool:
        return bool(self.body_template)

    def request(self, worker: int, salt: int, counter: int) -> tuple[str, str, dict[str, str], str]:
        """Method, path, headers and body of a worker's ``counter``-th request."""
        if self.is_create:
            name = f"bench-{self.run_tag}-{worker}-{salt}-{counter}"
            headers = {
                "Authorization": self.authorizations[counter % len(self.authorizations)],
                "Content-Type": "application/json",
            }
            return "POST", self.path, headers, self.body_template.replace(NAME_SLOT, name)
        key, target = self.targets[counter % len(self.targets)]
        return "GET", f"{self.path}/{target}", {"Authorization": self.authorizations[key]}, ""


@dataclass
class LoadResult:
    """What one phase measured; latencies in milliseconds."""

    requests: int  # answered with the expected status
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[int, int] = field(default_factory=dict)  # unexpected ones only
    socket_errors: dict[str, int] = field(default_factory=dict)
    sample: str = ""

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return sum(self.statuses.values()) + sum(self.socket_errors.values())


def generator_name() -> str:
    """``wrk`` when it is installed, else the asyncio fallback."""
    return "wrk" if shutil.which("wrk") else "httpx"


def run_load(spec: LoadSpec) -> LoadResult:
    """Drive one phase with wrk, or with the asyncio client when wrk is missing."""
    if generator_name() == "wrk":
        return _run_wrk(spec)
    return asyncio.run(_run_async(spec))


def preflight(spec: LoadSpec) -> None:
    """One request before the load, so a wrong body or key fails at once, with its answer."""
    method, path, headers, body = spec.request(0, 0, 0)
    status, text = fetch(spec.base_url, path, method=method, headers=headers, body=body)
    if status != spec.expected_status:
        raise BenchError(f"{method} {path} answered {status}, not {spec.expected_status}: {text}")


def _run_wrk(spec: LoadSpec) -> LoadResult:
    with tempfile.TemporaryDirectory(prefix="faas-bench-") as folder:
        targets = Path(folder) / "targets.txt"
        targets.write_text("".join(f"{key + 1} {target}\n" for key, target in spec.targets))
        script = _lua_script(spec, targets)
        return run_wrk_script(script, spec.base_url + spec.path, spec.connections, spec.duration)


def run_wrk_script(script: str, url: str, connections: int, duration: int) -> LoadResult:
    """wrk with a Lua script whose ``response`` and ``done`` are ``LUA_RESULTS``."""
    threads = min(WRK_THREADS, connections)
    with tempfile.TemporaryDirectory(prefix="faas-bench-") as folder:
        path = Path(folder) / "load.lua"
        path.write_text(script)
        command = [
            "wrk",
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={duration}s",
            f"--timeout={REQUEST_TIMEOUT_SECONDS}s",
            "--latency",
            f"--script={path}",
            url,
        ]
        finished = subprocess.run(
            command, capture_output=True, text=True, timeout=duration + 60, check=False
        )
    values = dict(
        line.split("\t", 2)[1:]
        for line in finished.stdout.splitlines()
        if line.startswith("BENCH\t") and line.count("\t") >= 2
    )
    if finished.returncode != 0 or "requests" not in values:
        raise BenchError(
            f"wrk failed ({finished.returncode}): {finished.stderr or finished.stdout}"
        )
    return _wrk_result(values)


def _wrk_result(values: dict[str, str]) -> LoadResult:
    statuses: Counter[int] = Counter()
    for item in filter(None, values.get("bad_statuses", "").split(",")):
        status, count = item.split(":")
        statuses[int(status)] += int(count)
    bad = int(values["bad"])
    return LoadResult(
        requests=int(values["requests"]) - bad,
        seconds=int(values["duration_us"]) / 1e6,
        p50_ms=float(values["p50_us"]) / 1000,
        p90_ms=float(values["p90_us"]) / 1000,
        p99_ms=float(values["p99_us"]) / 1000,
        max_ms=float(values["max_us"]) / 1000,
        statuses=dict(statuses),
        socket_errors={
            kind: int(values[f"{kind}_errors"])
            for kind in ("connect", "read", "write", "timeout")
            if int(values[f"{kind}_errors"])
        },
        sample=values.get("bad_sample", ""),
    )


def _lua_script(spec: LoadSpec, targets: Path) -> str:
    head, _, tail = spec.body_template.partition(NAME_SLOT)
    if "]==]" in spec.body_template:
        raise BenchError("the request body cannot be quoted in Lua")
    keys = ", ".join(json.dumps(value) for value in spec.authorizations)
    return (
        LUA_TEMPLATE.replace("@KEYS@", keys)
        .replace("@HEAD@", head)
        .replace("@TAIL@", tail)
        .replace("@EXPECTED@", str(spec.expected_status))
        .replace("@CREATE@", "true" if spec.is_create else "false")
        .replace("@TARGETS@", json.dumps(str(targets)))
        .replace("@TAG@", json.dumps(spec.run_tag))
        .replace("@PATH@", json.dumps(spec.path))
    )


# The end of every script: each thread counts the answers whose status is not ``expected``
# (a local the script sets), and ``done`` prints the results as ``BENCH<tab>name<tab>value``.
LUA_RESULTS = r"""
local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
  table.insert(threads, thread)
end

local bad_counts = {}
bad = 0
bad_statuses = ""
bad_sample = ""

function response(status, headers, body)
  if status ~= expected then
    bad = bad + 1
    bad_counts[status] = (bad_counts[status] or 0) + 1
    local parts = {}
    for code, count in pairs(bad_counts) do
      table.insert(parts, code .. ":" .. count)
    end
    bad_statuses = table.concat(parts, ",")
    if bad_sample == "" and body then
      bad_sample = (string.gsub(string.sub(body, 1, 300), "[\r\n\t]", " "))
    end
  end
end

function done(summary, latency, requests)
  local total_bad, statuses, sample = 0, {}, ""
  for _, thread in ipairs(threads) do
    total_bad = total_bad + thread:get("bad")
    local text = thread:get("bad_statuses")
    if text ~= "" then table.insert(statuses, text) end
    if sample == "" then sample = thread:get("bad_sample") end
  end
  local function out(key, value)
    io.write("BENCH\t", key, "\t", tostring(value), "\n")
  end
  out("requests", summary.requests)
  out("duration_us", summary.duration)
  out("connect_errors", summary.errors.connect)
  out("read_errors", summary.errors.read)
  out("write_errors", summary.errors.write)
  out("timeout_errors", summary.errors.timeout)
  out("p50_us", latency:percentile(50))
  out("p90_us", latency:percentile(90))
  out("p99_us", latency:percentile(99))
  out("max_us", latency.max)
  out("bad", total_bad)
  out("bad_statuses", table.concat(statuses, ","))
  out("bad_sample", sample)
end
"""

LUA_TEMPLATE = (
    r"""-- written by scripts/bench_generator.py
local keys = { @KEYS@ }
local body_head = [==[@HEAD@]==]
local body_tail = [==[@TAIL@]==]
local expected = @EXPECTED@
local is_create = @CREATE@
local targets_path = @TARGETS@
local run_tag = @TAG@
local base_path = @PATH@

local counter = 0
local prefix = ""
local targets = {}

function init(args)
  math.randomseed(os.time() * 1000 + tid * 7919)
  prefix = "bench-" .. run_tag .. "-" .. tid .. "-" .. math.random(1, 1000000000) .. "-"
  if not is_create then
    for line in io.lines(targets_path) do
      local key, id = line:match("^(%d+) (%S+)$")
      table.insert(targets, { tonumber(key), base_path .. "/" .. id })
    end
    counter = math.random(0, #targets - 1)
  end
end

function request()
  counter = counter + 1
  if is_create then
    local headers = { Authorization = keys[counter % #keys + 1] }
    headers["Content-Type"] = "application/json"
    return wrk.format("POST", base_path, headers, body_head .. prefix .. counter .. body_tail)
  end
  local target = targets[counter % #targets + 1]
  return wrk.format("GET", target[2], { Authorization = keys[target[1]] }, nil)
end
"""
    + LUA_RESULTS
)


async def _run_async(spec: LoadSpec) -> LoadResult:
    try:
        import httpx2 as httpx
    except ImportError:
        raise BenchError("neither wrk nor httpx2 is installed: apt-get install wrk") from None
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    socket_errors: Counter[str] = Counter()
    samples: list[str] = []
    limits = httpx.Limits(max_connections=spec.connections)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + spec.duration

    async def worker(number: int, client: Any) -> None:
        salt, counter = random.randrange(1_000_000_000), random.randrange(1_000_000)
        while loop.time() < deadline:
            counter += 1
            method, path, headers, body = spec.request(number, salt, counter)
            started = time.perf_counter()
            try:
                response = await client.request(method, path, headers=headers, content=body)
            except httpx.TimeoutException:
                socket_errors["timeout"] += 1
                continue
            except httpx.TransportError:
                socket_errors["read"] += 1
                await asyncio.sleep(0.01)
                continue
            latencies.append(time.perf_counter() - started)
            if response.status_code != spec.expected_status:
                statuses[response.status_code] += 1
                samples.append(response.text[:300])

    async with httpx.AsyncClient(
        base_url=spec.base_url, limits=limits, timeout=REQUEST_TIMEOUT_SECONDS
    ) as client:
        started = time.perf_counter()
        workers = (worker(number, client) for number in range(1, spec.connections + 1))
        await asyncio.wait_for(asyncio.gather(*workers), spec.duration + 30)
        seconds = time.perf_counter() - started
    return _async_result(latencies, seconds, statuses, socket_errors, samples)


def _async_result(
    latencies: list[float],
    seconds: float,
    statuses: Counter[int],
    socket_errors: Counter[str],
    samples: list[str],
) -> LoadResult:
    ordered = sorted(latencies) or [0.0]

    def percentile(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

    return LoadResult(
        requests=len(latencies) - statuses.total(),
        seconds=seconds,
        p50_ms=percentile(0.50),
        p90_ms=percentile(0.90),
        p99_ms=percentile(0.99),
        max_ms=ordered[-1] * 1000,
        statuses=dict(statuses),
        socket_errors=dict(socket_errors),
        sample=samples[0] if samples else "",
    )
