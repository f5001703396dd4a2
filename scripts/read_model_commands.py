"""``faas-packages project`` and ``rebuild``: the read model's projection, run, watched,
rebuilt and verified from the command line."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from typing import Any

from projections.failure import EventNotAppliedError
from projections.rebuild import PAGE_SIZE, rebuild, verify
from projections.status import read_model_status
from scripts import arguments
from scripts.progress import ProgressLine
from scripts.projection_status import status_lines
from service.bootstrap import Container, bootstrap
from service.collector import settle_after_start_up
from service.metrics import multiprocess_dir
from service.process_metrics import record_gc_counts
from service.settings import Settings

logger = logging.getLogger("faas.service")

PARENT_CHECK_SECONDS = 0.5
# The exit status of a projection process whose step stalled (``project``).
EXIT_STALLED = 3


def add_commands(commands: Any) -> None:
    """``project`` (and ``project --status``), ``rebuild`` (and ``rebuild --verify``)."""
    project_parser = commands.add_parser(
        "project", help="run the read-model projection as its own worker, or show its status"
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
        type=arguments.batch_size,
        default=PAGE_SIZE,
        help=f"events per transaction (1 to {arguments.MAX_BATCH_SIZE:,})",
    )
    rebuild_parser.set_defaults(handler=rebuild_command)


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
    record_gc_counts(multiprocess_dir())  # beside the workers', read by their /metrics
    stop = threading.Event()
    if args.stop_with_parent:
        _stop_when_told(stop)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _ignored if args.stop_with_parent else lambda *_: stop.set())
    container.runner.start()
    container.scheduler.start()
    logger.info("projecting the read model until stopped (Ctrl-C, SIGTERM)")
    parent = os.getppid()
    # A parent gone (even SIGKILLed, with no chance to stop us) makes this process an
    # orphan, adopted by another: then it stops too.
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


def _stop_when_told(stop: threading.Event) -> None:
    """``serve`` holds the other end of this process's stdin and closes it to stop us, once
    its workers have drained (and the kernel closes it if ``serve`` dies): stop at its end."""

    def read_to_the_end() -> None:
        while sys.stdin.buffer.read(4096):
            pass
        stop.set()

    threading.Thread(target=read_to_the_end, name="stop-with-parent", daemon=True).start()


def _ignored(signum: int, _frame: object) -> None:
    """Run by ``serve``, the projection outlives a SIGTERM or SIGINT that reaches every
    process of the server at once (a service manager stopping it, Ctrl-C in its terminal):
    the workers answer the requests they hold only once the read model has them."""
    logger.info(
        "projection: %s received; stopping once the server's workers have drained",
        signal.Signals(signum).name,
    )


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
