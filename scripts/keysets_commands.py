"""``faas-packages keysets``: register, list and remove the keysets of accounts."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from commands.errors import KeysetInUseError, KeysetNotFoundError, KeysetTakenError
from commands.handlers.keysets import AddKeyset, RemoveKeyset
from projections.keysets import KeysetRecord
from scripts import arguments
from scripts.keys_commands import cli_context
from service.bootstrap import bootstrap
from service.settings import Settings

ID_RULE = f"1 to {arguments.MAX_ID:,}"


def add_commands(commands: Any) -> None:
    """``keysets add``, ``keysets list`` and ``keysets remove``."""
    keysets = commands.add_parser(
        "keysets", help="register, list and remove keysets (for the KV store and secrets)"
    )
    actions = keysets.add_subparsers(dest="keysets_command", required=True, metavar="command")
    add = actions.add_parser("add", help="register a keyset of an account, with its subscribe key")
    add.add_argument(
        "--account", type=arguments.account_id, required=True, help=f"its account ({ID_RULE})"
    )
    add.add_argument(
        "--keyset", type=arguments.keyset_id, required=True, help=f"its keyset id ({ID_RULE})"
    )
    add.add_argument(
        "--subscribe-key",
        type=arguments.subscribe_key,
        required=True,
        help="its subscribe key (sub-c-…), as clients name the keyset",
    )
    add.set_defaults(handler=keysets_add)
    listing = actions.add_parser("list", help="list registered keysets")
    listing.add_argument("--account", type=arguments.account_id, help="only this account's")
    listing.set_defaults(handler=keysets_list)
    remove = actions.add_parser(
        "remove", help="remove a keyset (and its KV entries); refused while a deployment runs on it"
    )
    remove.add_argument("keyset_id", type=arguments.keyset_id, help=f"the keyset id ({ID_RULE})")
    remove.set_defaults(handler=keysets_remove)


def keysets_add(args: argparse.Namespace, settings: Settings) -> int:
    """Register the keyset; the same registration again changes nothing (exit 0)."""
    container = bootstrap(settings)
    command = AddKeyset(args.keyset, args.subscribe_key)
    try:
        registration = container.commands.run(command, cli_context(args.account)).value
    except KeysetTakenError as error:
        print(f"faas-packages: {error}", file=sys.stderr)
        return 1
    finally:
        container.close()
    what = f"keyset {args.keyset} (account {args.account}, subscribe key {args.subscribe_key})"
    if registration.already:
        print(f"{what} was registered already: nothing changed", file=sys.stderr)
    else:
        print(f"registered {what}")
    return 0


def keysets_list(args: argparse.Namespace, settings: Settings) -> int:
    container = bootstrap(settings)
    try:
        records = [
            record
            for record in container.keysets.records()
            if args.account is None or record.account_id == args.account
        ]
    finally:
        container.close()
    rows: list[tuple[str, ...]] = [("KEYSET", "ACCOUNT", "SUBSCRIBE KEY", "ADDED")]
    rows += [_row(record) for record in records]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    return 0


def _row(record: KeysetRecord) -> tuple[str, ...]:
    return (
        str(record.keyset_id),
        str(record.account_id),
        record.subscribe_key,
        record.added_at.isoformat(),
    )


def keysets_remove(args: argparse.Namespace, settings: Settings) -> int:
    """Remove a registered keyset, as its account (whose deployments it must not run)."""
    container = bootstrap(settings)
    try:
        record = container.keysets.of_keyset(args.keyset_id)
        if record is None:
            raise KeysetNotFoundError
        command = RemoveKeyset(args.keyset_id)
        container.commands.run(command, cli_context(record.account_id))
    except KeysetNotFoundError:
        print(f"faas-packages: no keyset {args.keyset_id} is registered", file=sys.stderr)
        return 2
    except KeysetInUseError as error:
        print(f"faas-packages: {error}", file=sys.stderr)
        return 1
    finally:
        container.close()
    print(f"removed keyset {args.keyset_id} (account {record.account_id})")
    return 0
