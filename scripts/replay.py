"""``faas-packages replay``: the audit trail on the command line, and time travel."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from typing import Any, BinaryIO
from uuid import UUID

import msgspec

from projections.audit import AuditFilter, AuditRecord, package_as_of, records
from projections.queries import RevisionView
from projections.rows import iso_millis, parse_zoned_time
from service import responses
from service.bootstrap import bootstrap
from service.settings import Settings

COLUMNS = (
    ("POSITION", 9),
    ("TIME", 24),
    ("TYPE", 20),
    ("AGGREGATE", 36),
    ("V", 3),
    ("ACCOUNT", 8),
    ("ACTOR", 36),
    ("CORRELATION", 36),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--account", type=int, action="append", help="only this account's events")
    parser.add_argument("--package", type=UUID, help="only this package's events")
    parser.add_argument("--type", action="append", help="only events of this type (repeatable)")
    parser.add_argument("--since", type=moment, help="only events at or after this time")
    parser.add_argument("--until", type=moment, help="only events at or before this time")
    parser.add_argument("--after", type=int, default=0, help="only events after this position")
    parser.add_argument("--correlation-id", help="only events caused by this request")
    parser.add_argument("--json", action="store_true", help="JSON lines, even on a terminal")
    parser.add_argument("--follow", action="store_true", help="keep printing new events")
    parser.add_argument(
        "--as-of", type=moment, help="with --package: print the package as it stood then"
    )


def moment(text: str) -> datetime:
    parsed = parse_zoned_time(text)
    if parsed is None:
        raise argparse.ArgumentTypeError(
            f"not an ISO-8601 time with a zone (e.g. 2026-01-15T10:30:00Z): {text!r}"
        )
    return parsed


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
    try:
        if as_table:
            out.write(_line([name for name, _ in COLUMNS]) + b"\n")
        for record in selected:
            out.write((_table_row(record) if as_table else encode(record)) + b"\n")
            if as_table:
                out.flush()
        out.flush()
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, and keep Python from complaining
        # when it flushes stdout on the way out.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except KeyboardInterrupt:
        out.flush()
    return 0


def _table_row(record: AuditRecord) -> bytes:
    return _line(
        [
            str(record.position),
            record.time,
            record.type,
            record.aggregate_id,
            str(record.aggregate_version),
            str(record.account_id),
            record.actor or "",
            record.correlation_id or "",
        ]
    )


def _line(cells: list[str]) -> bytes:
    return (
        "  ".join(
            cell[:width].ljust(width) for cell, (_, width) in zip(cells, COLUMNS, strict=True)
        )
        .rstrip()
        .encode()
    )


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
