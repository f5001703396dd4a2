"""Run ``faas-packages serve`` (and other ``faas-packages`` commands) as real processes.

Each process starts in a process group of its own, so a test can kill the server together
with its uvicorn workers, and nothing outlives the test."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx2 as httpx

from scripts.bench_servers import exited_unreaped
from tests.support.secrets import key_file_for

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "scripts.cli"]
STARTED = b"Application startup complete."  # uvicorn, once per worker


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cli_env(database_url: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """This environment, with the store and any ``FAAS_*`` overrides of a test."""
    return {
        **os.environ,
        "FAAS_DATABASE_URL": database_url,
        "FAAS_SECRETS_KEY_FILE": key_file_for(database_url),
        "PYTHONPATH": str(ROOT),
        **(env or {}),
    }


@contextmanager
def running_server(
    database_url: str, *, workers: int = 1, cwd: Path = ROOT, timeout: float = 30
) -> Iterator[str]:
    """The base URL of a server that is answering; it is stopped with SIGTERM afterwards."""
    with server_process(database_url, workers=workers, cwd=cwd, timeout=timeout) as (base, _):
        yield base


@contextmanager
def server_process(
    database_url: str,
    *,
    workers: int = 1,
    cwd: Path = ROOT,
    timeout: float = 30,
    env: Mapping[str, str] | None = None,
    log: Path | None = None,
    open_files: int | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The base URL and the process of a server whose every worker has started. Its output
    goes to ``log`` (appended) if given, else to ``server.log`` in ``cwd`` unless that is the
    project's root. ``open_files`` limits the files (sockets included) it may hold open."""
    port = free_port()
    args = ["serve", "--port", str(port), "--workers", str(workers)]
    # Each worker says when it has started; the count is how a test knows all of them serve.
    env = {"FAAS_LOG_LEVEL": "INFO", **(env or {})}
    with _output(log, cwd) as output:
        start = os.fstat(output.fileno()).st_size
        with cli_process(
            database_url, args, env=env, cwd=cwd, output=output, open_files=open_files
        ) as process:
            base = f"http://127.0.0.1:{port}"
            expected = workers if env["FAAS_LOG_LEVEL"].upper() in {"DEBUG", "INFO"} else 0
            _wait_until_serving(base, process, (output, start), expected, timeout)
            yield base, process


@contextmanager
def cli_process(
    database_url: str,
    args: list[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path = ROOT,
    output: IO[bytes] | int = subprocess.DEVNULL,
    open_files: int | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """``faas-packages ARGS`` running in a process group of its own; afterwards it gets
    SIGTERM, then SIGKILL (with every process of its group) if it has not stopped."""
    limit = [] if open_files is None else ["prlimit", f"--nofile={open_files}", "--"]
    process = subprocess.Popen(
        [*limit, *CLI, *args],
        cwd=cwd,
        env=cli_env(database_url, env),
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        if process.returncode is None:  # not reaped: its group id is still its own
            # os.kill, not send_signal: that polls first, and would reap an exited process.
            os.kill(process.pid, signal.SIGTERM)
            exited_unreaped(process, timeout=15)
        kill_group(process)  # whatever it left: workers of a parent killed alone, or stuck


def _output(log: Path | None, cwd: Path) -> IO[bytes]:
    if log is not None:
        return open(log, "a+b")
    if cwd != ROOT:
        return open(cwd / "server.log", "w+b")
    return tempfile.TemporaryFile()


def kill_group(process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """SIGKILL the process and every process of its group (uvicorn's workers), and reap it.
    A process already reaped is left alone: its id may be another's by now."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=timeout)


def run_cli(
    database_url: str, *args: str, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``faas-packages ARGS`` on the store to its end; its exit status and output."""
    return run_module("scripts.cli", *args, database_url=database_url, env=env, timeout=timeout)


def run_module(
    module: str,
    *args: str,
    database_url: str = "",
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m MODULE ARGS`` from the project's root to its end."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=cli_env(database_url, env) if database_url else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def worker_pids(server: subprocess.Popen[bytes]) -> list[int]:
    """The uvicorn worker processes of a server run with ``--workers`` 2 or more."""
    return _children_running(server, b"spawn_main")


def projection_pids(server: subprocess.Popen[bytes]) -> list[int]:
    """The projection process a server runs beside its workers (PostgreSQL, 2 or more)."""
    return _children_running(server, b"scripts.cli\x00project")


def new_child(
    server: subprocess.Popen[bytes],
    children: Callable[[subprocess.Popen[bytes]], list[int]],
    known: set[int],
    timeout: float,
) -> int:
    """A child of ``children``'s kind (``worker_pids``, ``projection_pids``) that is not one
    of ``known``: the replacement of one that died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = set(children(server)) - known
        if new:
            return new.pop()
        time.sleep(0.05)
    raise AssertionError(f"no process replaced one of {sorted(known)} within {timeout} s")


def process_ended(pid: int, timeout: float) -> bool:
    """Whether process ``pid`` exited within ``timeout`` seconds (a zombie waiting to be
    reaped by whichever process adopted it counts)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status = Path(f"/proc/{pid}/status").read_bytes()
        except OSError:
            return True
        if b"State:\tZ" in status:
            return True
        time.sleep(0.05)
    return False


def _children_running(server: subprocess.Popen[bytes], command: bytes) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    found = []
    for child in children:
        with contextlib.suppress(OSError):  # gone meanwhile
            if command in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(int(child))
    return found


def _wait_until_serving(
    base: str,
    process: subprocess.Popen[bytes],
    log: tuple[IO[bytes], int],
    workers: int,
    timeout: float,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: {_since(*log)!r}")
        try:
            httpx.get(f"{base}/v2/faas/packages?size=1", timeout=1)
        except httpx.TransportError:
            pass
        else:
            if _since(*log).count(STARTED) >= workers:
                return
        time.sleep(0.1)
    raise TimeoutError(f"server at {base} did not answer within {timeout} s: {_since(*log)!r}")


def _since(output: IO[bytes], start: int) -> bytes:
    """What the server printed from ``start`` on; ``pread`` leaves the offset it shares with
    the server's own writes alone."""
    size = os.fstat(output.fileno()).st_size
    return os.pread(output.fileno(), max(0, size - start), start)
