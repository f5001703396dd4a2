"""``faas-packages``: the command-line entry point."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from scripts import (
    arguments,
    catalog_commands,
    keys_commands,
    keysets_commands,
    log_commands,
    read_model_commands,
    secrets_commands,
    serving,
)
from scripts import replay as replay_module
from scripts.read_model_commands import EXIT_STALLED
from scripts.usage import CommandParser
from service.bootstrap import bootstrap
from service.logs import configure_logging
from service.settings import Settings, SettingsError
from service.store_errors import StoreUnreachableError

__all__ = ["EXIT_STALLED", "main"]

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
    try:
        return handler(args, settings)
    except StoreUnreachableError as error:
        print(f"faas-packages: {error}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="faas-packages",
        description="Event-sourced control plane for serverless-function packages.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    serve_parser = commands.add_parser("serve", help="run the HTTP service")
    serve_parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve_parser.add_argument("--port", type=arguments.port, default=8000, help="port to listen on")
    serve_parser.add_argument(
        "--workers",
        type=arguments.workers,
        default=1,
        help=f"worker processes (1 to {arguments.MAX_WORKERS})",
    )
    serve_parser.set_defaults(handler=serving.serve)
    init_parser = commands.add_parser(
        "init", help="make the store's tables (as a role that may), then exit"
    )
    init_parser.set_defaults(handler=init_store)
    read_model_commands.add_commands(commands)
    keys_commands.add_commands(commands)
    replay_parser = commands.add_parser(
        "replay", help="stream the audit trail, or show a package as of a time"
    )
    replay_module.add_arguments(replay_parser)
    replay_parser.set_defaults(handler=replay_module.replay)
    log_commands.add_commands(commands)
    _add_bench_command(commands)
    keysets_commands.add_commands(commands)
    catalog_commands.add_commands(commands)
    secrets_commands.add_commands(commands)
    return parser


def init_store(_args: argparse.Namespace, settings: Settings) -> int:
    """Make every table, index and view of the event store and the read model that is
    missing (all of them on a new store), so that ``serve`` can run as a role that may only
    read and write rows."""
    bootstrap(settings, make_tables=True).close()
    print("faas-packages: the store's tables are ready", file=sys.stderr)
    return 0


def _add_bench_command(commands: Any) -> None:
    from scripts import bench_load  # the benchmark's own modules, loaded for this command only

    bench = commands.add_parser(
        "bench", help="load benchmark: creates/s and GETs/s of the service against baselines"
    )
    bench_load.add_arguments(bench)
    bench.set_defaults(handler=lambda args, _settings: bench_load.run(args))


def _version() -> str:
    try:
        return version("faas-packages")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
