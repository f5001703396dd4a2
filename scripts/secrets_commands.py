"""``faas-packages secrets``: an operator reads a secret's value back (audited), or wraps
every data key under a new master key."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from commands.errors import KeysetNotFoundError, SecretNotFoundError
from commands.handlers.secrets import RevealSecret, SecretKey
from commands.persistence import ServiceRecorder
from commands.secret_store import read_value, rotate_master_key
from commands.vault import (
    MasterKeyError,
    SealedError,
    Vault,
    read_key_file,
    read_or_make_key_file,
)
from scripts import arguments
from scripts.keys_commands import cli_context
from service.bootstrap import Container, bootstrap
from service.settings import Settings, SettingsError
from service.store import secrets_key_path


def add_commands(commands: Any) -> None:
    """``secrets reveal`` and ``secrets rotate-master-key``."""
    secrets = commands.add_parser("secrets", help="read a secret back; rotate the master key")
    actions = secrets.add_subparsers(dest="secrets_command", required=True, metavar="command")
    reveal = actions.add_parser(
        "reveal", help="print a secret's value (recorded in the log: who and when, not the value)"
    )
    reveal.add_argument(
        "--subkey", type=arguments.subscribe_key, required=True, help="the keyset's subscribe key"
    )
    reveal.add_argument("key", help="the secret's key")
    reveal.set_defaults(handler=secrets_reveal)
    rotate = actions.add_parser(
        "rotate-master-key",
        help="wrap every data key under a new master key (service stopped); then start the "
        "service with FAAS_SECRETS_KEY_FILE naming the new file",
    )
    rotate.add_argument(
        "--new-key-file",
        type=Path,
        required=True,
        help="the new key's file (64 hexadecimal digits; made, mode 0600, if missing)",
    )
    rotate.set_defaults(handler=secrets_rotate)


@contextmanager
def _opened(settings: Settings) -> Iterator[tuple[Container, Vault] | None]:
    """The store with its master key open; ``None`` (said why) when it cannot be."""
    try:
        container = bootstrap(settings, secrets=True)
    except SettingsError as error:
        print(f"faas-packages: {error}", file=sys.stderr)
        yield None
        return
    try:
        if container.vault is None:
            print("faas-packages: FAAS_SECRETS_KEY_FILE is not set", file=sys.stderr)
            yield None
        else:
            yield container, container.vault
    finally:
        container.close()


def secrets_reveal(args: argparse.Namespace, settings: Settings) -> int:
    """Print the value (exit 0); an unknown keyset (2), secret or unreadable value (1)."""
    with _opened(settings) as opened:
        if opened is None:
            return 2
        container, vault = opened
        try:
            record = container.keysets.get(args.subkey)
            if record is None:
                raise KeysetNotFoundError
            secret = SecretKey(record.keyset_id, record.registration_id, args.key)
            revealed = container.commands.run(RevealSecret(secret), cli_context(record.account_id))
            value = read_value(_recorder(container), vault, revealed.value)
        except KeysetNotFoundError:
            print(f"faas-packages: no keyset has the subscribe key {args.subkey}", file=sys.stderr)
            return 2
        except SecretNotFoundError:
            print(f"faas-packages: no secret {args.key!r} in that keyset", file=sys.stderr)
            return 1
        except SealedError as error:
            print(f"faas-packages: the secret cannot be read: {error}", file=sys.stderr)
            return 1
    sys.stdout.write(value + "\n")
    return 0


def secrets_rotate(args: argparse.Namespace, settings: Settings) -> int:
    """Rewrap under the new key in one transaction (exit 0), or change nothing (exit 1/2)."""
    with _opened(settings) as opened:
        if opened is None:
            return 2
        container, vault = opened
        try:
            new_key = read_or_make_key_file(args.new_key_file)
            if new_key == _current_key(settings):
                print("faas-packages: the new key file holds the current key", file=sys.stderr)
                return 1
            count = rotate_master_key(_recorder(container), vault, Vault(new_key))
        except MasterKeyError as error:
            print(f"faas-packages: {error}", file=sys.stderr)
            return 1
    print(
        f"rewrapped {count} data keys under the key in {args.new_key_file}; start the service "
        f"with FAAS_SECRETS_KEY_FILE={args.new_key_file} (the old key file no longer opens "
        "the store)"
    )
    return 0


def _current_key(settings: Settings) -> bytes:
    path = secrets_key_path(settings.secrets_key_file, settings.database_url)
    assert path is not None  # the vault is open
    return read_key_file(path)


def _recorder(container: Container) -> ServiceRecorder:
    recorder = container.store.recorder
    assert isinstance(recorder, ServiceRecorder)  # as every store's is
    return recorder
