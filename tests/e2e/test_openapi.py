"""The OpenAPI document: valid 3.1, generated from the wire types, covering every route."""

from __future__ import annotations

from openapi_spec_validator import validate
from starlette.routing import Route
from starlette.testclient import TestClient

from service.openapi import OPERATIONS


def test_the_document_is_valid_openapi_31(client: TestClient) -> None:
    response = client.get("/v2/faas/openapi.json")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    document = response.json()
    validate(document)
    assert document["openapi"] == "3.1.0"


def test_every_route_of_the_app_has_an_operation(client: TestClient) -> None:
    routes = [
        route
        for route in client.app.routes  # type: ignore[attr-defined]
        if isinstance(route, Route) and not route.path.endswith(("openapi.json", "/docs"))
    ]

    assert {route.endpoint for route in routes} == set(OPERATIONS)
    paths = client.get("/v2/faas/openapi.json").json()["paths"]
    for route in routes:
        for method in (route.methods or set()) - {"HEAD"}:
            assert method.lower() in paths[route.path], (method, route.path)


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
