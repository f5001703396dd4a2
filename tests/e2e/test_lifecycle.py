"""Changing and deleting packages and revisions over HTTP, on both stores."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import uuid4

from starlette.testclient import TestClient

from projections.rebuild import verify
from service.wire.common import now_to_the_millisecond
from tests.support.builders import function_body, unique_name
from tests.support.http import BASE, create
from tests.support.keys import issue_key


def first_revision(client: TestClient, package_id: str) -> dict[str, Any]:
    revisions = client.get(f"{BASE}/packages/{package_id}/package-revisions").json()["data"]
    revision: dict[str, Any] = revisions[-1]
    return revision


def test_put_replaces_the_fields_sent_and_moves_the_version(client: TestClient) -> None:
    created = create(client, description="old", tags=["a"])
    before = client.get(f"{BASE}/packages/{created['id']}")

    response = client.put(
        f"{BASE}/packages/{created['id']}", json={"description": "new", "tags": ["b", "c"]}
    )

    after = client.get(f"{BASE}/packages/{created['id']}")
    assert response.status_code == 200, response.text
    assert response.json()["data"] == after.json()["data"]
    package = after.json()["data"]
    assert (package["name"], package["description"], package["tags"]) == (
        created["name"],
        "new",
        ["b", "c"],
    )
    assert before.headers["etag"] == '"3"'
    assert after.headers["etag"] == response.headers["etag"] == '"4"'
    assert package["updatedDttm"] >= created["updatedDttm"]
    listed = client.get(f"{BASE}/packages?tag=b").json()["data"]
    assert [p["id"] for p in listed] == [created["id"]]
    assert client.get(f"{BASE}/packages?tag=a").json()["data"] == []


def test_if_match_guards_against_lost_updates(client: TestClient) -> None:
    created = create(client)
    url = f"{BASE}/packages/{created['id']}"

    stale = client.put(url, json={"description": "x"}, headers={"If-Match": '"2"'})
    current = client.put(url, json={"description": "y"}, headers={"If-Match": '"3"'})
    weak = client.put(url, json={"description": "z"}, headers={"If-Match": 'W/"4"'})
    garbage = client.put(url, json={"description": "w"}, headers={"If-Match": "nonsense"})

    assert stale.status_code == 412
    assert stale.json()["errors"][0]["code"] == "FAAS-412"
    assert current.status_code == 200
    assert weak.status_code == 200
    assert garbage.status_code == 412
    assert client.get(url).json()["data"]["description"] == "z"


def test_a_rename_frees_the_old_name_and_takes_the_new_one(client: TestClient) -> None:
    created = create(client, name="first-name")
    taken = create(client, name="taken-name")

    renamed = client.put(f"{BASE}/packages/{created['id']}", json={"name": "second-name"})
    clash = client.put(f"{BASE}/packages/{created['id']}", json={"name": " TAKEN-name"})
    case_only = client.put(f"{BASE}/packages/{created['id']}", json={"name": "Second-Name"})

    assert renamed.status_code == 200
    assert clash.status_code == 409
    assert case_only.status_code == 200
    assert case_only.json()["data"]["name"] == "Second-Name"
    assert create(client, name="first-name")["name"] == "first-name"
    assert taken["name"] == "taken-name"


def test_bad_updates_are_refused_and_write_nothing(client: TestClient) -> None:
    created = create(client)
    url = f"{BASE}/packages/{created['id']}"

    empty = client.put(url, json={})
    read_only = client.put(url, json={"revisionsTotal": 3})
    blank = client.put(url, json={"name": "   "})
    unknown = client.put(f"{BASE}/packages/{uuid4()}", json={"description": "x"})

    assert [r.status_code for r in (empty, read_only, blank, unknown)] == [400, 400, 400, 404]
    assert client.get(url).headers["etag"] == '"3"'


def test_another_accounts_package_cannot_be_changed(client: TestClient) -> None:
    created = create(client)
    stranger = issue_key(client.app.state.container).headers  # type: ignore[attr-defined]
    url = f"{BASE}/packages/{created['id']}"

    assert client.put(url, json={"description": "x"}, headers=stranger).status_code == 404
    assert client.delete(url, headers=stranger).status_code == 404
    assert client.get(url).status_code == 200


def test_delete_removes_the_package_and_frees_its_name(client: TestClient) -> None:
    created = create(client)
    url = f"{BASE}/packages/{created['id']}"

    stale = client.delete(url, headers={"If-Match": '"1"'})
    deleted = client.delete(url)

    assert stale.status_code == 412
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert deleted.headers["x-correlation-id"]
    assert client.get(url).status_code == 404
    assert client.delete(url).status_code == 404
    assert created["id"] not in [p["id"] for p in client.get(f"{BASE}/packages").json()["data"]]
    assert create(client, name=created["name"])["id"] != created["id"]
    trail = client.get(f"{url}/events?sort=createdDttm,ASC").json()["data"]
    assert [event["type"] for event in trail][-1] == "PackageDeleted"


def test_a_new_revision_comes_with_its_functions(client: TestClient) -> None:
    created = create(client)
    chosen = str(uuid4())
    body = {
        "packageId": created["id"],
        "id": chosen,
        "name": "v2",
        "description": "second",
        "functions": [function_body(name="b", sortOrder=2), function_body(name="a", sortOrder=1)],
    }

    response = client.post(f"{BASE}/package-revisions", json=body)
    again = client.post(f"{BASE}/package-revisions", json=body)

    assert response.status_code == 201, response.text
    revision = response.json()["data"]
    assert revision["id"] == chosen
    assert response.headers["location"] == f"{BASE}/package-revisions/{chosen}"
    assert [f["name"] for f in revision["functions"]] == ["a", "b"]
    assert client.get(f"{BASE}/package-revisions/{chosen}").json()["data"] == revision
    assert client.get(f"{BASE}/packages/{created['id']}").json()["data"]["revisionsTotal"] == 2
    assert again.status_code == 409


def test_a_revision_for_an_unknown_package_or_with_too_many_functions_is_refused(
    client: TestClient,
) -> None:
    created = create(client)
    limit = client.app.state.container.settings.max_functions_per_revision  # type: ignore[attr-defined]
    unknown = client.post(
        f"{BASE}/package-revisions",
        json={"packageId": str(uuid4()), "name": "v", "functions": [function_body()]},
    )
    too_many = client.post(
        f"{BASE}/package-revisions",
        json={
            "packageId": created["id"],
            "name": "v",
            "functions": [function_body() for _ in range(limit + 1)],
        },
    )

    assert unknown.status_code == 404
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["code"] == "FAAS-1006"


def test_a_revision_is_renamed_and_deleted(client: TestClient) -> None:
    created = create(client)
    revision = first_revision(client, created["id"])
    url = f"{BASE}/package-revisions/{revision['id']}"
    etag = client.get(url).headers["etag"]

    stale = client.put(url, json={"name": "x"}, headers={"If-Match": '"99"'})
    renamed = client.put(url, json={"name": "renamed"}, headers={"If-Match": etag})
    deleted = client.delete(url)

    assert stale.status_code == 412
    assert renamed.status_code == 200
    assert renamed.json()["data"]["name"] == "renamed"
    assert renamed.headers["etag"] != etag
    assert deleted.status_code == 204
    assert client.get(url).status_code == 404
    assert client.get(f"{url}/functions").status_code == 404
    package = client.get(f"{BASE}/packages/{created['id']}").json()["data"]
    assert package["revisionsTotal"] == 0


def test_concurrent_renames_to_one_name_give_it_to_exactly_one(client: TestClient) -> None:
    packages = [create(client)["id"] for _ in range(4)]
    wanted = unique_name()

    with ThreadPoolExecutor(4) as pool:
        statuses = list(
            pool.map(
                lambda package_id: (
                    client.put(f"{BASE}/packages/{package_id}", json={"name": wanted}).status_code
                ),
                packages,
            )
        )

    assert sorted(statuses) == [200, 409, 409, 409]
    named = [p for p in client.get(f"{BASE}/packages").json()["data"] if p["name"] == wanted]
    assert len(named) == 1


def test_concurrent_updates_of_one_package_all_land_without_if_match(client: TestClient) -> None:
    created = create(client)
    url = f"{BASE}/packages/{created['id']}"

    with ThreadPoolExecutor(4) as pool:
        statuses = list(
            pool.map(lambda n: client.put(url, json={"description": f"d{n}"}).status_code, range(4))
        )

    assert statuses == [200] * 4
    assert client.get(url).headers["etag"] == '"7"'


def test_time_travel_shows_a_package_before_its_update(client: TestClient) -> None:
    created = create(client, description="before")
    moment = now_to_the_millisecond().isoformat()
    time.sleep(0.005)  # asOf includes its own millisecond; the update must come after it
    client.put(f"{BASE}/packages/{created['id']}", json={"description": "after"})

    then = client.get(f"{BASE}/packages/{created['id']}", params={"asOf": moment})

    assert then.json()["data"] == created


def test_the_read_model_after_all_this_equals_a_replay(client: TestClient) -> None:
    created = create(client)
    client.put(f"{BASE}/packages/{created['id']}", json={"name": unique_name(), "tags": ["x"]})
    revision = client.post(
        f"{BASE}/package-revisions",
        json={"packageId": created["id"], "name": "v2", "functions": [function_body()]},
    ).json()["data"]
    client.put(f"{BASE}/package-revisions/{revision['id']}", json={"description": "d"})
    client.delete(f"{BASE}/package-revisions/{first_revision(client, created['id'])['id']}")
    doomed = create(client)
    client.delete(f"{BASE}/packages/{doomed['id']}")

    assert verify(client.app.state.container.projector) == []  # type: ignore[attr-defined]
