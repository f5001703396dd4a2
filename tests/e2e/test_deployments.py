"""Deployments over HTTP: lifecycle, counters, invariants and keyset permissions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest
from starlette.testclient import TestClient

from commands.keys import DEPLOYMENT_READ, DEPLOYMENT_WRITE, PACKAGE_READ, Grant
from service.settings import Settings
from tests.support.builders import function_body, package_body
from tests.support.http import BASE
from tests.support.keys import IssuedKey, issue_key, keyed_client


@pytest.fixture
def small(store_url: str) -> Iterator[tuple[TestClient, IssuedKey]]:
    """A client on a service with small limits: 2 deployments a revision, 2 running."""
    settings = Settings(
        database_url=store_url,
        max_deployments_per_revision=2,
        max_running_deployments_per_account=2,
    )
    with keyed_client(settings) as pair:
        yield pair


def package_with_revision(client: TestClient, functions: int = 2) -> tuple[str, str]:
    body = package_body(functions=[function_body() for _ in range(functions)])
    package = client.post(f"{BASE}/packages", json=body).json()["data"]["id"]
    revisions = client.get(f"{BASE}/packages/{package}/package-revisions").json()["data"]
    return package, revisions[0]["id"]


def deploy(client: TestClient, revision: str, keyset: int, **headers: str) -> Any:
    return client.post(
        f"{BASE}/package-deployments",
        json={"packageRevisionId": revision, "keysetId": keyset},
        headers=headers,
    )


def counters(client: TestClient, package: str) -> tuple[int, int, int, int]:
    data = client.get(f"{BASE}/packages/{package}").json()["data"]
    return (
        data["revisionsTotal"],
        data["revisionsRunning"],
        data["packageDeploymentsTotal"],
        data["packageDeploymentsRunning"],
    )


def start(client: TestClient, deployment: str) -> Any:
    return client.post(f"{BASE}/package-deployments/{deployment}/function-deployments")


def stop(client: TestClient, deployment: str) -> Any:
    return client.delete(f"{BASE}/package-deployments/{deployment}/function-deployments")


def test_a_deployment_is_made_stopped_with_one_function_deployment_each(
    client: TestClient,
) -> None:
    package, revision = package_with_revision(client, functions=3)

    response = deploy(client, revision, 12345)

    assert response.status_code == 201, response.text
    deployment = response.json()["data"]
    assert (deployment["state"], deployment["keysetId"], deployment["packageId"]) == (
        "STOPPED",
        12345,
        package,
    )
    assert len(deployment["functionDeployments"]) == 3
    assert {f["state"] for f in deployment["functionDeployments"]} == {"STOPPED"}
    assert response.headers["location"] == f"{BASE}/package-deployments/{deployment['id']}"
    assert client.get(f"{BASE}/package-deployments/{deployment['id']}").json()["data"] == deployment
    assert counters(client, package) == (1, 0, 1, 0)


def test_one_deployment_per_keyset_and_a_limit_per_revision(
    small: tuple[TestClient, IssuedKey],
) -> None:
    client, _ = small
    _, revision = package_with_revision(client)

    first, same_keyset = deploy(client, revision, 1), deploy(client, revision, 1)
    second, third = deploy(client, revision, 2), deploy(client, revision, 3)

    assert (first.status_code, second.status_code) == (201, 201)
    assert same_keyset.status_code == 409
    assert same_keyset.json()["errors"][0]["code"] == "FAAS-1015"
    assert third.status_code == 422
    assert third.json()["errors"][0]["code"] == "FAAS-1030"


def test_start_restart_and_stop_keep_the_counters_exact(client: TestClient) -> None:
    package, revision = package_with_revision(client)
    one = deploy(client, revision, 1).json()["data"]["id"]
    two = deploy(client, revision, 2).json()["data"]["id"]

    started = start(client, one)
    assert started.json()["data"]["state"] == "RUNNING"
    assert counters(client, package) == (1, 1, 2, 1)
    start(client, one)
    start(client, two)
    assert counters(client, package) == (1, 1, 2, 2)
    stopped = stop(client, one)
    assert stopped.json()["data"]["state"] == "STOPPED"
    assert stop(client, one).status_code == 200
    assert counters(client, package) == (1, 1, 2, 1)
    stop(client, two)
    assert counters(client, package) == (1, 0, 2, 0)
    revision_data = client.get(f"{BASE}/package-revisions/{revision}").json()["data"]
    assert (
        revision_data["packageDeploymentsTotal"],
        revision_data["packageDeploymentsRunning"],
    ) == (2, 0)


def test_running_things_cannot_be_deleted(client: TestClient) -> None:
    package, revision = package_with_revision(client)
    deployment = deploy(client, revision, 7).json()["data"]["id"]
    start(client, deployment)

    answers = [
        client.delete(f"{BASE}/package-deployments/{deployment}"),
        client.delete(f"{BASE}/package-revisions/{revision}"),
        client.delete(f"{BASE}/packages/{package}"),
    ]

    assert [a.status_code for a in answers] == [409, 409, 409]
    assert [a.json()["errors"][0]["code"] for a in answers] == [
        "FAAS-1014",
        "FAAS-1017",
        "FAAS-1016",
    ]
    stop(client, deployment)
    assert client.delete(f"{BASE}/package-deployments/{deployment}").status_code == 204
    assert client.get(f"{BASE}/package-deployments/{deployment}").status_code == 404
    assert counters(client, package) == (1, 0, 0, 0)


def test_deleting_a_revision_takes_its_stopped_deployments(client: TestClient) -> None:
    package, revision = package_with_revision(client)
    deployment = deploy(client, revision, 7).json()["data"]["id"]

    assert client.delete(f"{BASE}/package-revisions/{revision}").status_code == 204

    assert client.get(f"{BASE}/package-deployments/{deployment}").status_code == 404
    assert counters(client, package) == (0, 0, 0, 0)


def test_bulk_stop_by_package_or_revision(client: TestClient) -> None:
    package, revision = package_with_revision(client)
    ids = [deploy(client, revision, keyset).json()["data"]["id"] for keyset in (1, 2)]
    for deployment in ids:
        start(client, deployment)

    by_revision = client.delete(f"{BASE}/function-deployments?package_revision_id={revision}")
    start(client, ids[0])
    by_package = client.delete(f"{BASE}/function-deployments?package_id={package}")
    neither = client.delete(f"{BASE}/function-deployments")

    assert sorted(d["id"] for d in by_revision.json()["data"]) == sorted(ids)
    assert [d["id"] for d in by_package.json()["data"]] == [ids[0]]
    assert {d["state"] for d in by_package.json()["data"]} == {"STOPPED"}
    assert counters(client, package) == (1, 0, 2, 0)
    assert neither.status_code == 400


def test_the_running_limit_is_reported_and_enforced(small: tuple[TestClient, IssuedKey]) -> None:
    client, _ = small
    _, first = package_with_revision(client)
    _, second = package_with_revision(client)
    ids = [deploy(client, revision, 1).json()["data"]["id"] for revision in (first, second)]
    ids.append(deploy(client, first, 2).json()["data"]["id"])

    answers = [start(client, deployment).status_code for deployment in ids]
    restart = start(client, ids[0])
    limit = client.get(f"{BASE}/limits/package-deployments-running").json()["data"]

    assert answers == [200, 200, 422]
    assert restart.status_code == 200
    assert limit == {
        "name": "package-deployments-running",
        "description": "Package deployments that may run at once in the account",
        "maxValue": 2,
        "currentValue": 2,
    }


def test_keyset_grants_decide_who_may_deploy_where(keyed: tuple[TestClient, IssuedKey]) -> None:
    client, key = keyed
    container = client.app.state.container  # type: ignore[attr-defined]
    _, revision = package_with_revision(client)
    scoped = issue_key(
        container,
        key.account_id,
        grants=(Grant(DEPLOYMENT_WRITE, frozenset({12})), Grant(DEPLOYMENT_READ, frozenset({12}))),
    ).headers
    on_12 = deploy(client, revision, 12, **scoped)
    on_13 = deploy(client, revision, 13, **scoped)
    other = deploy(client, revision, 14).json()["data"]["id"]

    listed = client.get(f"{BASE}/package-revisions/{revision}/package-deployments", headers=scoped)
    everything = client.get(f"{BASE}/package-revisions/{revision}/package-deployments")

    assert on_12.status_code == 201
    assert on_13.status_code == 403
    assert client.get(f"{BASE}/package-deployments/{other}", headers=scoped).status_code == 403
    assert (
        client.post(
            f"{BASE}/package-deployments/{other}/function-deployments", headers=scoped
        ).status_code
        == 403
    )
    assert [d["keysetId"] for d in listed.json()["data"]] == [12]
    assert sorted(d["keysetId"] for d in everything.json()["data"]) == [12, 14]
    bulk = client.delete(
        f"{BASE}/function-deployments?package_revision_id={revision}", headers=scoped
    )
    assert bulk.status_code == 403
    reader = issue_key(container, key.account_id, grants=(Grant(PACKAGE_READ),)).headers
    assert (
        client.get(
            f"{BASE}/package-revisions/{revision}/package-deployments", headers=reader
        ).status_code
        == 403
    )


def test_another_accounts_deployment_is_404(client: TestClient) -> None:
    _, revision = package_with_revision(client)
    deployment = deploy(client, revision, 5).json()["data"]["id"]
    stranger = issue_key(client.app.state.container).headers  # type: ignore[attr-defined]

    answers = [
        client.get(f"{BASE}/package-deployments/{deployment}", headers=stranger),
        client.delete(f"{BASE}/package-deployments/{deployment}", headers=stranger),
        client.post(
            f"{BASE}/package-deployments/{deployment}/function-deployments", headers=stranger
        ),
        deploy(client, revision, 6, **stranger),
        client.get(f"{BASE}/package-deployments/{uuid4()}"),
    ]

    assert [a.status_code for a in answers] == [404] * 5


def test_a_deployment_has_an_etag_that_if_match_checks(client: TestClient) -> None:
    _, revision = package_with_revision(client)
    created = deploy(client, revision, 9)
    deployment = created.json()["data"]["id"]
    url = f"{BASE}/package-deployments/{deployment}"
    stop(client, deployment)  # already stopped: records nothing, so the version stays
    etag = client.get(url).headers["etag"]

    stale = client.delete(url, headers={"If-Match": '"1"'})
    current = client.delete(url, headers={"If-Match": etag})

    assert etag == created.headers["etag"]
    assert stale.status_code == 412
    assert current.status_code == 204


def test_authentication_comes_before_the_force_parameter(client: TestClient) -> None:
    client.headers.pop("Authorization", None)
    response = client.delete(f"{BASE}/package-deployments/{uuid4()}/function-deployments?force=x")
    assert response.status_code == 401


@pytest.mark.parametrize("search", ["chat", "s" * 500, "a\x00b"])
def test_search_on_a_revisions_deployments_is_accepted_and_ignored(
    client: TestClient, search: str
) -> None:
    _, revision = package_with_revision(client)
    made = {deploy(client, revision, keyset).json()["data"]["id"] for keyset in (1, 2)}

    listed = client.get(
        f"{BASE}/package-revisions/{revision}/package-deployments", params={"search": search}
    )

    assert listed.status_code == 200, listed.text
    assert {deployment["id"] for deployment in listed.json()["data"]} == made
