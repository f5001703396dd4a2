"""Servers for ``scripts.bench_load``: the service and the baselines, each a uvicorn process
group on a free loopback port, stopped (and, if need be, killed with its workers) on exit."""

from __future__ import annotations

import hashlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from commands.vault import read_or_make_key_file

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 15


class BenchError(RuntimeError):
    """The benchmark cannot go on: a server did not start, or a generator failed."""


@dataclass(frozen=True)
class Server:
    base_url: str
    output: IO[bytes]

    def output_tail(self, size: int = 2000) -> str:
        """The end of what the server printed, to show next to a failure."""
        self.output.seek(0, os.SEEK_END)
        self.output.seek(max(0, self.output.tell() - size))
        return self.output.read().decode(errors="replace")


def service_command(workers: int) -> list[str]:
    """``faas-packages serve`` as users run it."""
    return [sys.executable, "-m", "scripts.cli", "serve", "--host", HOST, "--workers", str(workers)]


def baseline_command(factory: str, workers: int) -> list[str]:
    """A baseline app of ``scripts.bench_baselines`` under uvicorn, with the service's defaults."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        f"scripts.bench_baselines:{factory}",
        "--factory",
        "--host",
        HOST,
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]


def environment(**extra: str) -> dict[str, str]:
    """The caller's environment without its ``FAAS_*`` settings (the service runs on its
    defaults), quiet logs, plus ``extra``; on PostgreSQL, a master key of secrets of the
    benchmark's own database (``serve`` needs one there)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("FAAS_")}
    url = extra.get("FAAS_DATABASE_URL", "")
    if url.startswith("postgres") and "FAAS_SECRETS_KEY_FILE" not in extra:
        extra = {**extra, "FAAS_SECRETS_KEY_FILE": str(bench_key_file(url))}
    return {**env, "PYTHONPATH": str(ROOT), "FAAS_LOG_LEVEL": "WARNING", **extra}


def bench_key_file(database_url: str) -> Path:
    """The master key file of a benchmark's database, made on first use (mode 0600)."""
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / "faas-bench-secret-keys" / f"{digest}.key"
    read_or_make_key_file(path)
    return path


@contextmanager
def serving(command: list[str], env: dict[str, str]) -> Iterator[Server]:
    """A server that answers ``/livez``; its whole process group is stopped afterwards."""
    port = _free_port()
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us only; we stop the group ourselves
        )
        server = Server(f"http://{HOST}:{port}", output)
        try:
            _wait_until_answering(server, process)
            yield server
        finally:
            _stop(process)


def fetch(
    base_url: str,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: str = "",
    timeout: float = 10,
) -> tuple[int, str]:
    """One request on its own connection: the status and the body."""
    address = urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname or HOST, address.port, timeout=timeout)
    try:
        connection.request(method, path, body.encode() or None, headers or {})
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        connection.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_answering(server: Server, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"server exited with {process.returncode}: {server.output_tail()}")
        try:
            fetch(server.base_url, "/livez", timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    raise BenchError(f"server did not answer within {START_TIMEOUT_SECONDS} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the group (uvicorn stops its workers), then SIGKILL to whatever is left of
    it. The leader is reaped last: until then its id, the group's, cannot go to another."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    exited_unreaped(process, STOP_TIMEOUT_SECONDS)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def exited_unreaped(process: subprocess.Popen[bytes], timeout: float) -> bool:
    """Wait for the process to exit without reaping it (``WNOWAIT``), so that its id cannot
    go to another process while this one may still signal its group."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        flags = os.WEXITED | os.WNOHANG | os.WNOWAIT
        try:
            if os.waitid(os.P_PID, process.pid, flags) is not None:
                return True
        except ChildProcessError:  # reaped by now (Popen.poll): nothing of it is left to wait on
            return True
        time.sleep(0.05)
    return False
