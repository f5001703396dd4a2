"""The catalog over HTTP, on both stores: package blueprints, their function blueprints and
parameters, read with a key of any account; retired and unknown ids are 404, ids that are not
UUIDs a 400 naming the parameter."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from starlette.testclient import TestClient

from commands.catalog import function_blueprint_id_for, param_id_for
from commands.keys import Grant
from service.bootstrap import Container
from tests.support.builders import unique_name
from tests.support.catalog import content, publish, retire
from tests.support.keys import IssuedKey, keyed_client

BASE = "/v2/faas"


def container_of(client: TestClient) -> Container:
    container: Container = client.app.state.container  # type: ignore[attr-defined]
    return container


def data(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(f"{BASE}{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()["data"]


@pytest.fixture
def published(client: TestClient) -> UUID:
    blueprint_id = uuid4()
    publish(container_of(client), blueprint_id, content(blueprint_id, tags=("alpha", "beta")))
    return blueprint_id


def test_a_blueprint_reads_in_the_contracts_shape(client: TestClient, published: UUID) -> None:
    blueprint = data(client, f"/package-blueprints/{published}")

    assert blueprint["id"] == str(published)
    assert blueprint["parentId"] is None
    assert blueprint["version"] == "1.0.0"
    assert blueprint["state"] == "GENERAL_AVAILABILITY"
    assert (blueprint["iconBase64"], blueprint["iconMediaType"]) == (None, None)
    assert [tag["name"] for tag in blueprint["tags"]] == ["alpha", "beta"]
    assert {tag["visibility"] for tag in blueprint["tags"]} == {"PUBLIC"}
    assert blueprint["tags"][0]["createdDttm"] == blueprint["updatedDttm"]
    assert set(blueprint) == {
        "id", "parentId", "name", "version", "description", "iconBase64", "iconMediaType",
        "state", "tags", "createdDttm", "updatedDttm",
    }  # fmt: skip


def test_function_blueprints_come_in_sort_order_with_params_and_test_inputs(
    client: TestClient, published: UUID
) -> None:
    functions = data(client, f"/package-blueprints/{published}/function-blueprints")

    assert [f["name"] for f in functions] == ["first", "second"]
    second = functions[1]
    assert second["id"] == str(function_blueprint_id_for(published, "second"))
    assert second["packageBlueprintId"] == str(published)
    assert second["sortOrder"] == 1
    assert second["config"] == {"inputChannel": "chat.*"}
    assert second["testInputs"] == [
        {"name": "second input", "payload": {"text": "second"}, "mimeType": "application/json"}
    ]
    assert [p["sourceName"] for p in second["params"]] == ["API_KEY", "URL"]
    assert second["params"][0] == data(
        client, f"/function-blueprint-params/{second['params'][0]['id']}"
    )


def test_a_function_blueprints_params_are_listed_by_its_id(
    client: TestClient, published: UUID
) -> None:
    function_id = function_blueprint_id_for(published, "second")
    params = data(client, f"/function-blueprints/{function_id}/function-blueprint-params")

    assert [p["sourceName"] for p in params] == ["API_KEY", "URL"]
    api_key = params[0]
    assert api_key["id"] == str(param_id_for(function_id, "API_KEY"))
    assert api_key["functionBlueprintId"] == str(function_id)
    assert (api_key["type"], api_key["valueType"], api_key["storage"]) == (
        "CUSTOM", "STRING", "VAULT",
    )  # fmt: skip
    assert (api_key["required"], api_key["defaultValue"]) == (True, None)
    assert (params[1]["required"], params[1]["defaultValue"]) == (False, "x")
    first = function_blueprint_id_for(published, "first")
    assert data(client, f"/function-blueprints/{first}/function-blueprint-params") == []


def test_the_blueprint_list_pages_and_filters_by_name_and_tag(client: TestClient) -> None:
    tag, word = unique_name("tag"), unique_name("word")
    ids = [uuid4() for _ in range(3)]
    for index, blueprint_id in enumerate(ids):
        name = f"{word} Number {index}" if index < 2 else unique_name("other")
        publish(container_of(client), blueprint_id, content(blueprint_id, name, tags=(tag,)))

    response = client.get(f"{BASE}/package-blueprints", params={"tag": tag, "size": 2})
    body = response.json()
    assert body["meta"]["paging"] == {
        "totalElements": 3, "totalPages": 2, "pageSize": 2, "pageNumber": 0, "pageOffset": 0,
    }  # fmt: skip
    assert [b["id"] for b in body["data"]] == [str(ids[2]), str(ids[1])]  # newest first
    page = data(client, "/package-blueprints", tag=tag, size=2, page=1)
    assert [b["id"] for b in page] == [str(ids[0])]
    named = data(client, "/package-blueprints", name=word.upper(), sort="name,ASC")
    assert [b["id"] for b in named] == [str(ids[0]), str(ids[1])]
    assert data(client, "/package-blueprints", tag=tag.upper()) == []
    assert data(client, "/package-blueprints", tag=tag, page=5) == []


def test_the_param_list_pages_and_filters_by_name_and_blueprint(
    client: TestClient, published: UUID
) -> None:
    other = uuid4()
    publish(container_of(client), other, content(other))

    response = client.get(
        f"{BASE}/function-blueprint-params", params={"packageBlueprintId": str(published)}
    )
    assert response.json()["meta"]["paging"]["totalElements"] == 2
    named = data(
        client, "/function-blueprint-params", packageBlueprintId=str(published), name="url"
    )
    assert [p["sourceName"] for p in named] == ["URL"]
    paged = data(
        client, "/function-blueprint-params", packageBlueprintId=str(other), size=1, page=1
    )
    assert len(paged) == 1


def test_a_higher_version_replaces_the_listed_one(client: TestClient, published: UUID) -> None:
    before = data(client, f"/package-blueprints/{published}")
    publish(container_of(client), published, content(published, before["name"], "1.1.0"))

    after = data(client, f"/package-blueprints/{published}")
    assert after["version"] == "1.1.0"
    assert after["createdDttm"] == before["createdDttm"]
    assert after["updatedDttm"] >= before["updatedDttm"]


def retired_paths(blueprint_id: UUID) -> list[str]:
    function_id = function_blueprint_id_for(blueprint_id, "second")
    return [
        f"/package-blueprints/{blueprint_id}",
        f"/package-blueprints/{blueprint_id}/function-blueprints",
        f"/function-blueprints/{function_id}/function-blueprint-params",
        f"/function-blueprint-params/{param_id_for(function_id, 'URL')}",
    ]


def test_a_retired_blueprint_and_its_parts_are_not_found_until_a_higher_version(
    client: TestClient, published: UUID
) -> None:
    name = data(client, f"/package-blueprints/{published}")["name"]
    retire(container_of(client), published)

    for path in retired_paths(published):
        response = client.get(f"{BASE}{path}")
        assert response.status_code == 404, path
        assert response.json()["errors"] == [{"code": "FAAS-404", "message": "Entity not found"}]
    assert data(client, "/package-blueprints", name=name) == []
    assert data(client, "/function-blueprint-params", packageBlueprintId=str(published)) == []

    publish(container_of(client), published, content(published, name, "2.0.0"))
    for path in retired_paths(published):
        assert client.get(f"{BASE}{path}").status_code == 200, path


def test_unknown_ids_are_not_found(client: TestClient) -> None:
    for path in retired_paths(uuid4()):
        assert client.get(f"{BASE}{path}").status_code == 404, path


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/package-blueprints/nope", "package_blueprint_id"),
        ("/package-blueprints/NOPE/function-blueprints", "package_blueprint_id"),
        ("/function-blueprints/123/function-blueprint-params", "function_blueprint_id"),
        ("/function-blueprint-params/x", "function_blueprint_param_id"),
        ("/function-blueprint-params?packageBlueprintId=x", "packageBlueprintId"),
    ],
)
def test_an_id_that_is_not_a_uuid_is_a_400_naming_it(
    client: TestClient, path: str, parameter: str
) -> None:
    response = client.get(f"{BASE}{path}")

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["code"] == "FAAS-400"
    assert error["message"].startswith(f"{parameter}: must be a UUID")


def test_any_valid_key_of_any_account_reads_the_catalog(
    keyed: tuple[TestClient, IssuedKey], published: UUID
) -> None:
    client = keyed[0]
    settings = container_of(client).settings
    with keyed_client(settings, grants=(Grant("functions.kv:read"),)) as (other, _):
        assert other.get(f"{BASE}/package-blueprints/{published}").status_code == 200
    anonymous = client.get(f"{BASE}/package-blueprints/{published}", headers={"Authorization": ""})
    assert anonymous.status_code == 401
