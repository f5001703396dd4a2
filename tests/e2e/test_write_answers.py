"""Every write answers the resource as a read right after it returns it: the counters, the
times and the versions of a package with running deployments included, on both stores."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.support.builders import function_body, package_body
from tests.support.http import BASE, data_of


def read(client: TestClient, path: str) -> Any:
    return data_of(client.get(f"{BASE}{path}"))


def running_package(client: TestClient) -> tuple[dict[str, Any], str, str]:
    """A package whose first revision runs on keyset 1: the package, revision, deployment."""
    package = data_of(client.post(f"{BASE}/packages", json=package_body()), 201)
    revision = read(client, f"/packages/{package['id']}/package-revisions")[0]["id"]
    body = {"packageRevisionId": revision, "keysetId": 1}
    deployment = data_of(client.post(f"{BASE}/package-deployments", json=body), 201)["id"]
    data_of(client.post(f"{BASE}/package-deployments/{deployment}/function-deployments"))
    return package, revision, deployment


def test_creates_answer_what_a_read_returns(client: TestClient) -> None:
    package = data_of(client.post(f"{BASE}/packages", json=package_body()), 201)
    assert package == read(client, f"/packages/{package['id']}")

    body = {"packageId": package["id"], "functions": [function_body(), function_body()]}
    revision = data_of(client.post(f"{BASE}/package-revisions", json=body), 201)
    assert revision == read(client, f"/package-revisions/{revision['id']}")

    body = {"packageRevisionId": revision["id"], "keysetId": 3}
    deployment = data_of(client.post(f"{BASE}/package-deployments", json=body), 201)
    assert deployment == read(client, f"/package-deployments/{deployment['id']}")


def test_changes_of_a_package_with_a_running_deployment_answer_what_a_read_returns(
    client: TestClient,
) -> None:
    package, revision, deployment = running_package(client)

    updated = data_of(client.put(f"{BASE}/packages/{package['id']}", json={"description": "d"}))
    assert updated == read(client, f"/packages/{package['id']}")
    assert (updated["revisionsRunning"], updated["packageDeploymentsRunning"]) == (1, 1)

    renamed = data_of(client.put(f"{BASE}/package-revisions/{revision}", json={"name": "renamed"}))
    assert renamed == read(client, f"/package-revisions/{revision}")
    assert renamed["packageDeploymentsRunning"] == 1

    restarted = data_of(
        client.post(f"{BASE}/package-deployments/{deployment}/function-deployments")
    )
    assert restarted == read(client, f"/package-deployments/{deployment}")


def test_stops_answer_what_a_read_returns(client: TestClient) -> None:
    package, _, deployment = running_package(client)
    url = f"{BASE}/package-deployments/{deployment}/function-deployments"

    stopped = data_of(client.delete(url))
    assert stopped == read(client, f"/package-deployments/{deployment}")

    data_of(client.post(url))
    (bulk,) = data_of(client.delete(f"{BASE}/function-deployments?package_id={package['id']}"))
    assert bulk == read(client, f"/package-deployments/{deployment}")
    assert bulk["state"] == "STOPPED"
