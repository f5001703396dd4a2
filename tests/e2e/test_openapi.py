"""The OpenAPI document: valid 3.1, generated from the wire types, covering every route."""

from __future__ import annotations

from importlib.metadata import version

import msgspec
from openapi_spec_validator import validate
from starlette.routing import Route
from starlette.testclient import TestClient

from service.examples import EXAMPLES
from service.openapi import documented_path
from service.routes import API


def test_the_document_is_valid_openapi_31(client: TestClient) -> None:
    response = client.get("/v2/faas/openapi.json")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    document = response.json()
    validate(document)
    assert document["openapi"] == "3.1.0"


def test_every_route_of_the_app_has_an_operation_and_no_operation_lacks_a_route(
    client: TestClient,
) -> None:
    routes = [
        route
        for route in client.app.routes  # type: ignore[attr-defined]
        if isinstance(route, Route) and not route.path.endswith(("openapi.json", "/docs"))
    ]
    paths = client.get("/v2/faas/openapi.json").json()["paths"]

    served = {
        (method, documented_path(route.path))
        for route in routes
        for method in route.methods - {"HEAD"}
    }
    documented = {(method.upper(), path) for path, item in paths.items() for method in item}
    endpoints = {(endpoint.method, documented_path(endpoint.path)) for endpoint in API}
    assert served == documented == endpoints


def test_every_operation_is_tagged_described_and_shown_by_example(client: TestClient) -> None:
    document = client.get("/v2/faas/openapi.json").json()
    tags = [tag["name"] for tag in document["tags"]]

    assert document["info"]["version"] == version("faas-packages")
    assert "Authorization" in document["components"]["securitySchemes"]["apiKey"]["description"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            where = f"{method} {path}"
            assert [tag in tags for tag in operation["tags"]] == [True], where
            assert (operation["summary"] and operation["description"]) or path in {
                "/livez",
                "/metrics",
            }, where
            body = operation.get("requestBody")
            if body is not None:
                assert "example" in body["content"]["application/json"], where
            success = next(iter(operation["responses"].values()))
            if "application/json" in success.get("content", {}) and path.startswith("/v2"):
                assert "example" in success["content"]["application/json"], where
            for parameter in operation["parameters"]:
                if parameter["in"] == "path" and parameter["name"].endswith("_id"):
                    assert parameter["schema"]["format"] == "uuid", where


def test_the_examples_are_what_their_types_accept() -> None:
    for kind, example in EXAMPLES.items():
        # As JSON, the way a request arrives: a field kept raw takes no Python value.
        msgspec.json.decode(msgspec.json.encode(example), type=kind)


def test_request_and_response_schemas_come_from_the_wire_types(client: TestClient) -> None:
    document = client.get("/v2/faas/openapi.json").json()
    create = document["paths"]["/v2/faas/packages"]["post"]
    schemas = document["components"]["schemas"]

    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/CreatePackageRequest"
    )
    request = schemas["CreatePackageRequest"]
    assert request["additionalProperties"] is False
    assert request["properties"]["name"]["maxLength"] == 100
    assert request["properties"]["revisionsTotal"]["readOnly"] is True
    assert set(create["responses"]) >= {"201", "400", "401", "403", "409", "413", "415", "422"}
    assert "FAAS-1006" in create["responses"]["422"]["description"]
    assert "revisionsTotal" in schemas["PackageResponse"]["properties"]
