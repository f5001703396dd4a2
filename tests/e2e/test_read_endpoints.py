"""The GET endpoints over HTTP, answered from the read model, on both stores."""

from __future__ import annotations

from functools import partial
from uuid import uuid4

import pytest
from starlette.testclient import TestClient

from commands.context import CommandContext, Limits
from commands.handlers.packages import CreatePackage, create_package
from commands.memory import InMemoryUnitOfWork
from commands.package import FunctionSpec
from service.app import create_app
from service.settings import Settings
from service.wire.common import now_to_the_millisecond
from tests.support.builders import function_body, package_body, unique_name
from tests.support.http import BASE, create
from tests.support.keys import IssuedKey, issue_key, keyed_client


@pytest.fixture
def api(client: TestClient) -> TestClient:
    """A client whose key has an account of its own, so lists hold only this test's data."""
    return client


def test_a_package_reads_back_as_it_was_created_with_its_version(api: TestClient) -> None:
    created = create(api)

    response = api.get(f"{BASE}/packages/{created['id']}")

    assert response.status_code == 200
    assert response.json()["data"] == created
    assert response.headers["etag"] == '"3"'


@pytest.mark.parametrize("package_id", [str(uuid4()), "not-a-uuid"])
def test_an_unknown_package_is_404(api: TestClient, package_id: str) -> None:
    response = api.get(f"{BASE}/packages/{package_id}")

    assert response.status_code == 404
    assert response.json()["errors"] == [{"code": "FAAS-404", "message": "Entity not found"}]


def test_another_accounts_package_does_not_exist(api: TestClient) -> None:
    created = create(api)
    revision = api.get(f"{BASE}/packages/{created['id']}/package-revisions").json()["data"][0]
    stranger = issue_key(api.app.state.container).headers  # type: ignore[attr-defined]

    paths = [
        f"{BASE}/packages/{created['id']}",
        f"{BASE}/packages/{created['id']}/package-revisions",
        f"{BASE}/package-revisions/{revision['id']}",
        f"{BASE}/package-revisions/{revision['id']}/functions",
    ]
    answers = [api.get(path, headers=stranger) for path in paths]
    listed = api.get(f"{BASE}/packages", headers=stranger).json()["data"]

    assert [answer.status_code for answer in answers] == [404] * 4
    assert {answer.json()["errors"][0]["message"] for answer in answers} == {"Entity not found"}
    assert created["id"] not in {package["id"] for package in listed}


def test_a_list_pages_with_correct_paging(api: TestClient) -> None:
    for _ in range(5):
        create(api)

    response = api.get(f"{BASE}/packages?size=2&page=1")

    assert response.status_code == 200
    assert len(response.json()["data"]) == 2
    assert response.json()["meta"]["paging"] == {
        "totalElements": 5,
        "totalPages": 3,
        "pageSize": 2,
        "pageNumber": 1,
        "pageOffset": 2,
    }


def test_a_page_past_the_end_is_empty_with_correct_paging(api: TestClient) -> None:
    create(api)

    response = api.get(f"{BASE}/packages?size=10&page=7")

    assert response.json()["data"] == []
    assert response.json()["meta"]["paging"]["totalElements"] == 1
    assert response.json()["meta"]["paging"]["pageOffset"] == 70


def test_the_default_order_is_newest_first(api: TestClient) -> None:
    names = [create(api)["name"] for _ in range(3)]

    listed = [p["name"] for p in api.get(f"{BASE}/packages").json()["data"]]

    assert listed == list(reversed(names))


def test_sorting_by_name_ignores_case_both_ways(api: TestClient) -> None:
    for name in ["beta", "Alpha", "gamma"]:
        create(api, name=name)

    ascending = [p["name"] for p in api.get(f"{BASE}/packages?sort=name,ASC").json()["data"]]
    descending = [p["name"] for p in api.get(f"{BASE}/packages?sort=name,DESC").json()["data"]]

    assert ascending == ["Alpha", "beta", "gamma"]
    assert descending == ["gamma", "beta", "Alpha"]


def test_search_is_a_case_insensitive_substring_with_literal_wildcards(api: TestClient) -> None:
    for name in ["Orders-API", "my orders", "order_100%", "billing"]:
        create(api, name=name)

    def search(text: str) -> list[str]:
        response = api.get(f"{BASE}/packages", params={"search": text, "sort": "name"})
        return [package["name"] for package in response.json()["data"]]

    assert search("ORDERS") == ["my orders", "Orders-API"]
    assert search("_100%") == ["order_100%"]
    assert search("%") == ["order_100%"]


def test_the_tag_filter_is_exact(api: TestClient) -> None:
    create(api, name="a", tags=["prod", "eu"])
    create(api, name="b", tags=["production"])

    listed = api.get(f"{BASE}/packages?tag=prod").json()["data"]

    assert [package["name"] for package in listed] == ["a"]


@pytest.mark.parametrize(
    "query", ["size=0", "size=101", "page=-1", "page=x", "sort=colour", "sort=name,SIDEWAYS"]
)
def test_bad_paging_or_sort_is_faas_1019(api: TestClient, query: str) -> None:
    response = api.get(f"{BASE}/packages?{query}")

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "FAAS-1019"
    assert response.json()["errors"][0]["message"].startswith(query.split("=")[0])


def test_a_revision_has_its_functions_in_sort_order(api: TestClient) -> None:
    functions = [
        function_body(name="late", sortOrder=9),
        function_body(name="early", sortOrder=1),
        function_body(name="middle", sortOrder=5),
    ]
    created = create(api, functions=functions, revisionName="first", revisionDescription="d")

    revisions = api.get(f"{BASE}/packages/{created['id']}/package-revisions").json()
    (revision,) = revisions["data"]
    single = api.get(f"{BASE}/package-revisions/{revision['id']}").json()["data"]
    listed = api.get(f"{BASE}/package-revisions/{revision['id']}/functions").json()

    without_code = [{k: v for k, v in f.items() if k != "code"} for f in single["functions"]]
    assert {**single, "functions": without_code} == revision
    assert (revision["name"], revision["description"], revision["packageId"]) == (
        "first",
        "d",
        created["id"],
    )
    assert [f["name"] for f in revision["functions"]] == ["early", "middle", "late"]
    assert [f["name"] for f in listed["data"]] == ["early", "middle", "late"]
    assert listed["meta"]["paging"]["totalElements"] == 3
    function = listed["data"][0]
    assert list(function) == [
        "id",
        "functionRevisionId",
        "packageRevisionId",
        "name",
        "language",
        "type",
        "sortOrder",
        "code",
        "config",
        "createdDttm",
        "updatedDttm",
    ]
    assert function["packageRevisionId"] == revision["id"]
    assert function["config"] == {"path": "hello/world"}


def test_unknown_revisions_are_404(api: TestClient) -> None:
    unknown = uuid4()

    assert api.get(f"{BASE}/package-revisions/{unknown}").status_code == 404
    assert api.get(f"{BASE}/package-revisions/{unknown}/functions").status_code == 404
    assert api.get(f"{BASE}/packages/{unknown}/package-revisions").status_code == 404


def test_a_create_is_seen_at_once_by_another_app_instance(store_url: str) -> None:
    settings = Settings(database_url=store_url)
    with keyed_client(settings) as (writer, key), TestClient(create_app(settings)) as reader:
        reader.headers.update(key.headers)
        for _ in range(10):
            created = create(writer)
            response = reader.get(f"{BASE}/packages/{created['id']}")
            assert response.status_code == 200, response.text
            assert response.json()["data"] == created


def test_counts_and_pages_stay_right_with_thousands_of_packages(
    keyed: tuple[TestClient, IssuedKey],
) -> None:
    api, key = keyed
    container = api.app.state.container  # type: ignore[attr-defined]
    context = CommandContext(key.account_id, "seed", "seed", now_to_the_millisecond())
    function = FunctionSpec("f", "ON_REQUEST", "code", 0, {"path": "p"})
    # Saved in bulk, past the account's package limit.
    seeding = InMemoryUnitOfWork(context)
    create = partial(create_package, limits=Limits(packages_per_account=1200))
    for _ in range(1200):
        seeding.run(create, CreatePackage(unique_name(), (function,)))
    container.store.events.put(seeding.take_events())
    container.projector.catch_up()

    seen: list[str] = []
    for page in range(13):
        response = api.get(f"{BASE}/packages?size=100&page={page}&sort=name,ASC").json()
        assert response["meta"]["paging"]["totalElements"] == 1200
        assert response["meta"]["paging"]["totalPages"] == 12
        seen += [package["name"] for package in response["data"]]

    assert len(seen) == len(set(seen)) == 1200
    assert seen == sorted(seen, key=str.casefold)


def test_revision_lists_leave_the_functions_code_out_and_a_revision_has_it(
    client: TestClient,
) -> None:
    created = client.post(f"{BASE}/packages", json=package_body()).json()["data"]

    listed = client.get(f"{BASE}/packages/{created['id']}/package-revisions").json()["data"]
    (function,) = listed[0]["functions"]
    revision = client.get(f"{BASE}/package-revisions/{listed[0]['id']}").json()["data"]
    functions = client.get(f"{BASE}/package-revisions/{listed[0]['id']}/functions").json()["data"]

    assert "code" not in function
    assert revision["functions"][0]["code"] == functions[0]["code"] == function_body()["code"]
