"""Another account's id costs what an unknown id costs: its package's history is never read
(or replayed) before the account is checked, so timing tells nothing, and nobody can make
the server do another account's work."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

from starlette.testclient import TestClient

from commands.handlers.packages import CreatePackage
from commands.handlers.revisions import AddRevision
from commands.package import FunctionSpec
from tests.support.builders import unique_account, unique_name
from tests.support.commands import context
from tests.support.http import BASE
from tests.support.keys import IssuedKey

FUNCTIONS, CODE_BYTES, REVISIONS = 30, 100_000, 8
ROUNDS = 25


def large_package(client: TestClient) -> UUID:
    """A package of another account with about 24 MB of code in its history."""
    container = client.app.state.container  # type: ignore[attr-defined]
    owner = context(unique_account())
    functions = tuple(
        FunctionSpec(f"f{i}", "ON_REQUEST", "x" * CODE_BYTES, i, {"path": f"p{i}"})
        for i in range(FUNCTIONS)
    )
    package = container.commands.run(CreatePackage(unique_name(), functions), owner).value
    for _ in range(REVISIONS - 1):
        container.commands.run(AddRevision(package.id, functions), owner)
    return UUID(str(package.id))


def requests_on(package_id: UUID) -> dict[str, Callable[[TestClient], Any]]:
    url = f"{BASE}/packages/{package_id}"
    revision = {
        "packageId": str(package_id),
        "functions": [{"name": "f", "type": "ON_REQUEST", "code": "x", "config": {"path": "p"}}],
    }
    return {
        "PUT": lambda client: client.put(url, json={"description": "mine now"}),
        "DELETE": lambda client: client.delete(url),
        "POST revision": lambda client: client.post(f"{BASE}/package-revisions", json=revision),
        "GET asOf": lambda client: client.get(f"{url}?asOf=2100-01-01T00:00:00Z"),
        "GET events": lambda client: client.get(f"{url}/events"),
    }


def median_seconds(client: TestClient, send: Callable[[TestClient], Any]) -> float:
    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        response = send(client)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 404, response.text
    return statistics.median(timings)


def test_another_accounts_large_package_answers_404_as_fast_as_an_unknown_id(
    keyed: tuple[TestClient, IssuedKey],
) -> None:
    client, _ = keyed
    theirs = requests_on(large_package(client))
    unknown = requests_on(uuid4())

    for name in theirs:
        median_seconds(client, unknown[name])  # warm
        other, random = median_seconds(client, theirs[name]), median_seconds(client, unknown[name])
        # Reading the package's history would cost tens of times more (about 24 MB of code).
        assert other < 3 * random + 0.002, (name, other, random)
