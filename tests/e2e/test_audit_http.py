"""The audit trail and time travel over HTTP, and the replay command."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from datetime import timedelta
from pathlib import Path
from typing import Any

import msgspec
from starlette.testclient import TestClient

from service.wire.common import now_to_the_millisecond
from tests.support.http import BASE, create
from tests.support.keys import IssuedKey, issue_key

ROOT = Path(__file__).resolve().parents[2]


# The terminal's own size, not one the test run was given.
TERMINAL_ENV = {
    name: value for name, value in os.environ.items() if name not in {"COLUMNS", "LINES"}
}


def test_a_packages_events_page_newest_first(keyed: tuple[TestClient, IssuedKey]) -> None:
    client, key = keyed
    created = create(client)

    page = client.get(f"{BASE}/packages/{created['id']}/events?size=2").json()
    oldest = client.get(f"{BASE}/packages/{created['id']}/events?sort=createdDttm,ASC").json()

    assert [event["type"] for event in page["data"]] == ["FunctionsRegistered", "RevisionAdded"]
    assert page["meta"]["paging"]["totalElements"] == 3
    assert page["meta"]["paging"]["totalPages"] == 2
    first = oldest["data"][0]
    assert first["type"] == "PackageCreated"
    assert (first["accountId"], first["actor"], first["aggregateVersion"]) == (
        key.account_id,
        key.key_id,
        1,
    )
    assert first["payload"]["name"] == created["name"]


def test_another_accounts_events_are_404(keyed: tuple[TestClient, IssuedKey]) -> None:
    client, _ = keyed
    created = create(client)
    stranger = issue_key(client.app.state.container).headers  # type: ignore[attr-defined]

    response = client.get(f"{BASE}/packages/{created['id']}/events", headers=stranger)

    assert response.status_code == 404


def test_as_of_answers_like_get_did_then(client: TestClient) -> None:
    # A millisecond back: a create received within the same millisecond is at ``now``.
    before = (now_to_the_millisecond() - timedelta(milliseconds=1)).isoformat()
    created = create(client)
    after = now_to_the_millisecond().isoformat()

    then = client.get(f"{BASE}/packages/{created['id']}", params={"asOf": after})
    earlier = client.get(f"{BASE}/packages/{created['id']}", params={"asOf": before})
    bad = client.get(f"{BASE}/packages/{created['id']}", params={"asOf": "yesterday"})

    assert then.status_code == 200
    assert then.json()["data"] == created
    assert earlier.status_code == 404
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["message"].startswith("asOf:")


def replay(
    store_url: str, *args: str, stdout: Any = subprocess.PIPE
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "scripts.cli", "replay", *args],
        cwd=ROOT,
        env={**TERMINAL_ENV, "FAAS_DATABASE_URL": store_url},
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=60,
        check=False,
    )


def test_replay_prints_json_lines_when_piped(
    keyed: tuple[TestClient, IssuedKey], store_url: str
) -> None:
    client, key = keyed
    created = create(client)

    result = replay(store_url, "--package", created["id"])

    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 0, result.stderr
    assert [line["type"] for line in lines] == [
        "PackageCreated",
        "RevisionAdded",
        "FunctionsRegistered",
    ]
    assert {line["actor"] for line in lines} == {key.key_id}


def replay_on_a_terminal(store_url: str, columns: int, *args: str) -> list[str]:
    """What ``replay ARGS`` shows on a terminal ``columns`` characters wide."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    try:
        result = replay(store_url, *args, stdout=follower)
        os.close(follower)
        output = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
    finally:
        os.close(leader)
    assert result.returncode == 0, result.stderr
    return output.decode().splitlines()


def test_replay_prints_an_aligned_table_with_a_payload_summary_on_a_wide_terminal(
    client: TestClient, store_url: str
) -> None:
    created = create(client)

    lines = replay_on_a_terminal(store_url, 250, "--package", created["id"])

    assert lines[0].split() == [
        "POSITION", "TIME", "TYPE", "AGGREGATE", "V", "ACCOUNT", "ACTOR", "CORRELATION", "PAYLOAD"
    ]  # fmt: skip
    assert len(lines) == 4
    assert len({line.index("PackageCreated") for line in lines if "PackageCreated" in line}) == 1
    assert lines[1].index(created["id"]) == lines[0].index("AGGREGATE")
    assert f"name={created['name']}" in lines[1][lines[0].index("PAYLOAD") :]
    assert all(len(line) <= 250 for line in lines)


def test_replay_fits_its_table_to_a_narrow_terminal(client: TestClient, store_url: str) -> None:
    created = create(client)

    lines = replay_on_a_terminal(store_url, 80, "--package", created["id"])

    assert lines[0].split() == ["POSITION", "TIME", "TYPE", "PAYLOAD"]
    assert len(lines) == 4
    assert all(len(line) <= 80 for line in lines), lines
    assert lines[1][lines[0].index("PAYLOAD") :].startswith("name=")


def test_replay_into_a_closed_pipe_ends_quietly(client: TestClient, store_url: str) -> None:
    for _ in range(60):
        create(client)
    process = subprocess.Popen(
        [sys.executable, "-m", "scripts.cli", "replay"],
        cwd=ROOT,
        env={**os.environ, "FAAS_DATABASE_URL": store_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    process.stdout.readline()
    process.stdout.close()
    _, errors = process.communicate(timeout=60)

    assert process.returncode == 0
    assert errors == b""


def test_replay_as_of_prints_the_package_exactly_as_get_does(
    client: TestClient, store_url: str
) -> None:
    created = create(client)
    listed = client.get(f"{BASE}/packages/{created['id']}/package-revisions").json()["data"][0]
    revision = client.get(f"{BASE}/package-revisions/{listed['id']}").json()["data"]
    moment = now_to_the_millisecond().isoformat()
    answered = client.get(f"{BASE}/packages/{created['id']}")

    result = replay(store_url, "--package", created["id"], "--as-of", moment)
    missing = replay(store_url, "--package", created["id"], "--as-of", "2001-01-01T00:00:00Z")

    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    envelope = json.loads(answered.content)
    assert msgspec.json.encode(document["package"]) == msgspec.json.encode(envelope["data"])
    assert document["revisions"] == [revision]
    assert missing.returncode == 1


def test_as_of_is_404_for_a_deleted_package_or_a_stream_that_is_no_package(
    keyed: tuple[TestClient, IssuedKey],
) -> None:
    client, key = keyed
    created = create(client)
    client.delete(f"{BASE}/packages/{created['id']}")
    now = now_to_the_millisecond().isoformat()

    deleted = client.get(f"{BASE}/packages/{created['id']}", params={"asOf": now})
    a_key = client.get(f"{BASE}/packages/{key.key_id}", params={"asOf": now})

    assert deleted.status_code == 404
    assert a_key.status_code == 404
