"""Ids have one form on the wire (lowercase, with hyphens): any other spelling names nothing,
the same on every route: 404 in a path, 400 in a query or a body. The catalog's public ids
are the exception: a path id spelled any other way is a 400 naming the parameter."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from tests.support.builders import function_body, package_body
from tests.support.http import BASE
from tests.support.schedules import schedule_body


def bad_spellings(canonical: str) -> list[str]:
    """Ways of writing (or almost writing) the id that a UUID parser may accept."""
    return [
        canonical.upper(),
        f"%7B{canonical}%7D",  # {…}
        canonical.replace("-", ""),
        f"urn:uuid:{canonical}",
        f"{canonical}%0A",
        f"%20{canonical}",
        canonical[:-1],
        "%00",
        "not-a-uuid",
    ]


@pytest.fixture
def world(client: TestClient) -> dict[str, str]:
    """A package, its revision and a (stopped) deployment of it."""
    package = client.post(f"{BASE}/packages", json=package_body()).json()["data"]
    revisions = client.get(f"{BASE}/packages/{package['id']}/package-revisions")
    revision = revisions.json()["data"][0]
    deployment = client.post(
        f"{BASE}/package-deployments", json={"packageRevisionId": revision["id"], "keysetId": 7}
    ).json()["data"]
    begin = datetime.now(UTC) + timedelta(hours=1)
    schedule = client.post(
        f"{BASE}/scheduled/events", json=schedule_body(deployment["id"], begin)
    ).json()["data"]
    function_revision = revision["functions"][0]["functionRevisionId"]
    test_input = client.post(
        f"{BASE}/function-revisions/{function_revision}/test-inputs", json={"payload": 1}
    ).json()["data"]
    return {
        "package": package["id"],
        "revision": revision["id"],
        "deployment": deployment["id"],
        "schedule": schedule["id"],
        "function revision": function_revision,
        "test input": test_input["id"],
    }


# The catalog's ids are public: one that is not a UUID is a 400 naming the parameter, on
# each of its routes (tests/e2e/test_catalog_http.py, tests/e2e/test_import_http.py).
CATALOG_PATHS = ("/package-blueprints/", "/function-blueprints/", "/function-blueprint-params/")
TEST_INPUTS = "/function-revisions/{function_revision_id}/test-inputs"
TEST_INPUT = f"{TEST_INPUTS}/{{test_input_id}}"
PARAMETER_KINDS = {
    "package_id": "package",
    "revision_id": "revision",
    "deployment_id": "deployment",
    "function_revision_id": "function revision",
    "test_input_id": "test input",
    "scheduled_event_id": "schedule",
}

# Every route with an id in its path: (method, template, the id spelled badly, a body); a
# route with two ids is there once for each. Deletions come last: a route that took a bad
# spelling as the real id would delete it.
PATH_ID_ROUTES: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("GET", "/packages/{package_id}", "package", None),
    ("PUT", "/packages/{package_id}", "package", {"description": "changed"}),
    ("GET", "/packages/{package_id}/package-revisions", "package", None),
    ("GET", "/packages/{package_id}/events", "package", None),
    ("GET", "/package-revisions/{revision_id}", "revision", None),
    ("PUT", "/package-revisions/{revision_id}", "revision", {"description": "changed"}),
    ("GET", "/package-revisions/{revision_id}/functions", "revision", None),
    ("GET", "/package-revisions/{revision_id}/package-deployments", "revision", None),
    ("GET", "/package-deployments/{deployment_id}", "deployment", None),
    (
        "PUT",
        "/package-deployments/{deployment_id}/function-deployments",
        "deployment",
        {"newPackageDeploymentId": "0b6f6f0e-3c8e-4a36-9a4e-4f8d1c1f2a10"},
    ),
    ("GET", TEST_INPUTS, "function revision", None),
    ("POST", TEST_INPUTS, "function revision", {"payload": 1}),
    ("GET", TEST_INPUT, "function revision", None),
    ("GET", TEST_INPUT, "test input", None),
    ("PUT", TEST_INPUT, "function revision", {"name": "n"}),
    ("PUT", TEST_INPUT, "test input", {"name": "n"}),
    ("DELETE", TEST_INPUT, "function revision", None),
    ("DELETE", TEST_INPUT, "test input", None),
    ("POST", "/package-deployments/{deployment_id}/function-deployments", "deployment", None),
    ("DELETE", "/package-deployments/{deployment_id}/function-deployments", "deployment", None),
    ("GET", "/scheduled/events/{scheduled_event_id}", "schedule", None),
    ("PUT", "/scheduled/events/{scheduled_event_id}", "schedule", {"description": "changed"}),
    ("DELETE", "/scheduled/events/{scheduled_event_id}", "schedule", None),
    ("DELETE", "/package-deployments/{deployment_id}", "deployment", None),
    ("DELETE", "/package-revisions/{revision_id}", "revision", None),
    ("DELETE", "/packages/{package_id}", "package", None),
]


# The catalog's routes with an id in their path: (template, the parameter).
CATALOG_PATH_ID_ROUTES = [
    ("/package-blueprints/{package_blueprint_id}", "package_blueprint_id"),
    ("/package-blueprints/{package_blueprint_id}/function-blueprints", "package_blueprint_id"),
    (
        "/function-blueprints/{function_blueprint_id}/function-blueprint-params",
        "function_blueprint_id",
    ),
    ("/function-blueprint-params/{function_blueprint_param_id}", "function_blueprint_param_id"),
]


def _path(template: str, value: str, kind: str = "", world: dict[str, str] | None = None) -> str:
    """The path with ``value`` for the id of ``kind`` (by default the only one) and the
    world's ids for any other."""
    path = template
    for name in re.findall(r"{(\w+)}", template):
        real = PARAMETER_KINDS[name]
        spelled = value if real == kind or not kind else (world or {})[real]
        path = path.replace(f"{{{name}}}", spelled)
    return BASE + path


def test_the_sweep_covers_every_route_with_an_id_in_its_path(client: TestClient) -> None:
    routes = {
        (method, route.path.removeprefix(BASE))
        for route in client.app.routes  # type: ignore[attr-defined]
        if isinstance(route, Route)
        and any(name.endswith("_id") for name in route.param_convertors)
        and not route.path.removeprefix(BASE).startswith(CATALOG_PATHS)
        for method in route.methods or ()
        if method != "HEAD"
    }

    assert routes == {(method, template) for method, template, _, _ in PATH_ID_ROUTES}


def test_a_catalog_id_spelled_any_other_way_in_a_path_is_400_naming_it(
    client: TestClient,
) -> None:
    refused: list[tuple[str, int, str]] = []
    for template, parameter in CATALOG_PATH_ID_ROUTES:
        for spelling in bad_spellings(str(uuid4())):
            path = BASE + template.replace(f"{{{parameter}}}", spelling)
            response = client.get(path)
            message = response.json()["errors"][0]["message"]
            if response.status_code != 400 or not message.startswith(f"{parameter}: must be"):
                refused.append((path, response.status_code, message))

    assert refused == []


def test_an_id_spelled_any_other_way_in_a_path_is_404_on_every_route(
    client: TestClient, world: dict[str, str]
) -> None:
    now = datetime.now(UTC).isoformat()
    refused: list[tuple[str, str, int]] = []
    for method, template, kind, body in PATH_ID_ROUTES:
        for spelling in bad_spellings(world[kind]):
            with_as_of = {"/packages/{package_id}", "/scheduled/events/{scheduled_event_id}"}
            queries = ["", f"?asOf={now}"] if template in with_as_of else [""]
            for query in queries:
                path = _path(template, spelling, kind, world) + query
                response = client.request(method, path, json=body)
                if response.status_code != 404 or "FAAS-404" not in response.text:
                    refused.append((method, path, response.status_code))

    assert refused == []
    assert client.get(_path("/packages/{package_id}", world["package"])).status_code == 200


@pytest.mark.parametrize("parameter", ["package_id", "package_revision_id"])
def test_an_id_spelled_any_other_way_in_a_query_is_400_naming_it(
    client: TestClient, world: dict[str, str], parameter: str
) -> None:
    kind = "package" if parameter == "package_id" else "revision"
    for spelling in bad_spellings(world[kind]):
        response = client.delete(f"{BASE}/function-deployments?{parameter}={spelling}")

        assert response.status_code == 400, (spelling, response.text)
        [error] = response.json()["errors"]
        assert error["code"] == "FAAS-400"
        assert error["message"].startswith(f"{parameter}: must be a UUID"), error


def _body_cases(world: dict[str, str]) -> list[tuple[str, dict[str, Any], str, str]]:
    """(path, body, the field's JSON path, the canonical id it holds) for every body id."""
    revision = {"packageId": world["package"], "functions": [function_body()], "name": "v9"}
    fresh = "0b6f6f0e-3c8e-4a36-9a4e-4f8d1c1f2a10"
    function_with_id = function_body(id=fresh)
    return [
        (f"{BASE}/packages", package_body(id=fresh), "$.id", fresh),
        (f"{BASE}/packages", package_body(packageBlueprintId=fresh), "$.packageBlueprintId", fresh),
        (
            f"{BASE}/packages",
            package_body(functions=[function_with_id]),
            "$.functions[0].id",
            fresh,
        ),
        (f"{BASE}/package-revisions", revision, "$.packageId", world["package"]),
        (f"{BASE}/package-revisions", {**revision, "id": fresh}, "$.id", fresh),
        (
            f"{BASE}/package-deployments",
            {"packageRevisionId": world["revision"], "keysetId": 8},
            "$.packageRevisionId",
            world["revision"],
        ),
        (
            f"{BASE}/package-deployments",
            {"packageRevisionId": world["revision"], "keysetId": 9, "id": fresh},
            "$.id",
            fresh,
        ),
        (
            f"{BASE}/scheduled/events",
            schedule_body(world["deployment"], datetime.now(UTC) + timedelta(hours=3)),
            "$.packageDeploymentId",
            world["deployment"],
        ),
        (
            f"{BASE}/scheduled/events",
            schedule_body(world["deployment"], datetime.now(UTC) + timedelta(hours=5), id=fresh),
            "$.id",
            fresh,
        ),
        (
            f"{BASE}/function-revisions/{world['function revision']}/test-inputs",
            {"payload": 1, "id": fresh},
            "$.id",
            fresh,
        ),
    ]


def test_an_id_spelled_any_other_way_in_a_body_is_400_naming_the_field(
    client: TestClient, world: dict[str, str]
) -> None:
    accepted: list[tuple[str, str, int]] = []
    for path, body, field, canonical in _body_cases(world):
        for spelling in bad_spellings(canonical):
            text = spelling.replace("%7B", "{").replace("%7D", "}").replace("%0A", "\n")
            text = text.replace("%20", " ").replace("%00", "\x00")
            sent = _replaced(body, canonical, text)
            response = client.post(path, json=sent)
            messages = [error["message"] for error in response.json().get("errors", [])]
            if response.status_code != 400 or not any(m.startswith(field) for m in messages):
                accepted.append((path, field, response.status_code))

    assert accepted == []


def _replaced(value: Any, old: str, new: str) -> Any:
    if isinstance(value, dict):
        return {key: _replaced(item, old, new) for key, item in value.items()}
    if isinstance(value, list):
        return [_replaced(item, old, new) for item in value]
    return new if value == old else value
