"""After a fault: what the service holds, read over HTTP and with the command line only."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2 as httpx

from tests.support.keys import IssuedKey
from tests.support.load import PACKAGES, REVISIONS, STALE_HEADER, Answer, load_body
from tests.support.server import run_cli

Check = Callable[[httpx.Client], list[str]]


def in_parallel(base: str, key: IssuedKey, checks: Iterable[Check]) -> list[str]:
    """Run checks over a few connections; every problem they found."""
    with (
        httpx.Client(base_url=base, headers=key.headers, timeout=30) as client,
        ThreadPoolExecutor(8) as pool,
    ):
        found = pool.map(lambda check: check(client), checks)
        return [problem for problems in found for problem in problems]


def answered_problems(base: str, key: IssuedKey, answers: Iterable[Answer]) -> list[str]:
    """Every create answered 201 reads back (GET by id) as it was answered."""

    def check(answer: Answer) -> Check:
        def read(client: httpx.Client) -> list[str]:
            response = client.get(f"{PACKAGES}/{answer.data['id']}")
            if response.status_code != 200:
                return [f"answered {answer.data['id']} reads {response.status_code}"]
            if response.json()["data"] != answer.data:
                return [f"answered {answer.data} reads {response.json()['data']}"]
            return []

        return read

    return in_parallel(base, key, [check(answer) for answer in answers])


def account_packages(base: str, key: IssuedKey) -> list[dict[str, Any]]:
    """Every package of the key's account, from the list endpoint."""
    packages: list[dict[str, Any]] = []
    with httpx.Client(base_url=base, headers=key.headers, timeout=30) as client:
        for page in range(10_000):
            response = client.get(PACKAGES, params={"size": 100, "page": page})
            assert response.status_code == 200, response.text
            packages += response.json()["data"]
            if page + 1 >= response.json()["meta"]["paging"]["totalPages"]:
                return packages
    raise AssertionError("too many pages")


def whole_problems(
    base: str, key: IssuedKey, packages: list[dict[str, Any]], sent: dict[str, dict[str, Any]]
) -> list[str]:
    """Each package is one that was sent, with its revision and every function as sent."""

    def check(package: dict[str, Any]) -> Check:
        def read(client: httpx.Client) -> list[str]:
            body = sent.get(package["name"])
            if body is None:
                return [f"package {package['id']} {package['name']!r} was never sent"]
            response = client.get(f"{PACKAGES}/{package['id']}/package-revisions")
            if response.status_code != 200:
                return [f"revisions of {package['id']} read {response.status_code}"]
            # A list leaves the code out: each revision is read for it.
            revisions = []
            for listed in response.json()["data"]:
                revision = client.get(f"{REVISIONS}/{listed['id']}")
                if revision.status_code != 200:
                    return [f"revision {listed['id']} read {revision.status_code}"]
                revisions.append(revision.json()["data"])
            return partial_problems(package, revisions, body)

        return read

    return in_parallel(base, key, [check(package) for package in packages])


def partial_problems(
    package: dict[str, Any], revisions: list[dict[str, Any]], body: dict[str, Any]
) -> list[str]:
    """What a package lacks against the create that made it."""
    sent = [
        (index, function["name"], function["type"], function["code"], function["config"])
        for index, function in enumerate(body["functions"])
    ]
    have = [
        [(f["sortOrder"], f["name"], f["type"], f["code"], f["config"]) for f in r["functions"]]
        for r in revisions
    ]
    names = [revision["name"] for revision in revisions]
    if package["revisionsTotal"] != 1 or names != [body["revisionName"]] or have != [sent]:
        return [f"package {package['id']} is partial: {names} {have} != {sent}"]
    return []


def fresh_create(
    base: str, key: IssuedKey, sent: dict[str, dict[str, Any]], timeout: float = 30
) -> Answer:
    """Create packages (each body recorded in ``sent``) until one is answered 201 without
    ``X-Read-Model-Stale``: from then on the read model holds every write made before it."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    with httpx.Client(base_url=base, headers=key.headers, timeout=30) as client:
        while time.monotonic() < deadline:
            body = load_body()
            sent[body["name"]] = body
            try:
                response = client.post(PACKAGES, json=body)
            except httpx.TransportError as error:
                last = repr(error)
            else:
                if response.status_code == 201 and STALE_HEADER not in response.headers:
                    return Answer(body, response.json()["data"], stale=False)
                last = f"{response.status_code} {dict(response.headers)} {response.text[:300]}"
            time.sleep(0.1)
    raise AssertionError(f"no fresh create within {timeout} s; last: {last}")


def verify_problems(database_url: str) -> list[str]:
    """``faas-packages rebuild --verify``: the live read model against a fresh replay."""
    verified = run_cli(database_url, "rebuild", "--verify")
    if verified.returncode != 0:
        return [f"rebuild --verify exit {verified.returncode}: {verified.stdout}{verified.stderr}"]
    return []
