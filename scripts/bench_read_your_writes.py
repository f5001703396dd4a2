"""Benchmark: what read-your-writes adds to a create, at low load (one client, in sequence).

    python -m scripts.bench_read_your_writes                 # a fresh PostgreSQL database
    python -m scripts.bench_read_your_writes --database-url sqlite:///var/bench.sqlite3

Runs the real server twice on 127.0.0.1: waiting for the read model (the default) and not
waiting (FAAS_READ_YOUR_WRITES_TIMEOUT_SECONDS=0); the projection runs in both.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from uuid import uuid4

import httpx2 as httpx

from commands.handlers.keys import IssueApiKey
from commands.keys import PERMISSIONS, Grant
from scripts.bench_rebuild import add_store_arguments, run_on_store
from scripts.bench_servers import bench_key_file
from scripts.keys_commands import cli_context
from service.bootstrap import bootstrap
from service.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def make_key(url: str) -> str:
    """A key with every grant in the store at ``url``."""
    container = bootstrap(Settings(database_url=url))
    try:
        grants = [Grant(permission) for permission in PERMISSIONS]
        return container.commands.run(
            IssueApiKey("bench", tuple(grants)), cli_context(1)
        ).value.plain
    finally:
        container.close()


def measure(url: str, wait_seconds: str, creates: int) -> list[float]:
    port = free_port()
    env = {
        **os.environ,
        "FAAS_DATABASE_URL": url,
        "FAAS_SECRETS_KEY_FILE": str(bench_key_file(url)),
        "FAAS_READ_YOUR_WRITES_TIMEOUT_SECONDS": wait_seconds,
        "FAAS_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "scripts.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/v2/faas"
    headers = {"Authorization": f"Bearer {make_key(url)}"}
    try:
        with httpx.Client(timeout=10, headers=headers) as client:
            for _ in range(100):
                try:
                    client.get(f"{base}/packages?size=1")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            latencies = []
            for number in range(creates):
                body = {
                    "name": f"ryw-{uuid4().hex}",
                    "functions": [
                        {"name": "f", "type": "ON_REQUEST", "code": "x", "config": {"path": "p"}}
                    ],
                }
                started = time.perf_counter()
                response = client.post(f"{base}/packages", json=body)
                latencies.append(time.perf_counter() - started)
                assert response.status_code == 201, response.text
                if number == 0:
                    latencies.clear()  # the first request warms connections up
        return latencies
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=15)


def report(name: str, latencies: list[float]) -> float:
    median = statistics.median(latencies) * 1000
    p99 = statistics.quantiles(latencies, n=100)[98] * 1000
    print(f"{name:28} median {median:6.2f} ms   p99 {p99:6.2f} ms   ({len(latencies)} creates)")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creates", type=int, default=300)
    add_store_arguments(parser)
    args = parser.parse_args()
    run_on_store(args, lambda url, args: run(url, args.creates))


def run(url: str, creates: int) -> None:
    without = report("create, not waiting", measure(url, "0", creates))
    waiting = report("create + read-your-writes", measure(url, "5", creates))
    print(f"read-your-writes adds {waiting - without:.2f} ms at the median")


if __name__ == "__main__":
    main()
