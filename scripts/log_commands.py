"""``faas-packages export`` and ``import``: the whole store in a portable file and back (the
backup, and the move from the embedded store to PostgreSQL); ``verify-log``: the log checked
against its notary."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from commands.export import Summary, export_log, import_log
from commands.log_file import ExportFileError, StoreNotEmptyError
from commands.persistence import ServiceRecorder
from commands.streams import snapshot_long_streams
from projections.log_verification import Verification, verify_log
from projections.notary import Head
from projections.rebuild import rebuild
from projections.rows import iso_millis
from scripts.progress import ProgressLine
from service.bootstrap import Container, bootstrap
from service.settings import Settings

STDOUT = "-"


def add_commands(commands: Any) -> None:
    exporting = commands.add_parser(
        "export", help="write the whole store (events and side tables) to a portable file"
    )
    exporting.add_argument(
        "file",
        nargs="?",
        default=STDOUT,
        help="where to write it (default -: standard output, which must not be a terminal)",
    )
    exporting.set_defaults(handler=export_command)
    importing = commands.add_parser(
        "import", help="load an export into an empty store, then rebuild its read model"
    )
    importing.add_argument("file", type=Path, help="a file written by faas-packages export")
    importing.set_defaults(handler=import_command)
    verifying = commands.add_parser(
        "verify-log", help="check the log against its notary's hash chain (exit 1 if changed)"
    )
    choice = verifying.add_mutually_exclusive_group()
    choice.add_argument(
        "--head", action="store_true", help="print the notary's head (position:hash) and exit"
    )
    choice.add_argument(
        "--against",
        type=_head,
        metavar="HEAD",
        help="also check that the log still extends HEAD, a head printed earlier by --head",
    )
    verifying.set_defaults(handler=verify_log_command)


def export_command(args: argparse.Namespace, settings: Settings) -> int:
    """Write the store as of one moment. A file is written under a temporary name and
    renamed once complete, so a file of the given name is always a whole export."""
    if args.file == STDOUT and sys.stdout.isatty():
        print("faas-packages: give a FILE, or send standard output elsewhere", file=sys.stderr)
        return 2
    container = bootstrap(settings)
    try:
        if args.file == STDOUT:
            summary = _export(container.store.recorder, sys.stdout.buffer)
        else:
            target = Path(args.file)
            partial = target.with_name(f".{target.name}.partial")
            try:
                with open(partial, "wb") as out:
                    summary = _export(container.store.recorder, out)
                    os.fsync(out.fileno())
                partial.replace(target)
            finally:
                partial.unlink(missing_ok=True)
    finally:
        container.close()
    print(f"exported {_described(summary)}", file=sys.stderr)
    return 0


def _export(recorder: Any, out: BinaryIO) -> Summary:
    progress = _progress()
    summary = export_log(_recorder(recorder), out, iso_millis(datetime.now(UTC)), progress)
    if progress is not None:
        progress.done()
    return summary


def import_command(args: argparse.Namespace, settings: Settings) -> int:
    """Load an export into an empty store (all of it or nothing), then rebuild the read model
    from the events loaded."""
    container = bootstrap(settings)
    try:
        progress = _progress()
        try:
            with open(args.file, "rb") as lines:
                summary = import_log(_recorder(container.store.recorder), lines, progress)
        except (ExportFileError, StoreNotEmptyError, OSError) as error:
            if progress is not None:
                progress.done()
            print(f"faas-packages: nothing imported: {error}", file=sys.stderr)
            return 1
        if progress is not None:
            progress.done()
        print(f"imported {_described(summary)}", file=sys.stderr)
        _after_import(container)
    finally:
        container.close()
    return 0


def _after_import(container: Container) -> None:
    """What the store makes of a log itself, made for the imported one: snapshots of its long
    streams (an export holds none), the read model, the notary's chain."""
    taken = snapshot_long_streams(container.store)
    print(f"snapshots taken of {taken:,} long streams", file=sys.stderr)
    progress = _progress()
    rebuilt = rebuild(container.projector, progress)
    if progress is not None:
        progress.done()
    print(f"read model rebuilt to position {rebuilt.position:,}", file=sys.stderr)
    print(f"log notarized: head {container.notary.catch_up()}", file=sys.stderr)


def verify_log_command(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 0 when the log is as notarized (and extends ``--against``), else 1."""
    container = bootstrap(settings)
    try:
        if args.head:
            print(container.notary.head())
            return 0
        progress = _progress()
        result = verify_log(container.database, container.projector.log, args.against, progress)
        log_head = container.projector.log.head()
    finally:
        container.close()
    if progress is not None:
        progress.done()
    for line in _verdict(result, args.against, log_head):
        print(line)
    return 0 if result.intact else 1


def _verdict(result: Verification, against: Head | None, log_head: int) -> list[str]:
    lines = []
    if result.finding is not None:
        lines.append(f"the log differs from its notary at {result.finding}")
    else:
        lines.append(
            f"the log is as notarized: {result.events:,} events up to position "
            f"{result.head.position:,} (head {result.head})"
        )
    if result.anchored is False and against is not None:
        lines.append(
            f"the log does not extend the anchored head {against}: it was changed at or "
            f"before position {against.position:,}"
        )
    elif result.anchored:
        lines.append(f"the log extends the anchored head {against}")
    if log_head > result.head.position:
        lines.append(f"events after position {result.head.position:,}: not notarized yet")
    return lines


def _head(text: str) -> Head:
    try:
        return Head.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _described(summary: Summary) -> str:
    return (
        f"{summary.events:,} events (to position {summary.last_position:,}) and "
        f"{summary.side_rows:,} side-table rows; content SHA-256 {summary.sha256}"
    )


def _progress() -> ProgressLine | None:
    return ProgressLine(sys.stderr) if sys.stderr.isatty() else None


def _recorder(recorder: Any) -> ServiceRecorder:
    assert isinstance(recorder, ServiceRecorder)
    return recorder
