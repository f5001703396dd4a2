"""Test inputs over HTTP, on both stores: their life, their fields, their limit, the package
they leave as it was, another account's ids, time travel, the audit trail and rebuilds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from projections.rebuild import rebuild, verify
from service.settings import Settings
from service.wire.common import now_to_the_millisecond
from tests.e2e.test_metrics import grown, scrape
from tests.support.builders import function_body, package_body
from tests.support.http import BASE, create, data_of
from tests.support.keys import IssuedKey, issue_key, keyed_client
from tests.support.waiting import wait_until


def function_revisions(client: TestClient, package_id: str) -> list[str]:
    """The function revision ids of the package's newest revision."""
    revision = data_of(client.get(f"{BASE}/packages/{package_id}/package-revisions"))[0]
    return [function["functionRevisionId"] for function in revision["functions"]]


def inputs_url(function_revision_id: str) -> str:
    return f"{BASE}/function-revisions/{function_revision_id}/test-inputs"


def add(client: TestClient, function_revision_id: str, **body: Any) -> dict[str, Any]:
    added: dict[str, Any] = data_of(
        client.post(inputs_url(function_revision_id), json={"payload": {"n": 1}, **body}), 201
    )
    return added


def listed(client: TestClient, function_revision_id: str, query: str = "") -> list[Any]:
    items: list[Any] = data_of(client.get(f"{inputs_url(function_revision_id)}{query}"))
    return items


@pytest.fixture
def function_revision(client: TestClient) -> str:
    return function_revisions(client, create(client)["id"])[0]


def test_a_test_input_is_added_read_changed_and_deleted(
    client: TestClient, function_revision: str
) -> None:
    body = {"name": " greeting ", "payload": [1, "two", None], "description": "d"}
    response = client.post(inputs_url(function_revision), json=body)
    added = data_of(response, 201)
    url = f"{inputs_url(function_revision)}/{added['id']}"

    assert (added["name"], added["payload"], added["mimeType"]) == (
        "greeting",
        [1, "two", None],
        "application/json",
    )
    assert added["functionRevisionId"] == function_revision
    assert added["createdDttm"] == added["updatedDttm"]
    assert response.headers["location"] == url
    assert data_of(client.get(url)) == added == listed(client, function_revision)[0]

    changed = data_of(client.put(url, json={"payload": None, "mimeType": "text/plain"}))
    assert (changed["payload"], changed["mimeType"], changed["name"]) == (
        None,
        "text/plain",
        "greeting",
    )
    assert changed == data_of(client.get(url))

    assert client.delete(url).status_code == 204
    assert listed(client, function_revision) == []
    assert client.get(url).status_code == 404
    assert client.delete(url).status_code == 404


def test_etags_guard_changes_with_if_match(client: TestClient, function_revision: str) -> None:
    response = client.post(inputs_url(function_revision), json={"payload": 1})
    url = f"{inputs_url(function_revision)}/{response.json()['data']['id']}"
    etag = response.headers["etag"]
    assert client.get(url).headers["etag"] == etag

    moved = client.put(url, json={"name": "n"}, headers={"If-Match": etag})
    stale = client.put(url, json={"name": "m"}, headers={"If-Match": etag})
    refused = client.delete(url, headers={"If-Match": etag})

    assert moved.status_code == 200
    assert moved.headers["etag"] != etag
    assert (stale.status_code, stale.json()["errors"][0]["code"]) == (412, "FAAS-412")
    assert refused.status_code == 412
    assert client.delete(url, headers={"If-Match": moved.headers["etag"]}).status_code == 204


def test_test_inputs_leave_the_package_as_it_was(client: TestClient) -> None:
    package = create(client)
    package_url = f"{BASE}/packages/{package['id']}"
    before = client.get(package_url)
    function_revision = function_revisions(client, package["id"])[0]

    added = add(client, function_revision)
    client.put(f"{inputs_url(function_revision)}/{added['id']}", json={"name": "x"})
    after = client.get(package_url)

    assert after.json()["data"] == before.json()["data"] == package
    assert after.headers["etag"] == before.headers["etag"]
    as_of = client.get(package_url, params={"asOf": "2100-01-01T00:00:00Z"})
    assert (as_of.json()["data"], as_of.headers["etag"]) == (package, before.headers["etag"])
    renamed = client.put(
        package_url, json={"description": "new"}, headers={"If-Match": after.headers["etag"]}
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["data"]["updatedDttm"] >= package["updatedDttm"]
    assert renamed.headers["etag"] == client.get(package_url).headers["etag"]


def test_a_function_revision_has_at_most_20_test_inputs(
    client: TestClient, function_revision: str
) -> None:
    for number in range(20):
        add(client, function_revision, name=f"input {number}")

    refused = client.post(inputs_url(function_revision), json={"payload": 21})

    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "FAAS-1035"
    assert client.get(inputs_url(function_revision)).json()["meta"]["paging"]["totalElements"] == 20


def test_the_limit_can_be_configured(store_url: str) -> None:
    settings = Settings(database_url=store_url, max_test_inputs_per_function_revision=1)
    with keyed_client(settings) as (client, _):
        function_revision = function_revisions(client, create(client)["id"])[0]
        add(client, function_revision)

        assert client.post(inputs_url(function_revision), json={"payload": 2}).status_code == 422


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({}, "$.payload"),
        ({"payload": "x" * 32_000}, "$.payload"),
        ({"payload": 1, "name": "n" * 101}, "$.name"),
        ({"payload": 1, "mimeType": "json"}, "$.mimeType"),
        ({"payload": 1, "description": "d" * 1001}, "$.description"),
        ({"payload": 1, "createdDttm": "2026-01-01T00:00:00.000Z"}, "$.createdDttm"),
        ({"payload": 1, "functionRevisionId": "x"}, "$.functionRevisionId"),
        ({"payload": 1, "colour": "red"}, "$.colour"),
        ({"payload": 1, "id": "0b6f6f0e-3c8e-5a36-9a4e-4f8d1c1f2a10"}, "$.id"),
    ],
)
def test_a_bad_field_is_400_naming_it(
    client: TestClient, function_revision: str, body: dict[str, Any], path: str
) -> None:
    response = client.post(inputs_url(function_revision), json=body)

    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    assert error["message"].startswith(path), error
    assert listed(client, function_revision) == []


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b'{"payload": 1e400}', "FAAS-400"),
        (b'{"payload": "\\ud800"}', "FAAS-400"),
        (b'{"payload": [' * 2000 + b"]" * 2000 + b"}", "FAAS-400"),
        (b'{"payload": ', "FAAS-1003"),
    ],
)
def test_a_payload_that_cannot_be_kept_is_400(
    client: TestClient, function_revision: str, raw: bytes, code: str
) -> None:
    response = client.post(
        inputs_url(function_revision), content=raw, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["code"] == code
    assert listed(client, function_revision) == []


def test_a_payload_of_32000_bytes_is_taken_and_one_of_nothing_to_change_is_400(
    client: TestClient, function_revision: str
) -> None:
    added = add(client, function_revision, payload="é" * 15_998)  # 31,998 bytes and quotes

    response = client.put(f"{inputs_url(function_revision)}/{added['id']}", json={})

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("$: send at least one")


def test_a_client_chosen_id_is_unique(client: TestClient, function_revision: str) -> None:
    chosen = "3f8a1c2e-4b5d-4e6f-8a9b-0c1d2e3f4a5b"
    first = client.post(inputs_url(function_revision), json={"payload": 1, "id": chosen})
    again = client.post(inputs_url(function_revision), json={"payload": 1, "id": chosen})

    assert first.status_code == 201
    assert first.json()["data"]["id"] == chosen
    assert (again.status_code, again.json()["errors"][0]["code"]) == (409, "FAAS-409")


def test_a_post_with_an_idempotency_key_happens_once(
    client: TestClient, function_revision: str
) -> None:
    headers = {"Idempotency-Key": "add-input-1"}
    first = client.post(inputs_url(function_revision), json={"payload": 1}, headers=headers)
    again = client.post(inputs_url(function_revision), json={"payload": 1}, headers=headers)

    assert first.json()["data"] == again.json()["data"]
    assert again.headers["idempotent-replayed"] == "true"
    assert len(listed(client, function_revision)) == 1


def test_another_accounts_ids_and_another_function_revisions_inputs_are_404(
    keyed: tuple[TestClient, IssuedKey],
) -> None:
    client, _ = keyed
    package = create(client, functions=[function_body(), function_body()])
    mine, sibling = function_revisions(client, package["id"])
    added = add(client, mine)
    stranger = issue_key(client.app.state.container).headers  # type: ignore[attr-defined]
    url = f"{inputs_url(mine)}/{added['id']}"

    answers = [
        client.get(inputs_url(mine), headers=stranger),
        client.get(f"{inputs_url(mine)}?asOf=2100-01-01T00:00:00Z", headers=stranger),
        client.post(inputs_url(mine), json={"payload": 1}, headers=stranger),
        client.get(url, headers=stranger),
        client.put(url, json={"name": "theirs"}, headers=stranger),
        client.delete(url, headers=stranger),
        client.get(f"{inputs_url(sibling)}/{added['id']}"),
        client.put(f"{inputs_url(sibling)}/{added['id']}", json={"name": "x"}),
        client.delete(f"{inputs_url(sibling)}/{added['id']}"),
    ]

    assert [(a.status_code, a.json()["errors"][0]["code"]) for a in answers] == [
        (404, "FAAS-404")
    ] * len(answers)
    assert listed(client, mine) == [added]


def test_test_inputs_go_with_their_revision_and_their_package(client: TestClient) -> None:
    package = create(client)
    first = function_revisions(client, package["id"])[0]
    body = {"packageId": package["id"], "functions": [function_body()]}
    revision = data_of(client.post(f"{BASE}/package-revisions", json=body), 201)
    second = revision["functions"][0]["functionRevisionId"]
    kept, gone = add(client, first), add(client, second)

    assert client.delete(f"{BASE}/package-revisions/{revision['id']}").status_code == 204
    assert client.get(inputs_url(second)).status_code == 404
    assert client.get(f"{inputs_url(second)}/{gone['id']}").status_code == 404
    assert client.post(inputs_url(second), json={"payload": 1}).status_code == 404
    assert listed(client, first) == [kept]

    assert client.delete(f"{BASE}/packages/{package['id']}").status_code == 204
    assert client.get(inputs_url(first)).status_code == 404
    assert client.put(f"{inputs_url(first)}/{kept['id']}", json={"name": "x"}).status_code == 404


def test_a_list_pages_sorts_and_searches(client: TestClient, function_revision: str) -> None:
    for name in ("beta", "Alpha", "gamma"):
        add(client, function_revision, name=name)

    by_name = listed(client, function_revision, "?sort=name,ASC")
    last = client.get(f"{inputs_url(function_revision)}?sort=name,DESC&size=2&page=1").json()
    found = listed(client, function_revision, "?search=ALP")

    assert [item["name"] for item in by_name] == ["Alpha", "beta", "gamma"]
    assert [item["name"] for item in last["data"]] == ["Alpha"]
    assert last["meta"]["paging"]["totalPages"] == 2
    assert [item["name"] for item in found] == ["Alpha"]


def test_as_of_shows_the_test_inputs_as_they_stood(
    client: TestClient, function_revision: str
) -> None:
    def as_of(moment: str) -> Any:
        params = {"asOf": moment, "sort": "name,ASC"}
        return client.get(inputs_url(function_revision), params=params)

    # A millisecond back: a request received within the same millisecond is at ``now``.
    before = (now_to_the_millisecond() - timedelta(milliseconds=1)).isoformat()
    first = add(client, function_revision, name="a", payload={"v": 1})
    added = data_of(client.get(f"{inputs_url(function_revision)}/{first['id']}"))
    second = add(client, function_revision, name="b")
    both = now_to_the_millisecond()
    assert wait_until(lambda: now_to_the_millisecond() > both)  # later changes are after it
    client.put(f"{inputs_url(function_revision)}/{first['id']}", json={"payload": {"v": 2}})
    client.delete(f"{inputs_url(function_revision)}/{second['id']}")

    assert data_of(as_of(before)) == []
    assert data_of(as_of(both.isoformat())) == [added, second]
    assert data_of(as_of("2100-01-01T00:00:00Z")) == listed(client, function_revision)
    assert as_of("yesterday").status_code == 400


def test_as_of_reaches_a_revision_that_is_gone(client: TestClient) -> None:
    package = create(client)
    body = {"packageId": package["id"], "functions": [function_body()]}
    revision = data_of(client.post(f"{BASE}/package-revisions", json=body), 201)
    function_revision = revision["functions"][0]["functionRevisionId"]
    added = add(client, function_revision)
    moment = now_to_the_millisecond()
    assert wait_until(lambda: now_to_the_millisecond() > moment)
    client.delete(f"{BASE}/package-revisions/{revision['id']}")

    response = client.get(inputs_url(function_revision), params={"asOf": moment.isoformat()})

    assert data_of(response) == [added]
    gone = client.get(f"{inputs_url(function_revision)}?asOf=2100-01-01T00:00:00Z")
    assert gone.status_code == 404


def test_as_of_knows_a_function_revision_that_never_had_a_test_input(client: TestClient) -> None:
    before = (now_to_the_millisecond() - timedelta(milliseconds=1)).isoformat()
    package = create(client)
    live = function_revisions(client, package["id"])[0]
    body = {"packageId": package["id"], "functions": [function_body()]}
    revision = data_of(client.post(f"{BASE}/package-revisions", json=body), 201)
    gone = revision["functions"][0]["functionRevisionId"]
    moment = now_to_the_millisecond()
    assert wait_until(lambda: now_to_the_millisecond() > moment)
    client.delete(f"{BASE}/package-revisions/{revision['id']}")

    def as_of(function_revision: str, when: str) -> Any:
        return client.get(inputs_url(function_revision), params={"asOf": when})

    assert data_of(as_of(live, moment.isoformat())) == []
    assert as_of(live, before).status_code == 404
    # Gone, and never given a test input: where it lived is not kept (docs/api.md).
    assert as_of(gone, moment.isoformat()).status_code == 404


def test_the_packages_audit_trail_shows_its_test_inputs(
    client: TestClient, function_revision: str
) -> None:
    added = add(client, function_revision, name="n")
    package_id = data_of(client.get(f"{BASE}/package-revisions/{_revision_of(client, added)}"))[
        "packageId"
    ]

    events = data_of(client.get(f"{BASE}/packages/{package_id}/events"))

    assert events[0]["type"] == "TestInputAdded"
    assert events[0]["payload"]["test_input_id"] == added["id"]
    assert events[0]["payload"]["payload"] == '{"n":1}'


def _revision_of(client: TestClient, test_input: dict[str, Any]) -> str:
    container = client.app.state.container  # type: ignore[attr-defined]
    rows = container.database.query(
        "SELECT package_revision_id FROM rm_functions WHERE function_revision_id = ?",
        (test_input["functionRevisionId"],),
    )
    return str(rows[0][0])


def test_rebuild_makes_the_same_test_inputs(client: TestClient) -> None:
    package = create(client, functions=[function_body(), function_body()])
    first, second = function_revisions(client, package["id"])
    kept = add(client, first, name="kept")
    client.put(f"{inputs_url(first)}/{kept['id']}", json={"description": "changed"})
    gone = add(client, second)
    client.delete(f"{inputs_url(second)}/{gone['id']}")
    before = listed(client, first), listed(client, second)
    container = client.app.state.container  # type: ignore[attr-defined]

    assert verify(container.projector) == []
    rebuild(container.projector)
    assert (listed(client, first), listed(client, second)) == before


def test_a_test_input_can_be_added_to_an_old_revision(client: TestClient) -> None:
    package = create(client, **{"functions": [function_body()]})
    old = function_revisions(client, package["id"])[0]
    body = package_body()["functions"]
    client.post(f"{BASE}/package-revisions", json={"packageId": package["id"], "functions": body})

    assert add(client, old)["functionRevisionId"] == old


def test_metrics_count_the_routes_by_template_and_the_events_by_topic(
    client: TestClient, function_revision: str
) -> None:
    before = scrape(client)

    added = add(client, function_revision)
    client.put(f"{inputs_url(function_revision)}/{added['id']}", json={"name": "n"})
    client.delete(f"{inputs_url(function_revision)}/{added['id']}")

    by = grown(before, scrape(client))
    routes = "/v2/faas/function-revisions/{function_revision_id}/test-inputs"
    assert by("faas_http_requests_total", method="POST", route=routes, status="201") == 1
    item = f"{routes}/{{test_input_id}}"
    assert by("faas_http_requests_total", method="PUT", route=item, status="200") == 1
    assert by("faas_http_requests_total", method="DELETE", route=item, status="204") == 1
    for topic in ("TestInputAdded", "TestInputUpdated", "TestInputDeleted"):
        assert by("faas_events_appended_total", topic=f"faas.{topic}") == 1
