"""``faas-packages``: the command-line entry point."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence

import uvicorn

from projections.rebuild import PAGE_SIZE, rebuild, verify
from scripts.progress import ProgressLine
from service.bootstrap import bootstrap
from service.settings import Settings, SettingsError

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
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    handler: Handler = args.handler
    return handler(args, settings)


def serve(args: argparse.Namespace, settings: Settings) -> int:
    """Run the HTTP service; the store is checked (and its tables made) before listening."""
    try:
        bootstrap(settings).close()
    except SettingsError as error:
        print(f"faas-packages: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        print(f"faas-packages: cannot open the store: {error}", file=sys.stderr)
        return 1
    uvicorn.run(
        "service.app:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=settings.log_level.lower(),
    )
    return 0


def project(args: argparse.Namespace, settings: Settings) -> int:
    """Run the live projection in the foreground until SIGINT or SIGTERM."""
    container = bootstrap(settings)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    container.runner.start()
    print("faas-packages: projecting; Ctrl-C to stop", file=sys.stderr)
    stop.wait()
    container.close()
    return 0


def rebuild_command(args: argparse.Namespace, settings: Settings) -> int:
    """Rebuild the read model from the log (or, with --verify, compare it with a replay)."""
    container = bootstrap(settings)
    progress = ProgressLine(sys.stderr) if sys.stderr.isatty() else None
    try:
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
    finally:
        container.close()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
    return parser


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


if __name__ == "__main__":
    sys.exit(main())
