"""``faas-packages serve``: uvicorn with its workers, and beside them on PostgreSQL the
projection in a process of its own, supervised."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from uvicorn.supervisors import Multiprocess

from scripts.first_key import offer_a_first_key
from service.bootstrap import bootstrap
from service.catalog import publish_starter_catalog
from service.http_protocol import JoinedWritesProtocol, ServerConfig
from service.metrics import MULTIPROCESS_DIR_VARIABLE
from service.settings import Settings, SettingsError
from service.store import is_embedded

logger = logging.getLogger("faas.service")

PROJECTION_VARIABLE = "FAAS_PROJECTION"
PROJECTION_RESTART_SECONDS = 2.0
PROJECTION_STOP_SECONDS = 15.0


def serve(args: argparse.Namespace, settings: Settings) -> int:
    """Run the HTTP service; the store is checked (and its tables made) before listening."""
    if not settings.secrets_key_file and not is_embedded(settings.database_url):
        print(
            "faas-packages: FAAS_SECRETS_KEY_FILE must name the master key's file on PostgreSQL "
            "(64 hexadecimal digits, e.g. made by: openssl rand -hex 32 > FILE; chmod 600 FILE)",
            file=sys.stderr,
        )
        return 2
    try:
        container = bootstrap(settings, secrets=True)
        try:
            if is_embedded(settings.database_url):
                publish_starter_catalog(container)
            if not container.keys.records():
                offer_a_first_key(container, settings.database_url, f"{args.host}:{args.port}")
        finally:
            container.close()
    except SettingsError as error:
        print(f"faas-packages: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        print(f"faas-packages: cannot open the store: {error}", file=sys.stderr)
        return 1
    config = ServerConfig(
        "service.app:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=settings.log_level.lower(),
        log_config=None,  # ours: JSON lines, or readable on a terminal
        # On SIGTERM: stop accepting, let requests in flight finish (bounded), then stop the
        # projection at a batch boundary and close the pools (the app's lifespan).
        timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
        access_log=False,  # the service logs each request itself, with its correlation id
        # Nothing reads a client's address or scheme (answers carry paths only): uvicorn's
        # middleware that takes them from X-Forwarded-* would be one more layer per request.
        proxy_headers=False,
        http=JoinedWritesProtocol,
        server_header=False,
        limit_concurrency=settings.max_connections,
        header_read_timeout_seconds=settings.header_read_timeout_seconds,
        body_read_timeout_seconds=settings.body_read_timeout_seconds,
    )
    with worker_metrics(args.workers):
        if args.workers == 1:
            server = uvicorn.Server(config)
            server.run()
            if not server.started:
                return 1
        else:
            projection = _projection_process(settings)
            Supervisor(config, [config.bind_socket()], projection).run()
    return 0


def _projection_process(settings: Settings) -> list[str] | None:
    """With several workers on PostgreSQL, the inline projection runs in a process of its
    own (``faas-packages project``) rather than in one of the workers, where it would share
    an interpreter lock with a busy event loop and every round trip to the database would
    wait its turn. On SQLite, only the process that wrote hears of its writes at once, so the
    projection stays in the workers."""
    if settings.projection != "inline" or is_embedded(settings.database_url):
        return None
    os.environ[PROJECTION_VARIABLE] = "off"  # the workers', which uvicorn spawns after this
    return [sys.executable, "-m", "scripts.cli", "project", "--stop-with-parent"]


class Supervisor(Multiprocess):
    """uvicorn's supervisor of worker processes, closing its own copy of the listening
    socket the moment it is told to stop. The workers close theirs as their graceful
    shutdown begins; without this, the port would keep queueing new connections that no
    process will ever accept, instead of refusing them."""

    def __init__(
        self,
        config: uvicorn.Config,
        sockets: list[socket.socket],
        projection: list[str] | None = None,
    ) -> None:
        super().__init__(config, sockets)
        self._projection_command = projection
        self._projection: subprocess.Popen[bytes] | None = None
        self._projection_started = 0.0
        for stop in (signal.SIGINT, signal.SIGTERM):
            signal.signal(stop, self._stop_listening)

    def _stop_listening(self, received: int, _frame: object) -> None:
        for sock in self.sockets:
            sock.close()
        self.signal_queue.append(received)

    def init_processes(self) -> None:
        self._start_projection()
        super().init_processes()

    def keep_subprocess_alive(self) -> None:
        """Workers as uvicorn keeps them; the projection process restarted when it ends,
        at most once per pause (it may end because the store is away)."""
        super().keep_subprocess_alive()
        ended = None if self._projection is None else self._projection.poll()
        paused = time.monotonic() - self._projection_started >= PROJECTION_RESTART_SECONDS
        if ended is not None and paused and not self.should_exit.is_set():
            logger.warning("projection process ended (%s); restarting it", ended)
            self._start_projection()

    def join_all(self) -> None:
        """The workers first (each finishes the requests it holds, within the shutdown
        timeout), then the projection: until they have drained, their commands wait for
        the read model to include them."""
        super().join_all()
        self._stop_projection()

    def _start_projection(self) -> None:
        if self._projection_command is not None:
            self._projection_started = time.monotonic()
            # Its stdin is its stop signal: closed by us, or by the kernel if we die.
            self._projection = subprocess.Popen(  # noqa: S603 - our own command
                self._projection_command, stdin=subprocess.PIPE
            )

    def _stop_projection(self) -> None:
        if self._projection is None:
            return
        if self._projection.stdin is not None:
            self._projection.stdin.close()  # it stops at a batch boundary
        try:
            self._projection.wait(PROJECTION_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self._projection.kill()
            self._projection.wait()


@contextmanager
def worker_metrics(workers: int) -> Iterator[None]:
    """With several workers, each keeps its counts in files of its own in a new private folder,
    which ``/metrics`` sums; the folder goes when the server stops. A folder left by an earlier
    run would add that run's counts, so one is never reused. Workers are new interpreters
    (uvicorn spawns them), so they read the variable before they import the metrics library."""
    if workers == 1:
        yield
        return
    with tempfile.TemporaryDirectory(prefix="faas-metrics-") as folder:
        os.environ[MULTIPROCESS_DIR_VARIABLE] = folder
        try:
            yield
        finally:
            del os.environ[MULTIPROCESS_DIR_VARIABLE]
