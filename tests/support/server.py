"""Run ``faas-packages serve`` as a real server process on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx2 as httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running_server(
    database_url: str, *, workers: int = 1, cwd: Path = ROOT, timeout: float = 30
) -> Iterator[str]:
    """The base URL of a server that is answering; it is stopped with SIGTERM afterwards."""
    with server_process(database_url, workers=workers, cwd=cwd, timeout=timeout) as (base, _):
        yield base


@contextmanager
def server_process(
    database_url: str, *, workers: int = 1, cwd: Path = ROOT, timeout: float = 30
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The base URL and the process of a server that is answering."""
    port = free_port()
    env = {**os.environ, "FAAS_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "scripts.cli", "serve", "--port", str(port)]
    with open(cwd / "server.log", "w+b") if cwd != ROOT else tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            [*command, "--workers", str(workers)],
            cwd=cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_listening(base, process, output, timeout)
            yield base, process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_listening(
    base: str, process: subprocess.Popen[bytes], output: IO[bytes], timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output.seek(0)
            raise RuntimeError(f"server exited with {process.returncode}: {output.read()!r}")
        try:
            httpx.get(f"{base}/v2/faas/packages?size=1", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise TimeoutError(f"server at {base} did not answer within {timeout} s")
