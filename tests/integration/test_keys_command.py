"""``faas-packages keys``: make, list and revoke keys from the command line, on both stores."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from commands.keys import parse_key
from service.bootstrap import Container

ROOT = Path(__file__).resolve().parents[2]


def faas(store_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scripts.cli", *args],
        cwd=ROOT,
        env={**os.environ, "FAAS_DATABASE_URL": store_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_create_prints_the_key_once_and_list_never_shows_it(
    store_url: str, container: Container
) -> None:
    made = faas(
        store_url,
        "keys", "create", "--account", "42", "--name", "deployer",
        "--grant", "functions.package:read",
        "--grant", "functions.package-deployment:write@keyset:12345",
        "--expires", "2030-01-01T00:00:00Z",
    )  # fmt: skip

    assert made.returncode == 0, made.stderr
    plain = re.search(r"key:\s+(\S+)", made.stdout)
    assert plain is not None
    parsed = parse_key(plain[1])
    assert parsed is not None
    container.keys.refresh()
    record = container.keys.get(parsed[0])
    assert record is not None
    assert (record.account_id, record.name) == (42, "deployer")
    listed = faas(store_url, "keys", "list", "--account", "42")
    assert str(parsed[0]) in listed.stdout
    assert "functions.package-deployment:write@keyset:12345" in listed.stdout
    assert "2030-01-01" in listed.stdout
    assert parsed[1] not in listed.stdout
    assert "faaspk_" not in listed.stdout


def test_revoke_marks_the_key_revoked(store_url: str, container: Container) -> None:
    made = faas(store_url, "keys", "create", "--account", "43", "--grant", "functions.package:read")
    key_id = re.search(r"key id:\s+(\S+)", made.stdout)
    assert key_id is not None

    revoked = faas(store_url, "keys", "revoke", key_id[1])

    assert revoked.returncode == 0, revoked.stderr
    container.keys.refresh()
    records = {str(record.key_id): record for record in container.keys.records()}
    assert records[key_id[1]].revoked


def test_revoking_a_revoked_key_says_so_and_writes_nothing(
    store_url: str, container: Container
) -> None:
    made = faas(store_url, "keys", "create", "--account", "44", "--grant", "functions.package:read")
    key_id = re.search(r"key id:\s+(\S+)", made.stdout)
    assert key_id is not None
    faas(store_url, "keys", "revoke", key_id[1])
    head = container.projector.log.head()

    again = faas(store_url, "keys", "revoke", key_id[1])

    assert again.returncode == 0, again.stderr
    assert f"{key_id[1]} was revoked already" in again.stderr
    assert again.stdout == ""
    assert container.projector.log.head() == head


def test_a_date_alone_expires_the_key_at_its_midnight_utc(
    store_url: str, container: Container
) -> None:
    made = faas(
        store_url, "keys", "create", "--account", "45", "--grant", "functions.package:read",
        "--expires", "2031-06-30",
    )  # fmt: skip
    key_id = re.search(r"key id:\s+(\S+)", made.stdout)
    assert key_id is not None, made.stderr

    container.keys.refresh()
    record = {str(r.key_id): r for r in container.keys.records()}[key_id[1]]
    assert record.expires_at == datetime(2031, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "args",
    [
        ("keys", "create", "--grant", "functions.package:read"),
        ("keys", "create", "--account", "x", "--grant", "functions.package:read"),
        ("keys", "create", "--account", "1", "--grant", "functions.package:admin"),
        ("keys", "create", "--account", "1", "--grant", "functions.package:read",
         "--expires", "tomorrow"),
        ("keys", "create", "--account", "1", "--grant", "functions.package:read",
         "--expires", "2030-01-01T00:00:00"),
        ("keys", "revoke", "not-an-id"),
        # Values the read model could not store (its integers are 64-bit), or nonsense.
        ("keys", "create", "--account", "1180591620717411303424",
         "--grant", "functions.package:read"),
        ("keys", "create", "--account", "0", "--grant", "functions.package:read"),
        ("keys", "create", "--account", "1",
         "--grant", "functions.package-deployment:read@keyset:9223372036854775808"),
        ("keys", "create", "--account", "1", "--grant", "functions.package:read",
         "--expires", "2020-01-01T00:00:00Z"),
        ("keys", "create", "--account", "1", "--grant", "functions.package:read",
         "--expires", "9999-12-31T23:00:00-05:00"),
        ("keys", "create", "--account", "1", "--grant", "functions.package:read",
         "--name", "x" * 101),
    ],
)  # fmt: skip
def test_bad_arguments_get_the_usage_line_and_one_error_line_and_write_nothing(
    store_url: str, container: Container, args: tuple[str, ...]
) -> None:
    head = container.projector.log.head()

    result = faas(store_url, *args)

    assert result.returncode == 2
    usage, *_, error = result.stderr.strip().splitlines()
    assert usage.startswith(f"usage: faas-packages {' '.join(args[:2])}"), result.stderr
    assert error.startswith(f"faas-packages {' '.join(args[:2])}: error: "), result.stderr
    assert result.stdout == ""
    assert container.projector.log.head() == head


def test_revoking_an_unknown_key_is_one_line_and_exit_2(store_url: str) -> None:
    result = faas(store_url, "keys", "revoke", "6f1c3c56-4a4e-4d8c-9d64-2f0e4b8f2b10")

    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stdout == ""
