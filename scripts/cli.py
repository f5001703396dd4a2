"""``faas-packages``: the command-line entry point."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn
from uuid import UUID, uuid4

import uvicorn
from uvicorn.supervisors import Multiprocess

from commands.commands import CommandContext
from commands.errors import ApiKeyNotFoundError
from commands.keys import PERMISSIONS, Grant, GrantError
from projections.failure import EventNotAppliedError
from projections.rebuild import PAGE_SIZE, rebuild, verify
from projections.status import read_model_status
from scripts import replay as replay_module
from scripts.progress import ProgressLine
from scripts.projection_status import status_lines
from service.bootstrap import Container, bootstrap
from service.collector import settle_after_start_up
from service.http_protocol import JoinedWritesProtocol
from service.logs import configure_logging
from service.metrics import MULTIPROCESS_DIR_VARIABLE
from service.settings import Settings, SettingsError
from service.store import is_embedded
from service.wire import now_to_the_millisecond

logger = logging.getLogger("faas.service")

DEVELOPMENT_ACCOUNT = 1
PROJECTION_VARIABLE = "FAAS_PROJECTION"
PROJECTION_RESTART_SECONDS = 2.0
PROJECTION_STOP_SECONDS = 15.0
PARENT_CHECK_SECONDS = 0.5
# The exit status of a projection process whose step stalled (``project``).
EXIT_STALLED = 3
EXAMPLE_BODY = (
    '{"name":"hello","functions":[{"name":"hello","type":"ON_REQUEST",'
    '"code":"export default () => 1;","config":{"path":"hello"}}]}'
)

Handler = Callable[[argparse.Namespace, Settings], int]


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, read the settings once, run the subcommand."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as error:
        print(f"faas-packages: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    handler: Handler = args.handler
    return handler(args, settings)


def serve(args: argparse.Namespace, settings: Settings) -> int:
    """Run the HTTP service; the store is checked (and its tables made) before listening."""
    try:
        container = bootstrap(settings)
        try:
            if is_embedded(settings.database_url) and not container.keys.records():
                _print_development_key(container, args)
        finally:
            container.close()
    except SettingsError as error:
        print(f"faas-packages: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        print(f"faas-packages: cannot open the store: {error}", file=sys.stderr)
        return 1
    config = uvicorn.Config(
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

    def terminate_all(self) -> None:
        if self._projection is not None and self._projection.poll() is None:
            self._projection.terminate()  # it stops at a batch boundary
        super().terminate_all()

    def join_all(self) -> None:
        super().join_all()
        if self._projection is not None:
            try:
                self._projection.wait(PROJECTION_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self._projection.kill()
                self._projection.wait()

    def _start_projection(self) -> None:
        if self._projection_command is not None:
            self._projection_started = time.monotonic()
            self._projection = subprocess.Popen(self._projection_command)  # noqa: S603 - ours


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


def _print_development_key(container: Container, args: argparse.Namespace) -> None:
    """First run on the embedded store: a key with every grant for account 1, shown once."""
    grants = [Grant(permission) for permission in PERMISSIONS]
    key, plain = container.packages.issue_api_key(
        "development key", grants, None, cli_context(DEVELOPMENT_ACCOUNT)
    )
    base = f"http://{args.host}:{args.port}/v2/faas"
    print(
        f"""
No API key exists yet, so one was made for account {DEVELOPMENT_ACCOUNT} with every grant.
It is shown this once; keep it (list and revoke keys with `faas-packages keys`).

    key id: {key.id}
    key:    {plain}

Try it:

    curl -s -X POST {base}/packages -H 'Authorization: Bearer {plain}' \\
      -H 'Content-Type: application/json' \\
      -d '{EXAMPLE_BODY}'
""",
        file=sys.stderr,
        flush=True,
    )


def cli_context(account_id: int) -> CommandContext:
    """Commands from the command line: the actor is the operating-system user."""
    return CommandContext(
        account_id=account_id,
        actor=f"cli:{getpass.getuser()}",
        correlation_id=f"cli-{uuid4()}",
        requested_at=now_to_the_millisecond(),
    )


def keys_create(args: argparse.Namespace, settings: Settings) -> int:
    """Make a key and print it once."""
    container = bootstrap(settings)
    try:
        key, plain = container.packages.issue_api_key(
            args.name, args.grant, args.expires, cli_context(args.account)
        )
    finally:
        container.close()
    print(f"key id: {key.id}")
    print(f"key:    {plain}")
    print("The key is shown only now; the service keeps only a hash of it.", file=sys.stderr)
    return 0


def keys_list(args: argparse.Namespace, settings: Settings) -> int:
    """Keys with their grants and state, never the key itself."""
    container = bootstrap(settings)
    try:
        records = [
            record
            for record in container.keys.records()
            if args.account is None or record.account_id == args.account
        ]
    finally:
        container.close()
    rows = [("ID", "ACCOUNT", "NAME", "GRANTS", "EXPIRES", "REVOKED")]
    rows += [
        (
            str(record.key_id),
            str(record.account_id),
            record.name,
            " ".join(str(grant) for grant in record.grants),
            record.expires_at.isoformat() if record.expires_at else "never",
            "yes" if record.revoked else "no",
        )
        for record in records
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    return 0


def keys_revoke(args: argparse.Namespace, settings: Settings) -> int:
    container = bootstrap(settings)
    try:
        key = container.packages.revoke_api_key(args.key_id, cli_context(0))
    except ApiKeyNotFoundError as error:
        print(f"faas-packages: {error}", file=sys.stderr)
        return 2
    finally:
        container.close()
    print(f"revoked {key.id}")
    return 0


def project(args: argparse.Namespace, settings: Settings) -> int:
    """Run the live projection in the foreground until SIGINT or SIGTERM (or, with
    ``--status``, say where it stands: exit status 1 when it has stopped at an event)."""
    container = bootstrap(settings)
    if args.status:
        try:
            status = read_model_status(container.projector)
        finally:
            container.close()
        print("\n".join(status_lines(status)))
        return 0 if status.failure is None else 1
    settle_after_start_up()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    container.runner.start()
    print("faas-packages: projecting; Ctrl-C to stop", file=sys.stderr)
    parent = os.getppid()
    # With --stop-with-parent, a parent gone (even SIGKILLed, with no chance to stop us)
    # makes this process an orphan, adopted by another: then it stops too.
    while not stop.wait(PARENT_CHECK_SECONDS):
        if args.stop_with_parent and os.getppid() != parent:
            logger.warning("the process that started the projection is gone: stopping")
            break
        stalled = container.runner.step_seconds()
        if stalled > settings.projection_stall_seconds:
            # The stuck thread cannot be stopped, and a clean exit would wait for it. Its
            # transaction dies with the connection; whoever runs us starts a new process.
            logger.error(
                "a projection step has run for %.0f s, past FAAS_PROJECTION_STALL_SECONDS: "
                "exiting to be restarted",
                stalled,
            )
            logging.shutdown()
            os._exit(EXIT_STALLED)
    container.close()
    return 0


def rebuild_command(args: argparse.Namespace, settings: Settings) -> int:
    """Rebuild the read model from the log (or, with --verify, compare it with a replay)."""
    container = bootstrap(settings)
    progress = ProgressLine(sys.stderr) if sys.stderr.isatty() else None
    try:
        return _rebuild_or_verify(args, container, progress)
    except EventNotAppliedError as error:
        if progress is not None:
            progress.done()
        print(f"faas-packages: the replay stopped: {error}", file=sys.stderr)
        return 1
    finally:
        container.close()


def _rebuild_or_verify(
    args: argparse.Namespace, container: Container, progress: ProgressLine | None
) -> int:
    if args.verify:
        differences = verify(container.projector, progress, page_size=args.batch_size)
        if progress is not None:
            progress.done()
        for line in differences:
            print(line)
        print(f"{len(differences)} difference(s)", file=sys.stderr)
        return 1 if differences else 0
    result = rebuild(container.projector, progress, page_size=args.batch_size)
    if progress is not None:
        progress.done()
    how = "resumed" if result.resumed else "new"
    print(
        f"rebuilt generation {result.generation} ({how}) to position {result.position}, "
        f"{result.events_replayed} events replayed",
        file=sys.stderr,
    )
    return 0


class OneLineErrorParser(argparse.ArgumentParser):
    """Bad arguments: one line on stderr, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = OneLineErrorParser(
        prog="faas-packages",
        description="Event-sourced control plane for serverless-function packages.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="run the HTTP service")
    serve_parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve_parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve_parser.add_argument(
        "--workers", type=_positive_int, default=1, help="number of worker processes"
    )
    serve_parser.set_defaults(handler=serve)
    project_parser = commands.add_parser(
        "project", help="run the read-model projection as its own worker"
    )
    project_parser.add_argument(
        "--stop-with-parent",
        action="store_true",
        help="stop when the process that started this one ends (how serve runs it)",
    )
    project_parser.add_argument(
        "--status",
        action="store_true",
        help="print where the projection stands (position, head, lag, the event it cannot "
        "apply, if any) and exit: 1 when it has stopped at an event",
    )
    project_parser.set_defaults(handler=project)
    rebuild_parser = commands.add_parser(
        "rebuild", help="rebuild the read model from the event log, then switch to it"
    )
    rebuild_parser.add_argument(
        "--verify",
        action="store_true",
        help="compare the live read model with a fresh replay; exit 1 on any difference",
    )
    rebuild_parser.add_argument(
        "--batch-size",
        type=_positive_int,
        default=PAGE_SIZE,
        help=f"events per transaction (default {PAGE_SIZE})",
    )
    rebuild_parser.set_defaults(handler=rebuild_command)
    _add_keys_commands(commands)
    replay_parser = commands.add_parser(
        "replay", help="stream the audit trail, or show a package as of a time"
    )
    replay_module.add_arguments(replay_parser)
    replay_parser.set_defaults(handler=replay_module.replay)
    _add_bench_command(commands)
    return parser


def _add_keys_commands(commands: Any) -> None:
    keys = commands.add_parser("keys", help="make, list and revoke API keys")
    actions = keys.add_subparsers(dest="keys_command", required=True)
    create = actions.add_parser("create", help="make a key; it is printed once")
    create.add_argument("--account", type=_positive_int, required=True, help="the key's account")
    create.add_argument(
        "--grant",
        type=_grant,
        action="append",
        required=True,
        help="a permission, e.g. functions.package:write or "
        "functions.package-deployment:write@keyset:12345 (repeat for several)",
    )
    create.add_argument("--expires", type=_expiry, help="UTC time, e.g. 2027-01-01T00:00:00Z")
    create.add_argument("--name", default="", help="a name to recognise the key by")
    create.set_defaults(handler=keys_create)
    listing = actions.add_parser("list", help="list keys (never the keys themselves)")
    listing.add_argument("--account", type=_positive_int, help="only this account's keys")
    listing.set_defaults(handler=keys_list)
    revoke = actions.add_parser("revoke", help="revoke a key at once, in every process")
    revoke.add_argument("key_id", type=_uuid, help="the key id (from create or list)")
    revoke.set_defaults(handler=keys_revoke)


def _add_bench_command(commands: Any) -> None:
    from scripts import bench_load  # the benchmark's own modules, loaded for this command only

    bench = commands.add_parser(
        "bench", help="load benchmark: creates/s and GETs/s of the service against baselines"
    )
    bench_load.add_arguments(bench)
    bench.set_defaults(handler=lambda args, _settings: bench_load.run(args))


def _grant(text: str) -> Grant:
    try:
        return Grant.parse(text)
    except GrantError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _expiry(text: str) -> str:
    return replay_module.moment(text).isoformat()


def _uuid(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a key id: {text!r}") from None


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number, 1 or more: {text!r}")
    return int(text)


if __name__ == "__main__":
    sys.exit(main())
