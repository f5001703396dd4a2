"""``faas-packages replay``: the audit trail on the command line, and time travel."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from datetime import datetime
from typing import Any, BinaryIO
from uuid import UUID

import msgspec

from projections.audit import AuditFilter, package_as_of, records
from projections.queries import RevisionView
from projections.rows import iso_millis
from scripts import arguments
from scripts.replay_table import Table
from service import responses
from service.bootstrap import bootstrap
from service.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--account", type=arguments.account_id, action="append", help="only this account's events"
    )
    parser.add_argument("--package", type=UUID, help="only this package's events")
    parser.add_argument("--type", action="append", help="only events of this type (repeatable)")
    parser.add_argument(
        "--since", type=arguments.moment, help="only events at or after this time (or date)"
    )
    parser.add_argument(
        "--until", type=arguments.moment, help="only events at or before this time (or date)"
    )
    parser.add_argument(
        "--after", type=arguments.log_position, default=0, help="only events after this position"
    )
    parser.add_argument("--correlation-id", help="only events caused by this request")
    parser.add_argument("--json", action="store_true", help="JSON lines, even on a terminal")
    parser.add_argument("--follow", action="store_true", help="keep printing new events")
    parser.add_argument(
        "--as-of", type=arguments.moment, help="with --package: print the package as it stood then"
    )


def replay(args: argparse.Namespace, settings: Settings) -> int:
    """Stream the log (or print one package as of a time)."""
    if args.as_of is not None and args.package is None:
        print("faas-packages: error: --as-of needs --package", file=sys.stderr)
        return 2
    container = bootstrap(settings)
    try:
        log = container.projector.log
        if args.as_of is not None:
            return _print_as_of(log, args.package, args.as_of)
        selection = AuditFilter(
            after=args.after,
            accounts=frozenset(args.account) if args.account else None,
            package_id=args.package,
            types=frozenset(args.type) if args.type else None,
            since=iso_millis(args.since) if args.since else None,
            until=iso_millis(args.until) if args.until else None,
            correlation_id=args.correlation_id,
        )
        as_table = sys.stdout.isatty() and not args.json
        return _stream(records(log, selection, follow=args.follow), as_table)
    finally:
        container.close()


def _stream(selected: Any, as_table: bool) -> int:
    out: BinaryIO = sys.stdout.buffer
    encode = msgspec.json.Encoder().encode
    table = Table.for_width(shutil.get_terminal_size().columns) if as_table else None
    try:
        if table is not None:
            out.write(table.header().encode() + b"\n")
        for record in selected:
            if table is not None:
                out.write(table.row(record).encode() + b"\n")
                out.flush()
            else:
                out.write(encode(record) + b"\n")
        out.flush()
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, and keep Python from complaining
        # when it flushes stdout on the way out.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except KeyboardInterrupt:
        out.flush()
    return 0


def _print_as_of(log: Any, package_id: UUID, when: datetime) -> int:
    batch = package_as_of(log, package_id, when)
    if batch is None:
        print(f"faas-packages: package {package_id} did not exist at {iso_millis(when)}",
              file=sys.stderr)  # fmt: skip
        return 1
    package = batch.packages[str(package_id)]
    revisions = sorted(batch.revisions.values(), key=lambda row: (row.created_dttm, row.id))
    functions = sorted(batch.functions, key=lambda row: (row.sort_order, row.position))
    document = {
        "package": responses.package(package),
        "revisions": [
            responses.revision(
                RevisionView(row, [f for f in functions if f.package_revision_id == row.id])
            )
            for row in revisions
        ],
    }
    encoded = msgspec.json.encode(document)
    if sys.stdout.isatty():
        encoded = msgspec.json.format(encoded, indent=2)
    sys.stdout.buffer.write(encoded + b"\n")
    return 0
