"""``faas-packages keys``: make, list and revoke API keys."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any
from uuid import uuid4

from commands.context import CommandContext
from commands.errors import ApiKeyNotFoundError
from commands.handlers.keys import IssueApiKey, RevokeApiKey
from commands.keys import PERMISSIONS
from projections.keyring import KeyRecord
from scripts import arguments
from service.bootstrap import bootstrap
from service.settings import Settings
from service.wire.common import now_to_the_millisecond


def add_commands(commands: Any) -> None:
    """``keys create``, ``keys list`` and ``keys revoke``."""
    keys = commands.add_parser("keys", help="make, list and revoke API keys")
    actions = keys.add_subparsers(dest="keys_command", required=True, metavar="command")
    create = actions.add_parser("create", help="make a key; it is printed once")
    create.add_argument(
        "--account",
        type=arguments.account_id,
        required=True,
        help="the key's account (1 to 2^63-1)",
    )
    create.add_argument(
        "--grant",
        type=arguments.grant,
        action="append",
        required=True,
        help=f"a permission ({', '.join(PERMISSIONS)}), the deployment, KV and secret ones "
        "optionally on listed keysets: functions.package-deployment:write@keyset:12345,67890 "
        "(repeat for several)",
    )
    create.add_argument(
        "--expires",
        type=arguments.expiry,
        help="when the key stops working: a UTC time (2027-01-01T00:00:00Z) or a date "
        "(2027-01-01: its midnight, UTC), in the future; never, if not given",
    )
    create.add_argument("--name", type=arguments.key_name, default="", help="to recognise it by")
    create.set_defaults(handler=keys_create)
    listing = actions.add_parser("list", help="list keys (never the keys themselves)")
    listing.add_argument("--account", type=arguments.account_id, help="only this account's keys")
    listing.set_defaults(handler=keys_list)
    revoke = actions.add_parser("revoke", help="revoke a key at once, in every process")
    revoke.add_argument("key_id", type=arguments.key_id, help="the key id (from create or list)")
    revoke.set_defaults(handler=keys_revoke)


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
        command = IssueApiKey(args.name, tuple(args.grant), args.expires)
        issued = container.commands.run(command, cli_context(args.account)).value
    finally:
        container.close()
    print(f"key id: {issued.key.id}")
    print(f"key:    {issued.plain}")
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
    rows: list[tuple[str, ...]] = [("ID", "ACCOUNT", "NAME", "GRANTS", "EXPIRES", "REVOKED")]
    rows += [_row(record) for record in records]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    return 0


def _row(record: KeyRecord) -> tuple[str, ...]:
    return (
        str(record.key_id),
        str(record.account_id),
        record.name,
        " ".join(str(grant) for grant in record.grants),
        record.expires_at.isoformat() if record.expires_at else "never",
        "yes" if record.revoked else "no",
    )


def keys_revoke(args: argparse.Namespace, settings: Settings) -> int:
    """Revoke a key; a key revoked already is left as it is, and the answer says so."""
    container = bootstrap(settings)
    try:
        revocation = container.commands.run(RevokeApiKey(args.key_id), cli_context(0)).value
    except ApiKeyNotFoundError as error:
        print(f"faas-packages: {error}", file=sys.stderr)
        return 2
    finally:
        container.close()
    if revocation.already_revoked:
        print(f"{args.key_id} was revoked already: nothing changed", file=sys.stderr)
    else:
        print(f"revoked {revocation.key.id}")
    return 0
