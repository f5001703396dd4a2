"""The command line's answers to a mistake, its help and version, and the bounds of the values
it takes (every value it writes into the log fits the read model's 64-bit integers)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

import pytest

from scripts import arguments
from scripts.cli import main

COMMANDS = ("serve", "init", "project", "rebuild", "keys", "replay", "bench")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as ended:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(ended.value.code or 0), out, err


@pytest.mark.parametrize("argv", [(), ("bogus",), ("--bogus",)])
def test_called_bare_or_wrong_it_prints_the_usage_and_every_command(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    status, out, err = run(capsys, *argv)

    assert status == 2
    assert out == ""
    assert err.startswith("usage: faas-packages ")
    for command in COMMANDS:
        assert f"\n  {command} " in err
    assert err.splitlines()[-1].startswith("faas-packages: error: ")


def test_a_group_called_bare_lists_its_own_commands(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "keys")

    assert status == 2
    assert err.startswith("usage: faas-packages keys ")
    assert [line.split()[0] for line in err.splitlines()[2:5]] == ["create", "list", "revoke"]


def test_help_names_the_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    _, serve, _ = run(capsys, "serve", "--help")
    _, rebuild, _ = run(capsys, "rebuild", "--help")

    for default in ("(default: 127.0.0.1)", "(default: 8000)", "(default: 1)"):
        assert default in serve
    assert "(default: 5000)" in rebuild


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--version")

    assert status == 0
    assert out.startswith("faas-packages 0.") or out.strip() == "faas-packages unknown"


@pytest.mark.parametrize(
    "argv",
    [
        ("replay", "--account", "9223372036854775808"),
        ("replay", "--after", "-1"),
        ("replay", "--after", "99999999999999999999"),
        ("rebuild", "--batch-size", "100001"),
        ("rebuild", "--batch-size", "0"),
        ("serve", "--port", "70000"),
        ("serve", "--workers", "1000"),
        ("keys", "list", "--account", "1180591620717411303424"),
        ("keysets", "add", "--account", "1", "--keyset", "0", "--subscribe-key", "sub-c-a"),
        ("keysets", "add", "--account", "1", "--keyset", str(2**63), "--subscribe-key", "sub-c-a"),
        ("keysets", "remove", "-5"),
    ],
)
def test_numbers_out_of_their_bounds_are_refused(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    status, _, err = run(capsys, *argv)

    assert status == 2
    assert "must be a whole number from " in err.splitlines()[-1]


def test_the_largest_ids_the_read_model_stores_are_taken() -> None:
    assert arguments.account_id(str(2**63 - 1)) == 2**63 - 1
    grant = arguments.grant(f"functions.package-deployment:read@keyset:{2**63 - 1}")
    assert grant.keysets == frozenset({2**63 - 1})
    with pytest.raises(argparse.ArgumentTypeError):
        arguments.account_id(str(2**63))
    with pytest.raises(argparse.ArgumentTypeError):
        arguments.grant(f"functions.package-deployment:read@keyset:{2**63}")


def test_an_expiry_is_a_future_time_or_a_date_taken_as_its_midnight_utc() -> None:
    assert arguments.expiry("2040-02-29") == datetime(2040, 2, 29, tzinfo=UTC).isoformat()
    assert arguments.expiry("2040-01-01T12:00:00+02:00") == "2040-01-01T10:00:00+00:00"
    for refused in ("2001-01-01", "2001-01-01T00:00:00Z", "2040-02-30", "2200-01-01", "soon"):
        with pytest.raises(argparse.ArgumentTypeError):
            arguments.expiry(refused)


@pytest.mark.parametrize(
    "text", ["sub-c-", "pub-c-1", "sub-c-a b", "sub-c-" + "a" * 101, "sub-c-é"]
)
def test_a_subscribe_key_is_sub_c_and_up_to_100_plain_characters(text: str) -> None:
    assert arguments.subscribe_key("sub-c-" + "a" * 100)
    with pytest.raises(argparse.ArgumentTypeError):
        arguments.subscribe_key(text)
