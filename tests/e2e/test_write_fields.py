"""Every write takes only the fields it may change: every other field of its resource (as a GET
shows it) is refused by name, on every POST and PUT; and a body written as the response
envelope is told where the fields go."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from starlette.testclient import TestClient

from service.wire.deployments import DeploymentResponse
from service.wire.packages import FunctionResponse, PackageResponse, RevisionResponse
from tests.support.builders import function_body, package_body
from tests.support.http import BASE

# What each write may set, as the contract says.
CREATE_PACKAGE = {"id", "name", "description", "tags", "apiManaged", "packageBlueprintId",
                  "revisionName", "revisionDescription", "functions"}  # fmt: skip
FUNCTION = {"id", "name", "type", "language", "code", "config", "sortOrder"}
UPDATE_PACKAGE = {"name", "description", "tags"}
CREATE_REVISION = {"packageId", "id", "name", "description", "functions"}
UPDATE_REVISION = {"name", "description"}
CREATE_DEPLOYMENT = {"packageRevisionId", "keysetId", "id"}
START: set[str] = set()


def not_writable(response_type: type[msgspec.Struct], writable: set[str]) -> list[str]:
    """The fields of a resource, as a GET shows it, that a write may not set."""
    names = {field.encode_name for field in msgspec.structs.fields(response_type)}
    return sorted(names - writable)


@pytest.fixture
def world(client: TestClient) -> dict[str, dict[str, Any]]:
    """A package, its revision and a deployment, as their GETs show them."""
    created = client.post(f"{BASE}/packages", json=package_body()).json()["data"]
    revision = client.get(f"{BASE}/packages/{created['id']}/package-revisions").json()["data"][0]
    made = client.post(
        f"{BASE}/package-deployments", json={"packageRevisionId": revision["id"], "keysetId": 3}
    ).json()["data"]
    return {
        "package": client.get(f"{BASE}/packages/{created['id']}").json()["data"],
        "revision": revision,
        "deployment": client.get(f"{BASE}/package-deployments/{made['id']}").json()["data"],
    }


def write_routes(
    world: dict[str, dict[str, Any]],
) -> list[tuple[str, str, dict[str, Any], str, dict[str, Any], list[str]]]:
    """(method, path, a valid body, the JSON path of the object, what the GET shows there,
    the fields a client may not set there) for every write with a body, nested objects too."""
    package, revision, deployment = world["package"], world["revision"], world["deployment"]
    new_revision = {"packageId": package["id"], "name": "next", "functions": [function_body()]}
    start = f"{BASE}/package-deployments/{deployment['id']}/function-deployments"
    function = revision["functions"][0]
    return [
        ("POST", f"{BASE}/packages", package_body(), "$", package,
         not_writable(PackageResponse, CREATE_PACKAGE)),
        ("POST", f"{BASE}/packages", package_body(), "$.functions[0]", function,
         not_writable(FunctionResponse, FUNCTION)),
        ("PUT", f"{BASE}/packages/{package['id']}", {"description": "d"}, "$", package,
         not_writable(PackageResponse, UPDATE_PACKAGE)),
        ("POST", f"{BASE}/package-revisions", new_revision, "$", revision,
         not_writable(RevisionResponse, CREATE_REVISION)),
        ("POST", f"{BASE}/package-revisions", new_revision, "$.functions[0]", function,
         not_writable(FunctionResponse, FUNCTION)),
        ("PUT", f"{BASE}/package-revisions/{revision['id']}", {"description": "d"}, "$",
         revision, not_writable(RevisionResponse, UPDATE_REVISION)),
        ("POST", f"{BASE}/package-deployments",
         {"packageRevisionId": revision["id"], "keysetId": 4}, "$", deployment,
         not_writable(DeploymentResponse, CREATE_DEPLOYMENT)),
        ("POST", start, {}, "$", deployment, not_writable(DeploymentResponse, START)),
    ]  # fmt: skip


def _with(body: dict[str, Any], at: str, field: str, value: Any) -> dict[str, Any]:
    sent = msgspec.json.decode(msgspec.json.encode(body))
    target = sent["functions"][0] if at == "$.functions[0]" else sent
    target[field] = value
    return sent  # type: ignore[no-any-return]


def test_every_field_a_write_may_not_set_is_refused_by_name(
    client: TestClient, world: dict[str, dict[str, Any]]
) -> None:
    accepted: list[tuple[str, str, str, int]] = []
    for method, path, body, at, shown, fields in write_routes(world):
        assert fields, (method, path, at)
        for field in fields:
            response = client.request(method, path, json=_with(body, at, field, shown[field]))
            messages = [error["message"] for error in response.json().get("errors", [])]
            if response.status_code != 400 or not any(
                message.startswith(f"{at}.{field}: ") for message in messages
            ):
                accepted.append((method, path, f"{at}.{field}", response.status_code))

    assert accepted == []


def test_a_body_sent_as_a_response_envelope_is_told_the_fields_go_at_the_top_level(
    client: TestClient, world: dict[str, dict[str, Any]]
) -> None:
    meta = {"timestamp": "2026-01-15T10:30:00.000Z", "correlationId": "c"}
    for method, path, body, at, _, _ in write_routes(world):
        if at != "$":
            continue
        response = client.request(method, path, json={"data": body, "meta": meta, "errors": []})

        assert response.status_code == 400, (method, path, response.text)
        [error] = response.json()["errors"]
        assert error["code"] == "FAAS-400"
        assert error["message"].startswith("$.data: "), error
        assert "top level" in error["message"], error


def test_a_start_may_send_no_body_an_empty_one_or_an_empty_object(
    client: TestClient, world: dict[str, dict[str, Any]]
) -> None:
    start = f"{BASE}/package-deployments/{world['deployment']['id']}/function-deployments"

    answers = [
        client.post(start),
        client.post(start, content=b"", headers={"Content-Type": "text/plain"}),
        client.post(start, json={}),
        client.post(start, content=b"{}", headers={"Content-Type": "text/plain"}),
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 415]
