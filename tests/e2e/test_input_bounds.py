"""Values that reach the store are bounded where they enter: keyset ids, page numbers and
sizes, times; and a refusal repeats at most a short prefix of what was sent."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.support.builders import function_body, package_body
from tests.support.http import BASE

MAX_SAFE_INTEGER = 2**53 - 1


@pytest.fixture
def revision(client: TestClient) -> dict[str, Any]:
    package = client.post(f"{BASE}/packages", json=package_body()).json()["data"]
    listed = client.get(f"{BASE}/packages/{package['id']}/package-revisions").json()["data"]
    revision: dict[str, Any] = listed[0]
    return revision


def only_error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    [error] = response.json()["errors"]
    assert error["code"] == code
    message: str = error["message"]
    return message


def test_the_largest_keyset_id_is_the_largest_a_json_client_reads_exactly(
    client: TestClient, revision: dict[str, Any]
) -> None:
    deploy = {"packageRevisionId": revision["id"]}

    largest = client.post(f"{BASE}/package-deployments", json={**deploy, "keysetId": 2**53 - 1})
    past = client.post(f"{BASE}/package-deployments", json={**deploy, "keysetId": 2**53})

    assert largest.status_code == 201, largest.text
    shown = client.get(f"{BASE}/package-deployments/{largest.json()['data']['id']}")
    assert shown.json()["data"]["keysetId"] == MAX_SAFE_INTEGER
    assert only_error(past, 400, "FAAS-400").startswith("$.keysetId:")


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+14:00"])
def test_as_of_past_the_range_of_times_is_400_naming_it(
    client: TestClient, revision: dict[str, Any], moment: str
) -> None:
    response = client.get(f"{BASE}/packages/{revision['packageId']}", params={"asOf": moment})

    assert only_error(response, 400, "FAAS-400").startswith("asOf:")


@pytest.mark.parametrize(
    ("parameter", "value"),
    [("page", "9" * 5000), ("size", "1" + "0" * 30), ("page", "10000001")],
)
def test_paging_numbers_past_their_bounds_are_400_faas_1019(
    client: TestClient, parameter: str, value: str
) -> None:
    response = client.get(f"{BASE}/packages", params={parameter: value})

    assert only_error(response, 400, "FAAS-1019").startswith(f"{parameter}:")


def test_sort_is_given_at_most_once_per_field(client: TestClient) -> None:
    sorts = [("sort", "name,ASC")] * 4

    response = client.get(f"{BASE}/packages", params=sorts)

    assert only_error(response, 400, "FAAS-1019").startswith("sort:")


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"functions": [function_body(type="B" * 1_000_000)]}, "$.functions[0].type"),
        ({"B" * 1_000_000: 1}, "$.BBBB"),
    ],
)
def test_a_refusal_repeats_only_a_prefix_of_a_long_value(
    client: TestClient, overrides: dict[str, Any], path: str
) -> None:
    response = client.post(f"{BASE}/packages", json=package_body(**overrides))

    message = only_error(response, 400, "FAAS-400")
    assert message.startswith(path)
    assert "B" * 40 + "…" in message
    assert len(message) < 200
