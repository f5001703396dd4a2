"""Creates racing for one name or one client-chosen id, across two server workers: exactly
one wins, the others get 409 and change nothing, and the read model holds exactly one.
(Extends the multi-worker uniqueness test that was in tests/e2e/test_real_server.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx2 as httpx
import pytest

from tests.support.builders import package_body, unique_name
from tests.support.concurrency import race
from tests.support.keys import IssuedKey, issue_key_in
from tests.support.load import PACKAGES
from tests.support.read_back import account_packages, verify_problems
from tests.support.server import server_process

pytestmark = pytest.mark.slow

ATTEMPTS = 8
ROUNDS = 3

Outcome = tuple[dict[str, Any], httpx.Response]


def race_creates(base: str, key: IssuedKey, bodies: list[dict[str, Any]]) -> list[Outcome]:
    """Send every body at once, each on a connection of its own."""
    queue = iter(bodies)

    def attempt() -> Outcome:
        body = next(queue)
        return body, httpx.post(f"{base}{PACKAGES}", json=body, headers=key.headers, timeout=30)

    results, errors = race(len(bodies), attempt)
    assert errors == []
    return results  # type: ignore[return-value]


def winner_of(outcomes: list[Outcome]) -> Outcome:
    """The one 201; every other answer a 409 ``FAAS-409``."""
    answers = sorted((response.status_code, response.text) for _, response in outcomes)
    assert [status for status, _ in answers] == [201] + [409] * (len(outcomes) - 1), answers
    losers = [response for _, response in outcomes if response.status_code == 409]
    assert {error["code"] for r in losers for error in r.json()["errors"]} == {"FAAS-409"}
    (winner,) = [outcome for outcome in outcomes if outcome[1].status_code == 201]
    return winner


def created(base: str, key: IssuedKey, body: dict[str, Any]) -> int:
    return httpx.post(f"{base}{PACKAGES}", json=body, headers=key.headers, timeout=30).status_code


def test_concurrent_creates_of_one_name_make_exactly_one_package(
    store_url: str, tmp_path: Path
) -> None:
    key = issue_key_in(store_url)
    log = tmp_path / "server.log"  # kept for a failing run
    with server_process(store_url, workers=2, log=log) as (base, _):
        for _ in range(ROUNDS):
            name = unique_name()
            # Names are unique within an account compared case-insensitively.
            bodies = [
                package_body(id=str(uuid4()), name=name.upper() if i % 2 else name)
                for i in range(ATTEMPTS)
            ]

            (won, answer) = winner_of(race_creates(base, key, bodies))

            same_name = [
                package
                for package in account_packages(base, key)
                if package["name"].casefold() == name.casefold()
            ]
            assert same_name == [answer.json()["data"]]
            # A 409 wrote nothing: the losers' ids are still free.
            loser = next(body for body in bodies if body["id"] != won["id"])
            assert created(base, key, package_body(id=loser["id"])) == 201
    assert verify_problems(store_url) == []


def test_concurrent_creates_of_one_client_chosen_id_make_exactly_one_package(
    store_url: str, tmp_path: Path
) -> None:
    key = issue_key_in(store_url)
    log = tmp_path / "server.log"  # kept for a failing run
    with server_process(store_url, workers=2, log=log) as (base, _):
        for _ in range(ROUNDS):
            package_id = str(uuid4())
            bodies = [package_body(id=package_id) for _ in range(ATTEMPTS)]

            (won, answer) = winner_of(race_creates(base, key, bodies))

            read = httpx.get(f"{base}{PACKAGES}/{package_id}", headers=key.headers, timeout=30)
            assert read.status_code == 200
            assert read.json()["data"] == answer.json()["data"]
            assert read.json()["data"]["name"] == won["name"]
            names = {body["name"] for body in bodies}
            listed = [p for p in account_packages(base, key) if p["name"] in names]
            assert listed == [answer.json()["data"]]
            # A 409 wrote nothing: the losers' names are still free.
            loser = next(body for body in bodies if body["name"] != won["name"])
            assert created(base, key, package_body(name=loser["name"])) == 201
    assert verify_problems(store_url) == []
